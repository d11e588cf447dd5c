//! User edits: operations replayed on top of the merged fragments.
//!
//! Edits are kept as operations, not as a saved copy of the page, so that an admin's change
//! to a fragment reaches every user at once, and the user's own changes still apply on top.
//! An edit that no longer applies is refused with a [`Refusal`] that says why; [`replay`]
//! reports it as a [`Conflict`] and goes on with the next edit.

use crate::model::{Column, Flags, Layout, Origin, SlotNode, TabNode, Text};
use crate::{MAX_COLUMNS, MAX_TABS, MAX_TITLE_CHARS, USER_TAB_PREFIX};
use serde::{Deserialize, Serialize};

/// One customisation by a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Edit {
    /// Add a channel from the catalogue to a tab's column, at `position` (end when absent).
    AddChannel {
        /// Publication id.
        publication: String,
        /// Tab id.
        tab: String,
        /// Column index (the last column when beyond).
        column: usize,
        /// Index in the column.
        #[serde(default)]
        position: Option<usize>,
    },
    /// Remove a channel from the page.
    RemoveChannel {
        /// Publication id.
        publication: String,
    },
    /// Move a channel to a tab's column, at `position` (end when absent).
    MoveChannel {
        /// Publication id.
        publication: String,
        /// Tab id.
        tab: String,
        /// Column index (the last column when beyond).
        column: usize,
        /// Index in the column.
        #[serde(default)]
        position: Option<usize>,
    },
    /// Add an empty tab of one column at the end.
    AddTab {
        /// Its id; must start with `my-` (the portal chooses it).
        id: String,
        /// Title.
        title: String,
    },
    /// Remove a tab and what it holds.
    RemoveTab {
        /// Tab id.
        tab: String,
    },
    /// Rename a tab.
    RenameTab {
        /// Tab id.
        tab: String,
        /// New title.
        title: String,
    },
    /// Move a tab to `position`.
    MoveTab {
        /// Tab id.
        tab: String,
        /// New index.
        position: usize,
    },
    /// Choose how many columns a tab has; channels of removed columns go to the last one.
    SetColumns {
        /// Tab id.
        tab: String,
        /// 1 to 4.
        count: usize,
    },
    /// Set one preference of a channel on the page.
    SetPreference {
        /// Publication id.
        publication: String,
        /// Preference key (declared by the channel).
        key: String,
        /// Value, as text.
        value: String,
    },
    /// Mark or unmark a channel as a favourite.
    SetFavourite {
        /// Publication id.
        publication: String,
        /// Favourite or not.
        favourite: bool,
    },
}

impl Edit {
    /// The publication this edit is about, if any.
    pub fn publication(&self) -> Option<&str> {
        match self {
            Edit::AddChannel { publication, .. }
            | Edit::RemoveChannel { publication }
            | Edit::MoveChannel { publication, .. }
            | Edit::SetPreference { publication, .. }
            | Edit::SetFavourite { publication, .. } => Some(publication),
            _ => None,
        }
    }

    /// The tab this edit is about, if any.
    pub fn tab(&self) -> Option<&str> {
        match self {
            Edit::AddChannel { tab, .. }
            | Edit::MoveChannel { tab, .. }
            | Edit::RemoveTab { tab }
            | Edit::RenameTab { tab, .. }
            | Edit::MoveTab { tab, .. }
            | Edit::SetColumns { tab, .. } => Some(tab),
            Edit::AddTab { id, .. } => Some(id),
            _ => None,
        }
    }
}

