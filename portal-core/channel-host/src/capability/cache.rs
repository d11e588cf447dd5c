//! `agora:channel/cache`: a key-value cache private to each **publication of one package**,
//! shared by all its renders on this node (in-process, bounded in bytes) and, with several
//! nodes, by every node through a [`SharedLayer`] behind the in-process one (the portal's is
//! Redis): a feed one node fetched is not fetched again by the others until it expires.
//!
//! The namespace is the publication id and the component's content hash, never the id a
//! manifest declares: a second package declaring `id = "news"` cannot read or poison the real
//! news channel's entries, and two publications of one package (bound to different
//! back-ends) never share an entry. On a platform of several tenants the publication's
//! scope (its tenant) comes first: tenant A's `news` never reads tenant B's.

use super::shape::{Capability, Getter, HasView, View};
use crate::bindings::agora::channel0_1_0::cache::{self as wit, Host};
use crate::ledger::quoted;
use crate::manifest::{ChannelManifest, ManifestError};
use futures::future::BoxFuture;
use moka::Expiry;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
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

/// A store several nodes share, behind each node's in-process cache. Failures are the
/// layer's to log: a value that cannot be read is a miss, one that cannot be written stays in
/// this node's memory only.
pub trait SharedLayer: Send + Sync {
    /// The value of `key`, if any.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<Vec<u8>>>;
    /// Keep `value` under `key` for `ttl`.
    fn set<'a>(&'a self, key: &'a str, value: &'a [u8], ttl: Duration) -> BoxFuture<'a, ()>;
}

/// A [`SharedLayer`] as [`crate::EngineOptions`] holds it.
#[derive(Clone)]
pub struct SharedCache(pub Arc<dyn SharedLayer>);

impl std::fmt::Debug for SharedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedCache")
    }
}

/// The channels' key-value cache. Keys are namespaced (see the module docs), so one
/// publication can never read another's entries.
#[derive(Clone)]
pub struct ChannelCache {
    inner: moka::future::Cache<(Arc<str>, String), Entry>,
    shared: Option<Arc<dyn SharedLayer>>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The shared layer's key of `key` in `namespace`: a hash, so its length is fixed.
fn shared_key(namespace: &str, key: &str) -> String {
    let mut h = Sha256::new();
    h.update(namespace.as_bytes());
    h.update([0x1f]);
    h.update(key.as_bytes());
    hex::encode(h.finalize())
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
        ChannelCache { inner, shared: None }
    }

    /// Share entries between nodes through `layer`, behind this node's memory.
    pub fn with_shared(mut self, layer: Option<Arc<dyn SharedLayer>>) -> Self {
        self.shared = layer;
        self
    }

    /// The namespace of `publication` of `scope` (a tenant, or empty) of the package whose
    /// component hash is `hash`.
    pub fn namespace(scope: &str, publication: &str, hash: &str) -> Arc<str> {
        if scope.is_empty() {
            format!("{publication}\u{1f}{hash}").into()
        } else {
            format!("{scope}\u{1f}{publication}\u{1f}{hash}").into()
        }
    }

    /// Read `key` in `namespace`: this node's memory, else the shared layer (then kept in
    /// memory until the time it expires there).
    pub async fn get(&self, namespace: &Arc<str>, key: &str) -> Option<Arc<[u8]>> {
        let local = (namespace.clone(), key.to_string());
        if let Some(e) = self.inner.get(&local).await {
            return Some(e.value);
        }
        let shared = self.shared.as_ref()?;
        let stored = shared.get(&shared_key(namespace, key)).await?;
        // The value is stored after its expiry time (ms since the Unix epoch, 8 bytes).
        let (expires, value) = stored.split_at_checked(8)?;
        let expires = u64::from_be_bytes(expires.try_into().ok()?);
        let left = expires.checked_sub(now_ms()).filter(|ms| *ms > 0)?;
        let entry = Entry {
            value: Arc::from(value),
            ttl: Duration::from_millis(left).min(MAX_TTL),
        };
        let value = entry.value.clone();
        self.inner.insert(local, entry).await;
        Some(value)
    }

