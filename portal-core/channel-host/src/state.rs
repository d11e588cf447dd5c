//! The store of one render: the [`Ledger`], the memory cap, the CPU meter, and one state per
//! capability, composed from the capabilities' shapes. [`Grants`] are read once per loaded
//! channel; [`link`] adds every capability to a linker.

use crate::capability::backend::{Backend, BackendHook, BackendState};
use crate::capability::cache::{Cache, CacheHook};
use crate::capability::dav::{Dav, DavState};
use crate::capability::directory::{Directory, DirectoryState};
use crate::capability::log::{Log, LogState};
use crate::capability::mail::{Mail, MailState};
use crate::capability::notify::{Notify, NotifyState};
use crate::capability::person::{Attributes, Person, PersonState};
use crate::capability::request::{Params, Request};
use crate::capability::shape::{Capability, View};
use crate::capability::wasi::Wasi;
use crate::cpu::CpuMeter;
use crate::ledger::Ledger;
use crate::manifest::{ChannelManifest, ManifestError};
use crate::services::Services;
use std::sync::Arc;
use wasmtime::ResourceLimiter;
use wasmtime::component::{Component, Linker};

/// What a manifest grants, per capability, validated once when the channel is loaded.
#[derive(Debug, Clone)]
pub struct Grants {
    backend: <Backend as Capability>::Grant,
    person: <Person as Capability>::Grant,
    directory: <Directory as Capability>::Grant,
    mail: <Mail as Capability>::Grant,
    dav: <Dav as Capability>::Grant,
    notify: <Notify as Capability>::Grant,
}

impl Grants {
    /// Read every capability's grant from `manifest`.
    pub fn of(manifest: &ChannelManifest) -> Result<Self, ManifestError> {
        Cache::grant(manifest)?;
        Log::grant(manifest)?;
        Request::grant(manifest)?;
        Wasi::grant(manifest)?;
        Ok(Grants {
            backend: Backend::grant(manifest)?,
            person: Person::grant(manifest)?,
            directory: Directory::grant(manifest)?,
            mail: Mail::grant(manifest)?,
            dav: Dav::grant(manifest)?,
            notify: Notify::grant(manifest)?,
        })
    }
}

/// Caps linear memory and table growth, and remembers a refusal so a later trap can be
/// explained as "memory limit" rather than a bare `unreachable`.
pub struct MemoryCap {
    max_bytes: usize,
    /// Whether a growth was refused.
    pub denied: bool,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.denied = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// Everything one render's store holds; dropped with the store after the render.
pub struct RenderState {
    /// Budgets and records shared by the capabilities.
    pub ledger: Ledger,
    /// The memory cap.
    pub memory: MemoryCap,
    /// Guest CPU used so far.
    pub cpu: Arc<CpuMeter>,
    /// Set by the epoch callback when the CPU budget is spent.
    pub cpu_exceeded: bool,
    backend: BackendState,
    cache: CacheHook,
    person: PersonState,
    log: LogState,
    request: Params,
    directory: DirectoryState,
    mail: MailState,
    dav: DavState,
    /// Notifications raised by the render.
    pub notify: NotifyState,
    wasi: (),
}

/// What the capabilities get for one render besides the grants.
pub struct Hooks {
    /// Back-end calls.
    pub backend: BackendHook,
    /// The cache and the publication's namespace.
    pub cache: CacheHook,
    /// The person's attributes.
    pub attributes: Arc<Attributes>,
    /// The channel's query parameters.
    pub params: Params,
    /// The page's services.
    pub services: Services,
}

impl RenderState {
    /// Prepare every capability for one render.
    pub fn prepare(grants: &Grants, hooks: Hooks, ledger: Ledger, memory_bytes: usize) -> Self {
        let cpu = ledger.cpu();
        RenderState {
            ledger,
            memory: MemoryCap {
                max_bytes: memory_bytes,
                denied: false,
            },
            cpu,
            cpu_exceeded: false,
            backend: Backend::prepare(&grants.backend, hooks.backend),
            cache: Cache::prepare(&(), hooks.cache),
            person: Person::prepare(&grants.person, hooks.attributes),
            log: Log::prepare(&(), ()),
            request: Request::prepare(&(), hooks.params),
            directory: Directory::prepare(&grants.directory, hooks.services.directory),
            mail: Mail::prepare(&grants.mail, hooks.services.mail),
            dav: Dav::prepare(&grants.dav, hooks.services.dav),
            notify: Notify::prepare(&grants.notify, ()),
            wasi: Wasi::prepare(&(), ()),
        }
    }

    /// The panic message the channel reported, if any.
    pub fn last_panic(&self) -> Option<&str> {
        self.log.last_panic.as_deref()
    }
}

/// Link capability `$cap` through a getter giving its field `$field` and the ledger.
macro_rules! link_capability {
    ($linker:expr, $component:expr, $cap:ty, $field:ident) => {
        <$cap>::link($linker, $component, |s: &mut RenderState| View {
            state: &mut s.$field,
            ledger: &mut s.ledger,
        })?
    };
}

/// Add every capability's interface to `linker` for `component`.
pub fn link(linker: &mut Linker<RenderState>, component: &Component) -> wasmtime::Result<()> {
    link_capability!(linker, component, Backend, backend);
    link_capability!(linker, component, Cache, cache);
    link_capability!(linker, component, Person, person);
    link_capability!(linker, component, Log, log);
    link_capability!(linker, component, Request, request);
    link_capability!(linker, component, Directory, directory);
    link_capability!(linker, component, Mail, mail);
    link_capability!(linker, component, Dav, dav);
    link_capability!(linker, component, Notify, notify);
    link_capability!(linker, component, Wasi, wasi);
    Ok(())
}
