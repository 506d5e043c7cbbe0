//! Storage for tributary: one [`Store`] with two engines, SQLite (the
//! embedded default, in WAL mode) and PostgreSQL (production).
//!
//! Both engines run the same SQL through sqlx's `Any` driver; the few real
//! differences (how a uint256 is stored, migrations, snapshot isolation) live
//! in [`Dialect`]. Writes happen in [`Store::commit`], one transaction per
//! batch holding events, state, undo entries, headers and the cursor; reads
//! happen in a [`Snapshot`], one transaction per answer.

pub mod checksum;
mod dialect;
mod error;
mod events;
pub mod history;
pub mod lease;
pub mod maintain;
mod open_batch;
pub mod ops;
mod packed;
pub mod positions;
pub mod read;
mod snapshot;
mod sql;
mod state;
pub mod state_read;
mod undo;
mod upgrade;
mod wal;
pub mod write;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

pub use dialect::Dialect;
pub use error::StoreError;
pub use open_batch::OpenBatch;
pub use snapshot::Snapshot;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Options for opening a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Most connections the read pool opens.
    pub max_connections: u32,
    /// Most connections the write pool opens (SQLite always uses one: it
    /// has a single writer, and one connection caches one set of bulk
    /// statements instead of one per pooled connection).
    pub max_writers: u32,
    /// How long to wait for a free connection.
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            max_writers: 4,
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

/// A connection pool to one database, SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct Store {
    /// Reads: API snapshots and the engine's lookups.
    pool: AnyPool,
    /// Writes: commits, rollbacks, maintenance.
    writer: AnyPool,
    dialect: Dialect,
    /// SQLite: checkpoints beside the writer (see [`wal`]).
    checkpointer: wal::Checkpointer,
}

impl Store {
    /// Opens the database at `url` (`sqlite://…` or `postgres://…`) and brings
    /// its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, StoreOptions::default()).await
    }

    /// [`Store::connect`] with explicit pool options.
    pub async fn connect_with(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::from_url(url)?;
        let url = dialect.normalize_url(url);
        let connect = AnyConnectOptions::from_str(&url)
            .map_err(|source| StoreError::Connect {
                url: redact(&url),
                source,
            })?
            .disable_statement_logging();
        let writers = match dialect {
            Dialect::Sqlite => 1,
            Dialect::Postgres => options.max_writers.max(1),
        };
        let writer = open_pool(
            dialect,
            &url,
            connect.clone(),
            writers,
            options.acquire_timeout,
            true,
        )
        .await?;
        let migrator = match dialect {
            Dialect::Sqlite => &SQLITE_MIGRATIONS,
            Dialect::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&writer)
            .await
            .map_err(|source| StoreError::Migrate { source })?;
        events::upgrade_event_rows(&writer, dialect).await?;
        undo::upgrade_rows(&writer, dialect).await?;
        let pool = open_pool(
            dialect,
            &url,
            connect,
            options.max_connections,
            options.acquire_timeout,
            // No ping before each read: it was one extra round trip per API
            // answer. A connection that died with its server fails one
            // read and is dropped; the next acquire opens a fresh one.
            false,
        )
        .await?;
        Ok(Self {
            pool,
            writer,
            dialect,
            checkpointer: wal::Checkpointer::default(),
        })
    }

    /// Which engine this store runs on.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Whether a batch transaction ([`Store::open_batch`]) may write while
    /// the batch before it commits. On PostgreSQL it can: it has several
    /// write connections, the two batches' events are rows of different
    /// blocks, and the later commit's cursor check (`FOR UPDATE` on the
    /// chain's row) waits for the earlier commit and then reads its cursor.
    /// SQLite has one write connection, which the earlier commit holds.
    pub fn overlaps_batches(&self) -> bool {
        self.dialect == Dialect::Postgres
    }

    /// Opens a consistent read view: everything read through it reflects one
    /// committed state.
    pub async fn snapshot(&self) -> Result<Snapshot, StoreError> {
        Snapshot::begin(&self.pool, self.dialect).await
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub(crate) fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// After a commit: SQLite copies its write-ahead log back beside the writer.
    pub(crate) fn after_commit(&self) {
        if self.dialect == Dialect::Sqlite {
            self.checkpointer.request(&self.pool);
        }
    }
}

/// A pool whose connections get the engine's session settings.
async fn open_pool(
    dialect: Dialect,
    url: &str,
    connect: AnyConnectOptions,
    max: u32,
    acquire_timeout: Duration,
    ping: bool,
) -> Result<AnyPool, StoreError> {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(acquire_timeout)
        .test_before_acquire(ping)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                for pragma in dialect.session_setup() {
                    conn.execute(*pragma).await?;
                }
                Ok(())
            })
        })
        .connect_with(connect)
        .await
        .map_err(|source| StoreError::Connect {
            url: redact(url),
            source,
        })
}

/// The URL with any password replaced, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}
