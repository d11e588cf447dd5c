//! The one shape of a host capability (after Spin's factors: init / configure / prepare).
//!
//! Every module under `capability/` implements [`Capability`] for a unit type:
//!
//! 1. [`Capability::grant`] reads and validates what the manifest grants, once per loaded
//!    channel (a bad grant is a [`ManifestError`] naming the key).
//! 2. [`Capability::Hook`] is what the embedder (the portal) provides for one render: a
//!    service trait object, the person's attributes, the cache… (`()` when nothing).
//! 3. [`Capability::prepare`] builds the per-render [`Capability::State`] from the grant and
//!    the hook; the state lives in the store next to the render's [`Ledger`].
//! 4. [`Capability::link`] adds the WIT interface to a linker, for any store type, through a
//!    getter giving a [`View`]: the capability's state plus the shared ledger. Host functions
//!    are implemented on `View<'_, State>`; they never see the rest of the store.
//!
//! So a capability knows nothing of the store it lives in, and adding one means adding one
//! module of this shape and one field to [`crate::state::RenderState`].

use crate::ledger::Ledger;
use crate::manifest::{ChannelManifest, ManifestError};
use std::marker::PhantomData;
use wasmtime::component::{Component, HasData, Linker};

/// What one host call sees: its capability's per-render state and the render's ledger.
pub struct View<'a, S> {
    /// The capability's per-render state.
    pub state: &'a mut S,
    /// The render's ledger (budgets, refusals, host lines).
    pub ledger: &'a mut Ledger,
}

/// The [`HasData`] projection of a store to a [`View`] of state `S`.
pub struct HasView<S>(PhantomData<S>);

impl<S: 'static> HasData for HasView<S> {
    type Data<'a> = View<'a, S>;
}

/// The getter a linker uses to reach a capability's view in store `T`.
pub type Getter<T, S> = fn(&mut T) -> View<'_, S>;

/// One host capability (see the module docs).
pub trait Capability {
    /// The WIT interface (or interface family) it serves, e.g. `agora:channel/backend`.
    const INTERFACE: &'static str;
    /// What the manifest grants, validated.
    type Grant: Clone + Send + Sync + 'static;
    /// What the embedder provides for one render.
    type Hook;
    /// Per-render state.
    type State: Send + 'static;

    /// Read and validate the grant from the manifest.
    fn grant(manifest: &ChannelManifest) -> Result<Self::Grant, ManifestError>;

    /// Build the per-render state.
    fn prepare(grant: &Self::Grant, hook: Self::Hook) -> Self::State;

    /// Add the interface's host functions to `linker` for `component`.
    fn link<T: Send + 'static>(
        linker: &mut Linker<T>,
        component: &Component,
        get: Getter<T, Self::State>,
    ) -> wasmtime::Result<()>;
}

/// A manifest error for `key` of `manifest`.
pub fn grant_error(manifest: &ChannelManifest, key: &str, reason: impl Into<String>) -> ManifestError {
    ManifestError {
        path: manifest.source.clone(),
        key: Some(key.to_string()),
        reason: reason.into(),
    }
}
