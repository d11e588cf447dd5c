//! The wasmtime engine shared by every channel, and loading of channel packages.
//!
//! * Pooling allocator: instances come from pre-reserved slots (≈25 µs per render).
//! * Epoch interruption: a ticker thread advances the epoch every [`EPOCH_TICK`]; each store
//!   checks its guest CPU budget at every tick and yields to the executor in between.
//! * Compiled artefact cache: a component is compiled once per (component hash, engine
//!   configuration) and the machine code kept under the artefact directory.
//! * Pre-instantiation: imports are resolved once per component ([`LoadedChannel`]).

use crate::bindings::ChannelPre;
use crate::capability::cache::ChannelCache;
use crate::contract::{Contract, Pre};
use crate::ledger::HostLines;
use crate::manifest::{ChannelManifest, ManifestError};
use crate::state::{Grants, RenderState};
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// Interval between epoch ticks: the granularity of CPU budgets.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// File names inside a channel package directory.
pub const MANIFEST_FILE: &str = "channel.toml";
/// The component inside a channel package directory.
pub const COMPONENT_FILE: &str = "channel.wasm";

/// How to build a [`ChannelEngine`].
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Where compiled artefacts are kept; `None` compiles on every start.
    pub artifact_dir: Option<PathBuf>,
    /// Concurrent channel instances the pool can hold.
    pub max_instances: u32,
    /// Largest memory any channel may get (the pool reserves this much address space per slot).
    pub max_memory_mib: u32,
    /// Bytes kept by the channels' key-value cache.
    pub cache_bytes: u64,
    /// Runtime the renders run on (a multi-thread runtime of their own is advised). `None`:
    /// renders run on the caller's task.
    pub runtime: Option<tokio::runtime::Handle>,
    /// CA certificates (DER) back-ends may be signed by, beyond the web PKI roots (the
    /// system's store, an institution's own CA).
    pub extra_roots: Vec<Vec<u8>>,
    /// Where the channels' cache is shared between nodes, behind each node's memory.
    pub shared_cache: Option<crate::capability::cache::SharedCache>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            artifact_dir: None,
            max_instances: 256,
            max_memory_mib: 256,
            cache_bytes: 64 << 20,
            runtime: None,
            extra_roots: Vec::new(),
            shared_cache: None,
        }
    }
}

/// A channel package that failed to load.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The manifest is invalid.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The component does not compile (not a component, or built for another world).
    #[error("{}: not a loadable component: {reason}", path.display())]
    Compile {
        /// The component file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The component's imports cannot be satisfied.
    #[error("{}: imports something this portal does not provide: {reason}", path.display())]
    Link {
        /// The component file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// The engine could not be configured.
#[derive(Debug, thiserror::Error)]
#[error("cannot configure the WebAssembly engine: {0}")]
pub struct EngineError(String);

struct Inner {
    engine: Engine,
    http: reqwest::Client,
    tokens: Arc<crate::jwt::TokenCache>,
    cache: ChannelCache,
    host_lines: Arc<HostLines>,
    artifact_dir: Option<PathBuf>,
    runtime: Option<tokio::runtime::Handle>,
    stop_ticker: Arc<AtomicBool>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop_ticker.store(true, Ordering::Relaxed);
    }
}

/// The channel engine: compiles, caches, pre-instantiates and renders channels.
/// Cheap to clone; all clones share one engine, pool, HTTP client and cache.
#[derive(Clone)]
pub struct ChannelEngine {
    inner: Arc<Inner>,
}

/// A loaded channel package: its manifest and its pre-instantiated component.
#[derive(Clone)]
pub struct LoadedChannel {
    /// The validated manifest.
    pub manifest: Arc<ChannelManifest>,
    /// Hex SHA-256 of the component bytes.
    pub component_hash: String,
    /// The manifest's channel id, shared by every render's ledger.
    pub(crate) id: Arc<str>,
    /// What the manifest grants, per capability.
    pub(crate) grants: Arc<Grants>,
    pub(crate) pre: Pre,
    /// The package's icon (`[channel] icon`), sanitised SVG.
    pub icon: Option<Arc<str>>,
}

impl std::fmt::Debug for LoadedChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedChannel")
            .field("id", &self.manifest.channel.id)
            .field("hash", &self.component_hash)
            .finish()
    }
}

