//! Fetch-ahead: adaptive block ranges, several in flight, yielded in order.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, AtomicU64, Ordering},
    },
    time::Duration,
};

use futures::{Stream, StreamExt, future, stream};
use tributary_types::{BlockHeader, RawLog};

use crate::{EvmSource, error::SourceError, logs::LogFilter, settings::BloomCheck};

/// Ranges returning more logs than this shrink.
const SHRINK_ABOVE_LOGS: usize = 10_000;
/// Shrinking aims at about this many logs per range.
const TARGET_LOGS: u64 = 5_000;
/// Ranges returning fewer logs than this count towards growing.
const GROW_BELOW_LOGS: usize = 1_000;
/// How many small ranges in a row double the range size.
const GROW_AFTER: u32 = 3;
/// How many good ranges in a row at the ceiling let the size probe above it.
const PROBE_AFTER: u32 = 8 * GROW_AFTER;
/// How many times a range with an inconsistent answer is fetched again.
const INCONSISTENT_RETRIES: u32 = 3;

/// Which headers come with each fetched range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderMode {
    /// Only the header of each range's last block (finalized backfill).
    LastOnly,
    /// Every header of the range (the unfinalized tail, for reorg detection).
    All,
}

/// What [`EvmSource::fetch_ahead`] fetches for each range.
#[derive(Clone)]
pub struct FetchPlan {
    /// The log filter, asked for again when each range is started, so that
    /// addresses discovered at run time are used for later ranges.
    pub filter: Arc<dyn Fn() -> LogFilter + Send + Sync>,
    /// Which headers to fetch with the logs.
    pub with_headers: HeaderMode,
}

impl FetchPlan {
    /// A plan whose filter never changes.
    pub fn fixed(filter: LogFilter, with_headers: HeaderMode) -> Self {
        Self {
            filter: Arc::new(move || filter.clone()),
            with_headers,
        }
    }
}

impl std::fmt::Debug for FetchPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchPlan")
            .field("with_headers", &self.with_headers)
            .finish_non_exhaustive()
    }
}

/// The logs and headers of one block range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedRange {
    /// First block of the range.
    pub from: u64,
    /// Last block of the range (inclusive).
    pub to: u64,
    /// The range's logs passing `filter`, by (block, log index).
    pub logs: Vec<RawLog>,
    /// The header of `to` ([`HeaderMode::LastOnly`]) or of every block in
    /// order ([`HeaderMode::All`]).
    pub headers: Vec<BlockHeader>,
    /// The filter these logs were fetched with.
    pub filter: LogFilter,
}

/// The shared, adaptive range size.
///
/// A size that had to be split becomes a ceiling (providers' range limits are
/// usually fixed), which growth only probes past after a long run of good
/// ranges.
#[derive(Debug)]
pub(crate) struct Sizer {
    size: AtomicU64,
    streak: AtomicU32,
    ceiling: AtomicU64,
    max: u64,
}

impl Sizer {
    pub fn new(initial: u64, max: u64) -> Self {
        let max = max.max(1);
        Self {
            size: AtomicU64::new(initial.clamp(1, max)),
            streak: AtomicU32::new(0),
            ceiling: AtomicU64::new(max),
            max,
        }
    }

    /// The size of the next range.
    pub fn current(&self) -> u64 {
        self.size.load(Ordering::Relaxed).clamp(1, self.max)
    }

    /// Adapts to a finished range of `len` blocks that returned `logs` logs
    /// after `splits` splits.
    pub fn record(&self, len: u64, logs: usize, splits: u32) {
        let target = if splits > 0 {
            // The range went through in splits + 1 pieces.
            let worked = (len / (u64::from(splits) + 1)).max(1);
            self.ceiling.fetch_min(worked, Ordering::Relaxed);
            Some(worked)
        } else if logs > SHRINK_ABOVE_LOGS {
            let scaled = u128::from(len) * u128::from(TARGET_LOGS) / logs as u128;
            Some(u64::try_from(scaled).unwrap_or(len))
        } else {
            None
        };
        if let Some(target) = target {
            self.streak.store(0, Ordering::Relaxed);
            self.size.fetch_min(target.max(1), Ordering::Relaxed);
        } else if logs < GROW_BELOW_LOGS {
            let streak = self.streak.fetch_add(1, Ordering::Relaxed) + 1;
            let ceiling = self.ceiling.load(Ordering::Relaxed);
            let size = self.size.load(Ordering::Relaxed);
            let limit = if size >= ceiling {
                if streak < PROBE_AFTER {
                    return;
                }
                // Probe past the ceiling; a split lowers it again.
                let raised = ceiling.saturating_mul(2).min(self.max);
                self.ceiling.store(raised, Ordering::Relaxed);
                raised
            } else if streak >= GROW_AFTER {
                ceiling
            } else {
                return;
            };
            self.streak.store(0, Ordering::Relaxed);
            let _ = self
                .size
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |s| {
                    Some(s.saturating_mul(2).min(limit))
                });
        } else {
            self.streak.store(0, Ordering::Relaxed);
        }
    }
}

