//! The portal's one search field: services (those on the person's page and those the
//! catalogue offers them), people in the directory (never a red-listed person, never a
//! secret attribute), and what the person's channels offer (a channel with `[search]`
//! answers through its `search` export, sandboxed and budgeted like a render), grouped by
//! kind. Nothing here is cached: a search is one person's.

use crate::live::LiveConfig;
use crate::live::registry::Registry;
use crate::people::Person;
use crate::text::fold;
use agora_channel_host::capability::directory::{check_query, red_listed};
use agora_channel_host::{DirectoryService, RenderRequest, never_shown};
use agora_layout::Layout;
use serde::Serialize;
use std::sync::Arc;

/// Most people listed.
pub const MAX_PEOPLE: u32 = 10;
/// The attributes shown for a person found.
pub const PERSON_ATTRIBUTES: &[&str] = &["displayName", "mail", "telephoneNumber", "title"];

/// A service found.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceHit {
    /// Its title, in the person's language.
    pub title: String,
    /// What it does.
    pub description: String,
    /// Where it is (the tab holding it) or where to add it (the catalogue).
    pub link: String,
    /// Whether it is on the person's page already.
    pub on_page: bool,
}

/// A person found.
#[derive(Debug, Clone, Serialize)]
pub struct PersonHit {
    /// Name.
    pub name: String,
    /// Mail address, if public.
    pub mail: Option<String>,
    /// Telephone, if public.
    pub telephone: Option<String>,
    /// Function, if public.
    pub title: Option<String>,
}

/// What one channel offered.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelHits {
    /// The publication's title.
    pub channel: String,
    /// Its items.
    pub items: Vec<ItemHit>,
}

/// One item a channel offered.
#[derive(Debug, Clone, Serialize)]
pub struct ItemHit {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Link.
    pub link: String,
}

/// Everything found, by kind.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Results {
    /// Services.
    pub services: Vec<ServiceHit>,
    /// People.
    pub people: Vec<PersonHit>,
    /// The directory could not be searched (down, slow).
    pub people_unavailable: bool,
    /// Channels' items, per channel.
    pub channels: Vec<ChannelHits>,
    /// Channels that could not answer (their titles).
    pub channels_unavailable: Vec<String>,
}

impl Results {
    /// How many things were found.
    pub fn count(&self) -> usize {
        self.services.len() + self.people.len() + self.channels.iter().map(|c| c.items.len()).sum::<usize>()
    }
}

/// The parts of the portal a search reads.
pub struct Searcher<'a> {
    /// The publications.
    pub registry: &'a Registry,
    /// Catalogue and populations.
    pub live: &'a LiveConfig,
    /// The directory.
    pub directory: Arc<dyn DirectoryService>,
    /// Renders (the engine and the portal's URL).
    pub slots: &'a crate::page::SlotRenderer,
}

fn first(entry: &agora_channel_host::DirectoryEntry, name: &str) -> Option<String> {
    entry
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.first().cloned())
        .filter(|v| !v.trim().is_empty())
}

