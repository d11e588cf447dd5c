//! Keyed values with a lifetime, counters and a health probe on Redis.

use crate::error::{SharedError, shown_url};
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::Arc;
use std::time::Duration;

/// How to reach Redis.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// `redis://[:password@]host:port[/db]` or `unix:///path/to/socket` (no TLS).
    pub url: String,
    /// Put before every key and channel (`agora:`), so one Redis serves several portals.
    pub prefix: String,
    /// A command not answered within this is a failure (Redis "slow" counts as down).
    pub timeout: Duration,
}

/// A handle on the shared store (cheap to clone; clones share one multiplexed connection
/// that reconnects by itself after Redis comes back).
#[derive(Clone)]
pub struct Redis {
    conn: ConnectionManager,
    client: redis::Client,
    prefix: Arc<str>,
    shown: Arc<str>,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("url", &self.shown)
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl Redis {
    /// A handle on the Redis of `options`. Nothing is sent yet: the connection is made on
    /// the first command, so a portal starts (and serves what needs no shared state) while
    /// Redis is down. Must be called within a Tokio runtime.
    pub fn open(options: &RedisOptions) -> Result<Self, SharedError> {
        let shown = shown_url(&options.url);
        let client = redis::Client::open(options.url.as_str()).map_err(|e| SharedError::BadUrl {
            url: shown.clone(),
            reason: e.to_string(),
        })?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.timeout))
            .set_response_timeout(Some(options.timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(2));
        let conn =
            ConnectionManager::new_lazy_with_config(client.clone(), config).map_err(|e| SharedError::BadUrl {
                url: shown.clone(),
                reason: e.to_string(),
            })?;
        Ok(Redis {
            conn,
            client,
            prefix: options.prefix.as_str().into(),
            shown: shown.into(),
        })
    }

    /// The same store, with `scope` after the prefix of every key (`agora:` and `t:ut1:` give
    /// `agora:t:ut1:<kind>:<id>`): one tenant's keys, sharing this handle's connection.
    pub fn scoped(&self, scope: &str) -> Redis {
        Redis {
            conn: self.conn.clone(),
            client: self.client.clone(),
            prefix: format!("{}{scope}", self.prefix).into(),
            shown: self.shown.clone(),
        }
    }

    /// The URL, password removed (for logs and `/health`).
    pub fn shown_url(&self) -> &str {
        &self.shown
    }

    /// The full key of `id` in the family `kind`: `<prefix><kind>:<id>`.
    pub fn key(&self, kind: &str, id: &str) -> String {
        format!("{}{kind}:{id}", self.prefix)
    }

    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    pub(crate) fn client(&self) -> &redis::Client {
        &self.client
    }

    fn err(&self, e: &redis::RedisError) -> SharedError {
        SharedError::from_redis(&self.shown, e)
    }

