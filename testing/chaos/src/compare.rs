//! Comparisons beyond the testkit's: events when the proxy shifts log
//! indexes, and waiting for the cursor to reach a given block.

use std::time::{Duration, Instant};

use alloy::primitives::{Address, B256};
use alloy::providers::Provider;
use alloy::rpc::types::Filter;
use tributary_store::Store;
use tributary_store::read::{EventPosition, EventQuery};
use tributary_testkit::TestChain;

/// Compares the token's stored events with the chain's logs up to `block`,
/// each chain log index plus `offset` (what the proxy served): 0 when they
/// are the same, each once, in order; else 1 (printed).
pub async fn mismatches_of_events_shifted(
    chain: &TestChain,
    store: &Store,
    token: Address,
    block: u64,
    offset: u64,
) -> u64 {
    let logs = match chain
        .provider()
        .get_logs(&Filter::new().address(token).from_block(0).to_block(block))
        .await
    {
        Ok(logs) => logs,
        Err(e) => {
            println!("MISMATCH: eth_getLogs on the chain failed: {e}");
            return 1;
        }
    };
    let want: Vec<(u64, u64, B256)> = logs
        .iter()
        .map(|l| {
            (
                l.block_number.unwrap_or_default(),
                l.log_index.unwrap_or_default() + offset,
                l.transaction_hash.unwrap_or_default(),
            )
        })
        .collect();
    let got = match stored_events(store, chain.chain_id(), token).await {
        Ok(got) => got,
        Err(e) => {
            println!("MISMATCH: reading stored events failed: {e}");
            return 1;
        }
    };
    if got == want {
        return 0;
    }
    let first = got.iter().zip(&want).position(|(g, w)| g != w);
    println!(
        "MISMATCH events of {token} at block {block}: {} stored, {} on chain; first difference at {first:?}: stored {:?}, chain {:?}",
        got.len(),
        want.len(),
        first.and_then(|i| got.get(i)),
        first.and_then(|i| want.get(i)),
    );
    1
}

/// (block, log index, tx hash) of every stored event of `token`, in order.
pub async fn stored_events(
    store: &Store,
    chain_id: u64,
    token: Address,
) -> Result<Vec<(u64, u64, B256)>, String> {
    let mut snap = store.snapshot().await.map_err(|e| e.to_string())?;
    let mut got = Vec::new();
    let mut after = None;
    loop {
        let q = EventQuery {
            chain_id: Some(chain_id),
            address: Some(token),
            after,
            limit: 1000,
            ..EventQuery::default()
        };
        let page = snap.events(&q).await.map_err(|e| e.to_string())?;
        let Some(last) = page.last() else { break };
        after = Some(EventPosition {
            block_number: last.block_number,
            log_index: last.log_index,
            chain_id: last.chain_id,
        });
        got.extend(
            page.iter()
                .map(|e| (e.block_number, e.log_index, e.tx_hash)),
        );
    }
    snap.finish().await.map_err(|e| e.to_string())?;
    Ok(got)
}

/// The store's cursor height (0 when none or unreadable).
pub async fn cursor_at(store: &Store, chain_id: u64) -> u64 {
    store
        .cursor(chain_id)
        .await
        .ok()
        .flatten()
        .map_or(0, |c| c.number)
}

/// Waits until the cursor is exactly block `n` of the chain (same hash).
pub async fn wait_cursor_at(
    chain: &TestChain,
    store: &Store,
    n: u64,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    let hash = chain.block_hash(n).await.map_err(|e| e.to_string())?;
    loop {
        let cursor = store.cursor(chain.chain_id()).await.ok().flatten();
        if cursor.is_some_and(|c| c.number == n && c.hash == hash) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "cursor {:?} did not reach block {n} within {timeout:?}",
                cursor.map(|c| c.number)
            ));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Watches the cursor for `during`: the lowest height it showed, and
/// whether the indexer stopped by itself meanwhile (`finished` is asked).
pub async fn watch_cursor(
    store: &Store,
    chain_id: u64,
    during: Duration,
    finished: impl Fn() -> bool,
) -> (u64, bool) {
    let end = Instant::now() + during;
    let mut lowest = u64::MAX;
    while Instant::now() < end {
        lowest = lowest.min(cursor_at(store, chain_id).await);
        if finished() {
            return (lowest, true);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (lowest, false)
}