impl ChannelEngine {
    /// Build the engine and start its epoch ticker.
    pub fn new(options: EngineOptions) -> Result<Self, EngineError> {
        let mut pool = PoolingAllocationConfig::default();
        let n = options.max_instances.max(1);
        pool.total_component_instances(n)
            .total_core_instances(n * 4)
            .total_memories(n * 2)
            .total_tables(n * 4)
            .max_memory_size(options.max_memory_mib as usize * 1024 * 1024)
            .max_core_instances_per_component(16)
            .max_memories_per_component(4)
            .max_tables_per_component(16);
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .epoch_interruption(true)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config).map_err(|e| EngineError(format!("{e:#}")))?;
        let mut http = reqwest::Client::builder()
            .user_agent(concat!("agora-portal/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none());
        for der in &options.extra_roots {
            let cert = reqwest::Certificate::from_der(der)
                .map_err(|e| EngineError(format!("a trusted CA certificate: {e}")))?;
            http = http.add_root_certificate(cert);
        }
        let http = http.build().map_err(|e| EngineError(e.to_string()))?;
        let stop = Arc::new(AtomicBool::new(false));
        {
            let engine = engine.clone();
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("agora-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(EPOCH_TICK);
                        engine.increment_epoch();
                    }
                })
                .map_err(|e| EngineError(format!("cannot start the epoch ticker: {e}")))?;
        }
        if let Some(dir) = &options.artifact_dir {
            std::fs::create_dir_all(dir).map_err(|e| EngineError(format!("{}: {e}", dir.display())))?;
        }
        Ok(ChannelEngine {
            inner: Arc::new(Inner {
                engine,
                http,
                tokens: Arc::default(),
                cache: ChannelCache::new(options.cache_bytes)
                    .with_shared(options.shared_cache.as_ref().map(|s| s.0.clone())),
                host_lines: Arc::new(HostLines::default()),
                artifact_dir: options.artifact_dir,
                runtime: options.runtime,
                stop_ticker: stop,
            }),
        })
    }

    pub(crate) fn wasmtime(&self) -> &Engine {
        &self.inner.engine
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The application tokens of `auth = jwt` back-ends, shared by every render.
    pub(crate) fn tokens(&self) -> &Arc<crate::jwt::TokenCache> {
        &self.inner.tokens
    }

    /// The channels' key-value cache.
    pub fn cache(&self) -> &ChannelCache {
        &self.inner.cache
    }

    /// The rate limit of the host's lines about renders.
    pub(crate) fn host_lines(&self) -> &Arc<HostLines> {
        &self.inner.host_lines
    }

    pub(crate) fn runtime(&self) -> Option<&tokio::runtime::Handle> {
        self.inner.runtime.as_ref()
    }

    /// Load a channel package: `dir/channel.toml` and `dir/channel.wasm`.
    pub fn load_package(&self, dir: &Path) -> Result<LoadedChannel, LoadError> {
        let manifest = ChannelManifest::load(&dir.join(MANIFEST_FILE))?;
        let icon = match &manifest.channel.icon {
            None => None,
            Some(file) => {
                let refuse = |reason: String| ManifestError {
                    path: manifest.source.clone(),
                    key: Some("channel.icon".into()),
                    reason,
                };
                if file.is_empty() || file.contains(['/', '\\']) || file.starts_with('.') {
                    return Err(refuse(format!("`{file}`: a file name in the package directory")).into());
                }
                let text = std::fs::read_to_string(dir.join(file))
                    .map_err(|e| refuse(format!("`{file}`: cannot read: {e}")))?;
                Some(Arc::<str>::from(
                    crate::icon::sanitize_icon(&text).map_err(|why| refuse(format!("`{file}`: {why}")))?,
                ))
            }
        };
        let mut loaded = self.load(manifest, &dir.join(COMPONENT_FILE))?;
        loaded.icon = icon;
        Ok(loaded)
    }

    /// Load the component at `wasm` for an already validated manifest.
    pub fn load(&self, manifest: ChannelManifest, wasm: &Path) -> Result<LoadedChannel, LoadError> {
        let grants = Grants::of(&manifest)?;
        let bytes = std::fs::read(wasm).map_err(|source| LoadError::Read {
            path: wasm.to_path_buf(),
            source,
        })?;
        let hash = hex::encode(Sha256::digest(&bytes));
        let component = self
            .compile_cached(&bytes, &hash)
            .map_err(|reason| LoadError::Compile {
                path: wasm.to_path_buf(),
                reason,
            })?;
        let link = |e: wasmtime::Error| LoadError::Link {
            path: wasm.to_path_buf(),
            reason: format!("{e:#}"),
        };
        let mut linker: Linker<RenderState> = Linker::new(&self.inner.engine);
        crate::state::link(&mut linker, &component).map_err(link)?;
        linker.define_unknown_imports_as_traps(&component).map_err(link)?;
        if manifest.search.is_some() && component.get_export_index(None, "search").is_none() {
            return Err(LoadError::Link {
                path: wasm.to_path_buf(),
                reason: "the manifest has [search] but the component exports no `search` (build it for world searchable-channel)".into(),
            });
        }
        // The contract the component speaks must be the one its manifest names.
        let contract = Contract::of_component(&component, &self.inner.engine).map_err(|reason| LoadError::Compile {
            path: wasm.to_path_buf(),
            reason,
        })?;
        if !contract.served_as(Contract::of_world(&manifest.channel.world)) {
            return Err(LoadError::Link {
                path: wasm.to_path_buf(),
                reason: format!(
                    "the component was built against agora:channel {} but channel.toml's [channel] world is `{}`",
                    contract.version(),
                    manifest.channel.world
                ),
            });
        }
        let pre = linker.instantiate_pre(&component).map_err(link)?;
        let pre = match contract {
            Contract::V0_1 => Pre::V0_1(ChannelPre::new(pre).map_err(link)?),
            Contract::V0_2 | Contract::V0_3 => Pre::V0_2(pre),
        };
        tracing::info!(channel = %manifest.channel.id, version = %manifest.channel.version, hash = %&hash[..12], "channel loaded");
        Ok(LoadedChannel {
            id: manifest.channel.id.as_str().into(),
            manifest: Arc::new(manifest),
            component_hash: hash,
            grants: Arc::new(grants),
            pre,
            icon: None,
        })
    }

    /// Compile, or reuse the machine code cached for this component and engine configuration.
    fn compile_cached(&self, bytes: &[u8], hash: &str) -> Result<Component, String> {
        let engine = &self.inner.engine;
        let Some(dir) = &self.inner.artifact_dir else {
            return Component::new(engine, bytes).map_err(|e| format!("{e:#}"));
        };
        let mut h = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        let path = dir.join(format!("{hash}-{:016x}.cwasm", h.finish()));
        if path.exists() {
            // SAFETY: the file was written by `precompile_component` of an engine with the same
            // compatibility hash, into the portal's own data directory.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(c) => return Ok(c),
                Err(e) => {
                    tracing::warn!(path = %path.display(), "cached artefact unusable, recompiling: {e:#}")
                }
            }
        }
        let compiled = engine.precompile_component(bytes).map_err(|e| format!("{e:#}"))?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if let Err(e) = std::fs::write(&tmp, &compiled).and_then(|()| std::fs::rename(&tmp, &path)) {
            tracing::warn!(path = %path.display(), "cannot keep compiled artefact: {e}");
        }
        // SAFETY: `compiled` was just produced by this engine.
        unsafe { Component::deserialize(engine, &compiled) }.map_err(|e| format!("{e:#}"))
    }
}
