//! The page: from a person and their layout to streamed HTML.
//!
//! | module | job |
//! |---|---|
//! | [`personal`] | the person's own page: fragments merged, their edits replayed ([`EditStore`]) |
//! | [`stream`] | the shell first, then each slot as it finishes |
//! | [`kept`] | rendered shells and slot chunks kept for the next views |
//! | [`slot`] | one channel's render, with its cache, last good render and fallbacks |
//! | `remembered` | what an open slot shows: last good render, or the failure and since when |
//! | [`breaker`] | back-off for a publication or back-end that keeps failing |
//! | [`failures`] | those breakers shared by every node on Redis |
//! | [`focus`] | where the keyboard focus lands after a customisation form |
//! | [`undo`] | undoing a destructive customisation |
//!
//! Nothing here knows HTTP: `web::home` asks [`personal::personal_page`] for the layout, then
//! [`stream::stream_page`] for the body.

pub mod breaker;
pub mod chunk;
pub mod failures;
pub mod focus;
pub mod kept;
pub mod personal;
mod remembered;
pub mod render_key;
pub mod slot;
pub mod stream;
pub mod undo;

pub use personal::EditStore;
pub use slot::SlotRenderer;
pub use stream::{PageRequest, ViewAs, base_context, stream_page};

use crate::live::registry::Registry;
use crate::theme::Theme;
use std::sync::Arc;

/// What streaming a page needs from the portal (cheap to clone: three shared handles).
#[derive(Clone)]
pub struct Pages {
    /// Templates, strings and skin.
    pub theme: Arc<Theme>,
    /// The publications.
    pub registry: Arc<Registry>,
    /// Slot rendering, with its caches.
    pub slots: Arc<SlotRenderer>,
    /// Recently rendered shells and slot chunks.
    pub kept: Arc<kept::PageCache>,
}

/// What building a person's page and explaining edits needs, borrowed.
#[derive(Clone, Copy)]
pub struct Site<'a> {
    /// Strings (messages about edits).
    pub theme: &'a Theme,
    /// The publications (titles, preference fields).
    pub registry: &'a Registry,
    /// The users' edits.
    pub edits: &'a EditStore,
}
