//! The batch in the making: fetched ranges are applied to the overlay one
//! by one as they arrive, and committed together as one store batch.
//!
//! Applying a range as soon as it is fetched, while its logs are still in
//! the CPU's caches, and committing several of them at once keep two costs
//! apart: the work per event (decode, project) flows at the fetch's pace in
//! small steps, and the work per commit (every key a batch changed is
//! written once) is paid per batch. Merging fetched ranges first and
//! applying them in one go made the indexer stall the fetch for the length
//! of a large batch, so larger batches were slower.
//!
//! A batch's events go into its store transaction every `batch_events`
//! events (see [`super::stream`]), so that it holds little more than its
//! state in memory; below the finality depth a batch is also longer (see
//! `STREAMED_KEY_BATCHES`). On PostgreSQL that transaction is written while
//! the batch before still commits, so a batch's events are stored beside
//! that commit rather than after it.

use std::collections::BTreeSet;
use std::time::Instant;

use alloy::primitives::Address;

use tributary_source::{FetchedRange, HeaderMode, SourceError};
use tributary_store::write::Batch;
use tributary_types::BlockHeader;

use super::stream::EventStream;
use super::{ChainIndexer, InFlight};
use crate::range::{self, RangeStats};
use crate::{EngineError, refresh, tokens};

/// Ranges applied to the overlay and not committed yet.
pub(super) struct Open {
    /// The batch so far: its events, headers, discoveries and dead letters
    /// (its state is taken from the overlay when it closes).
    batch: Batch,
    /// First block of the batch.
    from: u64,
    /// Header of its last block: the cursor it commits.
    last: BlockHeader,
    /// Logs fetched for it.
    pub(super) logs: usize,
    stats: RangeStats,
    pub(super) started: Instant,
    prepare_s: f64,
    /// The store transaction the batch's events have been sent into so
    /// far, once there were `batch_events` of them (see [`EventStream`]).
    stream: Option<EventStream>,
    /// Events sent into it.
    streamed: usize,
    /// Emitters of those events (for the change notice).
    emitters: BTreeSet<Address>,
}

impl Open {
    /// First and last block of the batch so far.
    pub(super) fn blocks(&self) -> (u64, u64) {
        (self.from, self.last.number)
    }

    /// Whether the blocks left to `to` are at most a quarter of the
    /// batch's so far: at the batch's pace, finishing the sync then takes
    /// at most a quarter of its time. A batch cut by `commit_interval_ms`
    /// just short of the end left a small batch behind it that rewrote
    /// most of the keys again (19k, 0.1 s on PostgreSQL, for 14 blocks
    /// after 177); one that runs on to the end stays within a quarter of
    /// the interval longer.
    pub(super) fn nearly_done(&self, to: u64) -> bool {
        let (from, last) = self.blocks();
        to.saturating_sub(last) <= (last - from + 1) / 4
    }
}

