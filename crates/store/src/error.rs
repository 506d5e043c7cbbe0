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

impl StoreError {
    /// Whether the database rejected the statement itself, so running it
    /// again can only fail the same way: PostgreSQL's SQLSTATE classes 22
    /// (data exceptions) and 42 (syntax errors, undefined objects). A
    /// chain that hits one stops with the error instead of retrying it
    /// forever. SQLite's result codes are not classed this way, and lost
    /// connections, locks and conflicts stay retryable.
    pub fn is_deterministic(&self) -> bool {
        let Self::Sql(sqlx::Error::Database(e)) = self else {
            return false;
        };
        e.code().is_some_and(|code| {
            code.len() == 5 && (code.starts_with("22") || code.starts_with("42"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;
    use tributary_testkit::TestDb;

    /// The error PostgreSQL gives for `sql`, through the same `Any` driver
    /// the store uses.
    async fn postgres_error(sql: &'static str) -> StoreError {
        sqlx::any::install_default_drivers();
        let db = TestDb::postgres().await.expect("PostgreSQL for this test");
        let mut conn = sqlx::AnyConnection::connect(&db.url)
            .await
            .expect("connect");
        let e = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .expect_err("the statement fails");
        StoreError::Sql(e)
    }

    #[tokio::test]
    async fn statements_the_database_rejects_are_deterministic() {
        for sql in [
            "SELECT substring('\\x00'::bytea FROM 1::bigint FOR 1)",
            "SELECT * FROM no_such_table",
            "SELECT CAST('x' AS NUMERIC)",
        ] {
            let e = postgres_error(sql).await;
            assert!(e.is_deterministic(), "{sql}: {e}");
        }
    }

    #[tokio::test]
    async fn conflicts_and_other_errors_stay_retryable() {
        let e = postgres_error(
            "CREATE TEMP TABLE t (k INT PRIMARY KEY); INSERT INTO t VALUES (1), (1)",
        )
        .await;
        assert!(!e.is_deterministic(), "unique violation: {e}");
        assert!(!StoreError::Sql(sqlx::Error::PoolTimedOut).is_deterministic());
        assert!(
            !StoreError::CursorConflict {
                chain_id: 1,
                expected: None,
                found: Some(1)
            }
            .is_deterministic()
        );
    }
}
