//! Rebuilding projections from stored raw events, and replaying block ranges.
//!
//! Raw events are kept so that a changed projection config means a rebuild
//! from the store, not a re-fetch from the RPC. Only a change of what is
//! fetched (a new contract, other addresses, other events) needs a replay of
//! the range, which inserts the missing raw events and then rebuilds.

use std::collections::BTreeSet;

use futures::StreamExt;
use sha2::{Digest, Sha256};
use tributary_source::{EvmSource, FetchPlan, HeaderMode};
use tributary_store::Store;
use tributary_store::maintain::Replacement;
use tributary_store::write::Batch;
use tributary_types::BlockHeader;

use crate::EngineError;
use crate::overlay::Overlay;
use crate::project::EventInput;
use crate::range;
use crate::registry::{ContractEntry, Registry};

/// Raw logs read per page during a rebuild.
const PAGE: u32 = 20_000;

/// What decides which raw logs an entry needs: addresses, start block and
/// events. A change here needs a replay; any other change only a rebuild.
fn coverage(e: &ContractEntry) -> String {
    let mut h = Sha256::new();
    if e.discovered {
        h.update(b"factory");
    } else {
        for a in &e.addresses {
            h.update(a.as_slice());
        }
    }
    h.update(e.start_block.to_be_bytes());
    let selectors: BTreeSet<_> = e
        .decoders
        .iter()
        .map(|(d, _)| (d.selector(), d.abi.num_topics()))
        .collect();
    for (s, n) in selectors {
        h.update(s.as_slice());
        h.update((n as u64).to_be_bytes());
    }
    hex::encode(&h.finalize()[..8])
}

/// The fingerprint recorded for an entry: `coverage:config`.
fn fingerprint(e: &ContractEntry) -> String {
    format!("{}:{}", coverage(e), e.fingerprint)
}

/// At start: rebuilds entries whose config changed since they were built,
/// replaying first what a changed coverage needs.
pub async fn rebuild_changed(
    store: &Store,
    source: &EvmSource,
    registry: &mut Registry,
    chain_id: u64,
    cursor: Option<&BlockHeader>,
    finalized: u64,
) -> Result<(), EngineError> {
    let stored = store.fingerprints(chain_id).await?;
    let mut fresh = Vec::new();
    let mut changed = Vec::new();
    let mut replay_from: Option<u64> = None;
    for (i, e) in registry.entries().iter().enumerate() {
        let fp = fingerprint(e);
        match (stored.get(&e.name), cursor) {
            (Some(old), _) if *old == fp => {}
            (_, None) => fresh.push((e.name.clone(), fp)),
            (Some(old), Some(_)) if old.split(':').next() == Some(coverage(e).as_str()) => {
                changed.push(i)
            }
            (_, Some(c)) => {
                if e.start_block <= c.number {
                    replay_from = Some(replay_from.map_or(e.start_block, |f| f.min(e.start_block)));
                }
                changed.push(i);
            }
        }
    }
    if !fresh.is_empty() {
        store.set_fingerprints(chain_id, &fresh).await?;
    }
    if let (Some(from), Some(c)) = (replay_from, cursor) {
        tracing::info!(
            chain_id,
            from,
            to = c.number,
            "new or re-scoped contracts: replaying their range"
        );
        insert_missing(store, source, registry, chain_id, from, c.number).await?;
    }
    if !changed.is_empty() {
        let names: Vec<&str> = changed
            .iter()
            .map(|i| registry.entry(*i).name.as_str())
            .collect();
        tracing::info!(chain_id, contracts = ?names, "projection config changed: rebuilding from stored events");
        rebuild_entries(store, registry, chain_id, &changed, finalized).await?;
    }
    Ok(())
}

