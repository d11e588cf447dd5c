//! `agora:channel/cache`: a key-value cache private to each channel, shared by all its
//! renders on this node (in-process, bounded in bytes).

use crate::bindings::agora::channel::cache::Host;
use crate::render::RenderState;
use moka::Expiry;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest time a channel may keep a value.
pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);
/// Largest value a channel may store.
pub const MAX_VALUE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Clone)]
struct Entry {
    value: Arc<[u8]>,
    ttl: Duration,
}

struct PerEntryTtl;

impl Expiry<(String, String), Entry> for PerEntryTtl {
    fn expire_after_create(&self, _key: &(String, String), value: &Entry, _now: Instant) -> Option<Duration> {
        Some(value.ttl)
    }
}

/// The channels' key-value cache. Keys are namespaced by channel id, so one channel can
/// never read another's entries.
#[derive(Clone)]
pub struct ChannelCache {
    inner: moka::future::Cache<(String, String), Entry>,
}

impl ChannelCache {
    /// A cache holding at most `capacity_bytes` of values.
    pub fn new(capacity_bytes: u64) -> Self {
        let inner = moka::future::Cache::builder()
            .max_capacity(capacity_bytes)
            .weigher(|k: &(String, String), v: &Entry| {
                (k.0.len() + k.1.len() + v.value.len()).try_into().unwrap_or(u32::MAX)
            })
            .expire_after(PerEntryTtl)
            .build();
        ChannelCache { inner }
    }

    /// Read `key` of `channel`.
    pub async fn get(&self, channel: &str, key: &str) -> Option<Arc<[u8]>> {
        self.inner
            .get(&(channel.to_string(), key.to_string()))
            .await
            .map(|e| e.value)
    }

    /// Store `value` under `key` of `channel` for `ttl` (capped at [`MAX_TTL`]).
    pub async fn set(&self, channel: &str, key: &str, value: &[u8], ttl: Duration) {
        if value.len() > MAX_VALUE_BYTES || ttl.is_zero() {
            return;
        }
        let entry = Entry {
            value: Arc::from(value),
            ttl: ttl.min(MAX_TTL),
        };
        self.inner.insert((channel.to_string(), key.to_string()), entry).await;
    }
}

impl Host for RenderState {
    async fn get(&mut self, key: String) -> Option<Vec<u8>> {
        self.cache
            .get(&self.manifest.channel.id, &key)
            .await
            .map(|v| v.to_vec())
    }

    async fn set(&mut self, key: String, value: Vec<u8>, ttl_seconds: u32) {
        if value.len() > MAX_VALUE_BYTES {
            self.refusals.push(format!(
                "cache value of {} bytes is above {MAX_VALUE_BYTES}",
                value.len()
            ));
            return;
        }
        self.cache
            .set(
                &self.manifest.channel.id,
                &key,
                &value,
                Duration::from_secs(u64::from(ttl_seconds)),
            )
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn channels_cannot_read_each_others_entries() {
        let cache = ChannelCache::new(1 << 20);
        cache.set("news", "k", b"v", Duration::from_secs(60)).await;
        assert_eq!(cache.get("news", "k").await.as_deref(), Some(&b"v"[..]));
        assert_eq!(cache.get("mail", "k").await, None);
    }

    #[tokio::test]
    async fn entries_expire() {
        let cache = ChannelCache::new(1 << 20);
        cache.set("news", "k", b"v", Duration::from_millis(30)).await;
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(cache.get("news", "k").await, None);
    }
}
