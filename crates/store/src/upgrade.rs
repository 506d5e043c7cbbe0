//! Moving rows of an older table layout into the current one at connect,
//! for layouts SQL alone cannot build (chunk bodies): a migration renames
//! the old table, and `Store::connect` moves its rows in Rust afterwards.

use sqlx::{Any, AnyPool, Transaction};

use crate::{Dialect, StoreError};

/// Opens a transaction for one step of moving the rows of the renamed
/// table `old`, and returns it if that table still exists (`None`: there is
/// nothing to move, now or any more).
///
/// Several processes (`index` and `serve`) may open a database at once.
/// Each step first takes a lock that serialises them, then looks: without
/// it, two of them read the old table and then both tried to drop it,
/// which PostgreSQL broke as a deadlock.
pub(crate) async fn begin_step(
    writer: &AnyPool,
    d: Dialect,
    old: &'static str,
) -> Result<Option<Transaction<'static, Any>>, StoreError> {
    let (lock, exists) = match d {
        // A write that changes nothing takes SQLite's write lock up front.
        Dialect::Sqlite => (
            "UPDATE chains SET name = name WHERE 0 = 1",
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
        ),
        Dialect::Postgres => (
            "SELECT pg_advisory_xact_lock(7237005577332262213)",
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1",
        ),
    };
    let mut tx = writer.begin().await?;
    sqlx::raw_sql(lock).execute(&mut *tx).await?;
    let found: i64 = sqlx::query_scalar(exists)
        .bind(old)
        .fetch_one(&mut *tx)
        .await?;
    if found == 0 {
        tx.commit().await?;
        return Ok(None);
    }
    Ok(Some(tx))
}
