//! Host capabilities, one module each, all of the same shape: the per-render state they need
//! lives in [`RenderState`](crate::render::RenderState), the manifest check happens in one
//! place at the top of each host function, and a refusal says which manifest entry to add.
//!
//! | capability | WIT interface | granted by |
//! |---|---|---|
//! | [`backend`] | `agora:channel/backend` | `[backends.<name>]` + the admin's binding |
//! | [`cache`] | `agora:channel/cache` | always (private to the channel) |
//! | [`person`] | `agora:channel/person` | `[attributes] read` |
//! | [`log`] | `agora:channel/log` | always (volume capped by `limits.log_bytes`) |
//! | [`request`] | `agora:channel/request` | always (the channel's own query parameters) |
//! | [`directory`] | `agora:channel/directory` | `[directory] attributes`; red list always applied |
//! | [`mail`] | `agora:channel/mail` | `[mail] mailboxes` + the portal's `[mail]` server |
//! | [`wasi`] | `wasi:random/*` | always; every other `wasi:*` import traps |

pub mod backend;
pub mod cache;
pub mod directory;
pub mod log;
pub mod mail;
pub mod person;
pub mod request;
pub mod wasi;

/// The shared `types` interface has no functions; the host implements its empty trait.
impl crate::bindings::agora::channel::types::Host for crate::render::RenderState {}
