//! The channel catalogue (`config/catalogue.toml`): which publications each population may
//! browse and add to its page, in which categories, found by which words.
//!
//! ```toml
//! [categories.news]
//! title = { fr = "Actualités", en = "News" }
//!
//! [publications.library-news]
//! categories = ["news"]
//! everyone = true                 # every signed-in user; or populations = ["students"]
//! keywords = ["bu", "bibliothèque"]
//! ```
//!
//! A publication absent from the catalogue can still be placed by a fragment; users just
//! cannot add it themselves.

use super::registry::Registry;
use crate::config::ConfigError;
use crate::text::fold;
use agora_channel_host::manifest::LocalizedText;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    #[serde(default)]
    categories: BTreeMap<String, CategorySpec>,
    #[serde(default)]
    publications: BTreeMap<String, EntrySpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategorySpec {
    title: LocalizedText,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntrySpec {
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    everyone: bool,
    #[serde(default)]
    populations: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
}

/// One publication in the catalogue.
#[derive(Debug, Clone)]
pub struct CatalogueEntry {
    /// Publication id.
    pub publication: String,
    /// Category ids.
    pub categories: Vec<String>,
    /// Every signed-in user may add it.
    pub everyone: bool,
    /// Members of these populations may add it.
    pub populations: Vec<String>,
    /// Extra search words.
    pub keywords: Vec<String>,
}

/// The catalogue.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    categories: BTreeMap<String, LocalizedText>,
    entries: Vec<CatalogueEntry>,
}

/// One search result, in the user's language.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogueItem {
    /// Publication id.
    pub publication: String,
    /// Title.
    pub title: String,
    /// What the channel does.
    pub description: String,
    /// Category ids and titles.
    pub categories: Vec<CategoryView>,
}

/// A category, in the user's language.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryView {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
}

impl Catalogue {
    /// Read and check `path` against the registry and populations.
    pub fn load(
        path: &Path,
        registry: &Registry,
        populations: &agora_population::PopulationSet,
    ) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| ConfigError::new(&file, "", format!("cannot read: {e}")))?;
        let raw: CatalogueFile = toml::from_str(&text)
            .map_err(|e| ConfigError::new(&file, "", e.to_string().trim_end().replace('\n', " ")))?;
        let mut entries = Vec::new();
        for (id, spec) in raw.publications {
            let key = format!("publications.{id}");
            if registry.get(&id).is_none() {
                return Err(ConfigError::new(
                    &file,
                    key,
                    format!("no publication `{id}` in channels.toml"),
                ));
            }
            for (i, c) in spec.categories.iter().enumerate() {
                if !raw.categories.contains_key(c) {
                    return Err(ConfigError::new(
                        &file,
                        format!("{key}.categories[{i}]"),
                        format!("no category `{c}`: add [categories.{c}]"),
                    ));
                }
            }
            for (i, p) in spec.populations.iter().enumerate() {
                if populations.get(p).is_none() {
                    return Err(ConfigError::new(
                        &file,
                        format!("{key}.populations[{i}]"),
                        format!("no population `{p}` in populations.toml"),
                    ));
                }
            }
            if !spec.everyone && spec.populations.is_empty() {
                return Err(ConfigError::new(
                    &file,
                    key,
                    "say who may add it: everyone = true or populations = [\"…\"]",
                ));
            }
            entries.push(CatalogueEntry {
                publication: id,
                categories: spec.categories,
                everyone: spec.everyone,
                populations: spec.populations,
                keywords: spec.keywords,
            });
        }
        Ok(Catalogue {
            categories: raw.categories.into_iter().map(|(k, v)| (k, v.title)).collect(),
            entries,
        })
    }

    /// Whether a signed-in member of `memberships` may add `publication`.
    pub fn may_add(&self, memberships: &[String], publication: &str) -> bool {
        self.entries
            .iter()
            .find(|e| e.publication == publication)
            .is_some_and(|e| e.everyone || e.populations.iter().any(|p| memberships.contains(p)))
    }

    /// The categories, in the user's language.
    pub fn categories(&self, locale: &str) -> Vec<CategoryView> {
        self.categories
            .iter()
            .map(|(id, t)| CategoryView {
                id: id.clone(),
                title: t.get(locale).to_string(),
            })
            .collect()
    }

    /// What a member of `memberships` may add, matching `query` (words in title, description,
    /// keywords or category, accents and case ignored) and `category`, sorted by title.
    pub fn search(
        &self,
        registry: &Registry,
        memberships: &[String],
        locale: &str,
        query: &str,
        category: Option<&str>,
    ) -> Vec<CatalogueItem> {
        let words: Vec<String> = fold(query).split_whitespace().map(str::to_string).collect();
        let now = crate::clock::now_ms();
        let mut items: Vec<CatalogueItem> = self
            .entries
            .iter()
            .filter(|e| self.may_add(memberships, &e.publication))
            .filter(|e| category.is_none_or(|c| e.categories.iter().any(|x| x == c)))
            .filter_map(|e| {
                let entry = registry.get(&e.publication)?;
                // Drafts, approved ones before their date and expired ones are offered to no one.
                if entry.lifecycle.at(now) == super::lifecycle::Effective::Hidden {
                    return None;
                }
                let title = entry.publication.title.get(locale).to_string();
                let description = entry.channel.manifest.channel.description.get(locale).to_string();
                let categories: Vec<CategoryView> = e
                    .categories
                    .iter()
                    .filter_map(|c| {
                        self.categories.get(c).map(|t| CategoryView {
                            id: c.clone(),
                            title: t.get(locale).to_string(),
                        })
                    })
                    .collect();
                let haystack = fold(&format!(
                    "{title} {} {} {description} {} {}",
                    entry.publication.title.fr,
                    entry.publication.title.en,
                    e.keywords.join(" "),
                    categories
                        .iter()
                        .map(|c| c.title.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
                words.iter().all(|w| haystack.contains(w)).then(|| CatalogueItem {
                    publication: e.publication.clone(),
                    title,
                    description,
                    categories,
                })
            })
            .collect();
        items.sort_by_key(|i| fold(&i.title));
        items
    }
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn search_folds_case_and_accents() {
        assert_eq!(
            fold("Bibliothèque Universitaire — ÉTÉ"),
            "bibliotheque universitaire — ete"
        );
    }
}
