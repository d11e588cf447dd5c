//! The hot-reloaded part of the configuration: the publications (`channels.toml`) and the
//! channel packages they use, populations, layout fragments, the catalogue and the
//! announcements. A watcher checks the files every `admin.reload_seconds`; a change that loads and
//! checks cleanly replaces the live set at once (requests in flight keep the one they
//! started with); a broken edit is rejected with file, key and reason, and the previous set
//! stays live. With several nodes, a node that accepted a change tells the others
//! ([`RELOAD_EVENT`]), which check their files at once instead of at their next period: on
//! a configuration directory shared by the nodes (NFS, a cluster file system), every node
//! shows the change within moments.

pub mod announcements;
pub mod catalogue;
pub mod lifecycle;
pub mod packages;
pub mod registry;

use crate::config::{ConfigError, PortalConfig};
use agora_channel_host::ChannelEngine;
use agora_layout::{FragmentSet, Known};
use agora_population::PopulationSet;
use announcements::Announcements;
use arc_swap::ArcSwap;
use catalogue::Catalogue;
use registry::Registry;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime};

/// One consistent set of the hot-reloadable files.
pub struct LiveConfig {
    /// Increases by one at each accepted reload (1 at start-up).
    pub generation: u64,
    /// The publications and their loaded packages. Fragments and the catalogue of this set
    /// were checked against them.
    pub registry: Arc<Registry>,
    /// Populations.
    pub populations: PopulationSet,
    /// Layout fragments.
    pub fragments: FragmentSet,
    /// The channel catalogue.
    pub catalogue: Catalogue,
    /// The administrators' announcements.
    pub announcements: Announcements,
    /// The institution's codes in words.
    pub nomenclature: crate::people::nomenclature::Nomenclature,
}

/// Fragments may name these publications and populations.
struct KnownIds<'a> {
    registry: &'a Registry,
    populations: &'a PopulationSet,
}

impl Known for KnownIds<'_> {
    fn publication(&self, id: &str) -> bool {
        self.registry.get(id).is_some()
    }
    fn population(&self, id: &str) -> bool {
        self.populations.get(id).is_some()
    }
}

impl LiveConfig {
    /// Load and check the files named by `config`.
    pub fn load(config: &PortalConfig, registry: Arc<Registry>, generation: u64) -> Result<Self, ConfigError> {
        let populations = crate::people::populations::load(&config.resolve(&config.paths.populations))?;
        for p in &config.admin.populations {
            if populations.get(p).is_none() {
                return Err(ConfigError::new(
                    &config.source,
                    "admin.populations",
                    format!("no population `{p}` in populations.toml"),
                ));
            }
        }
        let known = KnownIds {
            registry: &registry,
            populations: &populations,
        };
        let fragments = FragmentSet::load_dir(&config.resolve(&config.paths.fragments), &known)
            .map_err(|e| ConfigError::new(&e.file, e.key, e.reason))?;
        let catalogue = Catalogue::load(&config.resolve(&config.paths.catalogue), &registry, &populations)?;
        let announcements = Announcements::load(&config.resolve(&config.paths.announcements), &populations)?;
        let nomenclature =
            crate::people::nomenclature::Nomenclature::load(&config.resolve(&config.paths.nomenclature))?;
        Ok(LiveConfig {
            generation,
            registry,
            populations,
            fragments,
            catalogue,
            announcements,
            nomenclature,
        })
    }
}

/// What the watched files look like: path, modification time, size.
type Stamp = Vec<(PathBuf, Option<SystemTime>, u64)>;

fn stamp_of(files: Vec<PathBuf>) -> Stamp {
    files
        .into_iter()
        .map(|p| {
            let meta = std::fs::metadata(&p).ok();
            let modified = meta.as_ref().and_then(|m| m.modified().ok());
            let len = meta.map(|m| m.len()).unwrap_or(0);
            (p, modified, len)
        })
        .collect()
}

