//! Heads that lie without a reorg: a head held back on the same chain (a
//! lagging replica), and a node still syncing far below our cursor. Neither
//! may roll anything back or halt the chain; indexing goes on when the node
//! is back, and ends equal to the chain.

use std::time::Duration;

use alloy::primitives::Address;
use rand::{Rng, SeedableRng, rngs::StdRng};
use tributary_chaos::compare::{cursor_at, wait_cursor_at, watch_cursor};
use tributary_chaos::{Indexing, Outcome, config, erc20, mismatches};
use tributary_engine::IndexerOptions;
use tributary_store::Store;
use tributary_testkit::proxy::{FaultSpec, HeadView, RpcProxy};
use tributary_testkit::{Backend, TestChain};

use crate::cases::{SYNC, check, live_transfers, open_store, token_chain};

/// How long each lie lasts while we watch the cursor.
const HOLD: Duration = Duration::from_millis(1200);

/// Watches the cursor through a lie: it must never go below `floor` (a
/// rollback) and the indexer must not stop (a halt). Returns the mismatches.
async fn rides_it_out(ix: &Indexing, store: &Store, chain_id: u64, floor: u64, what: &str) -> u64 {
    let (lowest, stopped) = watch_cursor(store, chain_id, HOLD, || ix.finished()).await;
    let mut bad = 0;
    if lowest < floor {
        println!("MISMATCH: {what}: the cursor went back from {floor} to {lowest} (a rollback)");
        bad += 1;
    }
    if stopped {
        println!("MISMATCH: {what}: the indexer stopped");
        bad += 1;
    }
    bad
}

fn start_config(
    proxy: &RpcProxy,
    chain: &TestChain,
    db_url: &str,
    token: Address,
) -> tributary_config::Config {
    config(
        proxy.url(),
        chain.chain_id(),
        db_url,
        5,
        &erc20("Chaos", token, None),
    )
}

/// The head goes back 1..=30 blocks (an older head of the same chain) and
/// stays there while the chain moves on, `rounds` times.
pub async fn head_backwards(backend: Backend, seed: u64, rounds: u64) -> Outcome {
    let mut out = Outcome {
        case: format!("head going backwards, same chain ({backend:?})"),
        ..Outcome::default()
    };
    let (chain, token, accounts) = token_chain(seed, 1_000).await;
    let proxy = RpcProxy::start(&chain.rpc_url(), FaultSpec::none(seed))
        .await
        .expect("proxy");
    let (db, store) = open_store(backend).await;
    let cfg = start_config(&proxy, &chain, &db.url, token);
    let settings = tributary_engine::setup::rpc_settings(&cfg.chains[0]);
    let ix = Indexing::start(&cfg, &store, settings, IndexerOptions::default()).await;
    out.mismatches += check(&chain, &store, token, &accounts).await;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut backs = Vec::new();
    for _ in 0..rounds {
        let cursor = cursor_at(&store, chain.chain_id()).await;
        let back = rng.random_range(1..=30u64).min(cursor);
        proxy.set_head_view(HeadView::Behind(cursor - back));
        backs.push(back);
        // The chain moves on meanwhile; the indexer must just wait.
        live_transfers(&chain, token, &mut rng).await;
        out.mismatches +=
            rides_it_out(&ix, &store, chain.chain_id(), cursor, "head held back").await;
        proxy.set_head_view(HeadView::Live);
        out.mismatches += check(&chain, &store, token, &accounts).await;
        out.runs += 1;
    }
    if let Err(e) = ix.stop().await {
        println!("MISMATCH: indexer ended with {e}");
        out.mismatches += 1;
    }
    out.faults = proxy.counts().held_heads;
    out.notes = format!("held back by {backs:?} blocks for {HOLD:?} each");
    out
}

/// A node still syncing (head far below our cursor, blocks above it
/// unknown, `eth_syncing` reporting progress): no rollback, no halt, also
/// across a restart of the indexer; then the node catches up in steps and
/// the indexer follows it to the head.
pub async fn syncing_node(backend: Backend, seed: u64) -> Outcome {
    let mut out = Outcome {
        case: format!("node still syncing, far below the cursor ({backend:?})"),
        ..Outcome::default()
    };
    let (chain, token, accounts) = token_chain(seed, 2_000).await;
    let proxy = RpcProxy::start(&chain.rpc_url(), FaultSpec::none(seed))
        .await
        .expect("proxy");
    let (db, store) = open_store(backend).await;
    let cfg = start_config(&proxy, &chain, &db.url, token);
    let settings = tributary_engine::setup::rpc_settings(&cfg.chains[0]);
    let mut ix = Indexing::start(&cfg, &store, settings.clone(), IndexerOptions::default()).await;
    out.mismatches += check(&chain, &store, token, &accounts).await;
    let mut rng = StdRng::seed_from_u64(seed);
    let id = chain.chain_id();
    let synced = cursor_at(&store, id).await;
    let highest = chain.head().await.expect("head");
    // The node restarted from an old snapshot: a quarter of the way up.
    let mut current = synced / 4;
    proxy.set_head_view(HeadView::Syncing { current, highest });
    live_transfers(&chain, token, &mut rng).await;
    out.mismatches += rides_it_out(&ix, &store, id, synced, "node syncing").await;
    // An indexer started against the syncing node must not mistake it
    // for a reorg either (the start compares stored headers).
    if let Err(e) = ix.stop().await {
        println!("MISMATCH: indexer ended with {e}");
        out.mismatches += 1;
    }
    ix = Indexing::start(&cfg, &store, settings, IndexerOptions::default()).await;
    out.mismatches += rides_it_out(&ix, &store, id, synced, "restart on a syncing node").await;
    out.runs += 2;
    // The node catches up in steps while the chain goes on; past our
    // cursor the indexer follows it, block for block.
    let mut steps = Vec::new();
    loop {
        live_transfers(&chain, token, &mut rng).await;
        let head = chain.head().await.expect("head");
        current = (current + rng.random_range(1..=(head / 3).max(1))).min(head);
        steps.push(current);
        if current >= head {
            break;
        }
        proxy.set_head_view(HeadView::Syncing {
            current,
            highest: head,
        });
        if current > synced {
            match wait_cursor_at(&chain, &store, current, SYNC).await {
                Ok(()) => {
                    out.mismatches += mismatches(&chain, &store, token, &accounts, current).await;
                }
                Err(e) => {
                    println!("MISMATCH: following a syncing node: {e}");
                    out.mismatches += 1;
                }
            }
        } else {
            out.mismatches += rides_it_out(&ix, &store, id, synced, "node catching up").await;
        }
        out.runs += 1;
    }
    proxy.set_head_view(HeadView::Live);
    out.mismatches += check(&chain, &store, token, &accounts).await;
    if let Err(e) = ix.stop().await {
        println!("MISMATCH: indexer ended with {e}");
        out.mismatches += 1;
    }
    out.faults = proxy.counts().syncing;
    out.notes = format!(
        "cursor {synced}, node restarted at {}, caught up via {steps:?}",
        synced / 4
    );
    out
}
