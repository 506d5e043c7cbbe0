//! An open batch's events, sent into its store transaction while the batch
//! is still being built (see [`tributary_store::OpenBatch`]).
//!
//! Each write runs as a task of its own, so the store works while the
//! indexer decodes the next ranges. At most one write is under way: the
//! next waits for it, so a store slower than the fetch holds the indexer
//! up instead of piling events up in memory.

use tokio::task::JoinHandle;
use tributary_store::write::Batch;
use tributary_store::{OpenBatch, Store};
use tributary_types::{ChainId, StoredEvent};

use crate::EngineError;

/// The write task of a batch's latest events; it hands on the transaction.
pub(super) struct EventStream {
    task: JoinHandle<Result<OpenBatch, EngineError>>,
}

impl EventStream {
    /// Opens a batch transaction and writes `events` into it, once `after`
    /// (the commit task of the batch before) has ended, if given: on
    /// SQLite both need the one write connection, and the batch before
    /// must not wait for it behind this one (see
    /// [`Store::overlaps_batches`]).
    pub(super) fn start(
        store: Store,
        chain_id: ChainId,
        events: Vec<StoredEvent>,
        after: Option<super::Landed>,
    ) -> Self {
        let task = tokio::spawn(async move {
            if let Some(after) = after {
                // Its sender is dropped when that commit ends, however.
                let _ = after.await;
            }
            let mut open = store.open_batch().await?;
            open.write_events(chain_id, &events).await?;
            Ok(open)
        });
        Self { task }
    }

    /// Writes `events` after the ones before, once their write is done.
    pub(super) async fn push(
        self,
        chain_id: ChainId,
        events: Vec<StoredEvent>,
    ) -> Result<Self, EngineError> {
        let mut open = joined(self.task.await)?;
        let task = tokio::spawn(async move {
            open.write_events(chain_id, &events).await?;
            Ok(open)
        });
        Ok(Self { task })
    }

    /// Commits `batch` (the rest of it) after the events written ahead.
    pub(super) async fn commit(self, batch: Batch) -> Result<u64, EngineError> {
        let open = joined(self.task.await)?;
        Ok(open.commit(&batch).await?)
    }

    /// Waits for the write under way and rolls the transaction back, so
    /// that the write connection is free again. Errors no longer matter:
    /// nothing of the batch is kept either way.
    pub(super) async fn abandon(self) {
        if let Ok(Ok(open)) = self.task.await
            && let Err(e) = open.rollback().await
        {
            tracing::debug!(error = %e, "rolling back an abandoned batch");
        }
    }
}

/// The outcome of a write task, a panic in it turned into an error.
fn joined(
    r: Result<Result<OpenBatch, EngineError>, tokio::task::JoinError>,
) -> Result<OpenBatch, EngineError> {
    r.map_err(|e| EngineError::Task(e.to_string()))?
}
