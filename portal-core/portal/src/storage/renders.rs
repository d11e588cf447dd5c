//! Last good renders of slot variants, bounded per publication and owner, per tenant.

use super::{Storage, StorageError, on_pool};
use sqlx::Row;

/// A stored render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRender {
    /// Publication id.
    pub publication: String,
    /// Sanitised HTML.
    pub html: String,
    /// Channel-provided title.
    pub title: Option<String>,
    /// When it was rendered, ms since the Unix epoch.
    pub rendered_at_ms: i64,
}

impl Storage {
    /// How many last good renders are kept (reported by `/health`).
    pub async fn count_renders(&self) -> Result<i64, StorageError> {
        Ok(
            on_pool!(self, pool => sqlx::query("SELECT COUNT(*) FROM last_good_render WHERE tenant = $1").bind(&*self.tenant).fetch_one(pool).await?.get(0)),
        )
    }

    /// Keep the last good render under `key`, owned by `owner` (a uid, or `""` when shared),
    /// and evict that owner's oldest renders of the publication beyond `keep`.
    pub async fn save_render(
        &self,
        key: &str,
        owner: &str,
        render: &StoredRender,
        keep: u32,
    ) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO last_good_render (cache_key, publication, html, title, rendered_at, owner, tenant) VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (tenant, cache_key) DO UPDATE SET publication = $2, html = $3, title = $4, rendered_at = $5, owner = $6",
            )
            .bind(key)
            .bind(&render.publication)
            .bind(&render.html)
            .bind(&render.title)
            .bind(render.rendered_at_ms)
            .bind(owner)
            .bind(&*self.tenant)
            .execute(pool)
            .await?;
            sqlx::query(
                "DELETE FROM last_good_render WHERE tenant = $4 AND publication = $1 AND owner = $2 AND cache_key NOT IN
                 (SELECT cache_key FROM last_good_render WHERE tenant = $4 AND publication = $1 AND owner = $2
                  ORDER BY rendered_at DESC, cache_key LIMIT $3)",
            )
            .bind(&render.publication)
            .bind(owner)
            .bind(i64::from(keep))
            .bind(&*self.tenant)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The last good render under `key`, if any.
    pub async fn load_render(&self, key: &str) -> Result<Option<StoredRender>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("SELECT publication, html, title, rendered_at FROM last_good_render WHERE tenant = $2 AND cache_key = $1")
                .bind(key)
                .bind(&*self.tenant)
                .fetch_optional(pool)
                .await?
                .map(|r| StoredRender { publication: r.get(0), html: r.get(1), title: r.get(2), rendered_at_ms: r.get(3) })
        }))
    }
}
