//! Assembling the portal from its configuration, and running it.
//!
//! | module | job |
//! |---|---|
//! | [`platform`] | what every tenant shares: engine, database, Redis, sessions, events |
//! | [`site`] | one tenant's [`PortalState`], over the platform |
//! | [`sites`] | the live sites by id and host, reloaded when `tenants/` changes |

pub mod platform;
pub mod site;
pub mod sites;

pub use crate::web::sites::{SiteMap, Sites};
pub use platform::Platform;

use crate::config::{ConfigError, PortalConfig};
use crate::live::Live;
use crate::signon::cas::CasSignOn;
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

/// A built portal, ready to serve: the platform and its sites.
pub struct Portal {
    /// What every tenant shares.
    pub platform: Arc<Platform>,
    /// The tenants' sites (one, `default`, on a one-tenant installation).
    pub sites: Arc<Sites>,
}

impl Portal {
    /// Build the portal: open the platform (storage, Redis, the channel engine), then each
    /// tenant's site (theme, channels, layouts, sources, sign-on).
    pub async fn build(config: PortalConfig) -> Result<Self, StartError> {
        let platform = Platform::start(config).await?;
        let sites = sites::start(&platform)?;
        let current = sites.current();
        for state in current.iter() {
            tracing::info!(tenant = %state.tenant, publications = state.live.get().registry.len(), "site ready");
            site::watch(state);
        }
        let (platform, sites) = (Arc::new(platform), Arc::new(sites));
        if current.only().is_none() && platform.config.admin.reload_seconds > 0 {
            watch_tenants(
                Arc::downgrade(&platform),
                Arc::downgrade(&sites),
                Duration::from_secs(platform.config.admin.reload_seconds),
            );
        }
        tracing::info!(sites = current.len(), "portal ready");
        Ok(Portal { platform, sites })
    }

    /// The site of a one-tenant installation, else the first tenant's (id order).
    pub fn state(&self) -> Arc<PortalState> {
        let current = self.sites.current();
        match current.only().or_else(|| current.any()) {
            Some(s) => s.clone(),
            // `Sites::start` refuses to start without a site, and a reload never leaves none.
            None => unreachable!("a portal has at least one site"),
        }
    }

    /// The site of tenant `id`.
    pub fn site(&self, id: &str) -> Option<Arc<PortalState>> {
        self.sites.current().get(id).cloned()
    }

    /// Check `config` as [`Portal::build`] would load it, writing nothing: no database is
    /// created or migrated, no session key written, no compiled channel stored (channels
    /// are compiled in memory to be checked). With tenants, every tenant is checked; the
    /// first refused is the error. Returns the number of publications.
    pub fn check(config: &PortalConfig) -> Result<usize, StartError> {
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
        let loaded = crate::tenant::TenantSet::load(config);
        if let Some(e) = loaded.refused.into_iter().next() {
            return Err(e.into());
        }
        if loaded.tenants.is_empty() {
            return check_site(config, &engine, &trust);
        }
        let mut publications = 0;
        for tenant in loaded.tenants.iter() {
            publications += check_site(&tenant.portal, &engine, &trust)?;
        }
        Ok(publications)
    }

    /// Serve on `listener` until the returned server is stopped.
    pub fn serve(&self, listener: TcpListener) -> Result<actix_web::dev::Server, StartError> {
        let (platform, sites) = (self.platform.clone(), self.sites.clone());
        let workers = if platform.config.server.workers == 0 {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
        } else {
            platform.config.server.workers
        };
        let config = Arc::new(platform.config.clone());
        let server = actix_web::HttpServer::new(move || {
            crate::web::app(
                config.clone(),
                platform.sessions.clone(),
                platform.session_key.clone(),
                sites.clone(),
            )
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

/// Check one site's configuration as [`site::build`] would load it.
fn check_site(config: &PortalConfig, engine: &ChannelEngine, trust: &crate::tls::Trust) -> Result<usize, StartError> {
    Theme::load(config)?;
    let live = Live::start(
        config,
        crate::live::RegistrySource {
            engine: engine.clone(),
            scope: String::new(),
            cpu_ceiling_ms: 0,
        },
    )?;
    if config.demo.enabled {
        site::demo_directory(config)?;
    }
    CasSignOn::from_config(config, trust)
        .map_err(|e| ConfigError::new(&config.source, "cas.server_url", e.to_string()))?;
    Ok(live.get().registry.len())
}

/// Read `tenants/` again every `period`, while the portal lives.
fn watch_tenants(platform: std::sync::Weak<Platform>, sites: std::sync::Weak<Sites>, period: Duration) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(period).await;
            let (Some(platform), Some(sites)) = (platform.upgrade(), sites.upgrade()) else {
                return;
            };
            // Reading files and compiling channels blocks: off the request threads.
            if let Err(e) = tokio::task::spawn_blocking(move || sites::reload(&sites, &platform)).await {
                tracing::error!("tenant reload failed: {e}");
            }
        }
    });
}
