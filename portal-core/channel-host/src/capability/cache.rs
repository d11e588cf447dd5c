//! `agora:channel/cache`: a key-value cache private to each **publication of one package**,
//! shared by all its renders on this node (in-process, bounded in bytes).
//!
//! The namespace is the publication id and the component's content hash, never the id a
//! manifest declares: a second package declaring `id = "news"` cannot read or poison the real
//! news channel's entries, and two publications of one package (bound to different
//! back-ends) never share an entry.

use super::shape::{Capability, Getter, HasView, View};
use crate::bindings::agora::channel::cache::{self as wit, Host};
use crate::ledger::quoted;
use crate::manifest::{ChannelManifest, ManifestError};
use moka::Expiry;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::component::{Component, Linker};

/// Longest time a channel may keep a value.
pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);
/// Largest value a channel may store.
pub const MAX_VALUE_BYTES: usize = 4 * 1024 * 1024;
/// Longest key a channel may use.
pub const MAX_KEY_BYTES: usize = 512;

#[derive(Clone)]
struct Entry {
    value: Arc<[u8]>,
    ttl: Duration,
}

struct PerEntryTtl;

impl Expiry<(Arc<str>, String), Entry> for PerEntryTtl {
    fn expire_after_create(&self, _key: &(Arc<str>, String), value: &Entry, _now: Instant) -> Option<Duration> {
        Some(value.ttl)
    }
}

/// The channels' key-value cache. Keys are namespaced (see the module docs), so one
/// publication can never read another's entries.
#[derive(Clone)]
pub struct ChannelCache {
    inner: moka::future::Cache<(Arc<str>, String), Entry>,
}

impl ChannelCache {
    /// A cache holding at most `capacity_bytes` of keys and values.
    pub fn new(capacity_bytes: u64) -> Self {
        let inner = moka::future::Cache::builder()
            .max_capacity(capacity_bytes)
            .weigher(|k: &(Arc<str>, String), v: &Entry| {
                (k.0.len() + k.1.len() + v.value.len()).try_into().unwrap_or(u32::MAX)
            })
            .expire_after(PerEntryTtl)
            .build();
        ChannelCache { inner }
    }

    /// The namespace of `publication` of the package whose component hash is `hash`.
    pub fn namespace(publication: &str, hash: &str) -> Arc<str> {
        format!("{publication}\u{1f}{hash}").into()
    }

    /// Read `key` in `namespace`.
    pub async fn get(&self, namespace: &Arc<str>, key: &str) -> Option<Arc<[u8]>> {
        self.inner
            .get(&(namespace.clone(), key.to_string()))
            .await
            .map(|e| e.value)
    }

    /// Store `value` under `key` in `namespace` for `ttl` (capped at [`MAX_TTL`]).
    pub async fn set(&self, namespace: &Arc<str>, key: &str, value: &[u8], ttl: Duration) {
        if value.len() > MAX_VALUE_BYTES || key.len() > MAX_KEY_BYTES || ttl.is_zero() {
            return;
        }
        let entry = Entry {
            value: Arc::from(value),
            ttl: ttl.min(MAX_TTL),
        };
        self.inner.insert((namespace.clone(), key.to_string()), entry).await;
    }
}

/// The cache capability (always granted).
pub struct Cache;

/// What the portal provides: the engine's cache and this render's namespace.
pub struct CacheHook {
    /// The engine's cache.
    pub cache: ChannelCache,
    /// [`ChannelCache::namespace`] of the publication being rendered.
    pub namespace: Arc<str>,
}

impl Capability for Cache {
    const INTERFACE: &'static str = "agora:channel/cache";
    type Grant = ();
    type Hook = CacheHook;
    type State = CacheHook;

    fn grant(_manifest: &ChannelManifest) -> Result<(), ManifestError> {
        Ok(())
    }

    fn prepare(_grant: &(), hook: CacheHook) -> CacheHook {
        hook
    }

    fn link<T: Send + 'static>(
        linker: &mut Linker<T>,
        _component: &Component,
        get: Getter<T, CacheHook>,
    ) -> wasmtime::Result<()> {
        wit::add_to_linker::<T, HasView<CacheHook>>(linker, get)
    }
}

impl Host for View<'_, CacheHook> {
    async fn get(&mut self, key: String) -> Option<Vec<u8>> {
        if key.len() > MAX_KEY_BYTES {
            self.ledger.refuse(&format!(
                "cache key `{}` is longer than {MAX_KEY_BYTES} bytes",
                quoted(&key)
            ));
            return None;
        }
        self.state
            .cache
            .get(&self.state.namespace, &key)
            .await
            .map(|v| v.to_vec())
    }

    async fn set(&mut self, key: String, value: Vec<u8>, ttl_seconds: u32) {
        if value.len() > MAX_VALUE_BYTES || key.len() > MAX_KEY_BYTES {
            self.ledger.refuse(&format!(
                "cache entry `{}` of {} bytes is above the limits ({MAX_KEY_BYTES}-byte keys, {MAX_VALUE_BYTES}-byte values)",
                quoted(&key),
                value.len()
            ));
            return;
        }
        self.state
            .cache
            .set(
                &self.state.namespace,
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
    async fn namespaces_cannot_read_each_others_entries() {
        let cache = ChannelCache::new(1 << 20);
        let news = ChannelCache::namespace("campus-news", "aaaa");
        let impostor = ChannelCache::namespace("campus-news", "bbbb");
        let library = ChannelCache::namespace("library-news", "aaaa");
        cache.set(&news, "feed:/rss.xml", b"v", Duration::from_secs(60)).await;
        assert_eq!(cache.get(&news, "feed:/rss.xml").await.as_deref(), Some(&b"v"[..]));
        assert_eq!(cache.get(&impostor, "feed:/rss.xml").await, None, "another package");
        assert_eq!(cache.get(&library, "feed:/rss.xml").await, None, "another publication");
    }

    #[tokio::test]
    async fn entries_expire() {
        let cache = ChannelCache::new(1 << 20);
        let ns = ChannelCache::namespace("news", "h");
        cache.set(&ns, "k", b"v", Duration::from_millis(30)).await;
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(cache.get(&ns, "k").await, None);
    }
}
