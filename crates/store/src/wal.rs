//! SQLite's write-ahead log copied back into the database file beside the
//! writer, not in it.
//!
//! Left to SQLite, the commit that grows the log past `wal_autocheckpoint`
//! pages copies it into the database file itself, fsyncs included, and the
//! next batch's commit waits behind it. In a backfill that was every commit.
//! Here each commit asks for a passive checkpoint on a reader connection
//! instead; it runs while the writer goes on, and a commit arriving while one
//! runs does not ask again. The writer's own checkpoint stays as a backstop,
//! at 16,384 pages (64 MiB) instead of 1,000 (`Dialect::session_setup`),
//! should these fall behind.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::AnyPool;

/// Starts at most one background checkpoint at a time.
#[derive(Debug, Clone, Default)]
pub(crate) struct Checkpointer {
    running: Arc<AtomicBool>,
}

impl Checkpointer {
    /// Starts a passive checkpoint on `pool` unless one is running.
    pub fn request(&self, pool: &AnyPool) {
        if self.running.swap(true, Ordering::AcqRel) {
            return;
        }
        let (pool, running) = (pool.clone(), Arc::clone(&self.running));
        tokio::spawn(async move {
            // A failed checkpoint loses nothing: the log keeps the pages and
            // the next one (or the writer's own) copies them.
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                tracing::debug!(error = %e, "background WAL checkpoint failed");
            }
            running.store(false, Ordering::Release);
        });
    }
}
