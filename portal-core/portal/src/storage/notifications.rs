//! Notifications raised by channels for one person, and what each person did with the
//! administrators' announcements (read, dismissed), per tenant.

use super::{Storage, StorageError, on_pool};
use agora_channel_host::capability::notify::Raised;
use sqlx::Row;
use std::collections::BTreeMap;

/// Notifications kept per person (the oldest go first).
pub const KEPT_PER_PERSON: i64 = 100;

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredNotification {
    /// Row id.
    pub id: i64,
    /// The publication that raised it.
    pub source: String,
    /// Its key within the publication.
    pub key: String,
    /// Title.
    pub title: String,
    /// Body (may be empty).
    pub body: String,
    /// Where it leads.
    pub link: Option<String>,
    /// When it was raised (or its text last changed), ms since the Unix epoch.
    pub raised_at_ms: i64,
    /// Whether the person has seen it.
    pub read: bool,
}

/// What a person did with one announcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AnnouncementState {
    /// Marked read (the notification list was read).
    pub read: bool,
    /// Dismissed (no longer shown as a banner).
    pub dismissed: bool,
}

impl Storage {
    /// Keep what a render of `source` raised for `uid` at `now`. The first time `source`
    /// raises anything for `uid` sets a baseline: those are stored as read. Returns how many
    /// are new or changed. Renders keep their notifications off the page's path, so writes
    /// may land out of order: a text raised at an older `now` never replaces a newer one.
    pub async fn raise_notifications(
        &self,
        uid: &str,
        source: &str,
        raised: &[Raised],
        now: i64,
    ) -> Result<u64, StorageError> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let baseline = sqlx::query(
                "INSERT INTO notification_baseline (tenant, uid, source) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(&*self.tenant)
            .bind(uid)
            .bind(source)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            let read_at = baseline.then_some(now);
            let mut changed = 0;
            for n in raised {
                changed += sqlx::query(
                    "INSERT INTO notification (tenant, uid, source, key, title, body, link, raised_at, read_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (tenant, uid, source, key) DO UPDATE SET title = excluded.title, \
                     body = excluded.body, link = excluded.link, raised_at = excluded.raised_at, read_at = excluded.read_at \
                     WHERE (notification.title <> excluded.title OR notification.body <> excluded.body) \
                     AND notification.raised_at <= excluded.raised_at",
                )
                .bind(&*self.tenant)
                .bind(uid)
                .bind(source)
                .bind(&n.key)
                .bind(&n.title)
                .bind(&n.body)
                .bind(n.link.as_deref())
                .bind(now)
                .bind(read_at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            if changed > 0 {
                sqlx::query(
                    "DELETE FROM notification WHERE tenant = $1 AND uid = $2 AND id NOT IN \
                     (SELECT id FROM notification WHERE tenant = $1 AND uid = $2 ORDER BY raised_at DESC, id DESC LIMIT $3)",
                )
                .bind(&*self.tenant)
                .bind(uid)
                .bind(KEPT_PER_PERSON)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            if baseline { 0 } else { changed }
        }))
    }

    /// `uid`'s notifications, newest first, at most `limit`.
    pub async fn notifications(&self, uid: &str, limit: i64) -> Result<Vec<StoredNotification>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "SELECT id, source, key, title, body, link, raised_at, read_at FROM notification \
                 WHERE tenant = $1 AND uid = $2 ORDER BY raised_at DESC, id DESC LIMIT $3",
            )
            .bind(&*self.tenant)
            .bind(uid)
            .bind(limit)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| StoredNotification {
                id: r.get(0),
                source: r.get(1),
                key: r.get(2),
                title: r.get(3),
                body: r.get(4),
                link: r.get(5),
                raised_at_ms: r.get(6),
                read: r.get::<Option<i64>, _>(7).is_some(),
            })
            .collect()
        }))
    }

    /// How many of `uid`'s notifications are unread.
    pub async fn unread_notifications(&self, uid: &str) -> Result<i64, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("SELECT COUNT(*) FROM notification WHERE tenant = $1 AND uid = $2 AND read_at IS NULL")
                .bind(&*self.tenant)
                .bind(uid)
                .fetch_one(pool)
                .await?
                .get::<i64, _>(0)
        }))
    }

    /// Mark every notification of `uid` read, and the announcements `announcements`.
    pub async fn mark_read(&self, uid: &str, announcements: &[String], now: i64) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE notification SET read_at = $3 WHERE tenant = $1 AND uid = $2 AND read_at IS NULL")
                .bind(&*self.tenant)
                .bind(uid)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            for id in announcements {
                sqlx::query(
                    "INSERT INTO announcement_state (tenant, uid, announcement, read_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (tenant, uid, announcement) DO UPDATE SET read_at = excluded.read_at \
                     WHERE announcement_state.read_at IS NULL",
                )
                .bind(&*self.tenant)
                .bind(uid)
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// `uid` dismissed the announcement `id` (it is read, too).
    pub async fn dismiss_announcement(&self, uid: &str, id: &str, now: i64) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO announcement_state (tenant, uid, announcement, read_at, dismissed_at) VALUES ($1, $2, $3, $4, $4) \
                 ON CONFLICT (tenant, uid, announcement) DO UPDATE SET dismissed_at = excluded.dismissed_at, \
                 read_at = COALESCE(announcement_state.read_at, excluded.read_at)",
            )
            .bind(&*self.tenant)
            .bind(uid)
            .bind(id)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// What `uid` did with the announcements they acted on: id → state.
    pub async fn announcement_states(&self, uid: &str) -> Result<BTreeMap<String, AnnouncementState>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("SELECT announcement, read_at, dismissed_at FROM announcement_state WHERE tenant = $1 AND uid = $2")
                .bind(&*self.tenant)
                .bind(uid)
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(|r| {
                    (
                        r.get::<String, _>(0),
                        AnnouncementState {
                            read: r.get::<Option<i64>, _>(1).is_some(),
                            dismissed: r.get::<Option<i64>, _>(2).is_some(),
                        },
                    )
                })
                .collect()
        }))
    }
}