/// Why an edit does not apply. Each has a stable message key for the user's language
/// ([`Refusal::key`]) and the names to put in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Refusal {
    /// The tab is not on the page (any more).
    #[error("the tab `{tab}` is not on the page")]
    NoSuchTab {
        /// Tab id.
        tab: String,
    },
    /// The channel is not on the page (any more).
    #[error("the channel `{publication}` is not on the page")]
    NotOnPage {
        /// Publication id.
        publication: String,
    },
    /// The channel is already on the page.
    #[error("the channel `{publication}` is already on the page")]
    AlreadyOnPage {
        /// Publication id.
        publication: String,
    },
    /// The user may not add this channel (not in their catalogue).
    #[error("the channel `{publication}` is not in your catalogue")]
    NotInCatalogue {
        /// Publication id.
        publication: String,
    },
    /// The administrator locked this channel in place.
    #[error("the channel `{publication}` is locked in place by the administrator")]
    ChannelLocked {
        /// Publication id.
        publication: String,
    },
    /// The administrator made this channel mandatory.
    #[error("the channel `{publication}` is mandatory")]
    ChannelMandatory {
        /// Publication id.
        publication: String,
    },
    /// The administrator locked this tab (its place, title or existence).
    #[error("the tab `{tab}` is locked by the administrator")]
    TabLocked {
        /// Tab id.
        tab: String,
    },
    /// The target column does not accept new channels.
    #[error("the tab `{tab}` does not accept new channels there")]
    ColumnClosed {
        /// Tab id.
        tab: String,
    },
    /// A tab title is empty or too long.
    #[error("a tab title has 1 to {MAX_TITLE_CHARS} characters")]
    BadTitle,
    /// A tab id chosen for a new tab is not a user tab id, or is taken.
    #[error("`{tab}` cannot be the id of a new tab")]
    BadTabId {
        /// Tab id.
        tab: String,
    },
    /// Too many tabs.
    #[error("a page has at most {MAX_TABS} tabs")]
    TooManyTabs,
    /// Column count out of range.
    #[error("a tab has 1 to {MAX_COLUMNS} columns")]
    BadColumnCount,
    /// The channel does not accept this preference.
    #[error("preference `{key}` of `{publication}`: {reason}")]
    BadPreference {
        /// Publication id.
        publication: String,
        /// Key.
        key: String,
        /// Why.
        reason: String,
    },
}

impl Refusal {
    /// Message key in the theme's strings (`edit.refused.<kind>`).
    pub fn key(&self) -> &'static str {
        match self {
            Refusal::NoSuchTab { .. } => "edit.refused.no_such_tab",
            Refusal::NotOnPage { .. } => "edit.refused.not_on_page",
            Refusal::AlreadyOnPage { .. } => "edit.refused.already_on_page",
            Refusal::NotInCatalogue { .. } => "edit.refused.not_in_catalogue",
            Refusal::ChannelLocked { .. } => "edit.refused.channel_locked",
            Refusal::ChannelMandatory { .. } => "edit.refused.channel_mandatory",
            Refusal::TabLocked { .. } => "edit.refused.tab_locked",
            Refusal::ColumnClosed { .. } => "edit.refused.column_closed",
            Refusal::BadTitle => "edit.refused.bad_title",
            Refusal::BadTabId { .. } => "edit.refused.bad_tab_id",
            Refusal::TooManyTabs => "edit.refused.too_many_tabs",
            Refusal::BadColumnCount => "edit.refused.bad_column_count",
            Refusal::BadPreference { .. } => "edit.refused.bad_preference",
        }
    }
}

/// What the portal allows beyond the layout itself.
pub trait Policy {
    /// Whether this user may add `publication` (it is in their catalogue).
    fn may_add(&self, publication: &str) -> bool;
    /// Check a preference value for a channel; `Err` says why not.
    fn check_preference(&self, publication: &str, key: &str, value: &str) -> Result<(), String>;
}

/// An edit that did not apply during a replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// Index of the edit in the replayed list.
    pub index: usize,
    /// The edit.
    pub edit: Edit,
    /// Why it no longer applies.
    pub refusal: Refusal,
}

/// The result of a replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replayed {
    /// The page with every edit that applied.
    pub layout: Layout,
    /// The edits that did not apply, in order.
    pub conflicts: Vec<Conflict>,
}

/// Replay `edits` in order on `base`; edits that do not apply are reported and skipped.
pub fn replay(base: Layout, edits: &[Edit], policy: &dyn Policy) -> Replayed {
    let mut layout = base;
    let mut conflicts = Vec::new();
    for (index, edit) in edits.iter().enumerate() {
        if let Err(refusal) = apply(&mut layout, edit, policy) {
            conflicts.push(Conflict {
                index,
                edit: edit.clone(),
                refusal,
            });
        }
    }
    Replayed { layout, conflicts }
}

