//! Server-side sessions: the cookie carries only a random session key; the state lives here.
//! This is what makes single logout possible (the CAS server's back-channel request ends a
//! session the browser is not part of) and keeps the PGT and attributes off the browser.
//!
//! The embedded default is in-process (one node). Service tickets are indexed to their
//! session so `logoutRequest` finds it. A shared store (Redis) plugs in behind the same
//! methods when several nodes run.

use super::{AUTH_KEYS, cas_ticket_of};
use agora_shared::SharedError;
use moka::Expiry;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A new random session id (256 bits, hex).
pub fn new_session_id() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    hex::encode(bytes)
}

/// Where sessions live: in this process (one node) or on Redis (several nodes). Both
/// answer the same questions; only the shared one can fail.
#[derive(Clone)]
pub enum SessionStore {
    /// In the process (`[redis] url` empty).
    Memory(MemorySessionStore),
    /// On Redis, shared by every node.
    Redis(super::shared::RedisSessionStore),
}

impl SessionStore {
    /// The state of session `id`, if it is alive.
    pub async fn load(&self, id: &str) -> Result<Option<State>, SharedError> {
        match self {
            SessionStore::Memory(m) => Ok(m.load(id).await),
            SessionStore::Redis(r) => r.load(id).await,
        }
    }

    /// Store a new session; returns its new random id.
    pub async fn save(&self, state: State, ttl: Duration) -> Result<String, SharedError> {
        match self {
            SessionStore::Memory(m) => Ok(m.save(state, ttl).await),
            SessionStore::Redis(r) => r.save(state, ttl).await,
        }
    }

    /// Store the state of session `id`; returns the id it now lives under.
    pub async fn update(&self, id: String, state: State, ttl: Duration) -> Result<String, SharedError> {
        match self {
            SessionStore::Memory(m) => Ok(m.update(id, state, ttl).await),
            SessionStore::Redis(r) => r.update(id, state, ttl).await,
        }
    }

    /// Keep session `id` alive for `ttl` more.
    pub async fn update_ttl(&self, id: &str, ttl: Duration) -> Result<(), SharedError> {
        match self {
            SessionStore::Memory(m) => {
                m.update_ttl(id, ttl).await;
                Ok(())
            }
            SessionStore::Redis(r) => r.update_ttl(id, ttl).await,
        }
    }

    /// End session `id`.
    pub async fn delete(&self, id: &str) -> Result<(), SharedError> {
        match self {
            SessionStore::Memory(m) => {
                m.delete(id).await;
                Ok(())
            }
            SessionStore::Redis(r) => r.delete(id).await,
        }
    }

    /// End the session opened by CAS service ticket `st` (single logout).
    pub async fn end_by_ticket(&self, st: &str) -> Result<bool, SharedError> {
        match self {
            SessionStore::Memory(m) => Ok(m.end_by_ticket(st).await),
            SessionStore::Redis(r) => r.end_by_ticket(st).await,
        }
    }

    /// Number of live sessions.
    pub async fn count(&self) -> Result<u64, SharedError> {
        match self {
            SessionStore::Memory(m) => Ok(m.count().await),
            SessionStore::Redis(r) => r.count().await,
        }
    }
}

/// A session's state: key → JSON value.
pub type State = HashMap<String, String>;

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

    async fn put(&self, key: &str, state: State, ttl: Duration) {
        if let Some(st) = cas_ticket_of(&state) {
            self.by_ticket.insert(st, key.to_string()).await;
        }
        let ttl = ttl.max(Duration::from_secs(1));
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

    /// Number of live sessions (for `/health`, metrics and tests), exact: pending
    /// insertions and evictions are applied first.
    pub async fn count(&self) -> u64 {
        self.sessions.run_pending_tasks().await;
        self.sessions.entry_count()
    }
}

impl MemorySessionStore {
    /// The state of session `key`, if it is alive.
    pub async fn load(&self, key: &str) -> Option<State> {
        self.sessions.get(key).await.map(|e| (*e.state).clone())
    }

    /// Store a new session; returns its new random id.
    pub async fn save(&self, state: State, ttl: Duration) -> String {
        let key = new_session_id();
        self.put(&key, state, ttl).await;
        key
    }

    /// Store the state of session `key`; returns the id it now lives under (a new one when
    /// the session ended meanwhile).
    pub async fn update(&self, key: String, state: State, ttl: Duration) -> String {
        if self.sessions.get(&key).await.is_none() {
            // Ended meanwhile (single logout) while a request was in flight: never resurrect
            // the sign-in, under this key or another.
            let mut state = state;
            state.retain(|k, _| !AUTH_KEYS.contains(&k.as_str()));
            return self.save(state, ttl).await;
        }
        self.put(&key, state, ttl).await;
        key
    }

    /// Keep session `key` alive for `ttl` more.
    pub async fn update_ttl(&self, key: &str, ttl: Duration) {
        if let Some(e) = self.sessions.get(key).await {
            self.put(key, (*e.state).clone(), ttl).await;
        }
    }

    /// End session `key`.
    pub async fn delete(&self, key: &str) {
        self.sessions.remove(key).await;
    }
}
