//! One slot of a page: reuse a fresh cached render, or render the channel; when the render
//! fails, fall back to the last good render (marked with its age), else an error card that
//! says what happened in the user's language.
//!
//! Cache keys follow the manifest's `[cache] vary_by`: publication + language + the user
//! and/or the listed attribute values, hashed.

use super::breaker::Decision;
use super::failures::{Check, FailureMemory, Reason};
use super::remembered::Remembered;
use crate::clock::now_ms;
use crate::live::registry::Entry;
use crate::people::Person;
use crate::storage::{Storage, StoredRender};
use agora_channel_host::ledger::HostLines;
use agora_channel_host::{ChannelEngine, ChannelErrorKind, RenderFailure, RenderRequest, Services};
use std::sync::Arc;

/// What a slot shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotView {
    /// A render from now or still within its TTL.
    Fresh {
        /// Sanitised HTML (shared with the cache: a hit copies nothing).
        html: Arc<str>,
        /// Channel title, if it chose one.
        title: Option<String>,
    },
    /// The fresh render failed; this is the last good one.
    Stale {
        /// Sanitised HTML.
        html: Arc<str>,
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
        /// How long it has been failing, in seconds (none: just now, or not a failure).
        since_seconds: Option<i64>,
    },
    /// The publication is in maintenance: its administrator's message, not a render.
    Maintenance {
        /// The message, in the page's language.
        message: String,
    },
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct CachedRender {
    pub(super) html: Arc<str>,
    pub(super) title: Option<String>,
    pub(super) rendered_at_ms: i64,
}

/// Renders slots with caching and fallbacks.
#[derive(Clone)]
pub struct SlotRenderer {
    engine: ChannelEngine,
    storage: Storage,
    cache: moka::future::Cache<String, Arc<CachedRender>>,
    remembered: moka::future::Cache<String, Arc<Remembered>>,
    failures: Arc<FailureMemory>,
    warnings: Arc<HostLines>,
    portal_url: String,
    time_zone: String,
    /// With several nodes, renders are shared on Redis behind the in-memory layer: a
    /// render made on one node is served by all until its TTL.
    shared: Option<agora_shared::Redis>,
    /// Whose renders these are (metrics label).
    tenant: Arc<str>,
    /// At most this many renders of this tenant at once (`[limits] concurrent_renders`):
    /// one establishment's peak leaves the render threads to the others too.
    gate: Option<Arc<tokio::sync::Semaphore>>,
    /// (uid, publication) whose notification baseline is known to be set: a render raising
    /// nothing then writes nothing.
    baselines: moka::sync::Cache<(String, String), ()>,
    /// Told when a render raised something new for a person.
    inbox: Option<crate::inbox::Inbox>,
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
    /// What the channel may use: proxy tickets, directory, mail.
    pub services: Services,
    /// Keep the notifications the render raises for the person (not in an
    /// administrator's preview of their page).
    pub notifications: bool,
}

/// Every i18n key [`failure_key`] gives.
const REASONS: &[&str] = &[
    "slot.error.crashed",
    "slot.error.cpu",
    "slot.error.timeout",
    "slot.error.memory",
    "slot.error.output",
    "slot.error.requests",
    "slot.error.forbidden",
    "slot.error.busy",
    "slot.error.refused",
    "slot.error.backend",
    "slot.error.garbage",
    "slot.error.config",
    "slot.error.not_applicable",
];

/// The i18n key `name` (as another node wrote it), if it is one of [`failure_key`]'s; else
/// the back-end one.
pub fn reason_named(name: &str) -> &'static str {
    REASONS
        .iter()
        .find(|k| **k == name)
        .copied()
        .unwrap_or("slot.error.backend")
}