fn tab_index(layout: &Layout, tab: &str) -> Result<usize, Refusal> {
    layout
        .tabs
        .iter()
        .position(|t| t.id == tab)
        .ok_or_else(|| Refusal::NoSuchTab { tab: tab.to_string() })
}

fn check_title(title: &str) -> Result<String, Refusal> {
    let title = title.trim();
    let chars = title.chars().count();
    if chars == 0 || chars > MAX_TITLE_CHARS || title.chars().any(char::is_control) {
        return Err(Refusal::BadTitle);
    }
    Ok(title.to_string())
}

/// Where a channel may land: the column (clamped to the tab's last), if it accepts it.
fn landing(
    layout: &Layout,
    tab: &str,
    column: usize,
    moving_from: Option<(usize, usize)>,
) -> Result<(usize, usize), Refusal> {
    let t = tab_index(layout, tab)?;
    let last = layout.tabs[t].columns.len().saturating_sub(1);
    let c = column.min(last);
    let same_column = moving_from == Some((t, c));
    let accepts = layout.tabs[t]
        .columns
        .get(c)
        .is_some_and(|col| col.accepts_children && layout.tabs[t].flags.accepts_children);
    if !same_column && !accepts {
        return Err(Refusal::ColumnClosed { tab: tab.to_string() });
    }
    Ok((t, c))
}

