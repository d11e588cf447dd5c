//! Persistent storage. SQLite (a file under the data directory) is the embedded default;
//! PostgreSQL is selected with `[storage] url = "postgres://…"` when several portal nodes
//! share one database. Migrations (one set per engine) are applied at start-up. Callers use
//! [`Storage`]'s methods only and never see which engine is behind.

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgPool, Row, SqlitePool};
use std::path::Path;
use std::str::FromStr;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database cannot be opened or migrated.
    #[error("cannot open the database {location}: {source}")]
    Open {
        /// File or URL (without credentials).
        location: String,
        /// Cause.
        source: sqlx::Error,
    },
    /// Migrations failed.
    #[error("cannot migrate the database {location}: {source}")]
    Migrate {
        /// File or URL.
        location: String,
        /// Cause.
        source: sqlx::migrate::MigrateError,
    },
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
}

/// Run the same code on whichever pool is behind `Storage` (queries use `$n` placeholders,
/// which SQLite and PostgreSQL both accept).
macro_rules! on_pool {
    ($storage:expr, $pool:ident => $body:expr) => {
        match $storage {
            Storage::Sqlite($pool) => $body,
            Storage::Postgres($pool) => $body,
        }
    };
}

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

/// The portal's database.
#[derive(Clone, Debug)]
pub enum Storage {
    /// Embedded SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL, shared by several nodes.
    Postgres(PgPool),
}

