//! Turning one fetched block range into one store batch: discover factory
//! children, decode, project, and collect everything the commit writes.

use std::collections::{BTreeSet, HashMap};

use alloy::dyn_abi::DynSolValue;
use alloy::primitives::Address;
use tributary_source::{EvmSource, LogFilter, SourceError};
use tributary_store::ops::DeadLetter;
use tributary_store::write::{Batch, Discovered};
use tributary_types::{EventArgs, RawLog, StateKey, StoredEvent};

use crate::overlay::Overlay;
use crate::project::EventInput;
use crate::registry::{Registry, Routed};

/// A log with the entries it matched and its decoded values.
struct Decoded {
    log: RawLog,
    matches: Vec<(Routed, Vec<DynSolValue>)>,
}

/// A log of a configured contract that failed to decode or project; it
/// becomes a dead letter of the batch (the chain id comes with the frame).
struct Failed {
    log: RawLog,
    contract: String,
    event: String,
    error: String,
}

/// Counts of what a range produced, for metrics and progress.
#[derive(Debug, Default, Clone, Copy)]
pub struct RangeStats {
    /// Logs that failed to decode.
    pub undecodable: u64,
    /// Events a projection rejected.
    pub rejected: u64,
}

impl std::ops::AddAssign for RangeStats {
    fn add_assign(&mut self, other: Self) {
        self.undecodable += other.undecodable;
        self.rejected += other.rejected;
    }
}

/// Scans `logs` for factory events and registers the addresses they reveal.
/// Returns the discoveries, in log order.
pub fn discover(registry: &mut Registry, logs: &[RawLog]) -> Vec<Discovered> {
    let mut found = Vec::new();
    if !registry.has_factories() {
        return found;
    }
    for log in logs {
        for routed in registry.route(log) {
            let decoder = &registry.entry(routed.entry).decoders[routed.decoder].0;
            let Ok(values) = decoder.decode(log) else {
                continue;
            };
            for (child, address) in registry.discoveries(&routed, log, &values) {
                if registry.add(child, address) {
                    found.push(Discovered {
                        contract: registry.entry(child).name.clone(),
                        address,
                        block_number: log.block_number,
                        log_index: log.log_index,
                    });
                }
            }
        }
    }
    found
}

/// Completes a fetched range: registers the addresses its factory events
/// reveal, and fetches over the same range the logs of every address that
/// was not in the filter it was fetched with (discovered since, or inside
/// it), so a contract created and used in one range loses nothing.
pub async fn complete(
    source: &EvmSource,
    registry: &mut Registry,
    from: u64,
    to: u64,
    mut logs: Vec<RawLog>,
    fetched_with: &LogFilter,
) -> Result<(Vec<RawLog>, Vec<Discovered>), SourceError> {
    let discovered = discover(registry, &logs);
    let known: BTreeSet<Address> = fetched_with.addresses.iter().copied().collect();
    let missing: Vec<Address> = registry.addresses().difference(&known).copied().collect();
    if !missing.is_empty() && !fetched_with.addresses.is_empty() {
        let extra = source
            .logs(
                from,
                to,
                &LogFilter {
                    addresses: missing,
                    topics0: registry.filter().topics0,
                },
            )
            .await?;
        logs.extend(extra);
        logs.sort_by_key(|l| l.position());
        logs.dedup_by_key(|l| l.position());
    }
    Ok((logs, discovered))
}

/// Decodes logs into stored events without projecting them (for replay).
pub fn events_only(
    registry: &Registry,
    logs: Vec<RawLog>,
    chain_id: u64,
) -> (Vec<StoredEvent>, RangeStats) {
    let mut stats = RangeStats::default();
    let events = decode_all(registry, logs, &mut stats, &mut Vec::new())
        .into_iter()
        .map(|d| stored_event(registry, d, chain_id))
        .collect();
    (events, stats)
}

/// The stored form of a decoded log: a log matched by several entries is
/// stored once, under the first. Its arguments are rendered when read.
fn stored_event(registry: &Registry, d: Decoded, chain_id: u64) -> StoredEvent {
    let (routed, _) = &d.matches[0];
    let entry = registry.entry(routed.entry);
    let decoder = &entry.decoders[routed.decoder].0;
    StoredEvent {
        chain_id,
        contract: entry.name.clone(),
        event: decoder.abi.name.clone(),
        args: EventArgs::Abi(decoder.stored().clone()),
        log: d.log,
    }
}

/// Decodes every log of the range against the registry.
fn decode_all(
    registry: &Registry,
    logs: Vec<RawLog>,
    stats: &mut RangeStats,
    failed: &mut Vec<Failed>,
) -> Vec<Decoded> {
    let mut out = Vec::with_capacity(logs.len());
    for log in logs {
        let mut matches = Vec::new();
        let routes = registry.route(&log);
        if routes.is_empty()
            && let Some(f) = shape_mismatch(registry, &log)
        {
            stats.undecodable += 1;
            tracing::warn!(contract = %f.contract, block = log.block_number, log_index = log.log_index, error = %f.error, "undecodable log: dead letter");
            failed.push(f);
        }
        for routed in routes {
            let entry = registry.entry(routed.entry);
            let decoder = &entry.decoders[routed.decoder].0;
            match decoder.decode(&log) {
                Ok(values) => matches.push((routed, values)),
                Err(e) => {
                    stats.undecodable += 1;
                    tracing::warn!(contract = %entry.name, block = log.block_number, log_index = log.log_index, error = %e, "undecodable log: dead letter");
                    failed.push(Failed {
                        log: log.clone(),
                        contract: entry.name.clone(),
                        event: decoder.abi.name.clone(),
                        error: format!("decode: {e}"),
                    });
                }
            }
        }
        if !matches.is_empty() {
            out.push(Decoded { log, matches });
        }
    }
    out
}

