//! Counters over a fixed window (rate limits), in the process or on Redis so that every
//! node counts together.

use crate::{Redis, SharedError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A window's hits and when it started.
type Window = Arc<Mutex<(u64, Instant)>>;

/// Counts hits per key over a window.
#[derive(Clone)]
pub enum Counters {
    /// In this process (one node).
    Local(Arc<moka::sync::Cache<String, Window>>),
    /// On Redis: every node counts into the same key.
    Shared(Redis),
}

impl Counters {
    /// Counters in this process, for windows of at most `longest`.
    pub fn local(longest: Duration) -> Self {
        Counters::Local(Arc::new(
            moka::sync::Cache::builder()
                .max_capacity(1_000_000)
                .time_to_idle(longest)
                .build(),
        ))
    }

    /// Counters on `redis`, under `<prefix>count:`.
    pub fn shared(redis: Redis) -> Self {
        Counters::Shared(redis)
    }

    /// One more hit on `key` in its window of `window` (the window starts at its first hit);
    /// the hits so far in the window, this one included.
    pub async fn hit(&self, key: &str, window: Duration) -> Result<u64, SharedError> {
        match self {
            Counters::Local(cache) => {
                let entry = cache.get_with(key.to_string(), || Arc::new(Mutex::new((0, Instant::now()))));
                let mut guard = entry.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                if guard.1.elapsed() >= window {
                    *guard = (0, Instant::now());
                }
                guard.0 += 1;
                Ok(guard.0)
            }
            Counters::Shared(redis) => redis.hit(&redis.key("count", key), window).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Counters;
    use std::time::Duration;

    #[tokio::test]
    async fn a_window_counts_then_starts_again() {
        let c = Counters::local(Duration::from_secs(60));
        let w = Duration::from_millis(200);
        for n in 1..=3 {
            assert_eq!(c.hit("signin:10.0.0.1", w).await.ok(), Some(n));
        }
        assert_eq!(c.hit("signin:10.0.0.2", w).await.ok(), Some(1), "per key");
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(c.hit("signin:10.0.0.1", w).await.ok(), Some(1), "a new window");
    }
}
