//! Store errors.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL names an engine we don't support.
    #[error("unsupported database URL {url:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl {
        /// The URL (host part only).
        url: String,
    },
    /// The database could not be opened.
    #[error("cannot open database {url}: {source}")]
    Connect {
        /// The URL, password redacted.
        url: String,
        /// Driver error.
        #[source]
        source: sqlx::Error,
    },
    /// The schema could not be brought up to date.
    #[error("database migration failed: {source}")]
    Migrate {
        /// Migration error.
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    /// A query failed.
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    /// A stored value is not what we wrote.
    #[error("stored data is corrupt: {what}")]
    Corrupt {
        /// What was found.
        what: String,
    },
    /// Another writer moved the cursor: this batch was not applied.
    #[error(
        "chain {chain_id}: cursor moved by another writer (expected block {expected:?}, found {found:?}); batch not applied"
    )]
    CursorConflict {
        /// Chain.
        chain_id: u64,
        /// The cursor this batch was built on.
        expected: Option<u64>,
        /// The cursor found in the store.
        found: Option<u64>,
    },
    /// This process no longer holds the chain's lease (another took over,
    /// or the lock's connection broke): the batch was not applied.
    #[error(
        "chain {chain_id}: lease lost (held epoch {epoch:?}, current epoch {current:?}); another indexer works this chain"
    )]
    LeaseLost {
        /// Chain.
        chain_id: u64,
        /// The epoch this process held.
        epoch: Option<u64>,
        /// The epoch found in the store.
        current: Option<u64>,
    },
    /// A number does not fit the database's 64-bit integers.
    #[error("{what} {value} does not fit a signed 64-bit integer")]
    OutOfRange {
        /// Which number.
        what: &'static str,
        /// Its value.
        value: u64,
    },
}