/// The i18n key explaining a failure.
pub fn failure_key(f: &RenderFailure) -> &'static str {
    match f {
        RenderFailure::Panic(_) | RenderFailure::Trap(_) => "slot.error.crashed",
        RenderFailure::CpuBudget(_) => "slot.error.cpu",
        RenderFailure::Timeout(_) => "slot.error.timeout",
        RenderFailure::MemoryLimit(_) => "slot.error.memory",
        RenderFailure::OutputTooLarge(_) => "slot.error.output",
        RenderFailure::RequestBudget(_) => "slot.error.requests",
        RenderFailure::Forbidden(_) => "slot.error.forbidden",
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

/// The detail a user may unfold under an error card: what happened and what was refused,
/// never the channel's own error detail (the WIT contract keeps it for logs and
/// administrators).
fn failure_detail(f: &RenderFailure) -> String {
    match f {
        RenderFailure::Channel { kind, refusals, .. } => {
            let mut text = format!("the channel reported {kind:?}");
            if !refusals.is_empty() {
                text.push_str(". Refused: ");
                text.push_str(&refusals.join("; "));
            }
            text
        }
        other => other.to_string(),
    }
}

/// Most last good renders kept in the database per publication and user (per-user variants:
/// channel parameters, preferences, languages); older ones are evicted.
pub const STORED_PER_USER: u32 = 8;
/// Most last good renders kept per publication for renders shared between users.
pub const STORED_SHARED: u32 = 256;

impl SlotRenderer {
    /// A renderer keeping up to `entries` renders in memory.
    pub fn new(engine: ChannelEngine, storage: Storage, portal_url: String, entries: u64) -> Self {
        SlotRenderer {
            engine,
            storage,
            cache: moka::future::Cache::new(entries),
            remembered: moka::future::Cache::builder()
                .max_capacity(entries)
                .time_to_idle(std::time::Duration::from_secs(600))
                .build(),
            failures: Arc::new(FailureMemory::default()),
            warnings: Arc::new(HostLines::default()),
            portal_url,
            time_zone: "Europe/Paris".into(),
            shared: None,
            tenant: crate::storage::DEFAULT_TENANT.into(),
            gate: None,
            baselines: moka::sync::Cache::new(entries.max(1024)),
            inbox: None,
        }
    }

    /// The institution's time zone channels are told (`[i18n] time_zone`).
    pub fn with_time_zone(mut self, zone: &str) -> Self {
        self.time_zone = zone.to_string();
        self
    }

    /// The institution's time zone.
    pub fn time_zone(&self) -> &str {
        &self.time_zone
    }

    /// The channel engine (for searches, which are never cached).
    pub fn engine(&self) -> &ChannelEngine {
        &self.engine
    }

    /// The portal's public URL, as renders are told.
    pub fn portal_url(&self) -> &str {
        &self.portal_url
    }

    /// Tell `inbox` when a render raised new notifications.
    pub fn with_inbox(mut self, inbox: crate::inbox::Inbox) -> Self {
        self.inbox = Some(inbox);
        self
    }

    /// The renders of tenant `tenant`, at most `concurrent` at once (0: no limit).
    pub fn with_limits(mut self, tenant: &str, concurrent: usize) -> Self {
        self.tenant = tenant.into();
        self.gate = (concurrent > 0).then(|| Arc::new(tokio::sync::Semaphore::new(concurrent)));
        self
    }

    /// What to show when this tenant's renders are all taken for longer than the channel
    /// may take: its last good render, else a "busy" notice. Not a failure of the channel:
    /// no breaker counts it.
    async fn busy(&self, entry: &Entry, key: &str, cached: Option<Arc<CachedRender>>, now: i64) -> SlotView {
        metrics::counter!("agora_slot_renders_total", "publication" => entry.publication.id.clone(), "outcome" => "busy", "tenant" => self.tenant.to_string()).increment(1);
        tracing::warn!(publication = %entry.publication.id, "this tenant's concurrent renders are all taken: the slot waited its wall time");
        match self.last_good(key, cached).await {
            Some(c) => SlotView::Stale {
                html: c.html,
                title: c.title,
                age_seconds: (now - c.rendered_at_ms) / 1000,
                reason_key: "slot.error.busy",
            },
            None => SlotView::Failed {
                reason_key: "slot.error.busy",
                detail: String::new(),
                since_seconds: None,
            },
        }
    }

    /// Share renders and the failure memory between nodes on `redis`.
    pub fn with_shared(mut self, redis: Option<agora_shared::Redis>) -> Self {
        self.failures = Arc::new(FailureMemory::new(redis.clone()));
        self.shared = redis;
        self
    }

    /// The render of `key` in memory, else on Redis (then kept in memory too).
    async fn cached(&self, key: &str) -> Option<Arc<CachedRender>> {
        if let Some(hit) = self.cache.get(key).await {
            return Some(hit);
        }
        let redis = self.shared.as_ref()?;
        match redis.get(&redis.key("render", key)).await {
            Ok(Some(bytes)) => {
                let render: CachedRender = serde_json::from_slice(&bytes).ok()?;
                let render = Arc::new(render);
                self.cache.insert(key.to_string(), render.clone()).await;
                Some(render)
            }
            Ok(None) => None,
            Err(e) => {
                // The shared layer is an optimisation: render here.
                tracing::debug!("shared render cache unavailable: {e}");
                None
            }
        }
    }

    /// Keep `render` in memory and, with several nodes, on Redis for `ttl_ms`.
    async fn keep(&self, key: &str, render: Arc<CachedRender>, ttl_ms: i64) {
        self.cache.insert(key.to_string(), render.clone()).await;
        if let Some(redis) = &self.shared
            && ttl_ms > 0
        {
            // Awaited (bounded by `[redis] timeout_ms`): the next request, on any node, finds it.
            let key = redis.key("render", key);
            if let Ok(bytes) = serde_json::to_vec(&*render) {
                let ttl = std::time::Duration::from_millis(ttl_ms.unsigned_abs());
                if let Err(e) = redis.set(&key, &bytes, ttl).await {
                    tracing::debug!("cannot share a render: {e}");
                }
            }
        }
    }

    /// Whose renders these are in the database: the user's, when the variant is personal,
    /// else shared (`""`).
    fn owner(entry: &Entry, person: &Person) -> String {
        let personal = entry.channel.manifest.cache.vary_by.iter().any(|v| v == "user")
            || entry
                .publication
                .backends
                .values()
                .any(|b| matches!(b.auth, agora_channel_host::BackendAuth::CasProxy { .. }));
        if personal { person.uid.clone() } else { String::new() }
    }

    /// Render one slot, with the person's preferences for it (empty: the admin's config).
    pub async fn render(&self, entry: &Entry, person: &Person, locale: &str, inputs: SlotInputs) -> SlotView {
        let preferences = &inputs.preferences;
        let key = super::render_key::cache_key(entry, person, locale, preferences, &inputs.params);
        let ttl_ms = i64::from(entry.channel.manifest.cache.ttl_seconds) * 1000;
        let now = now_ms();
        let cached = self.cached(&key).await;
        if let Some(c) = &cached
            && now - c.rendered_at_ms < ttl_ms
        {
            metrics::counter!("agora_slot_cache_hits_total").increment(1);
            return SlotView::Fresh {
                html: c.html.clone(),
                title: c.title.clone(),
            };
        }
        let publication_key = format!("publication\u{1f}{}", entry.publication.id);
        let check = self.failures.decide(&publication_key, &key, now).await;
        if check.decision == Decision::Remembered {
            metrics::counter!("agora_slot_renders_total", "publication" => entry.publication.id.clone(), "outcome" => "remembered", "tenant" => self.tenant.to_string()).increment(1);
            return self
                .remembered_view(
                    &key,
                    &publication_key,
                    cached,
                    check.reason.map(|(k, d)| (reason_named(&k), d)),
                    now,
                )
                .await;
        }
        let request = RenderRequest {
            locale: locale.to_string(),
            now_unix_ms: now,
            signed_in: person.is_signed_in(),
            attributes: person.attributes.clone(),
            portal_url: self.portal_url.clone(),
            time_zone: self.time_zone.clone(),
            params: inputs.params.clone(),
            services: inputs.services.clone(),
        };
        let publication = if preferences.is_empty() {
            entry.publication.clone()
        } else {
            Arc::new(entry.publication.with_preferences(&entry.channel.manifest, preferences))
        };
        let _permit = match &self.gate {
            None => None,
            Some(gate) => {
                // At most half the channel's wall time in the queue: a render that then gets
                // its place still has a budget, and one that would wait as long as the render
                // before it is told busy instead of racing that render's own timeout.
                let wait = std::time::Duration::from_millis(u64::from(entry.channel.manifest.limits.wall_ms) / 2);
                match tokio::time::timeout(wait, gate.clone().acquire_owned()).await {
                    Ok(Ok(permit)) => Some(permit),
                    _ => return self.busy(entry, &key, cached, now).await,
                }
            }
        };
        match self.engine.render(&entry.channel, &publication, request).await {
            Ok(rendered) => {
                metrics::counter!("agora_slot_renders_total", "publication" => entry.publication.id.clone(), "outcome" => "ok", "tenant" => self.tenant.to_string()).increment(1);
                self.failures.succeeded(&publication_key, &key, &check).await;
                self.remembered.invalidate(&key).await;
                let html: Arc<str> = rendered.html.as_str().into();
                let c = Arc::new(CachedRender {
                    html: html.clone(),
                    title: rendered.title.clone(),
                    rendered_at_ms: now,
                });
                self.keep(&key, c, ttl_ms).await;
                let storage = self.storage.clone();
                let stored = StoredRender {
                    publication: entry.publication.id.clone(),
                    html: rendered.html.clone(),
                    title: rendered.title.clone(),
                    rendered_at_ms: now,
                };
                let owner = Self::owner(entry, person);
                let keep = if owner.is_empty() {
                    STORED_SHARED
                } else {
                    STORED_PER_USER
                };
                tokio::spawn(async move {
                    if let Err(e) = storage.save_render(&key, &owner, &stored, keep).await {
                        tracing::warn!("cannot keep last good render: {e}");
                    }
                });
                if inputs.notifications && person.is_signed_in() && entry.channel.manifest.notifications.is_some() {
                    self.keep_notifications(&person.uid, &entry.publication.id, rendered.notifications, now);
                }
                SlotView::Fresh {
                    html,
                    title: rendered.title,
                }
            }
            Err(failure) => {
                self.failed(entry, (&key, &publication_key), cached, failure, &check, now)
                    .await
            }
        }
    }

    /// Keep what a render of `publication` raised for `uid` (and set their baseline), off the
    /// render's path; a failure is logged, the page is not held.
    fn keep_notifications(
        &self,
        uid: &str,
        publication: &str,
        raised: Vec<agora_channel_host::capability::notify::Raised>,
        now: i64,
    ) {
        let known = (uid.to_string(), publication.to_string());
        if raised.is_empty() && self.baselines.contains_key(&known) {
            return;
        }
        let (storage, baselines, inbox) = (self.storage.clone(), self.baselines.clone(), self.inbox.clone());
        tokio::spawn(async move {
            match storage.raise_notifications(&known.0, &known.1, &raised, now).await {
                Ok(new) => {
                    if new > 0 {
                        metrics::counter!("agora_notifications_raised_total").increment(new);
                        if let Some(inbox) = inbox {
                            inbox.changed(&known.0).await;
                        }
                    }
                    baselines.insert(known, ());
                }
                Err(e) => tracing::warn!(publication = %known.1, "cannot keep the channel's notifications: {e}"),
            }
        });
    }

    /// Remember a failed render, open its breakers, and say what to show.
    async fn failed(
        &self,
        entry: &Entry,
        (key, publication_key): (&str, &str),
        cached: Option<Arc<CachedRender>>,
        failure: RenderFailure,
        check: &Check,
        now: i64,
    ) -> SlotView {
        let answer = matches!(
            failure,
            RenderFailure::Channel {
                kind: ChannelErrorKind::NotApplicable,
                ..
            }
        );
        metrics::counter!("agora_slot_renders_total", "publication" => entry.publication.id.clone(), "outcome" => failure.label(), "tenant" => self.tenant.to_string()).increment(1);
        let reason = (failure_key(&failure), failure_detail(&failure));
        let outcome = self
            .failures
            .failed(publication_key, key, now, answer, reason, check)
            .await;
        let (opened, publication_open) = (outcome.opened, outcome.publication_open);
        let publication: Arc<str> = entry.publication.id.as_str().into();
        if opened && !answer && self.warnings.admit(&publication).is_some() {
            tracing::warn!(publication = %entry.publication.id, channel = %entry.channel.manifest.channel.id, outcome = failure.label(), "render failed: {failure}");
        } else {
            tracing::debug!(publication = %entry.publication.id, outcome = failure.label(), "render failed: {failure}");
        }
        let since_ms = self.remembered.get(key).await.map_or(now, |r| r.since_ms);
        let remembered = Remembered {
            reason_key: failure_key(&failure),
            detail: failure_detail(&failure),
            since_ms,
            last_good: self.last_good(key, cached).await,
        };
        if publication_open {
            let whole = Remembered {
                last_good: None,
                ..remembered.clone()
            };
            self.remembered
                .insert(publication_key.to_string(), Arc::new(whole))
                .await;
        }
        let view = remembered.view(now);
        self.remembered.insert(key.to_string(), Arc::new(remembered)).await;
        view
    }

    /// The view of an open slot variant: remembered, else built once from the last good
    /// render and the failure another node `shared`, else the publication's failure.
    async fn remembered_view(
        &self,
        key: &str,
        publication_key: &str,
        cached: Option<Arc<CachedRender>>,
        shared: Option<Reason>,
        now: i64,
    ) -> SlotView {
        if let Some(r) = self.remembered.get(key).await {
            return r.view(now);
        }
        let whole = self.remembered.get(publication_key).await;
        let since_ms = whole.as_ref().map_or(now, |p| p.since_ms);
        let (reason_key, detail) = match (shared, whole) {
            (Some(reason), _) => reason,
            (None, Some(p)) => (p.reason_key, p.detail.clone()),
            (None, None) => ("slot.error.backend", String::new()),
        };
        let remembered = Remembered {
            reason_key,
            detail,
            since_ms,
            last_good: self.last_good(key, cached).await,
        };
        let view = remembered.view(now);
        self.remembered.insert(key.to_string(), Arc::new(remembered)).await;
        view
    }

    /// The last good render of `key`: in memory, else in the database.
    async fn last_good(&self, key: &str, cached: Option<Arc<CachedRender>>) -> Option<CachedRender> {
        if let Some(c) = cached {
            return Some((*c).clone());
        }
        match self.storage.load_render(key).await {
            Ok(Some(s)) => Some(CachedRender {
                html: s.html.into(),
                title: s.title,
                rendered_at_ms: s.rendered_at_ms,
            }),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!("cannot read last good render: {e}");
                None
            }
        }
    }
}
