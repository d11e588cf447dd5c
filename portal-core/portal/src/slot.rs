//! One slot of a page: reuse a fresh cached render, or render the channel; when the render
//! fails, fall back to the last good render (marked with its age), else an error card that
//! says what happened in the user's language.
//!
//! Cache keys follow the manifest's `[cache] vary_by`: publication + language + the user
//! and/or the listed attribute values, hashed.

use crate::person::Person;
use crate::registry::Entry;
use crate::storage::{Storage, StoredRender};
use agora_channel_host::render::{ChannelErrorKind, ProxyTicketIssuer};
use agora_channel_host::{ChannelEngine, RenderFailure, RenderRequest};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// What a slot shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotView {
    /// A render from now or still within its TTL.
    Fresh {
        /// Sanitised HTML.
        html: String,
        /// Channel title, if it chose one.
        title: Option<String>,
    },
    /// The fresh render failed; this is the last good one.
    Stale {
        /// Sanitised HTML.
        html: String,
        /// Channel title.
        title: Option<String>,
        /// Age in seconds.
        age_seconds: i64,
        /// Why the fresh render failed (i18n key).
        reason_key: &'static str,
    },
    /// Nothing to show: why, as an i18n key, and a technical detail.
    Failed {
        /// i18n key of the message.
        reason_key: &'static str,
        /// Technical detail (shown folded, for support).
        detail: String,
    },
}

#[derive(Debug, Clone)]
struct CachedRender {
    html: String,
    title: Option<String>,
    rendered_at_ms: i64,
}

/// Renders slots with caching and fallbacks.
#[derive(Clone)]
pub struct SlotRenderer {
    engine: ChannelEngine,
    storage: Storage,
    cache: moka::future::Cache<String, Arc<CachedRender>>,
    portal_url: String,
}

/// A person's preferences for one channel: key → value.
pub type Preferences = std::collections::BTreeMap<String, String>;

/// What one slot's render gets besides the channel and the person.
#[derive(Clone, Default)]
pub struct SlotInputs {
    /// The person's preferences for this channel.
    pub preferences: Preferences,
    /// Query parameters addressed to this channel, plus `tab`.
    pub params: std::collections::BTreeMap<String, String>,
    /// CAS proxy tickets, when signed in with CAS.
    pub proxy_tickets: Option<Arc<dyn ProxyTicketIssuer>>,
    /// The directory, for channels granted `[directory]`.
    pub directory: Option<Arc<dyn agora_channel_host::render::DirectoryService>>,
    /// The user's mail, for channels granted `[mail]`.
    pub mail: Option<Arc<dyn agora_channel_host::render::MailService>>,
}

/// Current time in ms since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The i18n key explaining a failure.
pub fn failure_key(f: &RenderFailure) -> &'static str {
    match f {
        RenderFailure::Panic(_) | RenderFailure::Trap(_) => "slot.error.crashed",
        RenderFailure::CpuBudget(_) => "slot.error.cpu",
        RenderFailure::Timeout(_) => "slot.error.timeout",
        RenderFailure::MemoryLimit(_) => "slot.error.memory",
        RenderFailure::OutputTooLarge(_) => "slot.error.output",
        RenderFailure::Instantiate(_) => "slot.error.busy",
        RenderFailure::Channel { kind, refusals, .. }
            if !refusals.is_empty() && *kind != ChannelErrorKind::BackendUnavailable =>
        {
            "slot.error.refused"
        }
        RenderFailure::Channel { kind, .. } => match kind {
            ChannelErrorKind::BackendUnavailable => "slot.error.backend",
            ChannelErrorKind::BackendGarbage => "slot.error.garbage",
            ChannelErrorKind::BadConfig => "slot.error.config",
            ChannelErrorKind::NotApplicable => "slot.error.not_applicable",
            ChannelErrorKind::Internal => "slot.error.crashed",
        },
    }
}

fn failure_detail(f: &RenderFailure) -> String {
    match f {
        RenderFailure::Channel { refusals, .. } if !refusals.is_empty() => {
            format!("{f}. Refused: {}", refusals.join("; "))
        }
        other => other.to_string(),
    }
}

impl SlotRenderer {
    /// A renderer keeping up to `entries` renders in memory.
    pub fn new(engine: ChannelEngine, storage: Storage, portal_url: String, entries: u64) -> Self {
        SlotRenderer {
            engine,
            storage,
            cache: moka::future::Cache::new(entries),
            portal_url,
        }
    }

