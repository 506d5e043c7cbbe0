//! The per-chain indexing loop: backfill, follow the head, undo reorgs.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};
use tokio::sync::{broadcast, watch};
use tributary_config::{ChainConfig, ContractConfig, ContractKind};
use tributary_source::{EvmSource, FetchPlan, HeaderMode, LogFilter, SourceError};
use tributary_store::lease::Lease;
use tributary_store::{Store, StoreError};
use tributary_types::BlockHeader;

use crate::overlay::Overlay;
use crate::range;
use crate::registry::Registry;
use crate::reorg::{Ancestry, find_ancestor};
use crate::{ChangeNotice, EngineError, ops, rebuild, tokens};

mod open;
mod stream;

/// Below the finality depth a batch's events stream into the store as they
/// come, so what it holds in memory is the keys it changed, each of which
/// is written once per commit. Such a batch commits after the chain's
/// `commit_interval_ms` (a crash loses at most that much work, and
/// `/v1/status` moves on at least that often), or once it changed this
/// many `batch_events` worth of keys, which bounds its memory (about 300
/// bytes a key at commit). Commits by event count (every 160k) rewrote a
/// busy token's 20k holders six times in a 1M-event backfill, a fifth of
/// PostgreSQL's time.
const STREAMED_KEY_BATCHES: usize = 8;

/// Tuning of a chain indexer.
#[derive(Debug, Clone)]
pub struct IndexerOptions {
    /// Most state keys kept in memory between batches.
    pub max_cached_keys: usize,
    /// First wait after a transient error (doubles up to 30 s).
    pub error_backoff: Duration,
    /// Blocks between refreshes of state read from the chain (interest,
    /// pending rewards) for every known account, at the live tail.
    pub refresh_blocks: u64,
    /// What a log that fails to decode or project does to the chain.
    pub on_error: OnError,
    /// Whether to hold the chain's lease while indexing it, so several
    /// `tributary index` processes on one database work each chain once.
    pub lease: bool,
    /// The name this process holds leases under.
    pub holder: String,
}

/// What a log of a configured contract that fails to decode or project does
/// (the config's `on_error`).
pub use tributary_config::OnError;

impl Default for IndexerOptions {
    fn default() -> Self {
        Self {
            max_cached_keys: 500_000,
            error_backoff: Duration::from_millis(500),
            refresh_blocks: 100,
            on_error: OnError::DeadLetter,
            lease: true,
            holder: ops::default_holder(),
        }
    }
}

/// Where a chain's indexing stands, for progress bars and logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Chain name.
    pub chain: String,
    /// First block indexed.
    pub start_block: u64,
    /// Latest head seen.
    pub head: u64,
    /// Latest committed block.
    pub indexed: Option<u64>,
    /// Events stored since this process started.
    pub events: u64,
    /// Whether the last range was below the finality depth.
    pub backfilling: bool,
}

type HeadStream = Pin<Box<dyn Stream<Item = Result<BlockHeader, SourceError>> + Send>>;

/// Indexes one chain into the store.
pub struct ChainIndexer {
    chain: ChainConfig,
    store: Store,
    source: EvmSource,
    registry: Registry,
    filter: Arc<RwLock<LogFilter>>,
    overlay: Overlay,
    cursor: Option<BlockHeader>,
    progress: watch::Sender<Progress>,
    notices: broadcast::Sender<ChangeNotice>,
    /// Block of the last periodic refresh of chain-read state.
    last_refresh: Option<u64>,
    /// The block the current sync runs to (the head when it started).
    sync_target: u64,
    options: IndexerOptions,
    in_flight: Option<InFlight>,
    /// Ranges applied to the overlay whose batch is not closed yet.
    open: Option<open::Open>,
    /// The lease epoch batches are fenced with (`None`: no lease).
    lease_epoch: Option<u64>,
    /// Counters of the current run, for its `ingest_runs` record.
    counters: ops::RunCounters,
    /// Whether this indexer knows the store's value index to exist; false
    /// at start and during a bulk load (see [`Store::suspend_value_index`]).
    value_index_ok: bool,
    /// Whether this indexer suspended the value index for a bulk load.
    bulk_load: bool,
    /// Whether a backfill ran since the store's statistics were refreshed.
    analyze_due: bool,
    /// The refresh of the store's statistics under way, if one was started
    /// ahead of the unfinalized blocks after a backfill.
    analyzing: Option<tokio::task::JoinHandle<Result<(), StoreError>>>,
    /// The head last recorded in the store.
    recorded_head: Option<BlockHeader>,
}

