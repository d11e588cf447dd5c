//! Host capabilities, one module each, all of one shape ([`shape::Capability`]): the grant
//! read from the manifest, the hook the embedder provides, the per-render state, how it
//! links. A host function sees only its capability's state and the render's
//! [`Ledger`](crate::ledger::Ledger); a refusal says which manifest entry to add.
//!
//! | capability | WIT interface | granted by | hook (from the portal) |
//! |---|---|---|---|
//! | [`backend`] | `agora:channel/backend` | `[backends.<name>]` + the admin's binding | HTTP client, publication, [`backend::ProxyTicketIssuer`] |
//! | [`cache`] | `agora:channel/cache` | always (private to the publication and package) | [`cache::ChannelCache`] |
//! | [`person`] | `agora:channel/person` | `[attributes] read` | the person's attributes |
//! | [`log`] | `agora:channel/log` | always (within `limits.log_bytes`) | — |
//! | [`request`] | `agora:channel/request` | always (the channel's own query parameters) | the parameters |
//! | [`directory`] | `agora:channel/directory` | `[directory] attributes`; red list always applied | [`directory::DirectoryService`] |
//! | [`mail`] | `agora:channel/mail` | `[mail] mailboxes` + the portal's `[mail]` server | [`mail::MailService`] |
//! | [`dav`] | `agora:channel/dav` (0.3) | `[dav] calendars/contacts/files` + the portal's `[dav]` server | [`dav::DavService`] |
//! | [`notify`] | `agora:channel/notify` | `[notifications]` (per-user renders only) | — (collected, handed back with the render) |
//! | [`wasi`] | `wasi:random/*` | always; every other `wasi:*` import traps | — |

pub mod backend;
pub mod cache;
pub mod dav;
pub mod directory;
pub mod log;
pub mod mail;
pub mod notify;
pub mod person;
pub mod request;
pub mod shape;
pub mod wasi;
