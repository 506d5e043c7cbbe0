//! Change feeds inside one process: the engine's broadcast, and the poller
//! that watches the store's cursors (the only feed of a `serve` process
//! without Redis, and everybody's safety net against lost notices).

use std::time::Duration;

use tokio::sync::broadcast;
use tributary_store::Store;
use tributary_store::read::BlockRef;
use tributary_types::ChangeNotice;

use super::{Change, apply};
use crate::cache::validity::Applied;
use crate::state::AppState;

/// Applies the in-process engine's notices, in commit order.
pub(crate) async fn local(state: AppState, mut rx: broadcast::Receiver<ChangeNotice>) {
    let mut shutdown = state.live().shutdown_signal();
    loop {
        let received = tokio::select! {
            r = rx.recv() => r,
            _ = shutdown.wait_for(|s| *s) => return,
        };
        match received {
            Ok(notice) => {
                let block = stamp(state.store(), &rx, &notice).await;
                apply(&state, Change::Notice(notice, block));
            }
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "change notices were missed: resynchronizing");
                resync_all(&state).await;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// The cursor right after the commit `notice` reports, if that is provably
/// what the store holds now. The engine sends a notice after its commit and
/// before the next commit or rollback begins, so when nothing is queued
/// behind `notice` both before and after reading the cursor, the cursor read
/// cannot include a later change whose notice is already out; a cursor at
/// another height means a later commit is in, so no stamp.
pub(crate) async fn stamp(
    store: &Store,
    rx: &broadcast::Receiver<ChangeNotice>,
    notice: &ChangeNotice,
) -> Option<BlockRef> {
    let ChangeNotice::Committed { chain_id, to, .. } = notice else {
        return None;
    };
    if !rx.is_empty() {
        return None;
    }
    let cursor = store.cursor(*chain_id).await.ok()??;
    if !rx.is_empty() || cursor.number != *to {
        return None;
    }
    Some(BlockRef {
        chain_id: *chain_id,
        number: cursor.number,
        hash: cursor.hash,
        timestamp: cursor.timestamp,
    })
}

/// Declares every chain applied at its current cursor, dropping its cache.
pub(crate) async fn resync_all(state: &AppState) {
    match state.cache().gate().current().await {
        Ok(now) => {
            for (chain, cursor) in now.iter().enumerate() {
                apply(
                    state,
                    Change::Resync {
                        chain,
                        cursor: *cursor,
                    },
                );
            }
        }
        // The next poll retries; until then the cache serves nothing of
        // the chains whose applied block differs from the store's.
        Err(e) => tracing::warn!(error = %e, "cannot read cursors to resynchronize"),
    }
}

/// Polls the cursors. With `sole` (no other feed) every change is a resync;
/// otherwise a chain is resynchronized only when its cursor stays ahead of
/// the applied notices for a whole period (a notice was lost or is late).
pub(crate) async fn poll(state: AppState, sole: bool) {
    let mut shutdown = state.live().shutdown_signal();
    let period = state.live().settings().poll_interval;
    let mut ticks = tokio::time::interval(period.max(Duration::from_millis(10)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let chains = state.config().chains.len();
    // The cursor seen ahead of the applied block at the previous tick.
    let mut ahead: Vec<Option<Option<BlockRef>>> = vec![None; chains];
    // Nothing is cached yet: start from the store's cursors right away.
    resync_all(&state).await;
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        let now = match state.cache().gate().current().await {
            Ok(now) => now,
            Err(e) => {
                tracing::debug!(error = %e, "cursor poll failed");
                continue;
            }
        };
        let validity = state.cache().validity();
        for (chain, cursor) in now.iter().enumerate() {
            if validity.applied(chain) == Applied::At(*cursor) {
                ahead[chain] = None;
                continue;
            }
            if sole || ahead[chain] == Some(*cursor) {
                if !sole {
                    metrics::counter!("tributary_cache_resyncs_total").increment(1);
                }
                apply(
                    &state,
                    Change::Resync {
                        chain,
                        cursor: *cursor,
                    },
                );
                ahead[chain] = None;
            } else {
                ahead[chain] = Some(*cursor);
            }
        }
    }
}
