//! State read from the chain rather than derived from events: after every
//! batch, the views its writes call for; every `refresh_blocks`, the views of
//! every stored source key (interest and rewards accrue without events).
//!
//! Answers are written as state at the batch's last block, with undo entries
//! like any other change, so a reorg undoes them and the next batch reads
//! them again on the new fork.
//!
//! The batch's state change log is assembled here too (see `statelog`): the
//! logged keys' per-block values, and the views they call for read at the
//! deterministic blocks that module documents (not at the batch's end).

use std::collections::BTreeMap;

use alloy::primitives::U256;
use tributary_source::EvmSource;
use tributary_store::Store;
use tributary_store::write::Batch;
use tributary_types::{BlockHeader, StateKey, StateWrite};

use crate::EngineError;
use crate::overlay::Overlay;
use crate::project::View;
use crate::range;
use crate::registry::Registry;

/// Where and when views run.
pub(crate) struct ViewFrame<'a> {
    pub registry: &'a Registry,
    pub source: &'a EvmSource,
    pub store: &'a Store,
    pub chain_id: u64,
    /// The block the batch ends at: calls are pinned to its hash.
    pub at: BlockHeader,
    pub finalized: u64,
    /// Also refresh every stored source key.
    pub refresh: bool,
}

/// Runs the views `batch` calls for (and the periodic refresh when due) and
/// adds their answers to `batch`. Returns how many values were read.
pub(crate) async fn apply_views(
    frame: ViewFrame<'_>,
    overlay: &mut Overlay,
    batch: &mut Batch,
) -> Result<usize, EngineError> {
    let block_writes = overlay.take_block_writes();
    batch.log = crate::statelog::batch_rows(
        frame.registry,
        frame.source,
        overlay,
        block_writes,
        &batch.headers,
    )
    .await?;
    let mut views = Vec::new();
    for w in &batch.state {
        for entry in frame.registry.entries() {
            if let Some(p) = entry
                .projection
                .as_ref()
                .filter(|_| entry.addresses.contains(&w.key.scope))
            {
                p.views(&w.key, overlay, &mut views);
            }
        }
    }
    if frame.refresh {
        refresh_views(&frame, overlay, &mut views).await?;
    }
    if views.is_empty() {
        return Ok(0);
    }
    // One read per key; the last request for a key wins (they are equal).
    let views: BTreeMap<StateKey, View> = views.into_iter().map(|v| (v.key, v)).collect();
    let keys: Vec<StateKey> = views
        .keys()
        .filter(|k| !overlay.contains(k))
        .copied()
        .collect();
    if !keys.is_empty() {
        let values = frame.store.load_state(frame.chain_id, &keys).await?;
        range::load_into(overlay, &keys, &values);
    }
    let calls = views.values().map(|v| (v.to, v.data.clone())).collect();
    let answers = frame.source.calls(calls, frame.at.hash).await;
    overlay.begin_block(frame.at.number, frame.finalized);
    let mut read = 0;
    for (view, answer) in views.values().zip(answers) {
        match answer.map(|b| word(&b)) {
            Ok(Some(value)) => {
                overlay.set(view.key, value);
                read += 1;
            }
            Ok(None) => warn(view, "answer shorter than one word"),
            Err(e) => warn(view, &e.to_string()),
        }
    }
    let (state, undo) = overlay.take_changes();
    // Reads at the batch's end are current state, not log rows.
    overlay.take_block_writes();
    merge(batch, state);
    batch.undo.extend(undo);
    Ok(read)
}

/// Views of every stored key of each projection's refresh sources, and of
/// every known account for projections that accrue per account.
async fn refresh_views(
    frame: &ViewFrame<'_>,
    overlay: &Overlay,
    views: &mut Vec<View>,
) -> Result<(), EngineError> {
    let mut accounts = None;
    for entry in frame.registry.entries() {
        let Some(p) = &entry.projection else {
            continue;
        };
        for scope in &entry.addresses {
            for kind in p.refresh_sources() {
                for subject in frame
                    .store
                    .state_subjects(frame.chain_id, *kind, *scope)
                    .await?
                {
                    p.views(&StateKey::new(*kind, *scope, subject), overlay, views);
                }
            }
            if let Some(kind) = p.refresh_accounts() {
                if accounts.is_none() {
                    accounts = Some(frame.store.known_accounts(frame.chain_id).await?);
                }
                for account in accounts.iter().flatten() {
                    p.views(&StateKey::account(kind, *scope, *account), overlay, views);
                }
            }
        }
    }
    Ok(())
}

/// Replaces or adds `extra` writes in the batch's sorted state writes.
fn merge(batch: &mut Batch, extra: Vec<StateWrite>) {
    if extra.is_empty() {
        return;
    }
    let mut all: BTreeMap<StateKey, U256> =
        batch.state.drain(..).map(|w| (w.key, w.value)).collect();
    all.extend(extra.into_iter().map(|w| (w.key, w.value)));
    batch.state = all
        .into_iter()
        .map(|(key, value)| StateWrite { key, value })
        .collect();
}

/// The first 32-byte word of a call's answer.
fn word(bytes: &[u8]) -> Option<U256> {
    bytes.get(..32).map(U256::from_be_slice)
}

fn warn(view: &View, error: &str) {
    metrics::counter!("tributary_view_errors_total").increment(1);
    tracing::warn!(contract = %view.to, kind = ?view.key.kind, error, "chain read for state failed; the next refresh retries it");
}
