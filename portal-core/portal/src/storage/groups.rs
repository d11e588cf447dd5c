//! Self-managed groups, their members and pending requests or invitations, and the audit
//! of every membership change, per tenant. Who may do what is decided before, by
//! [`crate::groups::rules`]; these statements only keep it.

use super::{Storage, StorageError, on_pool};
use sqlx::Row;

/// A stored group.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredGroup {
    /// Slug, unique within the tenant.
    pub id: String,
    /// Name shown.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// `public`, `closed` or `private`.
    pub visibility: String,
    /// Who created it.
    pub created_by: String,
    /// When, ms since the Unix epoch.
    pub created_at_ms: i64,
}

/// One person's row in a group.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredMember {
    /// The person.
    pub uid: String,
    /// `admin`, `member`, `requested` or `invited`.
    pub state: String,
    /// Who made it so (the person who asked, the administrator who invited or accepted).
    pub by_uid: String,
    /// Since when, ms since the Unix epoch.
    pub since_ms: i64,
}

/// One audited change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// When, ms since the Unix epoch.
    pub at_ms: i64,
    /// Who did it.
    pub actor: String,
    /// `created`, `joined`, `requested`, `accepted`, `refused`, `invited`, `declined`,
    /// `removed`, `left`, `promoted` or `deleted`.
    pub action: String,
    /// The person concerned (empty for the group itself).
    pub subject: String,
}

const GROUP_COLUMNS: &str = "g.id, g.name, g.description, g.visibility, g.created_by, g.created_at";