impl Searcher<'_> {
    /// Search `query` for `person`, member of `populations`, whose page is `layout`.
    pub async fn search(
        &self,
        person: &Person,
        populations: &[String],
        layout: &Layout,
        locale: &str,
        query: &str,
        services: agora_channel_host::Services,
    ) -> Results {
        let words: Vec<String> = fold(query).split_whitespace().map(str::to_string).collect();
        let mut results = Results::default();
        if words.is_empty() {
            return results;
        }
        self.services(layout, populations, locale, query, &words, &mut results);
        let (people, channels) = futures::join!(
            self.people(query),
            self.channels(person, layout, locale, query, services)
        );
        match people {
            Ok(people) => results.people = people,
            Err(()) => results.people_unavailable = true,
        }
        for (title, found) in channels {
            match found {
                Ok(items) if !items.is_empty() => results.channels.push(ChannelHits { channel: title, items }),
                Ok(_) => {}
                Err(()) => results.channels_unavailable.push(title),
            }
        }
        results
    }

    fn services(
        &self,
        layout: &Layout,
        populations: &[String],
        locale: &str,
        query: &str,
        words: &[String],
        results: &mut Results,
    ) {
        for tab in &layout.tabs {
            for publication in tab.columns.iter().flat_map(|c| c.slots.iter()).map(|s| &s.publication) {
                let Some(entry) = self
                    .registry
                    .get(publication)
                    .filter(|e| e.lifecycle.at(crate::clock::now_ms()) != crate::live::lifecycle::Effective::Hidden)
                else {
                    continue;
                };
                let title = entry.publication.title.get(locale).to_string();
                let description = entry.channel.manifest.channel.description.get(locale).to_string();
                let haystack = fold(&format!(
                    "{} {} {description}",
                    entry.publication.title.fr, entry.publication.title.en
                ));
                if words.iter().all(|w| haystack.contains(w.as_str())) {
                    results.services.push(ServiceHit {
                        title,
                        description,
                        link: format!("/?tab={}", url_encode(&tab.id)),
                        on_page: true,
                    });
                }
            }
        }
        for item in self
            .live
            .catalogue
            .search(self.registry, populations, locale, query, None)
        {
            if layout.find(&item.publication).is_some() {
                continue;
            }
            results.services.push(ServiceHit {
                link: format!("/catalogue?q={}", url_encode(&item.title)),
                title: item.title,
                description: item.description,
                on_page: false,
            });
        }
    }

    async fn people(&self, query: &str) -> Result<Vec<PersonHit>, ()> {
        let Ok(query) = check_query(query) else {
            return Ok(Vec::new());
        };
        let found = self.directory.search(&query, MAX_PEOPLE + 10).await.map_err(|e| {
            tracing::warn!("directory search failed: {e:?}");
        })?;
        Ok(found
            .iter()
            .filter(|e| !red_listed(e))
            .take(MAX_PEOPLE as usize)
            .filter_map(|e| {
                let shown = |a: &str| (!never_shown(a)).then(|| first(e, a)).flatten();
                Some(PersonHit {
                    name: shown("displayName")?,
                    mail: shown("mail"),
                    telephone: shown("telephoneNumber"),
                    title: shown("title"),
                })
            })
            .collect())
    }

    async fn channels(
        &self,
        person: &Person,
        layout: &Layout,
        locale: &str,
        query: &str,
        services: agora_channel_host::Services,
    ) -> Vec<(String, Result<Vec<ItemHit>, ()>)> {
        let asks = layout.publications().filter_map(|id| {
            let entry = self.registry.get(id)?;
            entry.channel.manifest.search.as_ref()?;
            // Only a running publication is asked (not one hidden or in maintenance).
            if entry.lifecycle.at(crate::clock::now_ms()) != crate::live::lifecycle::Effective::Live {
                return None;
            }
            let preferences = layout.preferences.get(id).cloned().unwrap_or_default();
            let publication = if preferences.is_empty() {
                entry.publication.clone()
            } else {
                Arc::new(
                    entry
                        .publication
                        .with_preferences(&entry.channel.manifest, &preferences),
                )
            };
            let request = RenderRequest {
                locale: locale.to_string(),
                now_unix_ms: crate::clock::now_ms(),
                signed_in: person.is_signed_in(),
                attributes: person.attributes.clone(),
                portal_url: self.slots.portal_url().to_string(),
                time_zone: self.slots.time_zone().to_string(),
                params: Default::default(),
                services: services.clone(),
            };
            let title = entry.publication.title.get(locale).to_string();
            let engine = self.slots.engine().clone();
            let channel = entry.channel.clone();
            Some(async move {
                let found = engine.search(&channel, &publication, request, query).await;
                let found = found
                    .map(|items| {
                        items
                            .into_iter()
                            .map(|f| ItemHit {
                                title: f.title,
                                description: f.description,
                                link: f.link,
                            })
                            .collect()
                    })
                    .map_err(|e| tracing::warn!(publication = %publication.id, "search failed: {e}"));
                (title, found)
            })
        });
        futures::future::join_all(asks).await
    }
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
