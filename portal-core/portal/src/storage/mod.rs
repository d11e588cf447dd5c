//! Persistent storage. SQLite (a file under the data directory) is the embedded default;
//! PostgreSQL is selected with `[storage] url = "postgres://…"` when several portal nodes
//! share one database. Migrations (one set per engine) are applied at start-up. Callers use
//! [`Storage`]'s methods only and never see which engine is behind.
//!
//! **Tenants.** Every row carries its tenant (an establishment of the platform; a one-tenant
//! installation is [`DEFAULT_TENANT`]). The [`Database`] is opened once; queries are methods
//! of a [`Storage`], which is bound to one tenant and puts it in every statement: no code can
//! read or change another tenant's rows by forgetting a condition, and an id from another
//! tenant (an edit's row id) matches nothing.
//!
//! | module | rows |
//! |---|---|
//! | [`renders`] | last good renders of slot variants, bounded per publication and owner |
//! | [`edits`] | users' layout edits, replayed in order |
//! | [`notifications`] | channels' notifications per person, announcements read or dismissed |
//! | [`groups`] | self-managed groups, members and pending, the audit of membership changes |
//! | [`sms`] | SMS sent through SMS-U: sender, audience, count, text, state (no phone number) |
//! | [`usage`] | usage statistics: counts per day, kind, population and channel (no uid) |

mod edits;
mod groups;
mod notifications;
mod renders;
mod sms;
mod usage;

pub use edits::StoredEdit;
pub use groups::{AuditEntry, StoredGroup, StoredMember};
pub use notifications::{AnnouncementState, StoredNotification};
pub use renders::StoredRender;
pub use sms::StoredSms;
pub use usage::UsageCount;

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgPool, SqlitePool};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

/// The tenant of a one-tenant installation, and of rows stored before tenants existed.
pub const DEFAULT_TENANT: &str = "default";

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

/// Run the same code on whichever pool is behind a `Storage` (queries use `$n`
/// placeholders, which SQLite and PostgreSQL both accept).
macro_rules! on_pool {
    ($storage:expr, $pool:ident => $body:expr) => {
        match &$storage.db {
            $crate::storage::Database::Sqlite($pool) => $body,
            $crate::storage::Database::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// The platform's database, shared by every tenant: queries go through [`Storage`].
#[derive(Clone, Debug)]
pub enum Database {
    /// Embedded SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL, shared by several nodes.
    Postgres(PgPool),
}

/// The database as one tenant sees it: every query carries the tenant.
#[derive(Clone, Debug)]
pub struct Storage {
    db: Database,
    tenant: Arc<str>,
}

impl Storage {
    /// Open the database `url` (`postgres://…`), or the SQLite file `default_file` when `url`
    /// is empty, apply migrations, and see it as [`DEFAULT_TENANT`].
    pub async fn open(url: &str, default_file: &Path) -> Result<Self, StorageError> {
        Ok(Database::open(url, default_file).await?.tenant(DEFAULT_TENANT))
    }

    /// Open (creating if needed) the SQLite database `file`, apply migrations, and see it as
    /// [`DEFAULT_TENANT`].
    pub async fn open_sqlite(file: &Path) -> Result<Self, StorageError> {
        Ok(Database::open_sqlite(file).await?.tenant(DEFAULT_TENANT))
    }

    /// The same database as the tenant `tenant` sees it.
    pub fn for_tenant(&self, tenant: &str) -> Storage {
        self.db.tenant(tenant)
    }

    /// The tenant this handle is bound to.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The database behind (which engine, for `/health` and tests).
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Check the database answers (for `/health`).
    pub async fn ping(&self) -> Result<(), StorageError> {
        self.db.ping().await
    }
}

impl Database {
    /// This database as the tenant `tenant` sees it.
    pub fn tenant(&self, tenant: &str) -> Storage {
        Storage {
            db: self.clone(),
            tenant: tenant.into(),
        }
    }

    /// Open (creating if needed) the SQLite database `file` and apply migrations.
    async fn open_sqlite(file: &Path) -> Result<Self, StorageError> {
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
        Ok(Database::Sqlite(pool))
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
        Ok(Database::Postgres(pool))
    }

    /// Check the database answers.
    pub async fn ping(&self) -> Result<(), StorageError> {
        match self {
            Database::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await.map(|_| ())?,
            Database::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.map(|_| ())?,
        }
        Ok(())
    }
}

/// A value that cannot be encoded for the database.
fn encode_error(e: serde_json::Error) -> StorageError {
    StorageError::Query(sqlx::Error::Encode(Box::new(e)))
}

#[cfg(test)]
mod tests;