impl Storage {
    /// Open (creating if needed) the SQLite database `file` and apply migrations.
    pub async fn open_sqlite(file: &Path) -> Result<Self, StorageError> {
        let location = file.display().to_string();
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StorageError::Open {
                location: location.clone(),
                source: sqlx::Error::Io(e),
            })?;
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", file.display()))
            .map_err(|source| StorageError::Open {
                location: location.clone(),
                source,
            })?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| StorageError::Open {
                location: location.clone(),
                source,
            })?;
        sqlx::migrate!("migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|source| StorageError::Migrate { location, source })?;
        Ok(Storage::Sqlite(pool))
    }

    /// Open the database `url` (`postgres://…`), or the SQLite file `default_file` when `url`
    /// is empty, and apply migrations.
    pub async fn open(url: &str, default_file: &Path) -> Result<Self, StorageError> {
        if url.is_empty() {
            return Self::open_sqlite(default_file).await;
        }
        let location = crate::config::redact(url);
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(std::time::Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|source| StorageError::Open {
                location: location.clone(),
                source,
            })?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(|source| StorageError::Migrate { location, source })?;
        Ok(Storage::Postgres(pool))
    }

    /// Check the database answers (for `/health`).
    pub async fn ping(&self) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// How many last good renders are kept (reported by `/health`).
    pub async fn count_renders(&self) -> Result<i64, StorageError> {
        Ok(on_pool!(self, pool => sqlx::query("SELECT COUNT(*) FROM last_good_render").fetch_one(pool).await?.get(0)))
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
                "INSERT INTO last_good_render (cache_key, publication, html, title, rendered_at, owner) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (cache_key) DO UPDATE SET publication = $2, html = $3, title = $4, rendered_at = $5, owner = $6",
            )
            .bind(key)
            .bind(&render.publication)
            .bind(&render.html)
            .bind(&render.title)
            .bind(render.rendered_at_ms)
            .bind(owner)
            .execute(pool)
            .await?;
            sqlx::query(
                "DELETE FROM last_good_render WHERE publication = $1 AND owner = $2 AND cache_key NOT IN
                 (SELECT cache_key FROM last_good_render WHERE publication = $1 AND owner = $2
                  ORDER BY rendered_at DESC, cache_key LIMIT $3)",
            )
            .bind(&render.publication)
            .bind(owner)
            .bind(i64::from(keep))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The last good render under `key`, if any.
    pub async fn load_render(&self, key: &str) -> Result<Option<StoredRender>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("SELECT publication, html, title, rendered_at FROM last_good_render WHERE cache_key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?
                .map(|r| StoredRender { publication: r.get(0), html: r.get(1), title: r.get(2), rendered_at_ms: r.get(3) })
        }))
    }
}

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
        let json = serde_json::to_string(edit).map_err(|e| StorageError::Query(sqlx::Error::Encode(Box::new(e))))?;
        Ok(on_pool!(self, pool => {
            sqlx::query("INSERT INTO layout_edit (uid, edit, created_at) VALUES ($1, $2, $3) RETURNING id")
                .bind(uid)
                .bind(&json)
                .bind(crate::clock::now_ms())
                .fetch_one(pool)
                .await?
                .get::<i64, _>(0)
        }))
    }

    /// Every edit of `uid`, oldest first, set-aside ones included.
    pub async fn edits(&self, uid: &str) -> Result<Vec<StoredEdit>, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("SELECT id, edit, reason, noticed, created_at FROM layout_edit WHERE uid = $1 ORDER BY id")
                .bind(uid)
                .fetch_all(pool)
                .await?
                .into_iter()
                .filter_map(|r| stored_edit(r.get(0), r.get::<String, _>(1).as_str(), r.get(2), r.get(3), r.get(4)))
                .collect()
        }))
    }

    /// Keep the edit `id` aside: it no longer applies, for `reason`.
    pub async fn set_aside(&self, id: i64, reason: &agora_layout::Refusal) -> Result<(), StorageError> {
        let json = serde_json::to_string(reason).map_err(|e| StorageError::Query(sqlx::Error::Encode(Box::new(e))))?;
        on_pool!(self, pool => {
            sqlx::query("UPDATE layout_edit SET status = 'set_aside', reason = $1 WHERE id = $2")
                .bind(&json)
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The user has been told about their set-aside edits.
    pub async fn mark_noticed(&self, uid: &str) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE layout_edit SET noticed = 1 WHERE uid = $1 AND status = 'set_aside'")
                .bind(uid)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Forget every edit of `uid` (back to the default page); returns how many.
    pub async fn reset_edits(&self, uid: &str) -> Result<u64, StorageError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM layout_edit WHERE uid = $1").bind(uid).execute(pool).await?.rows_affected()
        }))
    }

    /// Replace every edit of `uid` with `edits` (layout import), in one transaction.
    pub async fn replace_edits(&self, uid: &str, edits: &[agora_layout::Edit]) -> Result<(), StorageError> {
        let now = crate::clock::now_ms();
        let mut rows = Vec::new();
        for e in edits {
            rows.push(serde_json::to_string(e).map_err(|e| StorageError::Query(sqlx::Error::Encode(Box::new(e))))?);
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM layout_edit WHERE uid = $1").bind(uid).execute(&mut *tx).await?;
            for json in &rows {
                sqlx::query("INSERT INTO layout_edit (uid, edit, created_at) VALUES ($1, $2, $3)")
                    .bind(uid)
                    .bind(json)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn renders_survive_reopening() {
        let file = std::env::temp_dir().join(format!("agora-storage-{}/portal.db", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let s = Storage::open_sqlite(&file).await.expect("opens");
        let r = StoredRender {
            publication: "news".into(),
            html: "<p>x</p>".into(),
            title: None,
            rendered_at_ms: 42,
        };
        s.save_render("k", "alice", &r, 8).await.expect("saves");
        drop(s);
        let s = Storage::open_sqlite(&file).await.expect("reopens");
        assert_eq!(s.load_render("k").await.expect("loads"), Some(r));
        assert_eq!(s.load_render("other").await.expect("loads"), None);
        s.ping().await.expect("pings");
    }

    #[tokio::test]
    async fn last_good_renders_are_bounded_per_publication_and_owner() {
        let file = std::env::temp_dir().join(format!("agora-storage-bound-{}/portal.db", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let s = Storage::open_sqlite(&file).await.expect("opens");
        let render = |publication: &str, at: i64| StoredRender {
            publication: publication.into(),
            html: format!("<p>{at}</p>"),
            title: None,
            rendered_at_ms: at,
        };
        // 300 distinct `?directory.q=` values for one user: only the newest 8 stay.
        for i in 0..300 {
            s.save_render(&format!("alice-q{i}"), "alice", &render("directory", i), 8)
                .await
                .expect("saves");
        }
        s.save_render("bob-q", "bob", &render("directory", 1), 8)
            .await
            .expect("saves");
        s.save_render("shared", "", &render("news", 1), 256)
            .await
            .expect("saves");
        assert_eq!(s.count_renders().await.expect("counts"), 8 + 1 + 1);
        assert!(
            s.load_render("alice-q299").await.expect("loads").is_some(),
            "newest kept"
        );
        assert!(
            s.load_render("alice-q0").await.expect("loads").is_none(),
            "oldest evicted"
        );
        assert!(
            s.load_render("bob-q").await.expect("loads").is_some(),
            "other users untouched"
        );
    }

    #[tokio::test]
    async fn edits_keep_their_order_and_can_be_set_aside_reset_or_replaced() {
        use agora_layout::{Edit, Refusal};
        let file = std::env::temp_dir().join(format!("agora-storage-edits-{}/portal.db", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let s = Storage::open_sqlite(&file).await.expect("opens");
        let a = Edit::RemoveChannel {
            publication: "a".into(),
        };
        let b = Edit::SetFavourite {
            publication: "b".into(),
            favourite: true,
        };
        let id = s.add_edit("u", &a).await.expect("adds");
        s.add_edit("u", &b).await.expect("adds");
        s.add_edit("other", &a).await.expect("adds");
        let refusal = Refusal::NotOnPage {
            publication: "a".into(),
        };
        s.set_aside(id, &refusal).await.expect("sets aside");
        let edits = s.edits("u").await.expect("loads");
        assert_eq!(edits.len(), 2);
        assert_eq!(
            (edits[0].edit.clone(), edits[0].set_aside.clone(), edits[0].noticed),
            (a.clone(), Some(refusal), false)
        );
        assert_eq!((edits[1].edit.clone(), edits[1].set_aside.clone()), (b.clone(), None));
        s.mark_noticed("u").await.expect("notices");
        assert!(s.edits("u").await.expect("loads")[0].noticed);
        s.replace_edits("u", std::slice::from_ref(&b)).await.expect("replaces");
        assert_eq!(s.edits("u").await.expect("loads").len(), 1);
        assert_eq!(s.reset_edits("u").await.expect("resets"), 1);
        assert!(s.edits("u").await.expect("loads").is_empty());
        assert_eq!(
            s.edits("other").await.expect("loads").len(),
            1,
            "other users keep theirs"
        );
    }
}
