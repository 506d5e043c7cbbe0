//! A batch written in steps: its events go to the store while the rest of
//! it is still being built, and everything becomes visible at once when it
//! commits.
//!
//! A backfill commits less often than it fetches: every key a batch changed
//! is written once per commit, so fewer, larger batches write far fewer
//! state rows (on PostgreSQL a state upsert costs 7–9 µs a row, and a
//! backfill of a busy token rewrote most holders every batch). Holding a
//! large batch's events in memory until the commit would cost hundreds of
//! megabytes; sending them into the batch's open transaction as they are
//! ready keeps memory flat. Nothing is visible before the commit, and a
//! batch dropped or interrupted midway leaves nothing behind (the
//! transaction rolls back), so a batch still applies exactly once.

use sqlx::{Any, Transaction};
use tributary_types::{ChainId, StoredEvent};

use crate::sql::Sql;
use crate::write::{
    Batch, CursorMove, KnownRows, insert_discovered, insert_headers, move_cursor, prune,
    read_cursor, upsert_tokens, write_state,
};
use crate::{Store, StoreError};

/// An open batch transaction; see the module docs. Dropping it without
/// [`OpenBatch::commit`] rolls everything back.
#[derive(Debug)]
pub struct OpenBatch {
    store: Store,
    tx: Transaction<'static, Any>,
    /// Events written so far that were not stored before.
    inserted: u64,
}

impl Store {
    /// Opens a batch transaction. It takes the store's write connection
    /// until it commits or is dropped (on SQLite the only one), so keep it
    /// open only while a batch is being built.
    pub async fn open_batch(&self) -> Result<OpenBatch, StoreError> {
        Ok(OpenBatch {
            store: self.clone(),
            tx: self.writer().begin().await?,
            inserted: 0,
        })
    }
}

impl OpenBatch {
    /// Writes events of the batch ahead of its commit (positions already
    /// stored are skipped). Returns how many were new.
    pub async fn write_events(
        &mut self,
        chain_id: ChainId,
        events: &[StoredEvent],
    ) -> Result<u64, StoreError> {
        let n = crate::events::insert(&mut self.tx, self.store.dialect, chain_id, events).await?;
        self.inserted += n;
        Ok(n)
    }

    /// Drops everything written so far.
    pub async fn rollback(self) -> Result<(), StoreError> {
        Ok(self.tx.rollback().await?)
    }

    /// Writes the rest of `batch` and commits, if the stored cursor is still
    /// `batch.parent` and its lease epoch still current (else nothing of
    /// the batch is written, including the events written ahead). Returns
    /// how many of its events were new, those written ahead included.
    pub async fn commit(mut self, batch: &Batch) -> Result<u64, StoreError> {
        let d = self.store.dialect;
        let tx = &mut self.tx;
        let found = read_cursor(tx, d, batch.chain_id).await?;
        if found != batch.parent {
            return Err(StoreError::CursorConflict {
                chain_id: batch.chain_id,
                expected: batch.parent,
                found,
            });
        }
        if let Some(epoch) = batch.lease_epoch {
            crate::lease::check_fence(tx, d, batch.chain_id, epoch).await?;
        }
        let t = std::time::Instant::now();
        let inserted =
            self.inserted + crate::events::insert(tx, d, batch.chain_id, &batch.events).await?;
        let events_s = t.elapsed().as_secs_f64();
        let known = KnownRows {
            existing: &batch.existing,
            absent: &batch.absent,
        };
        write_state(tx, d, batch.chain_id, &batch.state, known).await?;
        let state_s = t.elapsed().as_secs_f64() - events_s;
        crate::undo::insert(tx, d, batch.chain_id, &batch.undo).await?;
        insert_headers(tx, d, batch.chain_id, &batch.headers).await?;
        insert_discovered(tx, d, batch.chain_id, &batch.discovered).await?;
        crate::ops::insert_dead_letters(tx, d, &batch.dead_letters).await?;
        crate::history::write_log(tx, d, batch.chain_id, &batch.log).await?;
        let rest_s = t.elapsed().as_secs_f64() - events_s - state_s;
        upsert_tokens(tx, d, &batch.tokens).await?;
        if let Some(cursor) = &batch.cursor {
            move_cursor(
                tx,
                d,
                batch.chain_id,
                cursor,
                CursorMove::Forward { inserted },
            )
            .await?;
            prune(tx, d, batch.chain_id, batch.finalized.min(cursor.number)).await?;
        } else if inserted > 0 {
            let mut q = Sql::new(d, "UPDATE chains SET event_count = event_count + ");
            q.bind_u64("count", inserted)?
                .push(" WHERE chain_id = ")
                .bind_u64("chain_id", batch.chain_id)?;
            q.execute(&mut **tx).await?;
        }
        let t_commit = std::time::Instant::now();
        self.tx.commit().await?;
        self.store.after_commit();
        tracing::trace!(
            events = batch.events.len(),
            events_s,
            keys = batch.state.len(),
            state_s,
            rest_s,
            commit_s = t_commit.elapsed().as_secs_f64(),
            "commit steps"
        );
        Ok(inserted)
    }
}