    /// The cache key of `entry` for `person` in `locale`, with the person's preferences and
    /// the channel's query parameters.
    pub fn cache_key(
        entry: &Entry,
        person: &Person,
        locale: &str,
        preferences: &Preferences,
        params: &std::collections::BTreeMap<String, String>,
    ) -> String {
        let mut h = Sha256::new();
        h.update(entry.publication.id.as_bytes());
        h.update([0]);
        h.update(locale.as_bytes());
        for (k, v) in params {
            h.update([4]);
            h.update(k.as_bytes());
            h.update([3]);
            h.update(v.as_bytes());
        }
        for (k, v) in preferences {
            h.update([2]);
            h.update(k.as_bytes());
            h.update([3]);
            h.update(v.as_bytes());
        }
        // A back-end reached with a per-user credential makes every render personal, whatever
        // the manifest's `vary_by` says: never share it between users.
        if entry
            .publication
            .backends
            .values()
            .any(|b| matches!(b.auth, agora_channel_host::BackendAuth::CasProxy { .. }))
        {
            h.update([5]);
            h.update(person.uid.as_bytes());
        }
        for vary in &entry.channel.manifest.cache.vary_by {
            h.update([0]);
            if vary == "user" {
                h.update(person.uid.as_bytes());
            } else if let Some(values) = person.attributes.get(vary) {
                for v in values {
                    h.update(v.as_bytes());
                    h.update([1]);
                }
            }
        }
        hex::encode(h.finalize())
    }

    /// Render one slot, with the person's preferences for it (empty: the admin's config).
    pub async fn render(&self, entry: &Entry, person: &Person, locale: &str, inputs: SlotInputs) -> SlotView {
        let preferences = &inputs.preferences;
        let key = Self::cache_key(entry, person, locale, preferences, &inputs.params);
        let ttl_ms = i64::from(entry.channel.manifest.cache.ttl_seconds) * 1000;
        let now = now_ms();
        let cached = self.cache.get(&key).await;
        if let Some(c) = &cached
            && now - c.rendered_at_ms < ttl_ms
        {
            metrics::counter!("agora_slot_cache_hits_total").increment(1);
            return SlotView::Fresh {
                html: c.html.clone(),
                title: c.title.clone(),
            };
        }
        let request = RenderRequest {
            locale: locale.to_string(),
            now_unix_ms: now,
            signed_in: person.is_signed_in(),
            attributes: person.attributes.clone(),
            portal_url: self.portal_url.clone(),
            proxy_tickets: inputs.proxy_tickets.clone(),
            params: inputs.params.clone(),
            directory: inputs.directory.clone(),
            mail: inputs.mail.clone(),
        };
        let publication = if preferences.is_empty() {
            entry.publication.clone()
        } else {
            Arc::new(entry.publication.with_preferences(&entry.channel.manifest, preferences))
        };
        match self.engine.render(&entry.channel, &publication, request).await {
            Ok(rendered) => {
                let c = Arc::new(CachedRender {
                    html: rendered.html.clone(),
                    title: rendered.title.clone(),
                    rendered_at_ms: now,
                });
                self.cache.insert(key.clone(), c).await;
                let storage = self.storage.clone();
                let stored = StoredRender {
                    publication: entry.publication.id.clone(),
                    html: rendered.html.clone(),
                    title: rendered.title.clone(),
                    rendered_at_ms: now,
                };
                tokio::spawn(async move {
                    if let Err(e) = storage.save_render(&key, &stored).await {
                        tracing::warn!("cannot keep last good render: {e}");
                    }
                });
                SlotView::Fresh {
                    html: rendered.html,
                    title: rendered.title,
                }
            }
            Err(failure) => {
                tracing::warn!(publication = %entry.publication.id, channel = %entry.channel.manifest.channel.id, outcome = failure.label(), "render failed: {failure}");
                let reason_key = failure_key(&failure);
                let last_good = match cached {
                    Some(c) => Some((*c).clone()),
                    None => match self.storage.load_render(&key).await {
                        Ok(Some(s)) => Some(CachedRender {
                            html: s.html,
                            title: s.title,
                            rendered_at_ms: s.rendered_at_ms,
                        }),
                        Ok(None) => None,
                        Err(e) => {
                            tracing::warn!("cannot read last good render: {e}");
                            None
                        }
                    },
                };
                match last_good {
                    Some(c) => SlotView::Stale {
                        html: c.html,
                        title: c.title,
                        age_seconds: (now - c.rendered_at_ms).max(0) / 1000,
                        reason_key,
                    },
                    None => SlotView::Failed {
                        reason_key,
                        detail: failure_detail(&failure),
                    },
                }
            }
        }
    }
}