/// Polls `stream` on its own task and hands its items over a channel of
/// `capacity`, so fetching goes on while the consumer is busy writing (a
/// plain `buffered` stream only advances while it is polled). Dropping the
/// returned stream stops the task after the requests in flight.
fn drive_ahead<S, T>(stream: S, capacity: usize) -> impl Stream<Item = T> + Send + 'static
where
    S: Stream<Item = T> + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(capacity.max(1));
    tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while let Some(item) = stream.next().await {
            if tx.send(item).await.is_err() {
                break;
            }
        }
    });
    // Fused: a consumer may poll once more after the end.
    stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
    .fuse()
}

impl EvmSource {
    /// Fetches `[from, to]` as consecutive ranges, up to `concurrency` at a
    /// time, and yields them strictly in block order.
    ///
    /// Range sizes adapt: they start where the previous fetch of this source
    /// left off (`initial_block_range` the first time), shrink when a
    /// range had to be split or returned more than ~10k logs, and double
    /// after a few ranges with fewer than ~1k logs, up to `max_block_range`.
    /// The first range of a source's first fetch goes out alone, so that
    /// its answer sizes the rest.
    /// A range whose answers are inconsistent (the node reorged under us) is
    /// fetched again a few times. The stream ends after the first error.
    /// Memory is bounded by `concurrency` ranges plus what the consumer has
    /// not pulled.
    pub fn fetch_ahead(
        &self,
        from: u64,
        to: u64,
        plan: FetchPlan,
    ) -> impl Stream<Item = Result<FetchedRange, SourceError>> + Send + 'static {
        let settings = self.settings();
        let learned = self.inner.range_size.load(Ordering::Relaxed);
        let sizer = Arc::new(Sizer::new(
            if learned > 0 {
                learned
            } else {
                settings.initial_block_range
            },
            settings.max_block_range,
        ));
        let concurrency = settings.concurrency.max(1);
        let source = self.clone();
        let range_sizer = sizer.clone();
        // The first range goes out alone; the others wait for its answer,
        // which sizes them. Started together, `concurrency` ranges of
        // `initial_block_range` blocks on a dense chain (35k-50k logs each)
        // shared the node and this process, so the first one, the only one
        // the consumer can start on, arrived after ~0.5 s instead of ~0.2 s,
        // and the sizer learned nothing until all of them were in flight. A
        // size learned by an earlier fetch needs no such wait: without it,
        // the switch from a backfill to the blocks above the finality depth
        // cost one range's round trip with the node idle.
        let (sized_tx, sized_rx) = tokio::sync::watch::channel(learned > 0);
        let mut sized_tx = Some(sized_tx);
        let ranges = stream::unfold(
            ((from <= to).then_some(from), sized_rx),
            move |(next, mut sized)| {
                let sizer = range_sizer.clone();
                async move {
                    let start = next?;
                    if start > from {
                        // Err: the first range's future is gone, and so is
                        // the stream; nothing is left to wait for.
                        let _ = sized.wait_for(|done| *done).await;
                    }
                    let end = start.saturating_add(sizer.current() - 1).min(to);
                    Some(((start, end), ((end < to).then(|| end + 1), sized)))
                }
            },
        );
        let ranges = ranges
            .map(move |(a, b)| {
                let source = source.clone();
                let sizer = sizer.clone();
                let filter = (plan.filter)();
                let mode = plan.with_headers;
                // Only the first range (the first item) holds the sender.
                let first = sized_tx.take();
                async move {
                    let fetched = source.fetch_range(a, b, filter, mode, &sizer).await;
                    source
                        .inner
                        .range_size
                        .store(sizer.current(), Ordering::Relaxed);
                    if let Some(sized) = first {
                        sized.send_replace(true);
                    }
                    fetched
                }
            })
            .buffered(concurrency)
            .scan(false, |failed, item| {
                if *failed {
                    return future::ready(None);
                }
                *failed = item.is_err();
                future::ready(Some(item))
            });
        drive_ahead(ranges, concurrency)
    }

    async fn fetch_range(
        &self,
        from: u64,
        to: u64,
        filter: LogFilter,
        mode: HeaderMode,
        sizer: &Sizer,
    ) -> Result<FetchedRange, SourceError> {
        let mut attempt = 0;
        loop {
            match self.fetch_range_once(from, to, &filter, mode).await {
                Ok((logs, headers, splits)) => {
                    sizer.record(to - from + 1, logs.len(), splits);
                    return Ok(FetchedRange {
                        from,
                        to,
                        logs,
                        headers,
                        filter,
                    });
                }
                Err(err @ SourceError::Inconsistent { .. }) if attempt < INCONSISTENT_RETRIES => {
                    attempt += 1;
                    // Ask another endpoint: this one may be lagging or broken.
                    self.endpoints().avoid_current();
                    let delay = self.settings().backoff_base.saturating_mul(1 << attempt);
                    tracing::warn!(%err, from, to, attempt, "inconsistent answer, fetching the range again");
                    tokio::time::sleep(delay.min(Duration::from_secs(10))).await;
                }
                Err(err) => return Err(err),
            }
        }
    }

    async fn fetch_range_once(
        &self,
        from: u64,
        to: u64,
        filter: &LogFilter,
        mode: HeaderMode,
    ) -> Result<(Vec<RawLog>, Vec<BlockHeader>, u32), SourceError> {
        let check = self.settings().bloom_check;
        let every_header = mode == HeaderMode::All || check == BloomCheck::Always;
        let logs = self.logs_with_stats(from, to, filter);
        let (logs, stats, with_blooms) = if every_header {
            let ((logs, stats), headers) =
                futures::try_join!(logs, self.headers_with_blooms(from, to))?;
            (logs, stats, headers)
        } else {
            let ((logs, stats), header) = futures::try_join!(logs, self.header(to))?;
            let header = header.ok_or_else(|| {
                self.inconsistent("eth_getBlockByNumber", format!("block {to} is missing"))
            })?;
            (logs, stats, vec![(header, None)])
        };
        let logs = if check == BloomCheck::Off {
            logs
        } else {
            self.recover_dropped(filter, logs, &with_blooms).await?
        };
        let mut headers: Vec<BlockHeader> = with_blooms.into_iter().map(|(h, _)| h).collect();
        self.check_block_hashes(&logs, &headers)?;
        if mode == HeaderMode::LastOnly && headers.len() > 1 {
            headers.drain(..headers.len() - 1);
        }
        Ok((logs, headers, stats.splits))
    }

    pub(crate) fn inconsistent(&self, method: &'static str, detail: String) -> SourceError {
        SourceError::Inconsistent {
            endpoint: self.endpoints().current_label().to_string(),
            method,
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_after_small_ranges_up_to_max() {
        let sizer = Sizer::new(1, 64);
        let mut seen = vec![sizer.current()];
        for _ in 0..30 {
            sizer.record(sizer.current(), 10, 0);
            seen.push(sizer.current());
        }
        assert_eq!(sizer.current(), 64);
        assert!(seen.windows(2).all(|w| w[1] >= w[0]));
        assert_eq!(seen[3], 2, "{seen:?}");
    }

    #[test]
    fn shrinks_on_splits_and_large_results() {
        let sizer = Sizer::new(1000, 1000);
        sizer.record(1000, 100, 3);
        assert_eq!(sizer.current(), 250);
        sizer.record(250, 50_000, 0);
        assert_eq!(sizer.current(), 25);
        // Mid-sized results keep the size and reset the growth streak.
        sizer.record(25, 10, 0);
        sizer.record(25, 10, 0);
        sizer.record(25, 5_000, 0);
        sizer.record(25, 10, 0);
        assert_eq!(sizer.current(), 25);
        sizer.record(1, 0, 10);
        assert_eq!(sizer.current(), 1);
    }

    #[test]
    fn a_split_size_is_a_ceiling_that_is_probed_rarely() {
        let sizer = Sizer::new(64, 64);
        sizer.record(64, 10, 3);
        assert_eq!(sizer.current(), 16);
        for _ in 0..PROBE_AFTER - 1 {
            sizer.record(16, 10, 0);
            assert_eq!(sizer.current(), 16);
        }
        sizer.record(16, 10, 0);
        assert_eq!(sizer.current(), 32);
        // The probe fails: back to the ceiling.
        sizer.record(32, 10, 1);
        assert_eq!(sizer.current(), 16);
    }
}