    /// Store `value` under `key` in `namespace` for `ttl` (capped at [`MAX_TTL`]).
    pub async fn set(&self, namespace: &Arc<str>, key: &str, value: &[u8], ttl: Duration) {
        if value.len() > MAX_VALUE_BYTES || key.len() > MAX_KEY_BYTES || ttl.is_zero() {
            return;
        }
        let ttl = ttl.min(MAX_TTL);
        let entry = Entry {
            value: Arc::from(value),
            ttl,
        };
        self.inner.insert((namespace.clone(), key.to_string()), entry).await;
        if let Some(shared) = &self.shared {
            let expires = now_ms().saturating_add(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX));
            let mut stored = Vec::with_capacity(8 + value.len());
            stored.extend_from_slice(&expires.to_be_bytes());
            stored.extend_from_slice(value);
            shared.set(&shared_key(namespace, key), &stored, ttl).await;
        }
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
        self.ledger
            .host_work(self.state.cache.get(&self.state.namespace, &key))
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
        let ttl = Duration::from_secs(u64::from(ttl_seconds));
        self.ledger
            .host_work(self.state.cache.set(&self.state.namespace, &key, &value, ttl))
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn namespaces_cannot_read_each_others_entries() {
        let cache = ChannelCache::new(1 << 20);
        let news = ChannelCache::namespace("", "campus-news", "aaaa");
        let impostor = ChannelCache::namespace("", "campus-news", "bbbb");
        let library = ChannelCache::namespace("", "library-news", "aaaa");
        let other_tenant = ChannelCache::namespace("ut2", "campus-news", "aaaa");
        assert_ne!(news, other_tenant);
        cache.set(&news, "feed:/rss.xml", b"v", Duration::from_secs(60)).await;
        assert_eq!(cache.get(&news, "feed:/rss.xml").await.as_deref(), Some(&b"v"[..]));
        assert_eq!(cache.get(&impostor, "feed:/rss.xml").await, None, "another package");
        assert_eq!(cache.get(&library, "feed:/rss.xml").await, None, "another publication");
        assert_eq!(
            cache.get(&other_tenant, "feed:/rss.xml").await,
            None,
            "another tenant's"
        );
    }

    /// A shared layer in memory, as another node would see it.
    #[derive(Default)]
    struct Layer(std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>);

    impl SharedLayer for Layer {
        fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<Vec<u8>>> {
            Box::pin(async move { self.0.lock().ok()?.get(key).cloned() })
        }
        fn set<'a>(&'a self, key: &'a str, value: &'a [u8], _ttl: Duration) -> BoxFuture<'a, ()> {
            Box::pin(async move {
                if let Ok(mut m) = self.0.lock() {
                    m.insert(key.to_string(), value.to_vec());
                }
            })
        }
    }

    #[tokio::test]
    async fn a_node_reads_what_another_stored_until_it_expires_and_namespaces_hold() {
        let layer: Arc<dyn SharedLayer> = Arc::new(Layer::default());
        let a = ChannelCache::new(1 << 20).with_shared(Some(layer.clone()));
        let b = ChannelCache::new(1 << 20).with_shared(Some(layer));
        let news = ChannelCache::namespace("", "campus-news", "aaaa");
        let other = ChannelCache::namespace("", "library-news", "aaaa");
        a.set(&news, "feed", b"v", Duration::from_millis(150)).await;
        assert_eq!(
            b.get(&news, "feed").await.as_deref(),
            Some(&b"v"[..]),
            "B reads A's entry"
        );
        assert_eq!(b.get(&other, "feed").await, None, "not from another publication");
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(b.get(&news, "feed").await, None, "B's copy expires when A's does");
        let c = ChannelCache::new(1 << 20);
        assert_eq!(c.get(&news, "feed").await, None);
    }

    #[tokio::test]
    async fn entries_expire() {
        let cache = ChannelCache::new(1 << 20);
        let ns = ChannelCache::namespace("", "news", "h");
        cache.set(&ns, "k", b"v", Duration::from_millis(30)).await;
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(cache.get(&ns, "k").await, None);
    }
}