/// Ends when a batch's commit task does (its sender is dropped then, however
/// the commit ended); what waits for it holds a clone.
type Landed = futures::future::Shared<tokio::sync::oneshot::Receiver<()>>;

/// A batch being committed while the next range is decoded and projected.
///
/// Safe because every key the batch writes is in the overlay, so the next
/// range never reads it from the store; the overlay is only cleared, and a
/// rollback only starts, after the commit has settled. The store's cursor
/// guard keeps the commits in order.
struct InFlight {
    task: tokio::task::JoinHandle<Result<u64, EngineError>>,
    /// Ends (its sender dropped) when the commit task does.
    landed: Landed,
    from: u64,
    to: u64,
    events: usize,
    dead_letters: usize,
    touched: crate::notice::Touched,
    stats: range::RangeStats,
    started: Instant,
    prepare_s: f64,
}

impl std::fmt::Debug for ChainIndexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainIndexer")
            .field("chain", &self.chain.name)
            .field("cursor", &self.cursor)
            .finish()
    }
}

impl ChainIndexer {
    /// Prepares indexing of `chain` with its contract entries.
    pub fn new(
        chain: ChainConfig,
        contracts: &[&ContractConfig],
        store: Store,
        source: EvmSource,
        notices: broadcast::Sender<ChangeNotice>,
        options: IndexerOptions,
    ) -> Result<Self, EngineError> {
        let registry = Registry::new(contracts)?;
        let filter = Arc::new(RwLock::new(registry.filter()));
        let progress = watch::Sender::new(Progress {
            chain: chain.name.clone(),
            start_block: registry.start_block(),
            ..Progress::default()
        });
        Ok(Self {
            chain,
            store,
            source,
            registry,
            filter,
            overlay: Overlay::new(),
            cursor: None,
            progress,
            notices,
            last_refresh: None,
            value_index_ok: false,
            bulk_load: false,
            analyze_due: false,
            analyzing: None,
            recorded_head: None,
            sync_target: 0,
            options,
            in_flight: None,
            open: None,
            lease_epoch: None,
            counters: ops::RunCounters::default(),
        })
    }