macro_rules! audit {
    ($storage:expr, $tx:expr, $group:expr, $at:expr, $actor:expr, $action:expr, $subject:expr) => {
        sqlx::query(
            "INSERT INTO group_audit (tenant, group_id, at, actor, action, subject) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&*$storage.tenant)
        .bind($group)
        .bind($at)
        .bind($actor)
        .bind($action)
        .bind($subject)
        .execute(&mut *$tx)
        .await?
    };
}

macro_rules! to_group {
    ($r:expr) => {
        StoredGroup {
            id: $r.get(0),
            name: $r.get(1),
            description: $r.get(2),
            visibility: $r.get(3),
            created_by: $r.get(4),
            created_at_ms: $r.get(5),
        }
    };
}

impl Storage {
    /// Create `group`, its creator its first administrator. `Ok(false)` when the id is taken.
    pub async fn create_group(&self, group: &StoredGroup) -> Result<bool, StorageError> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let created = sqlx::query(
                "INSERT INTO portal_group (tenant, id, name, description, visibility, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(&*self.tenant)
            .bind(&group.id)
            .bind(&group.name)
            .bind(&group.description)
            .bind(&group.visibility)
            .bind(&group.created_by)
            .bind(group.created_at_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if created {
                sqlx::query(
                    "INSERT INTO group_member (tenant, group_id, uid, state, by_uid, since) VALUES ($1, $2, $3, 'admin', $3, $4)",
                )
                .bind(&*self.tenant)
                .bind(&group.id)
                .bind(&group.created_by)
                .bind(group.created_at_ms)
                .execute(&mut *tx)
                .await?;
                audit!(self, tx, &group.id, group.created_at_ms, &group.created_by, "created", "");
            }
            tx.commit().await?;
            created
        }))
    }

    /// The group `id`.
    pub async fn group(&self, id: &str) -> Result<Option<StoredGroup>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query(&format!("SELECT {GROUP_COLUMNS} FROM portal_group g WHERE g.tenant = $1 AND g.id = $2"))
                .bind(&*self.tenant)
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| to_group!(r))
        }))
    }

    /// The groups anyone may find (public and closed), by name, at most `limit`; `words`
    /// (lower case) must all be in the name or the description.
    pub async fn listed_groups(&self, words: &[String], limit: i64) -> Result<Vec<StoredGroup>, StorageError> {
        let found: Vec<StoredGroup> = on_pool!(self, pool => {
            sqlx::query(&format!(
                "SELECT {GROUP_COLUMNS} FROM portal_group g WHERE g.tenant = $1 AND g.visibility IN ('public', 'closed') \
                 ORDER BY g.name"
            ))
            .bind(&*self.tenant)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| to_group!(r))
            .collect()
        });
        Ok(found
            .into_iter()
            .filter(|g| {
                let hay = format!("{} {}", g.name, g.description).to_lowercase();
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .take(usize::try_from(limit).unwrap_or(0))
            .collect())
    }

    /// The groups `uid` is in or pending in, with their state there, by name.
    pub async fn groups_of(&self, uid: &str) -> Result<Vec<(StoredGroup, String)>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query(&format!(
                "SELECT {GROUP_COLUMNS}, m.state FROM portal_group g JOIN group_member m \
                 ON m.tenant = g.tenant AND m.group_id = g.id WHERE g.tenant = $1 AND m.uid = $2 ORDER BY g.name"
            ))
            .bind(&*self.tenant)
            .bind(uid)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| (to_group!(r), r.get::<String, _>(6)))
            .collect()
        }))
    }

    /// Everyone in `group` (members and pending), administrators first.
    pub async fn group_members(&self, group: &str) -> Result<Vec<StoredMember>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "SELECT uid, state, by_uid, since FROM group_member WHERE tenant = $1 AND group_id = $2 \
                 ORDER BY CASE state WHEN 'admin' THEN 0 WHEN 'member' THEN 1 WHEN 'requested' THEN 2 ELSE 3 END, uid",
            )
            .bind(&*self.tenant)
            .bind(group)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| StoredMember {
                uid: r.get(0),
                state: r.get(1),
                by_uid: r.get(2),
                since_ms: r.get(3),
            })
            .collect()
        }))
    }

    /// `uid`'s state in `group` (`None`: not in it).
    pub async fn member_state(&self, group: &str, uid: &str) -> Result<Option<String>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("SELECT state FROM group_member WHERE tenant = $1 AND group_id = $2 AND uid = $3")
                .bind(&*self.tenant)
                .bind(group)
                .bind(uid)
                .fetch_optional(pool)
                .await?
                .map(|r| r.get::<String, _>(0))
        }))
    }

    /// Put `uid` in `group` as `state`, by `actor`, and audit `action`.
    pub async fn set_member(
        &self,
        group: &str,
        uid: &str,
        state: &str,
        actor: &str,
        action: &str,
        now: i64,
    ) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO group_member (tenant, group_id, uid, state, by_uid, since) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (tenant, group_id, uid) DO UPDATE SET state = excluded.state, by_uid = excluded.by_uid, \
                 since = excluded.since",
            )
            .bind(&*self.tenant)
            .bind(group)
            .bind(uid)
            .bind(state)
            .bind(actor)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            audit!(self, tx, group, now, actor, action, uid);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Take `uid` out of `group` (member or pending), by `actor`, and audit `action`.
    pub async fn remove_member(
        &self,
        group: &str,
        uid: &str,
        actor: &str,
        action: &str,
        now: i64,
    ) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM group_member WHERE tenant = $1 AND group_id = $2 AND uid = $3")
                .bind(&*self.tenant)
                .bind(group)
                .bind(uid)
                .execute(&mut *tx)
                .await?;
            audit!(self, tx, group, now, actor, action, uid);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Delete `group` and its memberships (the audit stays), by `actor`.
    pub async fn delete_group(&self, group: &str, actor: &str, now: i64) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM group_member WHERE tenant = $1 AND group_id = $2")
                .bind(&*self.tenant)
                .bind(group)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM portal_group WHERE tenant = $1 AND id = $2")
                .bind(&*self.tenant)
                .bind(group)
                .execute(&mut *tx)
                .await?;
            audit!(self, tx, group, now, actor, "deleted", "");
            tx.commit().await?;
        });
        Ok(())
    }

    /// The latest `limit` changes of `group`, newest first.
    pub async fn group_audit(&self, group: &str, limit: i64) -> Result<Vec<AuditEntry>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "SELECT at, actor, action, subject FROM group_audit WHERE tenant = $1 AND group_id = $2 \
                 ORDER BY at DESC, id DESC LIMIT $3",
            )
            .bind(&*self.tenant)
            .bind(group)
            .bind(limit)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| AuditEntry {
                at_ms: r.get(0),
                actor: r.get(1),
                action: r.get(2),
                subject: r.get(3),
            })
            .collect()
        }))
    }

    /// Tell `uid` something at once, unread (a group's request or answer): not a channel's
    /// notification, so no baseline. Raising `key` again replaces it.
    pub async fn notify_person(
        &self,
        uid: &str,
        source: &str,
        key: &str,
        title: &str,
        link: &str,
        now: i64,
    ) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO notification (tenant, uid, source, key, title, body, link, raised_at, read_at) \
                 VALUES ($1, $2, $3, $4, $5, '', $6, $7, NULL) \
                 ON CONFLICT (tenant, uid, source, key) DO UPDATE SET title = excluded.title, link = excluded.link, \
                 raised_at = excluded.raised_at, read_at = NULL",
            )
            .bind(&*self.tenant)
            .bind(uid)
            .bind(source)
            .bind(key)
            .bind(title)
            .bind(link)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