    /// The value of `key`, if any.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SharedError> {
        let mut c = self.conn.clone();
        c.get(key).await.map_err(|e| self.err(&e))
    }

    /// The values of `keys`, in order, in one round trip (`MGET`).
    pub async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, SharedError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut c = self.conn.clone();
        redis::cmd("MGET")
            .arg(keys)
            .query_async(&mut c)
            .await
            .map_err(|e| self.err(&e))
    }

    /// Set `key` to `value` for `ttl`.
    pub async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), SharedError> {
        let mut c = self.conn.clone();
        redis::cmd("SET")
            .arg(key)
            .arg(value)
            .arg("PX")
            .arg(millis(ttl))
            .query_async::<()>(&mut c)
            .await
            .map_err(|e| self.err(&e))
    }

    /// Set `key` to `value` for `ttl` only if it exists (never brings a deleted key back);
    /// returns whether it was set.
    pub async fn replace(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, SharedError> {
        self.set_if(key, value, ttl, "XX").await
    }

    /// Set `key` to `value` for `ttl` only if it does not exist; returns whether it was set.
    pub async fn create(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, SharedError> {
        self.set_if(key, value, ttl, "NX").await
    }

    async fn set_if(&self, key: &str, value: &[u8], ttl: Duration, condition: &str) -> Result<bool, SharedError> {
        let mut c = self.conn.clone();
        let answer: Option<String> = redis::cmd("SET")
            .arg(key)
            .arg(value)
            .arg("PX")
            .arg(millis(ttl))
            .arg(condition)
            .query_async(&mut c)
            .await
            .map_err(|e| self.err(&e))?;
        Ok(answer.is_some())
    }

    /// Take `key` out: its value, and the key is gone (`GETDEL`, atomic: of two nodes taking
    /// the same key, one gets it).
    pub async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, SharedError> {
        let mut c = self.conn.clone();
        redis::cmd("GETDEL")
            .arg(key)
            .query_async(&mut c)
            .await
            .map_err(|e| self.err(&e))
    }

    /// Delete `key` only if its value is `value` (atomic: a lock is released by its holder
    /// only); returns whether it was deleted.
    pub async fn delete_if(&self, key: &str, value: &[u8]) -> Result<bool, SharedError> {
        let mut c = self.conn.clone();
        let n: u64 = redis::cmd("EVAL")
            .arg("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end")
            .arg(1)
            .arg(key)
            .arg(value)
            .query_async(&mut c)
            .await
            .map_err(|e| self.err(&e))?;
        Ok(n > 0)
    }

    /// Delete `key`; returns whether it existed.
    pub async fn delete(&self, key: &str) -> Result<bool, SharedError> {
        let mut c = self.conn.clone();
        let n: u64 = c.del(key).await.map_err(|e| self.err(&e))?;
        Ok(n > 0)
    }

    /// Keep `key` for `ttl` from now; returns whether it exists.
    pub async fn expire(&self, key: &str, ttl: Duration) -> Result<bool, SharedError> {
        let mut c = self.conn.clone();
        redis::cmd("PEXPIRE")
            .arg(key)
            .arg(millis(ttl))
            .query_async(&mut c)
            .await
            .map_err(|e| self.err(&e))
    }

    /// Count one more hit on `key` within a fixed window of `window` (the window starts at
    /// the first hit); returns the hits so far in the window, this one included.
    pub async fn hit(&self, key: &str, window: Duration) -> Result<u64, SharedError> {
        let mut c = self.conn.clone();
        // SET … NX PX starts the window (with its lifetime) only if there is none; INCR keeps
        // the lifetime. Any Redis since 2.6.12 (PEXPIRE … NX would need 7.0).
        let (n,): (u64,) = redis::pipe()
            .atomic()
            .cmd("SET")
            .arg(key)
            .arg(0)
            .arg("PX")
            .arg(millis(window))
            .arg("NX")
            .ignore()
            .cmd("INCR")
            .arg(key)
            .query_async(&mut c)
            .await
            .map_err(|e| self.err(&e))?;
        Ok(n)
    }

    /// Number of keys of the family `kind` (`SCAN`, bounded to `limit` keys counted: for
    /// `/health` and tests, not for the request path).
    pub async fn count(&self, kind: &str, limit: usize) -> Result<usize, SharedError> {
        let mut c = self.conn.clone();
        let pattern = format!("{}{kind}:*", self.prefix);
        let mut cursor: u64 = 0;
        let mut n = 0usize;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut c)
                .await
                .map_err(|e| self.err(&e))?;
            n += keys.len();
            cursor = next;
            if cursor == 0 || n >= limit {
                return Ok(n.min(limit));
            }
        }
    }

    /// Send `message` on the events channel `channel` (prefixed) to every node.
    pub(crate) async fn publish(&self, channel: &str, message: &str) -> Result<(), SharedError> {
        let mut c = self.conn.clone();
        let _: u64 = c.publish(channel, message).await.map_err(|e| self.err(&e))?;
        Ok(())
    }

    /// Whether Redis answers (`PING`).
    pub async fn ping(&self) -> Result<(), SharedError> {
        let mut c = self.conn.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut c)
            .await
            .map(|_| ())
            .map_err(|e| self.err(&e))
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}
