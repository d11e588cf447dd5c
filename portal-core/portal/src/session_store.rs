//! Server-side sessions: the cookie carries only a random session key; the state lives here.
//! This is what makes single logout possible (the CAS server's back-channel request ends a
//! session the browser is not part of) and keeps the PGT and attributes off the browser.
//!
//! The embedded default is in-process (one node). Service tickets are indexed to their
//! session so `logoutRequest` finds it. A shared store (Redis) plugs in behind the same
//! methods when several nodes run.

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use moka::Expiry;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// Session state key holding the CAS service ticket that opened the session.
pub const CAS_TICKET_KEY: &str = "cas_st";

/// Session keys that make a session signed in; never carried over to a new session key.
pub const AUTH_KEYS: &[&str] = &[
    "uid",
    CAS_TICKET_KEY,
    "signon_attributes",
    "pgt",
    "signed_in_at",
    OIDC_ID_TOKEN_KEY,
];

/// Session state key holding the OIDC ID token of the sign-in (the `id_token_hint` of
/// sign-out).
pub const OIDC_ID_TOKEN_KEY: &str = "oidc_id_token";

type State = HashMap<String, String>;

#[derive(Clone)]
struct Entry {
    state: Arc<State>,
    ttl: std::time::Duration,
}

struct EntryTtl;

impl Expiry<String, Entry> for EntryTtl {
    fn expire_after_create(&self, _k: &String, v: &Entry, _now: Instant) -> Option<std::time::Duration> {
        Some(v.ttl)
    }
    fn expire_after_update(
        &self,
        _k: &String,
        v: &Entry,
        _now: Instant,
        _current: Option<std::time::Duration>,
    ) -> Option<std::time::Duration> {
        Some(v.ttl)
    }
}

/// The in-process session store (cheap to clone; clones share the sessions).
#[derive(Clone)]
pub struct MemorySessionStore {
    sessions: moka::future::Cache<String, Entry>,
    by_ticket: moka::future::Cache<String, String>,
}

impl Default for MemorySessionStore {
    fn default() -> Self {
        Self::new(1_000_000)
    }
}

impl MemorySessionStore {
    /// A store holding at most `capacity` sessions.
    pub fn new(capacity: u64) -> Self {
        MemorySessionStore {
            sessions: moka::future::Cache::builder()
                .max_capacity(capacity)
                .expire_after(EntryTtl)
                .build(),
            by_ticket: moka::future::Cache::builder()
                .max_capacity(capacity)
                .time_to_idle(std::time::Duration::from_secs(24 * 3600))
                .build(),
        }
    }

    fn new_key() -> String {
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        hex::encode(bytes)
    }

    async fn put(&self, key: &str, state: State, ttl: &Duration) {
        if let Some(st) = state.get(CAS_TICKET_KEY) {
            // Stored as a JSON string by actix-session.
            let st = serde_json::from_str::<String>(st).unwrap_or_else(|_| st.clone());
            self.by_ticket.insert(st, key.to_string()).await;
        }
        let ttl = std::time::Duration::from_secs(ttl.whole_seconds().max(1) as u64);
        self.sessions
            .insert(
                key.to_string(),
                Entry {
                    state: Arc::new(state),
                    ttl,
                },
            )
            .await;
    }

    /// End the session opened by CAS service ticket `st` (single logout). Returns whether a
    /// session was found.
    pub async fn end_by_ticket(&self, st: &str) -> bool {
        match self.by_ticket.remove(st).await {
            Some(key) => self.sessions.remove(&key).await.is_some(),
            None => false,
        }
    }

    /// Number of live sessions (for metrics and tests).
    pub fn len(&self) -> u64 {
        self.sessions.entry_count()
    }

    /// Whether there is no live session.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SessionStore for MemorySessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<State>, LoadError> {
        Ok(self
            .sessions
            .get(session_key.as_ref())
            .await
            .map(|e| (*e.state).clone()))
    }

    async fn save(&self, session_state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let key = Self::new_key();
        self.put(&key, session_state, ttl).await;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(anyhow::anyhow!("{e}")))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        session_state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        if self.sessions.get(session_key.as_ref()).await.is_none() {
            // Ended meanwhile (single logout) while a request was in flight: never resurrect
            // the sign-in, under this key or another.
            let mut state = session_state;
            state.retain(|k, _| !AUTH_KEYS.contains(&k.as_str()));
            let key = Self::new_key();
            self.put(&key, state, ttl).await;
            return SessionKey::try_from(key).map_err(|e| UpdateError::Other(anyhow::anyhow!("{e}")));
        }
        self.put(session_key.as_ref(), session_state, ttl).await;
        Ok(session_key)
    }

    async fn update_ttl(&self, session_key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        if let Some(e) = self.sessions.get(session_key.as_ref()).await {
            self.put(session_key.as_ref(), (*e.state).clone(), ttl).await;
        }
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        self.sessions.remove(session_key.as_ref()).await;
        Ok(())
    }
}
