//! Turning one fetched block range into one store batch: discover factory
//! children, decode, project, and collect everything the commit writes.

use std::collections::{BTreeSet, HashMap};

use alloy::dyn_abi::DynSolValue;
use alloy::primitives::Address;
use tributary_source::{EvmSource, LogFilter, SourceError};
use tributary_store::write::{Batch, Discovered};
use tributary_types::{BlockHeader, RawLog, StateKey, StoredEvent};

use crate::overlay::Overlay;
use crate::project::EventInput;
use crate::registry::{Registry, Routed};

/// A log with the entries it matched and its decoded values.
struct Decoded {
    log: RawLog,
    matches: Vec<(Routed, Vec<DynSolValue>)>,
}

/// Counts of what a range produced, for metrics and progress.
#[derive(Debug, Default, Clone, Copy)]
pub struct RangeStats {
    /// Logs that failed to decode.
    pub undecodable: u64,
    /// Events a projection rejected.
    pub rejected: u64,
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
    let events = decode_all(registry, logs, &mut stats)
        .into_iter()
        .map(|d| stored_event(registry, d, chain_id))
        .collect();
    (events, stats)
}

/// The stored form of a decoded log: a log matched by several entries is
/// stored once, under the first.
fn stored_event(registry: &Registry, d: Decoded, chain_id: u64) -> StoredEvent {
    let (routed, values) = &d.matches[0];
    let entry = registry.entry(routed.entry);
    let decoder = &entry.decoders[routed.decoder].0;
    StoredEvent {
        chain_id,
        contract: entry.name.clone(),
        event: decoder.abi.name.clone(),
        args: decoder.args_json(values),
        log: d.log,
    }
}

/// Decodes every log of the range against the registry.
fn decode_all(registry: &Registry, logs: Vec<RawLog>, stats: &mut RangeStats) -> Vec<Decoded> {
    let mut out = Vec::with_capacity(logs.len());
    for log in logs {
        let mut matches = Vec::new();
        for routed in registry.route(&log) {
            let decoder = &registry.entry(routed.entry).decoders[routed.decoder].0;
            match decoder.decode(&log) {
                Ok(values) => matches.push((routed, values)),
                Err(e) => {
                    stats.undecodable += 1;
                    tracing::warn!(error = %e, "skipping undecodable log");
                }
            }
        }
        if !matches.is_empty() {
            out.push(Decoded { log, matches });
        }
    }
    out
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
            projection.keys(
                &EventInput {
                    role,
                    values,
                    log: &d.log,
                },
                &mut keys,
            );
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys.retain(|k| !overlay.contains(k));
    keys
}

/// What the pipeline must load before applying a range.
pub struct Pending {
    decoded: Vec<Decoded>,
    /// Keys to load from the store into the overlay.
    pub keys: Vec<StateKey>,
    /// Counters so far.
    pub stats: RangeStats,
}

/// First half of processing: decode and list the keys to load.
pub fn prepare(registry: &Registry, logs: Vec<RawLog>, overlay: &Overlay) -> Pending {
    let mut stats = RangeStats::default();
    let decoded = decode_all(registry, logs, &mut stats);
    let keys = missing_keys(registry, &decoded, overlay);
    Pending {
        decoded,
        keys,
        stats,
    }
}

/// Inputs of the second half that come from the pipeline's position.
pub struct Frame<'a> {
    /// Chain id.
    pub chain_id: u64,
    /// The cursor the batch builds on.
    pub parent: Option<u64>,
    /// The header the cursor moves to (`None`: it stays).
    pub cursor: Option<BlockHeader>,
    /// Headers to keep.
    pub headers: Vec<BlockHeader>,
    /// Blocks at or below are final.
    pub finalized: u64,
    /// Discoveries made by [`discover`].
    pub discovered: Vec<Discovered>,
    /// Names of entries, by index (for stored events).
    pub registry: &'a Registry,
}

/// Second half: apply projections in log order and build the batch.
pub fn apply(pending: Pending, overlay: &mut Overlay, frame: Frame<'_>) -> (Batch, RangeStats) {
    let Pending {
        decoded, mut stats, ..
    } = pending;
    let registry = frame.registry;
    let mut events = Vec::with_capacity(decoded.len());
    for d in decoded {
        overlay.begin_block(d.log.block_number, frame.finalized);
        for (routed, values) in &d.matches {
            let entry = registry.entry(routed.entry);
            let Some(projection) = &entry.projection else {
                continue;
            };
            let role = entry.decoders[routed.decoder].1.as_deref().unwrap_or("");
            if let Err(e) = projection.apply(
                &EventInput {
                    role,
                    values,
                    log: &d.log,
                },
                overlay,
            ) {
                stats.rejected += 1;
                tracing::warn!(contract = %entry.name, block = d.log.block_number, log_index = d.log.log_index, error = %e, "projection rejected event");
            }
        }
        events.push(stored_event(registry, d, frame.chain_id));
    }
    let (state, undo) = overlay.take_changes();
    let batch = Batch {
        chain_id: frame.chain_id,
        parent: frame.parent,
        cursor: frame.cursor,
        events,
        state,
        undo,
        headers: frame.headers,
        discovered: frame.discovered,
        tokens: Vec::new(),
        finalized: frame.finalized,
    };
    (batch, stats)
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
