//! # agora-portal
//!
//! The portal host: configuration, people and their attributes, layouts, the channel
//! registry, page assembly (streamed), storage and the web front (actix-web).
//!
//! Request chain (see ARCHITECTURE.md): [`web`] → session → [`person`] → [`populations`] →
//! [`personal`] (fragments merged, the user's edits replayed, see `agora-layout`) →
//! [`slot`] (one render per channel, concurrently, each under its budget) → [`page`]
//! (tera theme, streamed shell then slots).

pub mod admin;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod find;
pub mod forget;
pub mod groups;
pub mod i18n;
pub mod imap;
pub mod inbox;
pub mod live;
pub mod page;
pub mod people;
pub mod session;
pub mod signon;
pub mod sms;
pub mod statistics;
pub mod storage;
pub mod telemetry;
pub mod tenant;
pub mod text;
pub mod theme;
pub mod tls;
pub mod web;

pub use app::Portal;
pub use config::{ConfigError, PortalConfig};
