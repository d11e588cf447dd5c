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

/// Hide the password of a database URL for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
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
        let location = redact(url);
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

    /// Keep the last good render under `key`.
    pub async fn save_render(&self, key: &str, render: &StoredRender) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO last_good_render (cache_key, publication, html, title, rendered_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (cache_key) DO UPDATE SET publication = $2, html = $3, title = $4, rendered_at = $5",
            )
            .bind(key)
            .bind(&render.publication)
            .bind(&render.html)
            .bind(&render.title)
            .bind(render.rendered_at_ms)
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
        s.save_render("k", &r).await.expect("saves");
        drop(s);
        let s = Storage::open_sqlite(&file).await.expect("reopens");
        assert_eq!(s.load_render("k").await.expect("loads"), Some(r));
        assert_eq!(s.load_render("other").await.expect("loads"), None);
        s.ping().await.expect("pings");
    }
}