/// Recomputes the state of `targets` (entry indices) from stored raw events
/// and replaces it in one transaction.
pub async fn rebuild_entries(
    store: &Store,
    registry: &Registry,
    chain_id: u64,
    targets: &[usize],
    finalized: u64,
) -> Result<(), EngineError> {
    let mut overlay = Overlay::new();
    overlay.track(crate::statelog::tracked_scopes(registry));
    let mut after = None;
    loop {
        let logs = store.raw_logs(chain_id, after, PAGE).await?;
        let Some(last) = logs.last() else { break };
        after = Some(last.position());
        for log in &logs {
            for routed in registry.route(log) {
                if !targets.contains(&routed.entry) {
                    continue;
                }
                let entry = registry.entry(routed.entry);
                let Some(projection) = &entry.projection else {
                    continue;
                };
                let (decoder, role) = &entry.decoders[routed.decoder];
                let Ok(values) = decoder.decode(log) else {
                    continue;
                };
                let values = entry.role_values(routed.decoder, &values);
                overlay.begin_block(log.block_number, finalized);
                if let Err(e) = projection.apply(
                    &EventInput {
                        role: role.as_deref().unwrap_or(""),
                        values: &values,
                        log,
                    },
                    &mut overlay,
                ) {
                    tracing::warn!(contract = %entry.name, block = log.block_number, error = %e, "projection rejected event during rebuild");
                }
            }
        }
    }
    let (state, undo) = overlay.take_changes();
    let mut kinds = BTreeSet::new();
    let mut scopes = BTreeSet::new();
    let mut fingerprints = Vec::new();
    for i in targets {
        let e = registry.entry(*i);
        if let Some(p) = &e.projection {
            kinds.extend(p.kinds().iter().copied());
            scopes.extend(e.addresses.iter().copied());
        }
        fingerprints.push((e.name.clone(), fingerprint(e)));
    }
    store
        .replace_projection(&Replacement {
            chain_id,
            kinds: kinds.into_iter().collect(),
            scopes: scopes.into_iter().collect(),
            state,
            undo,
            fingerprints,
        })
        .await?;
    crate::statelog::rebuild(store, registry, chain_id, targets, &mut overlay).await?;
    Ok(())
}

/// Rebuilds every entry of the registry from stored events.
pub async fn rebuild_all(
    store: &Store,
    registry: &Registry,
    chain_id: u64,
    finalized: u64,
    only: Option<&str>,
) -> Result<usize, EngineError> {
    let targets: Vec<usize> = registry
        .entries()
        .iter()
        .enumerate()
        .filter(|(_, e)| only.is_none_or(|n| n == e.name))
        .map(|(i, _)| i)
        .collect();
    if targets.is_empty() {
        return Ok(0);
    }
    rebuild_entries(store, registry, chain_id, &targets, finalized).await?;
    Ok(targets.len())
}

/// Re-fetches `[from, to]` (at or below the cursor) and stores every
/// configured event missing from the store. Returns how many were missing.
pub async fn insert_missing(
    store: &Store,
    source: &EvmSource,
    registry: &mut Registry,
    chain_id: u64,
    from: u64,
    to: u64,
) -> Result<u64, EngineError> {
    let Some(cursor) = store.cursor(chain_id).await? else {
        return Err(EngineError::Config(format!(
            "chain {chain_id} has nothing indexed yet: nothing to replay"
        )));
    };
    if to > cursor.number || from > to {
        return Err(EngineError::Config(format!(
            "replay range {from}..={to} must lie at or below the indexed block {}",
            cursor.number
        )));
    }
    let plan = FetchPlan::fixed(registry.filter(), HeaderMode::LastOnly);
    let mut stream = Box::pin(source.fetch_ahead(from, to, plan));
    let mut inserted = 0;
    while let Some(fetched) = stream.next().await {
        let fetched = fetched?;
        let (logs, discovered) = range::complete(
            source,
            registry,
            fetched.from,
            fetched.to,
            fetched.logs,
            &fetched.filter,
        )
        .await?;
        let (events, _) = range::events_only(registry, logs, chain_id);
        let batch = Batch {
            chain_id,
            parent: Some(cursor.number),
            cursor: None,
            events,
            discovered,
            ..Batch::default()
        };
        inserted += store.commit(&batch).await?;
    }
    Ok(inserted)
}

/// `tributary replay`: re-fetches and re-applies a range idempotently. Events
/// already stored are left alone; if any were missing, every projection is
/// rebuilt from the now complete raw events.
pub async fn replay(
    store: &Store,
    source: &EvmSource,
    registry: &mut Registry,
    chain_id: u64,
    from: u64,
    to: u64,
    finalized: u64,
) -> Result<u64, EngineError> {
    let inserted = insert_missing(store, source, registry, chain_id, from, to).await?;
    if inserted > 0 {
        rebuild_all(store, registry, chain_id, finalized, None).await?;
    }
    Ok(inserted)
}