/// A log of a configured address whose selector is a configured event but
/// whose topic count fits none of them (the ABI marks other parameters
/// indexed): routing skips it, so it is reported here.
fn shape_mismatch(registry: &Registry, log: &RawLog) -> Option<Failed> {
    let topic0 = log.topic0()?;
    registry.entries().iter().find_map(|e| {
        if log.block_number < e.start_block || !e.addresses.contains(&log.address) {
            return None;
        }
        let (d, _) = e.decoders.iter().find(|(d, _)| d.selector() == topic0)?;
        Some(Failed {
            log: log.clone(),
            contract: e.name.clone(),
            event: d.abi.name.clone(),
            error: format!(
                "decode: the log has {} topics, the ABI's {} has {}",
                log.topics.len(),
                d.abi.name,
                d.abi.num_topics()
            ),
        })
    })
}

/// The state keys the projections will read for these logs and that the
/// overlay does not hold yet.
fn missing_keys(registry: &Registry, decoded: &[Decoded], overlay: &Overlay) -> Vec<StateKey> {
    let mut keys = Vec::new();
    for d in decoded {
        for (routed, values) in &d.matches {
            let entry = registry.entry(routed.entry);
            let Some(projection) = &entry.projection else {
                continue;
            };
            let role = entry.decoders[routed.decoder].1.as_deref().unwrap_or("");
            let values = entry.role_values(routed.decoder, values);
            projection.keys(
                &EventInput {
                    role,
                    values: &values,
                    log: &d.log,
                },
                &mut keys,
            );
        }
    }
    // Held keys go first: after a backfill's first batches the overlay holds
    // nearly every key, and sorting a batch's keys (two per transfer) only to
    // drop them all was a visible share of the indexer's CPU.
    keys.retain(|k| !overlay.contains(k));
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// What the pipeline must load before applying a range.
pub struct Pending {
    decoded: Vec<Decoded>,
    failed: Vec<Failed>,
    /// Keys to load from the store into the overlay.
    pub keys: Vec<StateKey>,
    /// Counters so far.
    pub stats: RangeStats,
}

/// First half of processing: decode and list the keys to load.
pub fn prepare(registry: &Registry, logs: Vec<RawLog>, overlay: &Overlay) -> Pending {
    let mut stats = RangeStats::default();
    let mut failed = Vec::new();
    let decoded = decode_all(registry, logs, &mut stats, &mut failed);
    let keys = if overlay.is_complete() {
        Vec::new()
    } else {
        missing_keys(registry, &decoded, overlay)
    };
    Pending {
        decoded,
        failed,
        keys,
        stats,
    }
}

/// Second half: applies projections in log order, appending the stored
/// events and dead letters to `batch`. The batch's state is what the
/// overlay holds when the batch is closed, so several ranges may be applied
/// into one batch.
pub fn apply(
    pending: Pending,
    overlay: &mut Overlay,
    registry: &Registry,
    batch: &mut Batch,
) -> RangeStats {
    let Pending {
        decoded,
        mut failed,
        mut stats,
        ..
    } = pending;
    batch.events.reserve(decoded.len());
    for d in decoded {
        overlay.begin_block(d.log.block_number, batch.finalized);
        for (routed, values) in &d.matches {
            let entry = registry.entry(routed.entry);
            let Some(projection) = &entry.projection else {
                continue;
            };
            let role = entry.decoders[routed.decoder].1.as_deref().unwrap_or("");
            let values = entry.role_values(routed.decoder, values);
            if let Err(e) = projection.apply(
                &EventInput {
                    role,
                    values: &values,
                    log: &d.log,
                },
                overlay,
            ) {
                stats.rejected += 1;
                tracing::warn!(contract = %entry.name, block = d.log.block_number, log_index = d.log.log_index, error = %e, "projection rejected event: dead letter");
                failed.push(Failed {
                    log: d.log.clone(),
                    contract: entry.name.clone(),
                    event: entry.decoders[routed.decoder].0.abi.name.clone(),
                    error: format!("projection: {e}"),
                });
            }
        }
        batch.events.push(stored_event(registry, d, batch.chain_id));
    }
    batch
        .dead_letters
        .extend(failed.into_iter().map(|f| DeadLetter {
            chain_id: batch.chain_id,
            log: f.log,
            contract: f.contract,
            event: Some(f.event),
            error: f.error,
        }));
    stats
}

/// Loads `keys` from `values` into the overlay; keys without a stored value are zero.
pub fn load_into(
    overlay: &mut Overlay,
    keys: &[StateKey],
    values: &HashMap<StateKey, alloy::primitives::U256>,
) {
    for k in keys {
        overlay.load(*k, values.get(k).copied().unwrap_or_default());
    }
}