    /// Follows this indexer's progress.
    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.progress.subscribe()
    }

    fn chain_id(&self) -> u64 {
        self.chain.chain_id
    }

    /// Prepares the chain (registration, reorg-while-stopped check, rebuilds
    /// of changed projections) without following the head.
    pub async fn prepare(&mut self) -> Result<(), EngineError> {
        let reported = self.source.chain_id().await?;
        if reported != self.chain_id() {
            return Err(EngineError::WrongChain {
                name: self.chain.name.clone(),
                configured: self.chain_id(),
                reported,
            });
        }
        self.store
            .register_chain(self.chain_id(), &self.chain.name, self.chain.confirmations)
            .await?;
        self.reload().await?;
        self.record_fixed_tokens().await?;
        if self.cursor.is_some() {
            self.reconcile().await?;
        }
        let head = self.source.latest_header().await?;
        let (chain_id, finalized) = (
            self.chain_id(),
            head.number.saturating_sub(self.chain.confirmations),
        );
        rebuild::rebuild_changed(
            &self.store,
            &self.source,
            &mut self.registry,
            chain_id,
            self.cursor.as_ref(),
            finalized,
        )
        .await?;
        self.reload().await?;
        Ok(())
    }

    /// Indexes until `shutdown` turns true. Transient failures are retried
    /// with backoff; a deep reorg or bad config stops the chain with an error.
    ///
    /// With [`IndexerOptions::lease`], the chain is worked only while this
    /// process holds its lease; without it, the indexer stands by and takes
    /// over when the holder dies. A lost lease sends it back to standing by.
    /// Each tenure is one `index` record in `ingest_runs`.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) -> Result<(), EngineError> {
        let mut lease = self
            .options
            .lease
            .then(|| self.store.lease(self.chain_id(), &self.options.holder));
        loop {
            if let Some(lease) = lease.as_mut() {
                match ops::wait_for_lease(lease, &self.chain.name, &mut shutdown).await {
                    Some(epoch) => self.lease_epoch = Some(epoch),
                    None => return Ok(()),
                }
            }
            let from = match self.store.cursor(self.chain_id()).await {
                Ok(c) => c.map(|c| c.number + 1),
                Err(_) => None,
            };
            let record =
                ops::RunRecord::start(&self.store, "index", self.chain_id(), from, None).await;
            self.counters = ops::RunCounters::default();
            let result = self.run_holding(&mut shutdown, lease.as_mut()).await;
            let to = self.cursor.map(|c| c.number);
            record.finish(&self.store, to, self.counters, &result).await;
            if let Some(lease) = lease.as_mut() {
                lease.release().await;
            }
            match result {
                Err(EngineError::Store(StoreError::LeaseLost { .. })) if lease.is_some() => {
                    tracing::warn!(chain = %self.chain.name, "lost the chain's lease; standing by");
                    self.lease_epoch = None;
                    if let Some(f) = self.in_flight.take() {
                        let _ = f.task.await;
                    }
                    self.open = None;
                    self.overlay.clear();
                }
                other => return other,
            }
        }
    }

    /// [`ChainIndexer::run`] while holding the lease (if any): checks it
    /// every few seconds, and every commit is fenced by its epoch.
    async fn run_holding(
        &mut self,
        shutdown: &mut watch::Receiver<bool>,
        mut lease: Option<&mut Lease>,
    ) -> Result<(), EngineError> {
        let mut backoff = self.options.error_backoff;
        loop {
            match self.prepare().await {
                Ok(()) => break,
                Err(e) if e.is_transient() => {
                    self.note_error(&e).await;
                    if wait_or_shutdown(shutdown, backoff).await {
                        return Ok(());
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
                Err(e) => {
                    self.note_error(&e).await;
                    return Err(e);
                }
            }
        }
        let mut heads: HeadStream = Box::pin(self.source.new_heads());
        backoff = self.options.error_backoff;
        let mut lease_checked = Instant::now();
        while !*shutdown.borrow() {
            if let Some(lease) = lease.as_deref_mut()
                && lease_checked.elapsed() >= ops::LEASE_POLL * 4
            {
                lease.check().await?;
                lease_checked = Instant::now();
            }
            match self.step(&mut heads, shutdown).await {
                Ok(()) => backoff = self.options.error_backoff,
                Err(e) if e.is_transient() => {
                    self.note_error(&e).await;
                    if wait_or_shutdown(shutdown, backoff).await {
                        break;
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    if let Err(e) = self.reload().await {
                        tracing::warn!(chain = %self.chain.name, error = %e, "reload after error failed");
                    }
                }
                Err(e) => {
                    self.note_error(&e).await;
                    return Err(e);
                }
            }
        }
        // A batch may still be committing (a backfill's last one is not
        // waited for before the unfinalized blocks after it are fetched).
        self.settle().await?;
        // A stop in the middle of a bulk load leaves holders pages sorted
        // per request until the index is back: put it back now.
        if !self.value_index_ok {
            self.restore_value_index().await?;
        }
        tracing::info!(chain = %self.chain.name, cursor = ?self.cursor.map(|c| c.number), "indexer stopped");
        Ok(())
    }

    async fn note_error(&self, e: &EngineError) {
        tracing::error!(chain = %self.chain.name, error = %e, "indexing error");
        metrics::counter!("tributary_indexer_errors_total", "chain" => self.chain.name.clone())
            .increment(1);
        if let Err(store_error) = self
            .store
            .record_error(self.chain_id(), Some(&e.to_string()))
            .await
        {
            tracing::warn!(error = %store_error, "cannot record the error in the store");
        }
    }

    /// Reloads cursor and discovered addresses from the store and forgets cached state.
    async fn reload(&mut self) -> Result<(), EngineError> {
        // A batch still committing must land (or fail) before we read the cursor.
        if let Some(f) = self.in_flight.take() {
            let _ = f.task.await;
        }
        // Before anything that can fail: whatever the overlay holds beyond
        // the store (an open batch, a batch that failed) must not outlive
        // this call, even when reading the store fails.
        self.open = None;
        self.overlay.clear();
        self.cursor = self.store.cursor(self.chain_id()).await?;
        self.recorded_head = None;
        // This indexer is the chain's only writer (its lease fences others
        // off), so an empty store stays a subset of the overlay.
        if !self.store.has_state(self.chain_id()).await? {
            self.overlay.assume_complete();
        }
        let mut discovered = HashMap::new();
        for e in self.registry.entries().iter().filter(|e| e.discovered) {
            discovered.insert(
                e.name.clone(),
                self.store.discovered(self.chain_id(), &e.name).await?,
            );
        }
        self.registry.set_discovered(&discovered);
        self.publish_filter();
        self.progress
            .send_modify(|p| p.indexed = self.cursor.map(|c| c.number));
        Ok(())
    }

    fn publish_filter(&self) {
        let filter = self.registry.filter();
        match self.filter.write() {
            Ok(mut f) => *f = filter,
            Err(poisoned) => *poisoned.into_inner() = filter,
        }
    }

    /// Records metadata of fixed-address tokens once.
    async fn record_fixed_tokens(&mut self) -> Result<(), EngineError> {
        let mut rows = Vec::new();
        for e in self
            .registry
            .entries()
            .iter()
            .filter(|e| !e.discovered && is_token(e.kind))
        {
            for a in &e.addresses {
                rows.push(
                    tokens::token_row(&self.source, self.chain_id(), *a, &e.name, e.kind.as_str())
                        .await,
                );
            }
        }
        if !rows.is_empty() {
            self.store.record_tokens(&rows).await?;
        }
        Ok(())
    }

    /// At start: undo a reorg that happened while we were stopped.
    async fn reconcile(&mut self) -> Result<(), EngineError> {
        self.handle_possible_reorg().await.map(|_| ())
    }

    /// Compares stored headers with the node; rolls back when they diverge.
    /// Returns whether a rollback happened.
    async fn handle_possible_reorg(&mut self) -> Result<bool, EngineError> {
        self.settle().await?;
        let Some(cursor) = self.cursor else {
            return Ok(false);
        };
        let stored = self.store.headers_desc(self.chain_id()).await?;
        match find_ancestor(&self.source, &stored).await? {
            Ancestry::Consistent => Ok(false),
            Ancestry::Reorg(ancestor) => {
                let report = self
                    .store
                    .rollback_to(self.chain_id(), &ancestor, cursor.number, self.lease_epoch)
                    .await?;
                let depth = cursor.number - ancestor.number;
                tracing::warn!(chain = %self.chain.name, from_block = ancestor.number + 1, depth, restored_keys = report.restored_keys, deleted_events = report.deleted_events, "reorg: rolled back");
                metrics::counter!("tributary_reorgs_total", "chain" => self.chain.name.clone())
                    .increment(1);
                self.counters.reorgs += 1;
                metrics::histogram!("tributary_reorg_depth", "chain" => self.chain.name.clone())
                    .record(depth as f64);
                self.reload().await?;
                let _ = self.notices.send(ChangeNotice::Reorg {
                    chain_id: self.chain_id(),
                    from_block: ancestor.number + 1,
                });
                Ok(true)
            }
            Ancestry::Deep { lowest } => Err(EngineError::DeepReorg {
                chain: self.chain.name.clone(),
                lowest,
                highest: cursor.number,
            }),
        }
    }

    /// One round: catch up to the node's head, or wait for a new one.
    async fn step(
        &mut self,
        heads: &mut HeadStream,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<(), EngineError> {
        let head = self.source.latest_header().await?;
        // Only a new head is written: the chain's row is also what a batch
        // still committing updates (and on SQLite the write connection is
        // its), so an unchanged head would wait for that batch for nothing.
        if self.recorded_head != Some(head) {
            self.store.record_head(self.chain_id(), &head).await?;
            self.recorded_head = Some(head);
        }
        metrics::gauge!("tributary_head_block", "chain" => self.chain.name.clone())
            .set(head.number as f64);
        metrics::gauge!("tributary_finalized_block", "chain" => self.chain.name.clone())
            .set(head.number.saturating_sub(self.chain.confirmations) as f64);
        if let Some(cursor) = self.cursor {
            metrics::gauge!("tributary_lag_blocks", "chain" => self.chain.name.clone())
                .set(head.number.saturating_sub(cursor.number) as f64);
        }
        self.progress.send_modify(|p| p.head = head.number);
        let finalized = head.number.saturating_sub(self.chain.confirmations);
        if let Some(cursor) = self.cursor {
            if cursor.number > head.number {
                // The node is behind us (syncing, or a lagging endpoint): only a
                // hash that differs at a height it has is a reorg.
                if self.handle_possible_reorg().await? {
                    return Ok(());
                }
                self.wait_for_head(heads, shutdown).await;
                return Ok(());
            }
            if cursor.number == head.number {
                if cursor.hash != head.hash && self.handle_possible_reorg().await? {
                    return Ok(());
                }
                self.wait_for_head(heads, shutdown).await;
                return Ok(());
            }
        }
        let from = self
            .cursor
            .map(|c| c.number + 1)
            .unwrap_or_else(|| self.registry.start_block());
        if from > head.number {
            self.wait_for_head(heads, shutdown).await;
            return Ok(());
        }
        if from <= finalized {
            self.sync(from, finalized, HeaderMode::LastOnly, finalized, shutdown)
                .await?;
            // A backfill is a bulk load: fresh statistics keep the API's point
            // reads on the primary key (see `Store::analyze`). With blocks
            // above the finality depth still to follow, they are refreshed
            // while those are indexed: missing a few blocks' rows changes
            // no plan, and run after them the refresh held up reaching the
            // head by a tenth of a second.
            self.analyze_due = true;
            if finalized >= head.number {
                // No unfinalized blocks to follow first (see below).
                self.settle().await?;
                self.restore_value_index().await?;
                self.analyze().await;
            } else {
                self.start_analyze();
            }
            Ok(())
        } else {
            self.sync(from, head.number, HeaderMode::All, finalized, shutdown)
                .await?;
            // The value index comes back once the head is reached, not before
            // the unfinalized window after a backfill: those blocks then
            // write balances without updating it. This also covers an index
            // left missing by a crash in a bulk load.
            self.restore_value_index().await?;
            self.analyze().await;
            Ok(())
        }
    }

    /// Starts refreshing the store's planner statistics in a task of its
    /// own, once the batch still committing has landed, if a backfill ran
    /// since the last refresh; [`Self::analyze`] waits for it.
    fn start_analyze(&mut self) {
        if self.analyzing.is_none() && std::mem::take(&mut self.analyze_due) {
            let store = self.store.clone();
            let landed = self.in_flight.as_ref().map(|f| f.landed.clone());
            self.analyzing = Some(tokio::spawn(async move {
                if let Some(landed) = landed {
                    // Its sender is dropped when that commit ends, however.
                    let _ = landed.await;
                }
                store.analyze().await
            }));
        }
    }

    /// Refreshes the store's planner statistics after a backfill, if one
    /// ran since the last refresh, or waits for the refresh under way.
    async fn analyze(&mut self) {
        let t = Instant::now();
        let result = match self.analyzing.take() {
            Some(task) => match task.await {
                Ok(refreshed) => refreshed.map_err(|e| e.to_string()),
                Err(join) => Err(join.to_string()),
            },
            None if std::mem::take(&mut self.analyze_due) => {
                self.store.analyze().await.map_err(|e| e.to_string())
            }
            None => return,
        };
        if let Err(e) = result {
            tracing::warn!(chain = %self.chain.name, error = %e, "could not refresh planner statistics after backfill");
        }
        tracing::debug!(chain = %self.chain.name, seconds = t.elapsed().as_secs_f64(), "planner statistics refreshed");
    }

    /// Rebuilds the value index if this indexer may have left it suspended.
    async fn restore_value_index(&mut self) -> Result<(), EngineError> {
        if !self.value_index_ok {
            self.store.restore_value_index().await?;
            self.value_index_ok = true;
            self.bulk_load = false;
        }
        Ok(())
    }

    async fn wait_for_head(&self, heads: &mut HeadStream, shutdown: &mut watch::Receiver<bool>) {
        let poll = Duration::from_millis(self.chain.poll_interval_ms);
        tokio::select! {
            _ = heads.next() => {}
            _ = tokio::time::sleep(poll) => {}
            _ = shutdown.changed() => {}
        }
    }

    /// Fetches `[from, to]` ahead and applies it range by range. On an
    /// error, the open batch is dropped and its transaction rolled back
    /// before anything else: on SQLite it holds the only write connection,
    /// which recording the error needs next.
    async fn sync(
        &mut self,
        from: u64,
        to: u64,
        mode: HeaderMode,
        finalized: u64,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<(), EngineError> {
        let result = self.sync_ranges(from, to, mode, finalized, shutdown).await;
        if result.is_err()
            && let Err(e) = self.discard_open().await
        {
            tracing::debug!(chain = %self.chain.name, error = %e, "the batch before the failed one failed too");
        }
        result
    }

    async fn sync_ranges(
        &mut self,
        from: u64,
        to: u64,
        mode: HeaderMode,
        finalized: u64,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<(), EngineError> {
        self.sync_target = to;
        let filter = Arc::clone(&self.filter);
        let plan = FetchPlan {
            filter: Arc::new(move || {
                filter
                    .read()
                    .map(|f| f.clone())
                    .unwrap_or_else(|p| p.into_inner().clone())
            }),
            with_headers: mode,
        };
        let mut stream = Box::pin(self.source.fetch_ahead(from, to, plan));
        self.progress
            .send_modify(|p| p.backfilling = mode == HeaderMode::LastOnly);
        while let Some(fetched) = stream.next().await {
            if *shutdown.borrow() {
                self.discard_open().await?;
                return self.settle().await;
            }
            let range = match fetched {
                Ok(range) => range,
                Err(e) => {
                    // What was applied before the failure is whole: commit it.
                    self.close_batch(mode, to).await?;
                    self.settle().await?;
                    return Err(e.into());
                }
            };
            let reaches_target = range.to >= to;
            if !self.absorb(range, mode, finalized).await? {
                return self.settle().await;
            }
            // Each range is applied as it arrives, and consecutive ones
            // commit together: fewer transactions, and a key touched in
            // several ranges is written once (undo entries stay per block).
            // Above the finality depth a sync spans at most the window of
            // unfinalized blocks (and the blocks that arrive meanwhile),
            // whose blocks change mostly the same keys, so its batch runs
            // to the target, bounded at 3x `batch_events` events because
            // it holds their undo entries and headers in memory.
            // Committing it every `batch_events` rewrote those keys once
            // more per commit: after a 1M-event backfill the window of 60k
            // events went in two commits of 15.5k keys each, 0.1 s apiece
            // on PostgreSQL. Below it, a batch holds only its keys (events
            // go into the batch's transaction as they come, see `stream`),
            // so it can be much longer at little cost in memory. The range
            // that reaches the target closes its batch at once: at the
            // head, a block is committed as soon as it arrives.
            let logs = self.open.as_ref().map_or(0, |o| o.logs);
            let size = self.chain.batch_events;
            let full = match mode {
                HeaderMode::LastOnly => {
                    let interval = Duration::from_millis(self.chain.commit_interval_ms);
                    self.overlay.dirty_len() >= size * STREAMED_KEY_BATCHES
                        || self
                            .open
                            .as_ref()
                            .is_some_and(|o| o.started.elapsed() >= interval && !o.nearly_done(to))
                }
                HeaderMode::All => logs >= size * 3,
            };
            if reaches_target || full {
                self.close_batch(mode, to).await?;
            }
        }
        self.close_batch(mode, to).await?;
        match mode {
            // A backfill's last batch commits while the blocks above the
            // finality depth are fetched (the next sync's first batch
            // waits for it): waited for here, it held that fetch up by
            // its commit's length, a tenth of a second at the end of a
            // 1M-event backfill.
            HeaderMode::LastOnly => Ok(()),
            HeaderMode::All => self.settle().await,
        }
    }
}

impl ChainIndexer {
    /// Closes the open batch. When it is a full one of a backfill with at
    /// least twice its blocks still to go before `to`, or a long one (at
    /// least `STREAMED_KEY_BATCHES` times `batch_events` events), its
    /// commit also suspends the value index for the rest of this bulk load,
    /// the blocks above the finality depth after it included: those would
    /// rewrite it batch after batch (with it, the unfinalized window after
    /// a 1M-event backfill took 0.24 s longer to store on PostgreSQL).
    async fn close_batch(&mut self, mode: HeaderMode, to: u64) -> Result<(), EngineError> {
        let size = self.chain.batch_events;
        let starts_bulk_load = !self.bulk_load
            && mode == HeaderMode::LastOnly
            && self.open.as_ref().is_some_and(|o| {
                let (from, last) = o.blocks();
                o.logs >= size * STREAMED_KEY_BATCHES
                    || (o.logs >= size && to.saturating_sub(last) >= 2 * (last - from + 1))
            });
        if starts_bulk_load {
            // Restoring an index that was never dropped costs nothing, so
            // this holds even if the commit fails before dropping it.
            self.value_index_ok = false;
            self.bulk_load = true;
        }
        self.close(mode, starts_bulk_load).await
    }

    /// Waits for the batch in flight, then publishes what it committed.
    async fn settle(&mut self) -> Result<(), EngineError> {
        let Some(f) = self.in_flight.take() else {
            return Ok(());
        };
        let t_wait = Instant::now();
        let result = f.task.await;
        let wait_s = t_wait.elapsed().as_secs_f64();
        match result {
            Ok(Ok(_)) => {}
            // A batch opened on top of the failed one is built on a cursor
            // that was never stored.
            Ok(Err(e)) => {
                self.open = None;
                self.overlay.clear();
                return Err(e);
            }
            Err(join) => {
                self.open = None;
                self.overlay.clear();
                return Err(EngineError::Task(join.to_string()));
            }
        }
        let name = self.chain.name.clone();
        tracing::debug!(chain = %name, from = f.from, to = f.to, events = f.events, prepare_s = f.prepare_s, commit_wait_s = wait_s, batch_s = f.started.elapsed().as_secs_f64(), "range committed");
        let _ = self.notices.send(ChangeNotice::Committed {
            chain_id: self.chain_id(),
            from: f.from,
            to: f.to,
            events: f.events,
            touched: f.touched,
        });
        metrics::counter!("tributary_events_total", "chain" => name.clone())
            .increment(f.events as u64);
        metrics::counter!("tributary_undecodable_logs_total", "chain" => name.clone())
            .increment(f.stats.undecodable);
        metrics::counter!("tributary_rejected_events_total", "chain" => name.clone())
            .increment(f.stats.rejected);
        metrics::counter!("tributary_dead_letters_total", "chain" => name.clone())
            .increment(f.dead_letters as u64);
        self.counters.add_batch(f.events, f.dead_letters, f.stats);
        metrics::gauge!("tributary_indexed_block", "chain" => name.clone()).set(f.to as f64);
        let head = self.progress.borrow().head;
        metrics::gauge!("tributary_lag_blocks", "chain" => name.clone())
            .set(head.saturating_sub(f.to) as f64);
        metrics::histogram!("tributary_batch_seconds", "chain" => name)
            .record(f.started.elapsed().as_secs_f64());
        self.progress.send_modify(|p| {
            p.indexed = Some(f.to);
            p.events += f.events as u64;
        });
        Ok(())
    }
}

/// Kinds whose contracts are ERC-20-like tokens listed by `/balances`.
pub(crate) fn is_token(kind: ContractKind) -> bool {
    matches!(
        kind,
        ContractKind::Erc20
            | ContractKind::UniswapV2Pair
            | ContractKind::Erc4626
            | ContractKind::Erc721
            | ContractKind::VoteEscrow
    )
}

/// Sleeps `d` unless shutdown comes first; true when shutting down.
async fn wait_or_shutdown(shutdown: &mut watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => *shutdown.borrow(),
        _ = shutdown.changed() => true,
    }
}

impl ChainIndexer {
    /// The finality boundary as last recorded (the node's head minus
    /// `confirmations`), for work that does not follow the head.
    async fn recorded_finalized(&self) -> Result<u64, EngineError> {
        let mut snap = self.store.snapshot().await?;
        let chains = snap.chains().await?;
        snap.finish().await?;
        let head = chains
            .iter()
            .find(|c| c.chain_id == self.chain_id())
            .and_then(|c| c.head.map(|h| h.number))
            .unwrap_or(0);
        Ok(head.saturating_sub(self.chain.confirmations))
    }

    /// `tributary replay`: re-fetches `[from, to]`, stores missing events and
    /// rebuilds projections if any were missing. Returns the missing count.
    pub async fn replay(&mut self, from: u64, to: u64) -> Result<u64, EngineError> {
        self.store
            .register_chain(self.chain_id(), &self.chain.name, self.chain.confirmations)
            .await?;
        self.reload().await?;
        let finalized = self.recorded_finalized().await?;
        let chain_id = self.chain_id();
        let record =
            ops::RunRecord::start(&self.store, "replay", chain_id, Some(from), Some(to)).await;
        let result = rebuild::replay(
            &self.store,
            &self.source,
            &mut self.registry,
            chain_id,
            from,
            to,
            finalized,
        )
        .await;
        // The replay wrote state behind the overlay's back.
        self.overlay.clear();
        let mut counters = ops::RunCounters::default();
        if let Ok(missing) = &result {
            counters.events = *missing;
        }
        record
            .finish(&self.store, Some(to), counters, &result)
            .await;
        result
    }

    /// `tributary rebuild`: recomputes projections (all, or the contract
    /// named `only`) from stored raw events. Returns how many were rebuilt.
    pub async fn rebuild(&mut self, only: Option<&str>) -> Result<usize, EngineError> {
        self.store
            .register_chain(self.chain_id(), &self.chain.name, self.chain.confirmations)
            .await?;
        self.reload().await?;
        let finalized = self.recorded_finalized().await?;
        let to = self.cursor.map(|c| c.number);
        let record = ops::RunRecord::start(&self.store, "rebuild", self.chain_id(), None, to).await;
        let result = rebuild::rebuild_all(
            &self.store,
            &self.registry,
            self.chain_id(),
            finalized,
            only,
        )
        .await;
        // The rebuild wrote state behind the overlay's back.
        self.overlay.clear();
        let mut counters = ops::RunCounters::default();
        if let Ok(rebuilt) = &result {
            counters.batches = *rebuilt as u64;
        }
        record.finish(&self.store, to, counters, &result).await;
        result
    }

    /// Whether the contract entry `name` is on this chain.
    pub fn has_contract(&self, name: &str) -> bool {
        self.registry.entries().iter().any(|e| e.name == name)
    }
}
