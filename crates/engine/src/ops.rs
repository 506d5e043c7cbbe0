//! Operational bookkeeping of a chain indexer: the run record every
//! `index`/`replay`/`rebuild` leaves in `ingest_runs`, and waiting for the
//! chain's lease when several indexers share one database.
//!
//! Neither may stop indexing by itself: a run record that cannot be written
//! is logged and skipped, and the lease wait retries database errors.

use std::time::{Duration, Instant};

use tokio::sync::watch;
use tributary_store::Store;
use tributary_store::lease::Lease;
use tributary_store::ops::RunStatus;

use crate::EngineError;
use crate::range::RangeStats;

/// How often a process without the lease tries to take it: a takeover comes
/// at most this long after the holder's connection closes.
pub(crate) const LEASE_POLL: Duration = Duration::from_millis(500);

/// The default lease holder name, `tributary:<pid>` (the binary may set a
/// more telling one, e.g. with the host name, in
/// [`IndexerOptions::holder`](crate::IndexerOptions::holder)).
pub(crate) fn default_holder() -> String {
    format!("tributary:{}", std::process::id())
}

/// Counters of one run, stored as its `stats` JSON.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RunCounters {
    pub batches: u64,
    pub events: u64,
    pub dead_letters: u64,
    pub undecodable: u64,
    pub rejected: u64,
    pub reorgs: u64,
}

impl RunCounters {
    /// Adds one committed batch.
    pub fn add_batch(&mut self, events: usize, dead_letters: usize, stats: RangeStats) {
        self.batches += 1;
        self.events += events as u64;
        self.dead_letters += dead_letters as u64;
        self.undecodable += stats.undecodable;
        self.rejected += stats.rejected;
    }

    fn to_json(self, seconds: f64) -> serde_json::Value {
        serde_json::json!({
            "batches": self.batches,
            "events": self.events,
            "dead_letters": self.dead_letters,
            "undecodable": self.undecodable,
            "rejected": self.rejected,
            "reorgs": self.reorgs,
            "seconds": (seconds * 1000.0).round() / 1000.0,
        })
    }
}

/// An open `ingest_runs` row.
#[derive(Debug)]
pub(crate) struct RunRecord {
    id: Option<i64>,
    started: Instant,
}

impl RunRecord {
    /// Opens the record (a failure to write it is logged, not returned).
    pub async fn start(
        store: &Store,
        job: &str,
        chain_id: u64,
        from: Option<u64>,
        to: Option<u64>,
    ) -> Self {
        let id = match store.start_run(job, chain_id, from, to).await {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::warn!(job, chain_id, error = %e, "cannot record the run start");
                None
            }
        };
        Self {
            id,
            started: Instant::now(),
        }
    }

    /// Closes the record with the run's outcome.
    pub async fn finish<T>(
        self,
        store: &Store,
        to: Option<u64>,
        counters: RunCounters,
        result: &Result<T, EngineError>,
    ) {
        let Some(id) = self.id else { return };
        let (status, error) = match result {
            Ok(_) => (RunStatus::Ok, None),
            Err(e) => (RunStatus::Failed, Some(e.to_string())),
        };
        let stats = counters.to_json(self.started.elapsed().as_secs_f64());
        if let Err(e) = store
            .finish_run(id, status, to, &stats, error.as_deref())
            .await
        {
            tracing::warn!(id, error = %e, "cannot record the run end");
        }
    }
}

/// Waits until `lease` is ours; returns its epoch, or `None` on shutdown.
pub(crate) async fn wait_for_lease(
    lease: &mut Lease,
    chain: &str,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<u64> {
    let waiting_since = Instant::now();
    let mut announced = false;
    loop {
        if *shutdown.borrow() {
            return None;
        }
        match lease.try_acquire().await {
            Ok(Some(epoch)) => {
                if announced {
                    tracing::info!(
                        chain,
                        epoch,
                        waited_s = waiting_since.elapsed().as_secs_f64(),
                        "took over the chain's lease"
                    );
                }
                metrics::counter!("tributary_lease_acquired_total", "chain" => chain.to_string())
                    .increment(1);
                return Some(epoch);
            }
            Ok(None) if !announced => {
                tracing::info!(
                    chain,
                    "another indexer holds this chain's lease; standing by"
                );
                announced = true;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(chain, error = %e, "cannot try the chain's lease"),
        }
        tokio::select! {
            _ = tokio::time::sleep(LEASE_POLL) => {}
            _ = shutdown.changed() => {}
        }
    }
}
