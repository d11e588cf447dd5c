//! Usage statistics: counts per day, kind, population and channel, added to by every node
//! (an upsert adds, so several nodes flushing the same day sum up). No uid is stored.

use super::{Storage, StorageError, on_pool};
use sqlx::Row;

/// One stored count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UsageCount {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// `page_view`, `guest_view`, `sign_in` or `channel_view`.
    pub kind: String,
    /// The population (empty: everyone).
    pub population: String,
    /// The publication (empty unless `channel_view`).
    pub channel: String,
    /// How many.
    pub count: i64,
}

impl Storage {
    /// Add `counts` to what is stored, in one transaction.
    pub async fn add_usage(&self, counts: &[UsageCount]) -> Result<(), StorageError> {
        if counts.is_empty() {
            return Ok(());
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for c in counts {
                sqlx::query(
                    "INSERT INTO usage_daily (tenant, day, kind, population, channel, count) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (tenant, day, kind, population, channel) DO UPDATE SET count = usage_daily.count + excluded.count",
                )
                .bind(&*self.tenant)
                .bind(&c.day)
                .bind(&c.kind)
                .bind(&c.population)
                .bind(&c.channel)
                .bind(c.count)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The counts of the days `from` to `to` (inclusive, `YYYY-MM-DD`), by day then kind.
    pub async fn usage(&self, from: &str, to: &str) -> Result<Vec<UsageCount>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "SELECT day, kind, population, channel, count FROM usage_daily \
                 WHERE tenant = $1 AND day >= $2 AND day <= $3 ORDER BY day, kind, population, channel",
            )
            .bind(&*self.tenant)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| UsageCount {
                day: r.get(0),
                kind: r.get(1),
                population: r.get(2),
                channel: r.get(3),
                count: r.get(4),
            })
            .collect()
        }))
    }

    /// Delete the days before `before` (`YYYY-MM-DD`).
    pub async fn prune_usage(&self, before: &str) -> Result<u64, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM usage_daily WHERE tenant = $1 AND day < $2")
                .bind(&*self.tenant)
                .bind(before)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }
}
