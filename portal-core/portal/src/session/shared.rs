//! Sessions on Redis, for several portal nodes: a session opened on one node is read by
//! every other, survives the restart or the loss of any node, and a CAS single-logout
//! request received by any node ends it everywhere.
//!
//! Keys (after the configured prefix): `session:<id>` holds the state (JSON map of key →
//! JSON value) with the session's lifetime; `ticket:<service ticket>` holds the id of the
//! session the ticket opened. Nothing is cached in the node: a session ended by single
//! logout is gone for the very next request, whichever node serves it.

use super::store::State;
use super::{AUTH_KEYS, cas_ticket_of};
use agora_shared::{Redis, SharedError};
use std::time::Duration;

/// Sessions on Redis (cheap to clone).
#[derive(Clone, Debug)]
pub struct RedisSessionStore {
    redis: Redis,
    /// How long the service ticket → session index is kept: as long as a session may live.
    ticket_ttl: Duration,
}

impl RedisSessionStore {
    /// Sessions kept in `redis`, which live at most `longest` (`[auth] absolute_hours`).
    pub fn new(redis: Redis, longest: Duration) -> Self {
        RedisSessionStore {
            redis,
            ticket_ttl: longest.max(Duration::from_secs(3600)),
        }
    }

    fn session_key(&self, id: &str) -> String {
        self.redis.key("session", id)
    }

    fn encode(state: &State) -> Vec<u8> {
        // A map of strings always serialises.
        serde_json::to_vec(state).unwrap_or_default()
    }

    async fn index_ticket(&self, id: &str, state: &State) -> Result<(), SharedError> {
        if let Some(st) = cas_ticket_of(state) {
            self.redis
                .set(&self.redis.key("ticket", &st), id.as_bytes(), self.ticket_ttl)
                .await?;
        }
        Ok(())
    }

    /// The state of session `id`, if it is alive. A stored value that does not decode (a
    /// session written by an incompatible version) counts as no session.
    pub async fn load(&self, id: &str) -> Result<Option<State>, SharedError> {
        let Some(bytes) = self.redis.get(&self.session_key(id)).await? else {
            return Ok(None);
        };
        match serde_json::from_slice(&bytes) {
            Ok(state) => Ok(Some(state)),
            Err(e) => {
                tracing::warn!("a stored session does not decode, ignoring it: {e}");
                Ok(None)
            }
        }
    }

    /// Store a new session; returns its new random id.
    pub async fn save(&self, state: State, ttl: Duration) -> Result<String, SharedError> {
        let bytes = Self::encode(&state);
        loop {
            let id = super::store::new_session_id();
            // The index first: a single logout arriving meanwhile finds the session.
            self.index_ticket(&id, &state).await?;
            // NX: a (astronomically unlikely) clash never overwrites someone's session.
            if self.redis.create(&self.session_key(&id), &bytes, ttl).await? {
                return Ok(id);
            }
        }
    }

    /// Store the state of session `id`; returns the id it now lives under (a new one when
    /// the session ended meanwhile: the sign-in is then never carried over).
    pub async fn update(&self, id: String, state: State, ttl: Duration) -> Result<String, SharedError> {
        // XX: only if it still exists, atomically, so a single logout that ran on another
        // node while this request was in flight is never undone.
        if self
            .redis
            .replace(&self.session_key(&id), &Self::encode(&state), ttl)
            .await?
        {
            self.index_ticket(&id, &state).await?;
            return Ok(id);
        }
        let mut state = state;
        state.retain(|k, _| !AUTH_KEYS.contains(&k.as_str()));
        self.save(state, ttl).await
    }

    /// Keep session `id` alive for `ttl` more.
    pub async fn update_ttl(&self, id: &str, ttl: Duration) -> Result<(), SharedError> {
        self.redis.expire(&self.session_key(id), ttl).await.map(|_| ())
    }

    /// End session `id`.
    pub async fn delete(&self, id: &str) -> Result<(), SharedError> {
        self.redis.delete(&self.session_key(id)).await.map(|_| ())
    }

    /// End the session opened by CAS service ticket `st` (single logout), whichever node
    /// opened it. Returns whether a session was found.
    pub async fn end_by_ticket(&self, st: &str) -> Result<bool, SharedError> {
        let ticket = self.redis.key("ticket", st);
        match self.redis.get(&ticket).await? {
            Some(id) => {
                let id = String::from_utf8_lossy(&id).into_owned();
                // The session first, the index last: if this stops half-way, a retry by the
                // CAS server still finds the session to end.
                let ended = self.redis.delete(&self.session_key(&id)).await?;
                self.redis.delete(&ticket).await?;
                Ok(ended)
            }
            None => Ok(false),
        }
    }

    /// Number of live sessions (counted by scanning: for `/health` and tests).
    pub async fn count(&self) -> Result<u64, SharedError> {
        Ok(self.redis.count("session", 10_000_000).await? as u64)
    }
}
