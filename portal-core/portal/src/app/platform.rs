//! [`Platform`]: what every tenant of one process shares, built once from `portal.toml`: the
//! channel engine and its render runtime, the database, Redis, the session store, events
//! between nodes, rate-limit counters, TLS trust, the session key and the metrics.
//!
//! Nothing here belongs to one establishment: a tenant's view of a shared part is scoped
//! ([`Platform::redis_of`], [`Platform::events_of`], `Database::tenant`).

use super::StartError;
use crate::config::{ConfigError, PortalConfig};
use crate::session::store::{MemorySessionStore, SessionStore};
use crate::storage::{DEFAULT_TENANT, Database, Storage};
use agora_channel_host::{ChannelEngine, EngineOptions};
use std::sync::Arc;
use std::time::Duration;

/// The render runtime: channels run on threads of their own, never on the HTTP workers.
pub(crate) struct RenderRuntime(pub(crate) Option<tokio::runtime::Runtime>);

impl Drop for RenderRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// The channels' key-value cache shared by the nodes on Redis (keys `<prefix>chcache:<hash>`;
/// the hash covers the tenant, see `agora_channel_host::capability::cache`).
struct SharedChannelCache(agora_shared::Redis);

impl agora_channel_host::capability::cache::SharedLayer for SharedChannelCache {
    fn get<'a>(&'a self, key: &'a str) -> futures::future::BoxFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            self.0
                .get(&self.0.key("chcache", key))
                .await
                .inspect_err(|e| tracing::debug!("shared channel cache unavailable: {e}"))
                .ok()
                .flatten()
        })
    }

    fn set<'a>(&'a self, key: &'a str, value: &'a [u8], ttl: Duration) -> futures::future::BoxFuture<'a, ()> {
        // Not awaited: a slow Redis must not hold the render (the entry is in this node's
        // memory already; the others get it once written).
        let (redis, key, value) = (self.0.clone(), self.0.key("chcache", key), value.to_vec());
        tokio::spawn(async move {
            if let Err(e) = redis.set(&key, &value, ttl).await {
                tracing::debug!("cannot share a channel cache entry: {e}");
            }
        });
        Box::pin(async {})
    }
}

/// The parts of one process every tenant shares.
pub struct Platform {
    /// The platform's configuration (`portal.toml`): the defaults of every tenant.
    pub config: PortalConfig,
    /// Channels: compiled components, instance pool, the channels' cache.
    pub engine: ChannelEngine,
    /// The database; each tenant sees its rows only ([`Database::tenant`]).
    pub database: Database,
    /// The shared store of several nodes (`[redis] url`), when configured.
    pub redis: Option<agora_shared::Redis>,
    /// Server-side sessions, each bound to its tenant (`SignIn::tenant`).
    pub sessions: SessionStore,
    /// Events between nodes, unscoped; each tenant publishes in its own scope.
    pub events: agora_shared::Events,
    /// Rate-limit counters (per client address, for the whole platform).
    pub counters: agora_shared::Counters,
    /// What outgoing TLS connections trust.
    pub trust: crate::tls::Trust,
    /// Signing and encryption key of the session cookie.
    pub session_key: actix_web::cookie::Key,
    /// Prometheus exposition.
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    pub(crate) _runtime: Arc<RenderRuntime>,
}

