//! Assembling the portal from its configuration, and running it.

use crate::config::{ConfigError, PortalConfig};
use crate::live::Live;
use crate::live::registry::Registry;
use crate::page::{EditStore, SlotRenderer};
use crate::people::{AttributeSource, LdifDirectory, PersonResolver, SourcesDirectory};
use crate::session::store::{MemorySessionStore, SessionStore};
use crate::signon::cas::CasSignOn;
use crate::signon::oidc::OidcSignOn;
use crate::storage::Storage;
use crate::theme::Theme;
use crate::web::PortalState;
use agora_channel_host::{ChannelEngine, EngineOptions};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

/// Why the portal could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A configuration file is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database cannot be opened.
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    /// Anything else at start-up (engine, runtime, socket).
    #[error("{0}")]
    Other(String),
}

/// The render runtime: channels run on threads of their own, never on the HTTP workers.
struct RenderRuntime(Option<tokio::runtime::Runtime>);

impl Drop for RenderRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// The channels' key-value cache shared by the nodes on Redis (keys `<prefix>chcache:<hash>`).
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

/// A built portal, ready to serve.
pub struct Portal {
    /// Shared state.
    pub state: Arc<PortalState>,
    _render_runtime: Arc<RenderRuntime>,
}

impl Portal {
    /// Build the portal: open storage, load the theme, the channels, the layouts and sources.
    pub async fn build(config: PortalConfig) -> Result<Self, StartError> {
        let data_dir = config.resolve(&config.paths.data_dir);
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| StartError::Other(format!("{}: cannot create: {e}", data_dir.display())))?;
        let storage = Storage::open(&config.storage.url, &data_dir.join("portal.db")).await?;
        let theme = Theme::load(&config)?;

        let trust = crate::tls::Trust::from_config(&config)?;
        if config.limits.signin_per_minute > 0 && config.server.trusted_proxies.is_empty() {
            tracing::warn!(
                "[limits] signin_per_minute counts per client address, and [server] trusted_proxies is empty: behind a reverse proxy every user has its address and shares one limit"
            );
        }
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
        let redis = if config.redis.url.is_empty() {
            None
        } else {
            let redis = agora_shared::Redis::open(&agora_shared::RedisOptions {
                url: config.redis.url.expose().to_string(),
                prefix: config.redis.key_prefix.clone(),
                timeout: Duration::from_millis(config.redis.timeout_ms),
            })
            .map_err(|e| ConfigError::new(&config.source, "redis.url", e.to_string()))?;
            match redis.ping().await {
                Ok(()) => tracing::info!(redis = redis.shown_url(), "shared state on Redis"),
                // Started anyway: pages that need no session are served, and the connection
                // is retried at each request until Redis answers.
                Err(e) => tracing::error!("{e}; starting anyway, signed-in pages answer 503 until it is back"),
            }
            Some(redis)
        };
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
        let registry = Registry::load(
            &engine,
            &config.resolve(&config.paths.channels),
            &config.resolve(&config.paths.channel_packages),
        )?;
        let live = Live::start(&config, &registry)?;

