//! The merged page: what a person sees before and after their edits.

use crate::fragment::Fragment;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// A text in French and English (tab titles).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// French.
    pub fr: String,
    /// English.
    pub en: String,
}

impl Text {
    /// The same text in both languages (a title the user typed).
    pub fn same(text: &str) -> Self {
        Text {
            fr: text.to_string(),
            en: text.to_string(),
        }
    }

    /// The text for `locale` (`en`, anything else is French).
    pub fn get(&self, locale: &str) -> &str {
        if locale == "en" { &self.en } else { &self.fr }
    }
}

/// What a user may do with a node. Fragment nodes carry what the admin wrote (all `true`
/// unless said otherwise; `locked = true` in a fragment clears the first three); the user's
/// own nodes are always fully editable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags {
    /// May be moved (a slot to another place, a tab to another position).
    pub movable: bool,
    /// May be removed from the page.
    pub deletable: bool,
    /// Its title may be changed (tabs).
    pub editable: bool,
    /// The user may add channels into it (tabs, columns).
    pub accepts_children: bool,
}

impl Flags {
    /// What both `self` and `other` allow.
    pub fn and(self, other: Flags) -> Flags {
        Flags {
            movable: self.movable && other.movable,
            deletable: self.deletable && other.deletable,
            editable: self.editable && other.editable,
            accepts_children: self.accepts_children && other.accepts_children,
        }
    }
}

impl Default for Flags {
    fn default() -> Self {
        Flags {
            movable: true,
            deletable: true,
            editable: true,
            accepts_children: true,
        }
    }
}

/// Where a node comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum Origin {
    /// From the fragment with this id.
    Fragment(String),
    /// Added by the user.
    User,
}

/// One channel slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotNode {
    /// Publication id (unique on a page: it also identifies the slot).
    pub publication: String,
    /// Lock flags.
    pub flags: Flags,
    /// Where it comes from.
    pub origin: Origin,
}

/// One column of a tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Whether the user may add channels here.
    pub accepts_children: bool,
    /// Slots, top to bottom.
    pub slots: Vec<SlotNode>,
}

/// One tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TabNode {
    /// Identifier (in URLs: `/?tab=…`).
    pub id: String,
    /// Title.
    pub title: Text,
    /// Lock flags.
    pub flags: Flags,
    /// Where it comes from.
    pub origin: Origin,
    /// Columns, left to right.
    pub columns: Vec<Column>,
}

/// A page: tabs, the user's favourite channels, and their channel preferences.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Tabs, in order.
    pub tabs: Vec<TabNode>,
    /// Favourite publications (catalogue shortcuts), in the order they were chosen.
    pub favourites: Vec<String>,
    /// Preferences per publication: key → value.
    pub preferences: BTreeMap<String, BTreeMap<String, String>>,
}

impl Layout {
    /// The tab `id`.
    pub fn tab(&self, id: &str) -> Option<&TabNode> {
        self.tabs.iter().find(|t| t.id == id)
    }

    /// Where `publication` is: (tab index, column index, slot index).
    pub fn find(&self, publication: &str) -> Option<(usize, usize, usize)> {
        for (t, tab) in self.tabs.iter().enumerate() {
            for (c, column) in tab.columns.iter().enumerate() {
                if let Some(s) = column.slots.iter().position(|s| s.publication == publication) {
                    return Some((t, c, s));
                }
            }
        }
        None
    }

    /// The slot of `publication`, if it is on the page.
    pub fn slot(&self, publication: &str) -> Option<&SlotNode> {
        self.find(publication)
            .map(|(t, c, s)| &self.tabs[t].columns[c].slots[s])
    }

    /// Every publication on the page, tab by tab, column by column.
    pub fn publications(&self) -> impl Iterator<Item = &str> {
        self.tabs
            .iter()
            .flat_map(|t| t.columns.iter())
            .flat_map(|c| c.slots.iter())
            .map(|s| s.publication.as_str())
    }
}

/// Merge `fragments` into one page: highest precedence first (ties by fragment id), tabs in
/// fragment order. A tab id seen again adds its columns' slots to the columns of the tab
/// already there (column *i* to column *i*, extra columns appended), keeping the first
/// fragment's title; its flags are the most restrictive of all (a lock by any fragment
/// holds). A publication placed twice keeps its first placement.
pub fn merge(fragments: &[&Fragment]) -> Layout {
    let mut ordered: Vec<&Fragment> = fragments.to_vec();
    ordered.sort_by(|a, b| b.precedence.cmp(&a.precedence).then_with(|| a.id.cmp(&b.id)));
    let mut layout = Layout::default();
    let mut placed: HashSet<&str> = HashSet::new();
    for fragment in ordered {
        for tab in &fragment.tabs {
            let index = match layout.tabs.iter().position(|t| t.id == tab.id) {
                Some(i) => i,
                None => {
                    layout.tabs.push(TabNode {
                        id: tab.id.clone(),
                        title: tab.title.clone(),
                        flags: tab.flags(),
                        origin: Origin::Fragment(fragment.id.clone()),
                        columns: Vec::new(),
                    });
                    layout.tabs.len() - 1
                }
            };
            let target = &mut layout.tabs[index];
            target.flags = target.flags.and(tab.flags());
            let tab_accepts = tab.flags().accepts_children;
            for (c, column) in tab.columns.iter().enumerate() {
                if target.columns.len() <= c {
                    target.columns.push(Column {
                        accepts_children: column.accepts_children().unwrap_or(tab_accepts),
                        slots: Vec::new(),
                    });
                }
                for slot in column.slots() {
                    if placed.insert(slot.publication()) {
                        target.columns[c].slots.push(SlotNode {
                            publication: slot.publication().to_string(),
                            flags: slot.flags(),
                            origin: Origin::Fragment(fragment.id.clone()),
                        });
                    }
                }
            }
        }
    }
    layout
}
