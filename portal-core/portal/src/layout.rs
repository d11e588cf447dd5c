//! Page layouts: tabs → columns → channel slots, read from `config/layout.toml`.
//!
//! ```toml
//! [[tabs]]                      # the signed-in page
//! id = "home"
//! title = { fr = "Accueil", en = "Home" }
//! columns = [["welcome"], ["campus-news"]]
//!
//! [[guest.tabs]]                # the page of visitors who are not signed in
//! id = "home"
//! title = { fr = "Accueil", en = "Home" }
//! columns = [["campus-news"]]
//! ```
//!
//! Every slot must name a publication of the registry; the check happens at start-up.

use crate::config::ConfigError;
use crate::registry::Registry;
use agora_channel_host::manifest::LocalizedText;
use serde::Deserialize;
use std::path::Path;

/// One slot: a publication id, optionally shown only to some populations.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Slot {
    /// Shown to everyone who sees the tab.
    Everyone(String),
    /// Shown only to members of at least one of `populations`.
    Restricted {
        /// Publication id.
        publication: String,
        /// Population ids.
        populations: Vec<String>,
    },
}

impl Slot {
    /// The publication id.
    pub fn publication(&self) -> &str {
        match self {
            Slot::Everyone(p) | Slot::Restricted { publication: p, .. } => p,
        }
    }

    /// Whether a person in `memberships` sees this slot.
    pub fn visible_to(&self, memberships: &[String]) -> bool {
        match self {
            Slot::Everyone(_) => true,
            Slot::Restricted { populations, .. } => populations.iter().any(|p| memberships.contains(p)),
        }
    }
}

/// One tab of a page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tab {
    /// Identifier used in URLs (`/?tab=home`).
    pub id: String,
    /// Title.
    pub title: LocalizedText,
    /// Columns, left to right, each a list of slots, top to bottom.
    pub columns: Vec<Vec<Slot>>,
}

/// A page: its tabs, in order.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageLayout {
    /// Tabs.
    #[serde(default)]
    pub tabs: Vec<Tab>,
}

/// The layouts of the portal.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layouts {
    /// The signed-in page.
    pub tabs: Vec<Tab>,
    /// The guest page (not signed in).
    #[serde(default)]
    pub guest: PageLayout,
}

impl Layouts {
    /// Read and check `path` against the registry.
    pub fn load(
        path: &Path,
        registry: &Registry,
        populations: &agora_population::PopulationSet,
    ) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| ConfigError::new(&file, "", format!("cannot read: {e}")))?;
        let layouts: Layouts = toml::from_str(&text)
            .map_err(|e| ConfigError::new(&file, "", e.to_string().trim_end().replace('\n', " ")))?;
        for (prefix, tabs) in [("tabs", &layouts.tabs), ("guest.tabs", &layouts.guest.tabs)] {
            let mut seen = std::collections::HashSet::new();
            for (i, tab) in tabs.iter().enumerate() {
                if !seen.insert(&tab.id) {
                    return Err(ConfigError::new(
                        &file,
                        format!("{prefix}[{i}].id"),
                        format!("tab `{}` appears twice", tab.id),
                    ));
                }
                for (c, column) in tab.columns.iter().enumerate() {
                    for (s, slot) in column.iter().enumerate() {
                        let key = format!("{prefix}[{i}].columns[{c}][{s}]");
                        if registry.get(slot.publication()).is_none() {
                            return Err(ConfigError::new(
                                &file,
                                key,
                                format!("no publication `{}` in channels.toml", slot.publication()),
                            ));
                        }
                        if let Slot::Restricted { populations: ids, .. } = slot
                            && let Some(unknown) = ids.iter().find(|p| populations.get(p).is_none())
                        {
                            return Err(ConfigError::new(
                                &file,
                                key,
                                format!("no population `{unknown}` in populations.toml"),
                            ));
                        }
                    }
                }
            }
        }
        if layouts.tabs.is_empty() {
            return Err(ConfigError::new(
                &file,
                "tabs",
                "the signed-in page needs at least one tab",
            ));
        }
        Ok(layouts)
    }

    /// The page for a signed-in user or a guest.
    pub fn page(&self, signed_in: bool) -> &[Tab] {
        if signed_in { &self.tabs } else { &self.guest.tabs }
    }
}