impl Platform {
    /// Open what `config` says the platform runs on.
    pub async fn start(config: PortalConfig) -> Result<Self, StartError> {
        let data_dir = config.resolve(&config.paths.data_dir);
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| StartError::Other(format!("{}: cannot create: {e}", data_dir.display())))?;
        let storage = Storage::open(&config.storage.url, &data_dir.join("portal.db")).await?;
        let database = storage.database().clone();
        let trust = crate::tls::Trust::from_config(&config)?;
        let threads = if config.channels.render_threads == 0 {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
        } else {
            config.channels.render_threads
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("agora-render")
            .enable_all()
            .build()
            .map_err(|e| StartError::Other(format!("cannot start the render runtime: {e}")))?;
        // Wrapped at once: if start-up fails below, it shuts down without blocking.
        let runtime = RenderRuntime(Some(runtime));
        let redis = open_redis(&config).await?;
        let engine = ChannelEngine::new(EngineOptions {
            artifact_dir: Some(data_dir.join("compiled")),
            max_instances: config.channels.max_instances,
            max_memory_mib: agora_channel_host::Limits::CEILING.memory_mib,
            cache_bytes: config.channels.cache_mib * 1024 * 1024,
            runtime: runtime.0.as_ref().map(|rt| rt.handle().clone()),
            extra_roots: trust.added_roots(),
            shared_cache: redis
                .as_ref()
                .map(|r| agora_channel_host::capability::cache::SharedCache(Arc::new(SharedChannelCache(r.clone())))),
        })
        .map_err(|e| StartError::Other(e.to_string()))?;
        let session_key = if config.session.key.is_empty() {
            load_or_create_session_key(&data_dir.join("session.key"))?
        } else {
            // Validated when the configuration was loaded.
            let bytes = crate::config::key_bytes(&config.session.key)
                .map_err(|why| ConfigError::new(&config.source, "session.key", why))?;
            actix_web::cookie::Key::from(&bytes)
        };
        let (sessions, events, counters) = match &redis {
            Some(r) => (
                SessionStore::Redis(crate::session::shared::RedisSessionStore::new(
                    r.clone(),
                    Duration::from_secs(config.auth.absolute_hours.saturating_mul(3600)),
                )),
                agora_shared::Events::on_redis(r),
                agora_shared::Counters::shared(r.clone()),
            ),
            None => (
                SessionStore::Memory(MemorySessionStore::default()),
                agora_shared::Events::local(),
                agora_shared::Counters::local(Duration::from_secs(120)),
            ),
        };
        Ok(Platform {
            config,
            engine,
            database,
            redis,
            sessions,
            events,
            counters,
            trust,
            session_key,
            metrics: crate::telemetry::metrics_handle(),
            _runtime: Arc::new(runtime),
        })
    }

    /// The scope of tenant `id` in shared keys and events: empty for the one tenant of a
    /// one-tenant installation (its keys are those of before tenants), `t:<id>:` otherwise.
    pub fn scope_of(id: &str) -> String {
        if id == DEFAULT_TENANT {
            String::new()
        } else {
            format!("t:{id}:")
        }
    }

    /// Redis as tenant `id` sees it: its keys only (`<prefix>t:<id>:…`).
    pub fn redis_of(&self, id: &str) -> Option<agora_shared::Redis> {
        self.redis.as_ref().map(|r| r.scoped(&Self::scope_of(id)))
    }

    /// The events of tenant `id`.
    pub fn events_of(&self, id: &str) -> agora_shared::Events {
        self.events.scoped(&Self::scope_of(id))
    }
}

/// The Redis of `[redis]`, if configured, pinged once (a portal starts while Redis is down).
async fn open_redis(config: &PortalConfig) -> Result<Option<agora_shared::Redis>, StartError> {
    if config.redis.url.is_empty() {
        return Ok(None);
    }
    let redis = agora_shared::Redis::open(&agora_shared::RedisOptions {
        url: config.redis.url.expose().to_string(),
        prefix: config.redis.key_prefix.clone(),
        timeout: Duration::from_millis(config.redis.timeout_ms),
    })
    .map_err(|e| ConfigError::new(&config.source, "redis.url", e.to_string()))?;
    match redis.ping().await {
        Ok(()) => tracing::info!(redis = redis.shown_url(), "shared state on Redis"),
        // Started anyway: pages that need no session are served, and the connection is
        // retried at each request until Redis answers.
        Err(e) => tracing::error!("{e}; starting anyway, signed-in pages answer 503 until it is back"),
    }
    Ok(Some(redis))
}

/// Read the session key, or create one (64 random bytes, mode 0600).
fn load_or_create_session_key(path: &std::path::Path) -> Result<actix_web::cookie::Key, StartError> {
    if let Ok(bytes) = std::fs::read(path) {
        if bytes.len() >= 64 {
            return Ok(actix_web::cookie::Key::from(&bytes[..64]));
        }
        tracing::warn!(path = %path.display(), "session key too short, replacing it");
    }
    let mut bytes = [0u8; 64];
    rand::fill(&mut bytes);
    write_private(path, &bytes)
        .map_err(|e| StartError::Other(format!("{}: cannot write the session key: {e}", path.display())))?;
    Ok(actix_web::cookie::Key::from(&bytes))
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}
