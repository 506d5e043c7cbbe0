//! The store's current cursors, read fresh but shared: a caller gets the
//! result of a read that *began after it asked*, so what it sees includes
//! every commit finished before its request arrived. Concurrent callers share
//! one read (the next one to start), so under load the store sees about one
//! cursor query per query duration, not one per request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{Mutex, watch};
use tributary_store::Store;
use tributary_store::read::BlockRef;
use tributary_types::ChainId;

/// Indexed block of every configured chain, in configuration order.
pub(crate) type Cursors = Arc<Vec<Option<BlockRef>>>;

/// The outcome of one read, shared by everyone who waited for it.
type Outcome = Result<Cursors, Arc<str>>;

/// Coalesced reads of the configured chains' cursors.
#[derive(Debug)]
pub(crate) struct Gate {
    store: Store,
    chains: Vec<ChainId>,
    /// Number of reads begun.
    started: AtomicU64,
    /// Held by the caller performing the read.
    lead: Mutex<()>,
    /// (number of the read, its outcome) of the latest finished read.
    done: watch::Sender<(u64, Outcome)>,
}

impl Gate {
    /// A gate over `store` for `chains` (configuration order).
    pub(crate) fn new(store: Store, chains: Vec<ChainId>) -> Self {
        let (done, _) = watch::channel((0, Err(Arc::from("no read yet"))));
        Self {
            store,
            chains,
            started: AtomicU64::new(0),
            lead: Mutex::new(()),
            done,
        }
    }

    /// The cursors as of a read begun after this call.
    pub(crate) async fn current(&self) -> Outcome {
        let want = self.started.load(Ordering::SeqCst) + 1;
        let mut rx = self.done.subscribe();
        loop {
            {
                let seen = rx.borrow_and_update();
                if seen.0 >= want {
                    return seen.1.clone();
                }
            }
            if let Ok(_lead) = self.lead.try_lock() {
                // A read may have finished between the check and the lock.
                let seen = self.done.borrow().clone();
                if seen.0 >= want {
                    return seen.1;
                }
                let number = self.started.fetch_add(1, Ordering::SeqCst) + 1;
                let outcome = self.read().await;
                let _previous = self.done.send_replace((number, outcome.clone()));
                return outcome;
            }
            // Someone else is reading: wait for it, then look again (its read
            // may have begun before we asked).
            if rx.changed().await.is_err() {
                return Err(Arc::from("cursor gate closed"));
            }
        }
    }

    async fn read(&self) -> Outcome {
        let rows = async {
            let mut snapshot = self.store.snapshot().await?;
            let rows = snapshot.chains().await?;
            snapshot.finish().await?;
            Ok::<_, tributary_store::StoreError>(rows)
        }
        .await
        .map_err(|e| Arc::<str>::from(e.to_string()))?;
        Ok(Arc::new(
            self.chains
                .iter()
                .map(|id| {
                    rows.iter()
                        .find(|r| r.chain_id == *id)
                        .and_then(|r| r.indexed)
                })
                .collect(),
        ))
    }
}
