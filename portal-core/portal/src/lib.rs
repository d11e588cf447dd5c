//! # agora-portal
//!
//! The portal host: configuration, people and their attributes, layouts, the channel
//! registry, page assembly (streamed), storage and the web front (actix-web).
//!
//! Request chain (see ARCHITECTURE.md): [`web`] → session → [`person`] → [`populations`] →
//! [`personal`] (fragments merged, the user's edits replayed, see `agora-layout`) →
//! [`slot`] (one render per channel, concurrently, each under its budget) → [`page`]
//! (tera theme, streamed shell then slots).

pub mod api;
pub mod app;
pub mod breaker;
pub mod catalogue;
pub mod config;
pub mod customise;
pub mod i18n;
pub mod imap;
pub mod ldap_directory;
pub mod ldif;
pub mod live;
pub mod page;
pub mod person;
pub mod personal;
pub mod populations;
pub mod registry;
pub mod session_limits;
pub mod session_store;
pub mod signon;
pub mod signon_oidc;
pub mod slot;
pub mod storage;
pub mod telemetry;
pub mod theme;
pub mod trusted_headers;
pub mod web;

pub use app::Portal;
pub use config::{ConfigError, PortalConfig};
