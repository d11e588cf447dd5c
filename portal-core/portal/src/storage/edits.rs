//! Users' layout edits, replayed in order, per tenant.

use super::{Storage, StorageError, encode_error, on_pool};
use sqlx::Row;

/// A stored user edit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredEdit {
    /// Row id (edits replay in id order).
    pub id: i64,
    /// The operation.
    pub edit: agora_layout::Edit,
    /// Why it was set aside, when it no longer applies.
    pub set_aside: Option<agora_layout::Refusal>,
    /// Whether the user has been told it was set aside.
    pub noticed: bool,
    /// When it was made, ms since the Unix epoch.
    pub created_at_ms: i64,
}

fn stored_edit(id: i64, edit: &str, reason: Option<String>, noticed: i32, created: i64) -> Option<StoredEdit> {
    let parsed = serde_json::from_str(edit)
        .map_err(|e| tracing::warn!(id, "unreadable stored edit skipped: {e}"))
        .ok()?;
    Some(StoredEdit {
        id,
        edit: parsed,
        set_aside: reason.and_then(|r| serde_json::from_str(&r).ok()),
        noticed: noticed != 0,
        created_at_ms: created,
    })
}

impl Storage {
    /// Append an edit to `uid`'s customisations; returns its id.
    pub async fn add_edit(&self, uid: &str, edit: &agora_layout::Edit) -> Result<i64, StorageError> {
        let json = serde_json::to_string(edit).map_err(encode_error)?;
        Ok(on_pool!(self, pool => {
            sqlx::query("INSERT INTO layout_edit (uid, edit, created_at, tenant) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(uid)
                .bind(&json)
                .bind(crate::clock::now_ms())
                .bind(&*self.tenant)
                .fetch_one(pool)
                .await?
                .get::<i64, _>(0)
        }))
    }

    /// Every edit of `uid`, oldest first, set-aside ones included.
    pub async fn edits(&self, uid: &str) -> Result<Vec<StoredEdit>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("SELECT id, edit, reason, noticed, created_at FROM layout_edit WHERE tenant = $2 AND uid = $1 ORDER BY id")
                .bind(uid)
                .bind(&*self.tenant)
                .fetch_all(pool)
                .await?
                .into_iter()
                .filter_map(|r| stored_edit(r.get(0), r.get::<String, _>(1).as_str(), r.get(2), r.get(3), r.get(4)))
                .collect()
        }))
    }

    /// Keep the edit `id` aside: it no longer applies, for `reason`.
    pub async fn set_aside(&self, id: i64, reason: &agora_layout::Refusal) -> Result<(), StorageError> {
        let json = serde_json::to_string(reason).map_err(encode_error)?;
        on_pool!(self, pool => {
            sqlx::query("UPDATE layout_edit SET status = 'set_aside', reason = $1 WHERE tenant = $3 AND id = $2")
                .bind(&json)
                .bind(id)
                .bind(&*self.tenant)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The user has been told about their set-aside edits.
    pub async fn mark_noticed(&self, uid: &str) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE layout_edit SET noticed = 1 WHERE tenant = $2 AND uid = $1 AND status = 'set_aside'")
                .bind(uid)
                .bind(&*self.tenant)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Forget every edit of `uid` (back to the default page); returns how many.
    pub async fn reset_edits(&self, uid: &str) -> Result<u64, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM layout_edit WHERE tenant = $2 AND uid = $1")
                .bind(uid)
                .bind(&*self.tenant)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }

    /// Replace every edit of `uid` with `edits` (layout import), in one transaction.
    pub async fn replace_edits(&self, uid: &str, edits: &[agora_layout::Edit]) -> Result<(), StorageError> {
        let now = crate::clock::now_ms();
        let mut rows = Vec::new();
        for e in edits {
            rows.push(serde_json::to_string(e).map_err(encode_error)?);
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM layout_edit WHERE tenant = $2 AND uid = $1")
                .bind(uid)
                .bind(&*self.tenant)
                .execute(&mut *tx)
                .await?;
            for json in &rows {
                sqlx::query("INSERT INTO layout_edit (uid, edit, created_at, tenant) VALUES ($1, $2, $3, $4)")
                    .bind(uid)
                    .bind(json)
                    .bind(now)
                    .bind(&*self.tenant)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