/// The files of a folder, sorted (none when it cannot be read).
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// Populations, fragments, catalogue, announcements and nomenclature.
fn stamp(config: &PortalConfig) -> Stamp {
    let mut files = vec![
        config.resolve(&config.paths.populations),
        config.resolve(&config.paths.catalogue),
        config.resolve(&config.paths.announcements),
        config.resolve(&config.paths.nomenclature),
    ];
    files.extend(files_in(&config.resolve(&config.paths.fragments)));
    stamp_of(files)
}

/// The deployed package store of the portal configured by `config` (see [`packages`]).
pub fn deployed_store(config: &PortalConfig) -> PathBuf {
    config.resolve(&config.paths.data_dir).join("packages")
}

/// `channels.toml` and every package: each file of `<packages>/<package>/`, and of the
/// deployed store's `<package>/` (`current`, `history`) and `<package>/<version>/`.
fn channels_stamp(config: &PortalConfig) -> Stamp {
    let mut files = vec![config.resolve(&config.paths.channels)];
    for root in [config.resolve(&config.paths.channel_packages), deployed_store(config)] {
        for package in files_in(&root) {
            for entry in files_in(&package) {
                // A deployment being written (`.incoming-…`) is not a package yet.
                let hidden = entry
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'));
                if entry.is_dir() && !hidden {
                    files.extend(files_in(&entry));
                } else if !hidden {
                    files.push(entry);
                }
            }
        }
    }
    stamp_of(files)
}

/// How one site loads its publications: where, and what it applies to them (its scope for
/// the channel cache, its CPU ceiling).
#[derive(Clone)]
pub struct RegistrySource {
    /// The engine that compiles the packages (its compiled artefacts are cached by hash, so
    /// a package that did not change is not compiled again).
    pub engine: ChannelEngine,
    /// The tenant's channel-cache scope (see [`Registry::in_scope`]).
    pub scope: String,
    /// `[limits] channel_cpu_ms` (see [`Registry::with_cpu_ceiling`]).
    pub cpu_ceiling_ms: u32,
}

impl RegistrySource {
    /// Load `channels.toml` and the packages it names, as `config` places them.
    pub fn load(&self, config: &PortalConfig) -> Result<Registry, ConfigError> {
        Ok(Registry::load(
            &self.engine,
            &config.resolve(&config.paths.channels),
            &config.resolve(&config.paths.channel_packages),
            &deployed_store(config),
        )?
        .in_scope(&self.scope)
        .with_cpu_ceiling(self.cpu_ceiling_ms))
    }
}

/// The live set and the state of reloading.
pub struct Live {
    current: ArcSwap<LiveConfig>,
    /// The other files, and `channels.toml` with the packages, as last seen.
    stamp: Mutex<(Stamp, Stamp)>,
    source: RegistrySource,
    rejection: Mutex<Option<ConfigError>>,
    /// One check at a time (the watcher and another node's message may ask at once): the
    /// set stored last is always the one of the files seen last.
    checking: Mutex<()>,
}

/// What a reload check did.
#[derive(Debug)]
pub enum Reload {
    /// Nothing changed on disk.
    Unchanged,
    /// The new files were accepted: this generation is live.
    Accepted(u64),
    /// The new files were rejected; the previous set stays live.
    Rejected(ConfigError),
}

impl Live {
    /// Load the files for the first time (start-up fails on error).
    pub fn start(config: &PortalConfig, source: RegistrySource) -> Result<Self, ConfigError> {
        let stamps = (stamp(config), channels_stamp(config));
        let first = LiveConfig::load(config, Arc::new(source.load(config)?), 1)?;
        Ok(Live {
            current: ArcSwap::from_pointee(first),
            stamp: Mutex::new(stamps),
            source,
            rejection: Mutex::new(None),
            checking: Mutex::new(()),
        })
    }

    /// The live set.
    pub fn get(&self) -> Arc<LiveConfig> {
        self.current.load_full()
    }

