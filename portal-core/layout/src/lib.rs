//! Page layouts for the portal, the way admins and users both shape them.
//!
//! - A [`Fragment`] is a piece of layout (tabs → columns → channel slots) that an admin
//!   writes in a TOML file under `config/fragments/`, targeted at populations (or every
//!   signed-in user, or guests), with a precedence.
//! - [`merge`] builds a person's default page from the fragments of their populations, in
//!   precedence order. Tabs with the same id from several fragments are merged column by
//!   column; a channel appears once per page (the highest-precedence placement wins).
//! - Every node carries [`Flags`]: movable, deletable, editable (title), accepts children.
//! - A user's customisations are [`Edit`] operations, replayed on top of the merged page by
//!   [`replay`]. An edit that no longer applies (the admin locked a channel, removed a tab, the
//!   user left the population that could add a channel…) is reported as a [`Conflict`] with
//!   its [`Refusal`], so the portal can keep it aside and tell the user, never drop it silently.
//!
//! The crate does no I/O besides parsing; the portal decides where files and edits live.

mod edit;
mod fragment;
mod model;

pub use edit::{Conflict, Edit, Policy, Refusal, Replayed, apply, replay};
pub use fragment::{Audience, Fragment, FragmentError, FragmentSet, Known};
pub use model::{Column, Flags, Layout, Origin, SlotNode, TabNode, Text, merge};

/// The most columns a tab may have.
pub const MAX_COLUMNS: usize = 4;
/// The most tabs a page may have (fragments plus the user's own).
pub const MAX_TABS: usize = 12;
/// The longest tab title a user may type, in characters.
pub const MAX_TITLE_CHARS: usize = 40;
/// Prefix of the ids of tabs users create; fragment tab ids may not use it.
pub const USER_TAB_PREFIX: &str = "my-";
