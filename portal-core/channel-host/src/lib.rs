//! # agora-channel-host
//!
//! Runs portal channels — WebAssembly components exporting the `agora:channel@0.2.0` and `@0.1.0` worlds
//! (`sdk/wit/channel.wit`) — under the capabilities and limits their manifest grants.
//!
//! * [`manifest`]: the `channel.toml` format (id, back-ends, attributes, config schema,
//!   cache policy, limits) and its validation.
//! * [`publication`]: an admin's configured instance of a channel (back-end bindings,
//!   configuration checked against the manifest's schema).
//! * [`engine`]: the wasmtime engine (pooling allocator, epoch interruption, compiled
//!   artefact cache on disk) and [`engine::LoadedChannel`] (pre-instantiated components).
//! * [`capability`]: one module per host capability, all of one shape
//!   ([`capability::shape::Capability`]: grant, hook, per-render state, link).
//! * [`state`]: the store of one render, composed of the capabilities' states and the
//!   render's [`ledger`] (budgets and bounded records); [`services`]: what the embedder lends
//!   to one page's renders.
//! * [`render`]: one render = a fresh store, a CPU budget charged from the thread CPU clock
//!   ([`cpu`]), a memory cap, a wall-clock timeout, and the output size-checked and
//!   sanitised by [`sanitize`].
//!
//! Architecture invariants: a channel never sees credentials of a back-end, nor an attribute
//! its manifest does not list; a store is never reused after a render (nor after a trap);
//! a render never outlives its wall-clock budget.

pub mod capability;
pub mod contract;
pub mod cpu;
pub mod engine;
pub mod icon;
pub mod jwt;
pub mod ledger;
pub mod limits;
pub mod manifest;
pub mod publication;
pub mod render;
pub mod sanitize;
pub mod search;
pub mod secret;
pub mod services;
pub mod state;

pub mod dav;

mod bindings;

pub use capability::backend::ProxyTicketIssuer;
pub use capability::dav::{DavContact, DavEvent, DavFailure, DavFile, DavService};
pub use capability::directory::{DirectoryEntry, DirectoryFailure, DirectoryService};
pub use capability::mail::{MailFailure, MailMessage, MailService, MailboxSummary};
pub use capability::person::{Attributes, NEVER_SHOWN, never_shown};
pub use engine::{ChannelEngine, EngineOptions, LoadedChannel};
pub use limits::Limits;
pub use manifest::{ChannelManifest, ManifestError};
pub use publication::{BackendAuth, BackendBinding, JwtAuth, Publication, PublicationError};
pub use render::{ChannelErrorKind, RenderFailure, RenderRequest, Rendered};
pub use secret::Secret;
pub use services::Services;