    /// The last rejected edit, while the files still hold it.
    pub fn rejection(&self) -> Option<ConfigError> {
        self.rejection.lock().ok().and_then(|r| r.clone())
    }

    /// Reload if the files changed. The packages are loaded again only when `channels.toml`
    /// or a package changed; a publication that no longer loads, or that a fragment still
    /// names after it was removed, rejects the change as a broken fragment does.
    pub fn check(&self, config: &PortalConfig) -> Reload {
        let _one_at_a_time = self.checking.lock().unwrap_or_else(|p| p.into_inner());
        let now = (stamp(config), channels_stamp(config));
        let channels_changed = {
            let Ok(mut seen) = self.stamp.lock() else {
                return Reload::Unchanged;
            };
            if *seen == now {
                return Reload::Unchanged;
            }
            let changed = seen.1 != now.1;
            *seen = now;
            changed
        };
        let current = self.get();
        let generation = current.generation + 1;
        let loaded = if channels_changed {
            self.source.load(config).map(Arc::new)
        } else {
            Ok(current.registry.clone())
        };
        match loaded.and_then(|registry| LiveConfig::load(config, registry, generation)) {
            Ok(next) => {
                self.current.store(Arc::new(next));
                if let Ok(mut r) = self.rejection.lock() {
                    *r = None;
                }
                metrics::counter!("agora_config_reloads_total", "outcome" => "accepted").increment(1);
                tracing::info!(
                    generation,
                    channels = channels_changed,
                    "configuration reloaded (publications and packages, populations, fragments, catalogue, announcements)"
                );
                Reload::Accepted(generation)
            }
            Err(e) => {
                metrics::counter!("agora_config_reloads_total", "outcome" => "rejected").increment(1);
                tracing::error!(file = %e.file, key = ?e.key, reason = %e.reason, "configuration change rejected; the previous one stays live");
                if let Ok(mut r) = self.rejection.lock() {
                    *r = Some(e.clone());
                }
                Reload::Rejected(e)
            }
        }
    }
}

/// The event a node sends when it accepted changed files.
pub const RELOAD_EVENT: &str = "reload";

/// Check for changes every `period` while the portal lives (the thread ends with it), and
/// whenever another node says it accepted a change (`events`). Must be called within a Tokio
/// runtime.
pub fn watch(live: Weak<Live>, config: PortalConfig, period: Duration, events: agora_shared::Events) {
    let runtime = tokio::runtime::Handle::current();
    listen(live.clone(), config.clone(), &events);
    let spawned = std::thread::Builder::new()
        .name("agora-config-watch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(period);
                let Some(live) = live.upgrade() else {
                    return;
                };
                if let Reload::Accepted(_) = live.check(&config) {
                    let events = events.clone();
                    // A failure is logged by `publish`; the others see it at their next period.
                    runtime.spawn(async move { events.publish(RELOAD_EVENT).await });
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the configuration watcher, hot reload is off: {e}");
    }
}

/// Check the files at once when another node accepted a change, or when messages may have
/// been missed.
fn listen(live: Weak<Live>, config: PortalConfig, events: &agora_shared::Events) {
    let mut heard = events.subscribe();
    tokio::spawn(async move {
        use agora_shared::Event;
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match heard.recv().await {
                Ok(Event::Message(m)) if m == RELOAD_EVENT => {}
                Ok(Event::Resync) | Err(RecvError::Lagged(_)) => {}
                Ok(Event::Message(_)) => continue,
                Err(RecvError::Closed) => return,
            }
            let Some(live) = live.upgrade() else {
                return;
            };
            let config = config.clone();
            // Reading and checking files (and compiling a changed package) blocks: off the
            // request threads. This node's own message finds its files unchanged.
            let checked = tokio::task::spawn_blocking(move || live.check(&config)).await;
            if let Err(e) = checked {
                tracing::error!("configuration check failed: {e}");
            }
        }
    });
}
