//! SMS sends through ESUP SMS-U: who asked, to which audience, how many recipients, the
//! text and what became of it. Phone numbers are never stored: they are read from the
//! directory when the SMS leaves.

use super::{Storage, StorageError, on_pool};
use sqlx::Row;

/// One send.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredSms {
    /// Row id.
    pub id: i64,
    /// Who asked.
    pub sender: String,
    /// `group:<id>` or `population:<id>`.
    pub audience: String,
    /// The audience's name when it was asked.
    pub audience_label: String,
    /// Recipients with a number, when it was asked.
    pub recipients: i64,
    /// The text.
    pub message: String,
    /// `awaiting` (an approver's decision), `sent`, `refused` or `failed`.
    pub state: String,
    /// SMS-U's message id, once sent.
    pub smsu_id: Option<i64>,
    /// When it was asked, ms since the Unix epoch.
    pub created_at_ms: i64,
    /// The approver who decided, for a send that waited.
    pub decided_by: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

const COLUMNS: &str =
    "id, sender, audience, audience_label, recipients, message, state, smsu_id, created_at, decided_by, error";

macro_rules! to_sms {
    ($r:expr) => {
        StoredSms {
            id: $r.get(0),
            sender: $r.get(1),
            audience: $r.get(2),
            audience_label: $r.get(3),
            recipients: $r.get(4),
            message: $r.get(5),
            state: $r.get(6),
            smsu_id: $r.get(7),
            created_at_ms: $r.get(8),
            decided_by: $r.get(9),
            error: $r.get(10),
        }
    };
}

impl Storage {
    /// Keep a send (`sms.id` is ignored); returns its id.
    pub async fn insert_sms(&self, sms: &StoredSms) -> Result<i64, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sms_send (tenant, sender, audience, audience_label, recipients, message, state, smsu_id, created_at, error) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(&*self.tenant)
            .bind(&sms.sender)
            .bind(&sms.audience)
            .bind(&sms.audience_label)
            .bind(sms.recipients)
            .bind(&sms.message)
            .bind(&sms.state)
            .bind(sms.smsu_id)
            .bind(sms.created_at_ms)
            .bind(sms.error.as_deref())
            .fetch_one(pool)
            .await?
            .get::<i64, _>(0)
        }))
    }

    /// The send `id`.
    pub async fn sms(&self, id: i64) -> Result<Option<StoredSms>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query(&format!("SELECT {COLUMNS} FROM sms_send WHERE tenant = $1 AND id = $2"))
                .bind(&*self.tenant)
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| to_sms!(r))
        }))
    }

    /// `sender`'s latest sends, newest first.
    pub async fn sms_of(&self, sender: &str, limit: i64) -> Result<Vec<StoredSms>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM sms_send WHERE tenant = $1 AND sender = $2 ORDER BY created_at DESC, id DESC LIMIT $3"
            ))
            .bind(&*self.tenant)
            .bind(sender)
            .bind(limit)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| to_sms!(r))
            .collect()
        }))
    }

    /// The sends awaiting an approver, oldest first.
    pub async fn sms_awaiting(&self, limit: i64) -> Result<Vec<StoredSms>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM sms_send WHERE tenant = $1 AND state = 'awaiting' ORDER BY created_at, id LIMIT $2"
            ))
            .bind(&*self.tenant)
            .bind(limit)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| to_sms!(r))
            .collect()
        }))
    }

    /// Take the awaiting send `id` for a decision by `approver`: `Ok(false)` when it is not
    /// awaiting any more (another approver was first).
    pub async fn decide_sms(&self, id: i64, approver: &str, state: &str, now: i64) -> Result<bool, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "UPDATE sms_send SET state = $3, decided_by = $4, decided_at = $5 \
                 WHERE tenant = $1 AND id = $2 AND state = 'awaiting'",
            )
            .bind(&*self.tenant)
            .bind(id)
            .bind(state)
            .bind(approver)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
                == 1
        }))
    }

    /// What became of the send `id`: `sent` with SMS-U's id, or `failed` with the reason.
    pub async fn sms_outcome(&self, id: i64, smsu_id: Option<i64>, error: Option<&str>) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE sms_send SET state = CASE WHEN $3 IS NULL THEN 'sent' ELSE 'failed' END, smsu_id = $4, error = $3 \
                 WHERE tenant = $1 AND id = $2",
            )
            .bind(&*self.tenant)
            .bind(id)
            .bind(error)
            .bind(smsu_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