impl ChainIndexer {
    /// Applies one fetched range to the overlay and adds it to the open
    /// batch. Returns false when a reorg was found and undone instead (the
    /// caller starts over).
    pub(super) async fn absorb(
        &mut self,
        fetched: FetchedRange,
        mode: HeaderMode,
        finalized: u64,
    ) -> Result<bool, EngineError> {
        let started = Instant::now();
        let FetchedRange {
            from,
            to,
            logs,
            headers,
            filter,
        } = fetched;
        // The block this range must follow: the open batch's last, else the cursor.
        let tip = self.open.as_ref().map(|o| o.last).or(self.cursor);
        if let (Some(tip), Some(first)) = (tip, headers.first())
            && mode == HeaderMode::All
            && first.number == tip.number + 1
            && first.parent_hash != tip.hash
        {
            self.discard_open().await?;
            self.handle_possible_reorg().await?;
            return Ok(false);
        }
        let Some(last) = headers.last().copied().filter(|h| h.number == to) else {
            return Err(SourceError::Inconsistent {
                endpoint: "fetch".into(),
                method: "eth_getBlockByNumber",
                detail: format!("range {from}..={to} came without the header of block {to}"),
            }
            .into());
        };

        let (logs, discovered) =
            range::complete(&self.source, &mut self.registry, from, to, logs, &filter).await?;
        self.publish_filter();
        self.overlay
            .track(crate::statelog::tracked_scopes(&self.registry));

        let fetched_logs = logs.len();
        let t_decode = Instant::now();
        let pending = range::prepare(&self.registry, logs, &self.overlay);
        let decode_s = t_decode.elapsed().as_secs_f64();
        let t_load = Instant::now();
        if !pending.keys.is_empty() {
            let values = self
                .store
                .load_state(self.chain_id(), &pending.keys)
                .await?;
            range::load_into(&mut self.overlay, &pending.keys, &values);
        }
        let load_s = t_load.elapsed().as_secs_f64();
        let t_apply = Instant::now();
        let chain_id = self.chain_id();
        let parent = self.cursor.map(|c| c.number);
        let open = self.open.get_or_insert_with(|| Open {
            batch: Batch {
                chain_id,
                parent,
                ..Batch::default()
            },
            from,
            last,
            logs: 0,
            stats: RangeStats::default(),
            started,
            prepare_s: 0.0,
            stream: None,
            streamed: 0,
            emitters: BTreeSet::new(),
        });
        open.batch.finalized = finalized;
        open.batch.discovered.extend(discovered);
        if mode == HeaderMode::All {
            open.batch.headers.extend(headers);
        }
        let stats = range::apply(pending, &mut self.overlay, &self.registry, &mut open.batch);
        open.last = last;
        open.logs += fetched_logs;
        open.stats += stats;
        let apply_s = t_apply.elapsed().as_secs_f64();
        open.prepare_s += decode_s + load_s + apply_s;
        if self.options.on_error == super::OnError::Halt
            && let Some(l) = open.batch.dead_letters.first()
        {
            return Err(EngineError::Halted {
                chain: self.chain.name.clone(),
                contract: l.contract.clone(),
                block: l.log.block_number,
                log_index: l.log.log_index,
                error: l.error.clone(),
            });
        }
        tracing::trace!(chain = %self.chain.name, from, to, logs = fetched_logs, decode_s, load_s, apply_s, "range prepared");
        self.stream_events().await?;
        Ok(true)
    }

    /// Sends the open batch's events into its store transaction once there
    /// are a commit's worth (`batch_events`), so that a long batch does not
    /// hold them all in memory, and the store writes them while the batch
    /// is still being built.
    async fn stream_events(&mut self) -> Result<(), EngineError> {
        // Publish the batch before as soon as it landed, not only when this
        // one closes.
        if self
            .in_flight
            .as_ref()
            .is_some_and(|f| f.task.is_finished())
        {
            self.settle().await?;
        }
        let chain_id = self.chain_id();
        let store = self.store.clone();
        let size = self.chain.batch_events;
        let Some(open) = self.open.as_mut().filter(|o| o.batch.events.len() >= size) else {
            return Ok(());
        };
        let events = std::mem::take(&mut open.batch.events);
        open.streamed += events.len();
        let mut last = None;
        for e in &events {
            if last != Some(e.log.address) {
                last = Some(e.log.address);
                open.emitters.insert(e.log.address);
            }
        }
        open.stream = Some(match open.stream.take() {
            Some(stream) => stream.push(chain_id, events).await?,
            None => {
                // Where the store cannot write a batch while the one before
                // commits, the transaction waits for that commit to end.
                let after = self
                    .in_flight
                    .as_ref()
                    .filter(|_| !store.overlaps_batches())
                    .map(|f| f.landed.clone());
                EventStream::start(store, chain_id, events, after)
            }
        });
        Ok(())
    }

