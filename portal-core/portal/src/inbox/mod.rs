//! A person's inbox: the administrators' announcements meant for them now, and the
//! notifications their channels raised, with what they read and dismissed.
//!
//! The home page asks [`Inbox::summary`] on every view (banners and the unread count in the
//! header), so what it reads from the database is kept per person in a small in-process
//! cache, dropped by every write through this type and, with several nodes, by the others'
//! messages ([`agora_shared::Events`]); a lost message is made good within [`Inbox::TTL`].

use crate::live::announcements::{Announcement, Announcements, Level};
use crate::storage::{AnnouncementState, Storage, StorageError, StoredNotification};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The event telling every node that a person's inbox changed.
const INBOX_EVENT: &str = "inbox:";

/// Most notifications listed.
pub const LISTED: i64 = 50;

#[derive(Debug, Clone, Default)]
struct Kept {
    unread: i64,
    states: BTreeMap<String, AnnouncementState>,
}

/// One person's inbox, through a cache (cheap to clone).
#[derive(Clone)]
pub struct Inbox {
    storage: Storage,
    cache: moka::future::Cache<String, Arc<Kept>>,
    events: agora_shared::Events,
}

/// An announcement as a person sees it, in their language.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct AnnouncementView {
    /// Its id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Text (may be empty).
    pub body: String,
    /// Where it leads.
    pub link: Option<String>,
    /// Whether it may be dismissed.
    pub dismissible: bool,
    /// `info` or `important`.
    pub important: bool,
    /// Read (in the list) or dismissed.
    pub read: bool,
}

/// What the home page shows of the inbox.
#[derive(Debug, Clone, Default, Serialize, Hash)]
pub struct Summary {
    /// Unread notifications and announcements.
    pub unread: i64,
    /// Announcements shown as banners (current, not dismissed).
    pub banners: Vec<AnnouncementView>,
}

fn view(a: &Announcement, state: AnnouncementState, locale: &str) -> AnnouncementView {
    AnnouncementView {
        id: a.id.clone(),
        title: a.title.get(locale).to_string(),
        body: a.body.as_ref().map(|b| b.get(locale).to_string()).unwrap_or_default(),
        link: a.link.clone(),
        dismissible: a.dismissible,
        important: a.level == Level::Important,
        read: state.read || state.dismissed,
    }
}

impl Inbox {
    /// How long a cached inbox is trusted without reading the store.
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(30);

    /// An inbox over `storage`, told of other nodes' writes by `events`. Must be called
    /// within a Tokio runtime.
    pub fn new(storage: Storage, people: u64, events: agora_shared::Events) -> Self {
        let cache: moka::future::Cache<String, Arc<Kept>> = moka::future::Cache::builder()
            .max_capacity(people)
            .time_to_live(Self::TTL)
            .build();
        crate::forget::on_events(&events, INBOX_EVENT, cache.clone());
        Inbox { storage, cache, events }
    }

    /// `uid`'s inbox changed (a channel raised something, they read or dismissed): drop it
    /// here and on the other nodes.
    pub async fn changed(&self, uid: &str) {
        self.cache.invalidate(uid).await;
        let _ = self.events.publish(&format!("{INBOX_EVENT}{uid}")).await;
    }

    async fn kept(&self, uid: &str) -> Result<Arc<Kept>, StorageError> {
        if let Some(hit) = self.cache.get(uid).await {
            return Ok(hit);
        }
        let kept = Arc::new(Kept {
            unread: self.storage.unread_notifications(uid).await?,
            states: self.storage.announcement_states(uid).await?,
        });
        self.cache.insert(uid.to_string(), kept.clone()).await;
        Ok(kept)
    }

    /// The banners and unread count for `uid`, member of `populations`, at `now`.
    pub async fn summary(
        &self,
        uid: &str,
        populations: &[String],
        announcements: &Announcements,
        locale: &str,
        now: i64,
    ) -> Result<Summary, StorageError> {
        let kept = self.kept(uid).await?;
        let mut summary = Summary {
            unread: kept.unread,
            banners: Vec::new(),
        };
        for a in announcements.for_person(populations, now) {
            let state = kept.states.get(&a.id).copied().unwrap_or_default();
            if !state.read && !state.dismissed {
                summary.unread += 1;
            }
            if !state.dismissed || !a.dismissible {
                summary.banners.push(view(a, state, locale));
            }
        }
        Ok(summary)
    }

    /// Everything in `uid`'s inbox: current announcements, then notifications, newest first.
    pub async fn list(
        &self,
        uid: &str,
        populations: &[String],
        announcements: &Announcements,
        locale: &str,
        now: i64,
    ) -> Result<(Vec<AnnouncementView>, Vec<StoredNotification>), StorageError> {
        let kept = self.kept(uid).await?;
        let current = announcements
            .for_person(populations, now)
            .map(|a| view(a, kept.states.get(&a.id).copied().unwrap_or_default(), locale))
            .collect();
        Ok((current, self.storage.notifications(uid, LISTED).await?))
    }

    /// `uid` read everything: their notifications and the announcements meant for them now.
    pub async fn mark_read(
        &self,
        uid: &str,
        populations: &[String],
        announcements: &Announcements,
        now: i64,
    ) -> Result<(), StorageError> {
        let ids: Vec<String> = announcements
            .for_person(populations, now)
            .map(|a| a.id.clone())
            .collect();
        self.storage.mark_read(uid, &ids, now).await?;
        self.changed(uid).await;
        Ok(())
    }

    /// `uid` dismissed the announcement `id`. `Ok(false)` when it is not theirs to dismiss
    /// (not shown to them now, or not dismissible).
    pub async fn dismiss(
        &self,
        uid: &str,
        id: &str,
        populations: &[String],
        announcements: &Announcements,
        now: i64,
    ) -> Result<bool, StorageError> {
        let Some(a) = announcements.get(id) else {
            return Ok(false);
        };
        if !a.dismissible || !a.for_person(populations, now) {
            return Ok(false);
        }
        self.storage.dismiss_announcement(uid, id, now).await?;
        self.changed(uid).await;
        Ok(true)
    }
}