        let mut sources: Vec<Arc<dyn AttributeSource>> = Vec::new();
        if !config.ldap.url.is_empty() {
            sources.push(Arc::new(
                crate::people::ldap::LdapDirectory::new(config.ldap.clone()).with_tls(trust.client_config()),
            ));
        }
        let demo_directory = if config.demo.enabled {
            let dir = Arc::new(demo_directory(&config)?);
            sources.push(dir.clone());
            tracing::warn!("demo mode is on: anyone can sign in as a demo persona; never enable it in production");
            Some(dir)
        } else {
            None
        };
        let directory: Arc<dyn agora_channel_host::DirectoryService> = Arc::new(SourcesDirectory::new(sources.clone()));
        let people = PersonResolver::new(sources, Duration::from_secs(config.directory.cache_seconds.max(1)))
            .with_signon_wins(config.directory.signon_wins.clone());
        let session_key = if config.session.key.is_empty() {
            load_or_create_session_key(&data_dir.join("session.key"))?
        } else {
            // Validated when the configuration was loaded.
            let bytes = crate::config::key_bytes(&config.session.key)
                .map_err(|why| ConfigError::new(&config.source, "session.key", why))?;
            actix_web::cookie::Key::from(&bytes)
        };
        let (sessions, events) = match &redis {
            Some(r) => (
                SessionStore::Redis(crate::session::shared::RedisSessionStore::new(
                    r.clone(),
                    Duration::from_secs(config.auth.absolute_hours.saturating_mul(3600)),
                )),
                agora_shared::Events::on_redis(r),
            ),
            None => (
                SessionStore::Memory(MemorySessionStore::default()),
                agora_shared::Events::local(),
            ),
        };
        let slots = SlotRenderer::new(
            engine,
            storage.clone(),
            config.public_url(),
            config.channels.render_cache_entries,
        )
        .with_shared(redis.clone());
        let cas = CasSignOn::from_config(&config, &trust)
            .map_err(|e| ConfigError::new(&config.source, "cas.server_url", e.to_string()))?
            .map(|cas| cas.with_shared(redis.clone()));
        let oidc = OidcSignOn::from_config(&config.oidc, &config.public_url(), &trust);
        if cas.is_none() && oidc.is_none() && !config.trusted_headers.enabled && !config.demo.enabled {
            tracing::warn!(
                "no sign-on is configured ([cas] server_url is empty, demo off): only the guest page is served"
            );
        }
        let mail = Arc::new(config.mail.clone());
        let state = PortalState {
            mail,
            config,
            theme: Arc::new(theme),
            registry: Arc::new(registry),
            live: Arc::new(live),
            slots: Arc::new(slots),
            kept: Arc::default(),
            people,
            memberships: Default::default(),
            tls: trust.client_config(),
            demo_directory,
            directory,
            edits: EditStore::new(storage.clone(), 100_000, events.clone()),
            storage,
            metrics: crate::telemetry::metrics_handle(),
            session_key,
            sessions,
            counters: match &redis {
                Some(r) => agora_shared::Counters::shared(r.clone()),
                None => agora_shared::Counters::local(Duration::from_secs(120)),
            },
            redis,
            events,
            cas,
            oidc,
        };
        tracing::info!(publications = state.registry.len(), "portal ready");
        let state = Arc::new(state);
        if state.config.admin.reload_seconds > 0 {
            crate::live::watch(
                Arc::downgrade(&state.live),
                state.config.clone(),
                Arc::downgrade(&state.registry),
                Duration::from_secs(state.config.admin.reload_seconds),
                state.events.clone(),
            );
        }
        Ok(Portal {
            state,
            _render_runtime: Arc::new(runtime),
        })
    }

    /// Check `config` as [`Portal::build`] would load it, writing nothing: no database is
    /// created or migrated, no session key written, no compiled channel stored (channels
    /// are compiled in memory to be checked). Returns the number of publications.
    pub fn check(config: &PortalConfig) -> Result<usize, StartError> {
        Theme::load(config)?;
        let trust = crate::tls::Trust::from_config(config)?;
        let engine = ChannelEngine::new(EngineOptions {
            artifact_dir: None,
            max_instances: 1,
            max_memory_mib: agora_channel_host::Limits::CEILING.memory_mib,
            cache_bytes: 1024 * 1024,
            runtime: None,
            extra_roots: Vec::new(),
            shared_cache: None,
        })
        .map_err(|e| StartError::Other(e.to_string()))?;
        let registry = Registry::load(
            &engine,
            &config.resolve(&config.paths.channels),
            &config.resolve(&config.paths.channel_packages),
        )?;
        Live::start(config, &registry)?;
        if config.demo.enabled {
            demo_directory(config)?;
        }
        CasSignOn::from_config(config, &trust)
            .map_err(|e| ConfigError::new(&config.source, "cas.server_url", e.to_string()))?;
        Ok(registry.len())
    }

    /// Serve on `listener` until the returned server is stopped.
    pub fn serve(&self, listener: TcpListener) -> Result<actix_web::dev::Server, StartError> {
        let state = self.state.clone();
        let runtime = self._render_runtime.clone();
        let workers = if state.config.server.workers == 0 {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
        } else {
            state.config.server.workers
        };
        let server = actix_web::HttpServer::new(move || {
            let _keep = runtime.clone();
            crate::web::app(state.clone())
        })
        // The page leaves in a few writes (head, chunks, end): without TCP_NODELAY, Nagle's
        // algorithm holds the last one for the peer's delayed ACK (~40 ms) on a kept-alive
        // connection from a reverse proxy.
        .on_connect(|conn, _| {
            if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        })
        .workers(workers)
        .listen(listener)
        .map_err(|e| StartError::Other(format!("cannot listen: {e}")))?
        .run();
        Ok(server)
    }
}

/// The demo directory, with every configured persona in it.
fn demo_directory(config: &PortalConfig) -> Result<LdifDirectory, StartError> {
    let path = config.resolve(&config.demo.directory);
    let dir =
        LdifDirectory::load(&path).map_err(|e| ConfigError::new(&config.source, "demo.directory", e.to_string()))?;
    for uid in &config.demo.personas {
        if !dir.uids().contains(uid) {
            return Err(ConfigError::new(
                &config.source,
                "demo.personas",
                format!("`{uid}` is not in {}", path.display()),
            )
            .into());
        }
    }
    Ok(dir)
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