    /// Closes the open batch, if any: takes its state from the overlay,
    /// adds the chain reads its changes call for, and starts its commit
    /// once the batch before it has landed. With `suspend_value_index`,
    /// the commit task drops the value index once the batch has landed
    /// (the store refreshes its statistics then, which must see the
    /// batch's rows), without holding the indexer up.
    pub(super) async fn close(
        &mut self,
        mode: HeaderMode,
        suspend_value_index: bool,
    ) -> Result<(), EngineError> {
        let Some(Open {
            mut batch,
            from,
            last,
            logs: _,
            stats,
            started,
            prepare_s,
            stream,
            streamed,
            emitters,
        }) = self.open.take()
        else {
            return Ok(());
        };
        let (state, undo) = self.overlay.take_changes();
        batch.state = state;
        batch.undo = undo;
        batch.cursor = Some(last);
        if mode == HeaderMode::LastOnly {
            // Below the finality depth only the cursor's header is kept.
            batch.headers = vec![last];
        }
        batch.lease_epoch = self.lease_epoch;
        // The first refresh waits for the batch that reaches the head: every
        // store that indexes a chain then reads accruing values (interest,
        // pending rewards) at the same block, wherever its batches ended, so
        // two indexings of one chain hold the same state.
        let refresh = mode == HeaderMode::All
            && match self.last_refresh {
                None => last.number >= self.sync_target,
                Some(r) => last.number >= r + self.options.refresh_blocks.max(1),
            };
        if refresh {
            // The refresh reads every stored key and known account, so the
            // batch before (a backfill's last one is not waited for) must
            // have landed: an account it introduced was missed otherwise.
            self.settle().await?;
        }
        let view_frame = refresh::ViewFrame {
            registry: &self.registry,
            source: &self.source,
            store: &self.store,
            chain_id: self.chain_id(),
            at: last,
            finalized: batch.finalized,
            refresh,
        };
        refresh::apply_views(view_frame, &mut self.overlay, &mut batch).await?;
        let known = self.overlay.known_rows(&batch.state);
        batch.existing = known.existing;
        batch.absent = known.absent;
        if refresh {
            self.last_refresh = Some(last.number);
        }
        for d in &batch.discovered {
            if let Some(entry) = self
                .registry
                .entries()
                .iter()
                .find(|e| e.name == d.contract)
                .filter(|e| super::is_token(e.kind))
            {
                batch.tokens.push(
                    tokens::token_row(
                        &self.source,
                        self.chain_id(),
                        d.address,
                        &entry.name,
                        entry.kind.as_str(),
                    )
                    .await,
                );
            }
        }
        // Wait for the previous batch before this one may commit on top of it.
        self.settle().await?;
        let events = streamed + batch.events.len();
        let dead_letters = batch.dead_letters.len();
        let touched = crate::notice::touched(&batch, emitters, self.overlay.take_touched());
        let store = self.store.clone();
        let (done, landed) = tokio::sync::oneshot::channel::<()>();
        let chain = self.chain.name.clone();
        let task = tokio::spawn(async move {
            // Dropped when the commit ends: the next batch's transaction
            // waits for that (see `EventStream::start`).
            let _done = done;
            let inserted = match stream {
                Some(stream) => stream.commit(batch).await?,
                None => store.commit(&batch).await?,
            };
            if suspend_value_index {
                let t = Instant::now();
                store.suspend_value_index().await?;
                tracing::debug!(%chain, seconds = t.elapsed().as_secs_f64(), "bulk load: value index suspended");
            }
            Ok(inserted)
        });
        self.in_flight = Some(InFlight {
            task,
            landed: futures::FutureExt::shared(landed),
            from,
            to: last.number,
            events,
            dead_letters,
            touched,
            stats,
            started,
            prepare_s,
        });
        self.cursor = Some(last);
        if self.overlay.len() > self.options.max_cached_keys {
            self.settle().await?;
            self.overlay.clear();
        }
        Ok(())
    }

    /// Drops the open batch: its changes are only in the overlay, which is
    /// cleared once the batch in flight (whose keys it also holds) landed,
    /// and in its store transaction, which is rolled back.
    pub(super) async fn discard_open(&mut self) -> Result<(), EngineError> {
        if let Some(open) = self.open.take() {
            if let Some(stream) = open.stream {
                stream.abandon().await;
            }
            self.settle().await?;
            self.overlay.clear();
        }
        Ok(())
    }
}