/// Apply one edit to `layout`; on refusal the layout is unchanged.
pub fn apply(layout: &mut Layout, edit: &Edit, policy: &dyn Policy) -> Result<(), Refusal> {
    match edit {
        Edit::AddChannel {
            publication,
            tab,
            column,
            position,
        } => {
            if layout.find(publication).is_some() {
                return Err(Refusal::AlreadyOnPage {
                    publication: publication.clone(),
                });
            }
            if !policy.may_add(publication) {
                return Err(Refusal::NotInCatalogue {
                    publication: publication.clone(),
                });
            }
            let (t, c) = landing(layout, tab, *column, None)?;
            let slots = &mut layout.tabs[t].columns[c].slots;
            let at = position.unwrap_or(slots.len()).min(slots.len());
            slots.insert(
                at,
                SlotNode {
                    publication: publication.clone(),
                    flags: Flags {
                        editable: false,
                        accepts_children: false,
                        ..Flags::default()
                    },
                    origin: Origin::User,
                },
            );
            Ok(())
        }
        Edit::RemoveChannel { publication } => {
            let (t, c, s) = layout.find(publication).ok_or_else(|| Refusal::NotOnPage {
                publication: publication.clone(),
            })?;
            if !layout.tabs[t].columns[c].slots[s].flags.deletable {
                return Err(Refusal::ChannelMandatory {
                    publication: publication.clone(),
                });
            }
            layout.tabs[t].columns[c].slots.remove(s);
            layout.preferences.remove(publication);
            Ok(())
        }
        Edit::MoveChannel {
            publication,
            tab,
            column,
            position,
        } => {
            let (t0, c0, s0) = layout.find(publication).ok_or_else(|| Refusal::NotOnPage {
                publication: publication.clone(),
            })?;
            if !layout.tabs[t0].columns[c0].slots[s0].flags.movable {
                return Err(Refusal::ChannelLocked {
                    publication: publication.clone(),
                });
            }
            let (t, c) = landing(layout, tab, *column, Some((t0, c0)))?;
            let slot = layout.tabs[t0].columns[c0].slots.remove(s0);
            let slots = &mut layout.tabs[t].columns[c].slots;
            let at = position.unwrap_or(slots.len()).min(slots.len());
            slots.insert(at, slot);
            Ok(())
        }
        Edit::AddTab { id, title } => {
            let title = check_title(title)?;
            if !id.starts_with(USER_TAB_PREFIX)
                || id.len() > 64
                || !id[USER_TAB_PREFIX.len()..]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                || layout.tab(id).is_some()
            {
                return Err(Refusal::BadTabId { tab: id.clone() });
            }
            if layout.tabs.len() >= MAX_TABS {
                return Err(Refusal::TooManyTabs);
            }
            layout.tabs.push(TabNode {
                id: id.clone(),
                title: Text::same(&title),
                flags: Flags::default(),
                origin: Origin::User,
                columns: vec![Column {
                    accepts_children: true,
                    slots: Vec::new(),
                }],
            });
            Ok(())
        }
        Edit::RemoveTab { tab } => {
            let t = tab_index(layout, tab)?;
            let node = &layout.tabs[t];
            let mandatory = node.columns.iter().flat_map(|c| &c.slots).find(|s| !s.flags.deletable);
            if !node.flags.deletable {
                return Err(Refusal::TabLocked { tab: tab.clone() });
            }
            if let Some(slot) = mandatory {
                return Err(Refusal::ChannelMandatory {
                    publication: slot.publication.clone(),
                });
            }
            let removed = layout.tabs.remove(t);
            for slot in removed.columns.iter().flat_map(|c| &c.slots) {
                layout.preferences.remove(&slot.publication);
            }
            Ok(())
        }
        Edit::RenameTab { tab, title } => {
            let t = tab_index(layout, tab)?;
            if !layout.tabs[t].flags.editable {
                return Err(Refusal::TabLocked { tab: tab.clone() });
            }
            layout.tabs[t].title = Text::same(&check_title(title)?);
            Ok(())
        }
        Edit::MoveTab { tab, position } => {
            let t = tab_index(layout, tab)?;
            if !layout.tabs[t].flags.movable {
                return Err(Refusal::TabLocked { tab: tab.clone() });
            }
            let node = layout.tabs.remove(t);
            let at = (*position).min(layout.tabs.len());
            layout.tabs.insert(at, node);
            Ok(())
        }
        Edit::SetColumns { tab, count } => {
            if *count == 0 || *count > MAX_COLUMNS {
                return Err(Refusal::BadColumnCount);
            }
            let t = tab_index(layout, tab)?;
            let node = &mut layout.tabs[t];
            if *count < node.columns.len() {
                let moving: Vec<&SlotNode> = node.columns[*count..].iter().flat_map(|c| &c.slots).collect();
                if let Some(locked) = moving.iter().find(|s| !s.flags.movable) {
                    return Err(Refusal::ChannelLocked {
                        publication: locked.publication.clone(),
                    });
                }
                let last_accepts = node.columns[*count - 1].accepts_children && node.flags.accepts_children;
                if !moving.is_empty() && !last_accepts {
                    return Err(Refusal::ColumnClosed { tab: tab.clone() });
                }
                let extra: Vec<Column> = node.columns.drain(*count..).collect();
                let last = &mut node.columns[*count - 1];
                last.slots.extend(extra.into_iter().flat_map(|c| c.slots));
            } else {
                let accepts = node.flags.accepts_children;
                while node.columns.len() < *count {
                    node.columns.push(Column {
                        accepts_children: accepts,
                        slots: Vec::new(),
                    });
                }
            }
            Ok(())
        }
        Edit::SetPreference {
            publication,
            key,
            value,
        } => {
            if layout.find(publication).is_none() {
                return Err(Refusal::NotOnPage {
                    publication: publication.clone(),
                });
            }
            policy
                .check_preference(publication, key, value)
                .map_err(|reason| Refusal::BadPreference {
                    publication: publication.clone(),
                    key: key.clone(),
                    reason,
                })?;
            layout
                .preferences
                .entry(publication.clone())
                .or_default()
                .insert(key.clone(), value.clone());
            Ok(())
        }
        Edit::SetFavourite { publication, favourite } => {
            if *favourite && !policy.may_add(publication) && layout.find(publication).is_none() {
                return Err(Refusal::NotInCatalogue {
                    publication: publication.clone(),
                });
            }
            layout.favourites.retain(|p| p != publication);
            if *favourite {
                layout.favourites.push(publication.clone());
            }
            Ok(())
        }
    }
}
