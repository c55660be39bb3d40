//! Opening the database and the two handles: [`Store`] (whole database) and [`TenantStore`]
//! (one tenant).
//!
//! Invariants: the file is `<data_dir>/vpbx.db` in WAL mode with foreign keys on, a 5 s busy
//! timeout and `synchronous=NORMAL`, so the server and CLI processes can use it at once;
//! every write transaction starts with `BEGIN IMMEDIATE` (takes the write lock up front, so
//! a concurrent writer makes it wait rather than fail); migrations run under that same lock,
//! so two processes opening a fresh directory at once apply them exactly once.

use crate::StoreError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::time::Duration;
use vpbx_model::TenantId;

/// Name of the database file inside the data directory.
const DB_FILE: &str = "vpbx.db";
/// How long a statement waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Pool size: SQLite serializes writers anyway; a few connections let readers overlap.
const MAX_CONNECTIONS: u32 = 4;

/// The schema, embedded at compile time from `migrations/`.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Handle to the whole database; cheap to clone (shares one connection pool).
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: SqlitePool,
}

/// Handle to one tenant's rows: every query it runs is restricted to `tenant_id = id`.
#[derive(Clone)]
pub struct TenantStore {
    pub(crate) pool: SqlitePool,
    pub(crate) id: TenantId,
}

impl Store {
    /// Opens (creating if needed) `<data_dir>/vpbx.db`: creates the directory with mode
    /// 0700, then applies any pending migrations.
    pub async fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let mut dir = tokio::fs::DirBuilder::new();
        dir.recursive(true);
        #[cfg(unix)]
        dir.mode(0o700);
        dir.create(data_dir).await?;

        let options = SqliteConnectOptions::new()
            .filename(data_dir.join(DB_FILE))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            .synchronous(SqliteSynchronous::Normal);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await?;

        let mut tx = write_tx(&pool).await?;
        // `run_direct` is sqlx's own escape hatch for running on a connection: `run(&mut
        // *tx)` makes this future fail the `Send` check of `tokio::spawn` (its `Acquire`
        // bound is not general enough over lifetimes).
        MIGRATOR.run_direct(&mut *tx).await?;
        tx.commit().await?;
        Ok(Store { pool })
    }

    /// The handle for one tenant's rows. It does not check that the tenant exists: reads of
    /// a missing tenant find nothing and writes fail with `NotFound`.
    pub fn tenant(&self, id: TenantId) -> TenantStore {
        TenantStore {
            pool: self.pool.clone(),
            id,
        }
    }
}

impl TenantStore {
    /// The tenant this handle is bound to.
    pub fn id(&self) -> TenantId {
        self.id
    }
}

/// Starts a write transaction holding the database write lock from its first statement.
pub(crate) async fn write_tx(
    pool: &SqlitePool,
) -> Result<Transaction<'static, Sqlite>, StoreError> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

/// Starts a read transaction: all its queries see one consistent snapshot.
pub(crate) async fn read_tx(pool: &SqlitePool) -> Result<Transaction<'static, Sqlite>, StoreError> {
    Ok(pool.begin().await?)
}
