//! Logs that fail: projection errors (dead letters, or a halt) and
//! undecodable logs fixed by an ABI change and a retry.

use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::U256;
use rand::{Rng, SeedableRng, rngs::StdRng};
use tributary_chaos::{Indexing, Outcome, config, erc20, wait_synced};
use tributary_engine::{EngineError, IndexerOptions, OnError};
use tributary_testkit::{Backend, TestChain};

use crate::cases::{SYNC, open_store, unit};

/// A token indexed from after its mints: the first transfers of each holder
/// underflow (the projection rejects them). With `on_error = "dead_letter"`
/// the chain goes on and each rejection is a dead letter; with `"halt"` the
/// chain stops before the first failing block, writing nothing of it.
pub async fn dead_letters(backend: Backend, seed: u64) -> Outcome {
    let mut out = Outcome {
        case: format!("projection errors: dead letters / halt ({backend:?})"),
        ..Outcome::default()
    };
    let chain = TestChain::spawn().await.expect("anvil");
    let token = chain
        .deploy_token("Late", "LATE", 18)
        .await
        .expect("deploy");
    let dev = chain.dev_accounts();
    for a in &dev {
        chain
            .mint(token, *a, unit() * U256::from(100))
            .await
            .expect("mint");
    }
    let start = chain.head().await.expect("head") + 1;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut first_failing = None;
    for _ in 0..6 {
        let from = rng.random_range(0..dev.len());
        let mined = chain
            .transfer(token, Some(from), dev[(from + 1) % dev.len()], unit())
            .await
            .expect("transfer");
        first_failing.get_or_insert(mined.block_number);
    }
    chain.mine(6).await.expect("mine");
    let chain = Arc::new(chain);
    let contract = erc20("Late", token, Some(start));

    // dead_letter: the chain reaches the head; every rejection is recorded.
    let (db, store) = open_store(backend).await;
    let cfg = config(&chain.rpc_url(), chain.chain_id(), &db.url, 5, &contract);
    let settings = tributary_engine::setup::rpc_settings(&cfg.chains[0]);
    let ix = Indexing::start(&cfg, &store, settings.clone(), IndexerOptions::default()).await;
    if let Err(e) = wait_synced(&chain, &store, SYNC).await {
        println!("MISMATCH: dead_letter mode did not reach the head: {e}");
        out.mismatches += 1;
    }
    let _ = ix.stop().await;
    let letters = store
        .dead_letters(None, false, 1000)
        .await
        .expect("letters");
    out.faults += letters.len() as u64;
    if letters.is_empty() || letters.iter().any(|l| !l.error.starts_with("projection:")) {
        println!("MISMATCH: expected projection dead letters, got {letters:?}");
        out.mismatches += 1;
    }

    // halt: the chain stops with a clear error; the failing block is not written.
    let (db, store) = open_store(backend).await;
    let cfg = config(&chain.rpc_url(), chain.chain_id(), &db.url, 5, &contract);
    let options = IndexerOptions {
        on_error: OnError::Halt,
        ..IndexerOptions::default()
    };
    let ix = Indexing::start(&cfg, &store, settings, options).await;
    for _ in 0..400 {
        if ix.finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    match ix.stop().await {
        Err(EngineError::Halted { .. }) => {}
        other => {
            println!("MISMATCH: halt mode ended with {other:?}");
            out.mismatches += 1;
        }
    }
    let cursor = store
        .cursor(chain.chain_id())
        .await
        .expect("cursor")
        .map(|c| c.number);
    let first = first_failing.expect("a transfer");
    if cursor.is_some_and(|c| c >= first) {
        println!("MISMATCH: halt mode wrote block {first} (cursor {cursor:?})");
        out.mismatches += 1;
    }
    if !store
        .dead_letters(None, true, 10)
        .await
        .expect("letters")
        .is_empty()
    {
        println!("MISMATCH: halt mode recorded dead letters");
        out.mismatches += 1;
    }
    out.runs = 2;
    out.notes = format!(
        "{} dead letters; halt stopped below block {first}",
        letters.len()
    );
    out
}

/// An ABI whose `Transfer` wrongly marks `value` indexed (same selector,
/// one topic too many): every Transfer fails to decode and becomes a dead
/// letter while the chain goes on. After the ABI is fixed, the retry path
/// (mark retried, replay the letters' blocks) stores every event.
pub async fn undecodable_then_fixed(backend: Backend) -> Outcome {
    let mut out = Outcome {
        case: format!("undecodable logs, ABI fixed, retried ({backend:?})"),
        ..Outcome::default()
    };
    let chain = TestChain::spawn().await.expect("anvil");
    let token = chain.deploy_token("Raw", "RAW", 18).await.expect("deploy");
    let dev = chain.dev_accounts();
    for a in dev.iter().take(4) {
        chain.mint(token, *a, unit()).await.expect("mint");
    }
    chain.mine(6).await.expect("mine");
    let chain = Arc::new(chain);
    let dir = tempfile::tempdir().expect("tempdir");
    let abi_path = dir.path().join("Raw.json");
    let abi = |indexed_value: bool| {
        format!(
            r#"[{{"type":"event","name":"Transfer","anonymous":false,"inputs":[
            {{"name":"from","type":"address","indexed":true}},
            {{"name":"to","type":"address","indexed":true}},
            {{"name":"value","type":"uint256","indexed":{indexed_value}}}]}}]"#
        )
    };
    std::fs::write(&abi_path, abi(true)).expect("write abi");
    let contract = format!(
        "[[contract]]\nname = \"Raw\"\nchain = \"test\"\nkind = \"events\"\nabi = \"{}\"\naddress = \"{token}\"\n",
        abi_path.display()
    );
    let (db, store) = open_store(backend).await;
    let cfg = config(&chain.rpc_url(), chain.chain_id(), &db.url, 5, &contract);
    let settings = tributary_engine::setup::rpc_settings(&cfg.chains[0]);
    let ix = Indexing::start(&cfg, &store, settings, IndexerOptions::default()).await;
    let head = match wait_synced(&chain, &store, SYNC).await {
        Ok(h) => h,
        Err(e) => {
            println!("MISMATCH: {e}");
            out.mismatches += 1;
            return out;
        }
    };
    let _ = ix.stop().await;
    let letters = store.dead_letters(None, false, 100).await.expect("letters");
    out.faults = letters.len() as u64;
    if letters.len() != 4 || letters.iter().any(|l| !l.error.starts_with("decode:")) {
        println!("MISMATCH: expected 4 decode dead letters, got {letters:?}");
        out.mismatches += 1;
    }
    // The fix, then what `tributary dead-letters retry` does.
    std::fs::write(&abi_path, abi(false)).expect("write abi");
    let cfg = config(&chain.rpc_url(), chain.chain_id(), &db.url, 5, &contract);
    let ids: Vec<i64> = letters.iter().map(|l| l.id).collect();
    store.mark_retried(&ids).await.expect("mark");
    let (notices, _) = tokio::sync::broadcast::channel(16);
    let from = letters.iter().map(|l| l.block_number).min().unwrap_or(0);
    let to = letters.iter().map(|l| l.block_number).max().unwrap_or(0);
    for mut ix in tributary_engine::setup::indexers(&cfg, &store, &notices, None)
        .await
        .expect("indexers")
    {
        ix.replay(from, to).await.expect("replay");
    }
    let stored = tributary_chaos::mismatches_of_events(&chain, &store, token, head).await;
    out.mismatches += stored;
    if !store
        .dead_letters(None, false, 100)
        .await
        .expect("letters")
        .is_empty()
    {
        println!("MISMATCH: dead letters still open after the fix");
        out.mismatches += 1;
    }
    let runs = store.runs(None, 10).await.expect("runs");
    if !runs.iter().any(|r| r.job == "replay") || !runs.iter().any(|r| r.job == "index") {
        println!("MISMATCH: runs not recorded: {runs:?}");
        out.mismatches += 1;
    }
    out.runs = 2;
    out.notes = format!(
        "{} Transfer logs dead-lettered, all stored after the fix",
        letters.len()
    );
    out
}
