//! Stopping and starting: a reorg that happened while tributary was stopped
//! is undone at start; one deeper than the kept window halts the chain with
//! nothing written.

use std::path::Path;
use std::time::Duration;

use alloy::primitives::{Address, U256};
use tributary_engine::EngineError;
use tributary_testkit::{ReorgTx, TestChain};

use crate::harness::{
    BACKENDS, Running, assert_events_match_chain, assert_token_matches_chain, config, erc20,
    index_to_head, store_on, wait_synced,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reorg_while_stopped_is_undone_at_start() {
    for backend in BACKENDS {
        let chain = TestChain::spawn().await.expect("anvil");
        let token = chain.deploy_token("Off", "OFF", 18).await.expect("deploy");
        let accounts = chain.dev_accounts();
        for (i, a) in accounts.iter().enumerate() {
            chain
                .mint(token, *a, U256::from(1_000u64 * (i as u64 + 1)))
                .await
                .expect("mint");
        }
        let (db, store) = store_on(backend).await;
        let cfg = config(&chain, &db, 12, &erc20("Off", token));
        index_to_head(&chain, &cfg, &store, Duration::from_secs(60)).await;
        // While stopped: the last 6 blocks (mints to accounts 4..9) are replaced.
        let tx = chain
            .transfer_tx(token, Some(0), accounts[9], U256::from(5u64))
            .expect("tx");
        chain
            .reorg(
                6,
                vec![ReorgTx {
                    tx,
                    block_offset: 2,
                }],
            )
            .await
            .expect("reorg");
        let running = Running::start(&cfg, &store).await;
        let head = wait_synced(&chain, &store, chain.chain_id(), Duration::from_secs(60)).await;
        for r in running.stop().await {
            r.expect("indexer failed");
        }
        assert_token_matches_chain(&chain, &store, token, &accounts, head).await;
        assert_events_match_chain(&chain, &store, token, head).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reorg_deeper_than_the_window_halts_and_writes_nothing() {
    for backend in BACKENDS {
        let chain = TestChain::spawn().await.expect("anvil");
        let token = chain
            .deploy_token("Deep", "DEEP", 18)
            .await
            .expect("deploy");
        let accounts = chain.dev_accounts();
        for a in &accounts {
            chain
                .mint(token, *a, U256::from(1_000u64))
                .await
                .expect("mint");
        }
        let (db, store) = store_on(backend).await;
        let cfg = config(&chain, &db, 2, &erc20("Deep", token));
        let head = index_to_head(&chain, &cfg, &store, Duration::from_secs(60)).await;
        let cursor_before = store.cursor(chain.chain_id()).await.expect("cursor");
        let events_before = assert_events_match_chain(&chain, &store, token, head).await;
        // Replace 8 blocks: deeper than the 2-block finality window kept.
        let tx = chain
            .transfer_tx(token, Some(1), accounts[2], U256::from(1u64))
            .expect("tx");
        chain
            .reorg(
                8,
                vec![ReorgTx {
                    tx,
                    block_offset: 0,
                }],
            )
            .await
            .expect("reorg");
        let running = Running::start(&cfg, &store).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !running.any_finished() {
            assert!(
                std::time::Instant::now() < deadline,
                "{backend:?}: the indexer did not halt on a deep reorg"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let results = running.stop().await;
        assert!(
            matches!(results[0], Err(EngineError::DeepReorg { .. })),
            "{backend:?}: expected DeepReorg, got {:?}",
            results[0]
        );
        assert_eq!(
            store.cursor(chain.chain_id()).await.expect("cursor"),
            cursor_before,
            "{backend:?}: cursor moved"
        );
        let mut snap = store.snapshot().await.expect("snapshot");
        let chains = snap.chains().await.expect("chains");
        snap.finish().await.expect("finish");
        assert_eq!(
            chains[0].events as usize, events_before,
            "{backend:?}: events changed"
        );
        assert!(
            chains[0]
                .last_error
                .as_deref()
                .unwrap_or("")
                .contains("deeper than the kept window"),
            "{backend:?}: status shows the halt: {:?}",
            chains[0].last_error
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_index_left_out_by_a_cut_short_bulk_load_is_rebuilt_at_start() {
    let chain = TestChain::spawn().await.expect("anvil");
    let token = chain.deploy_token("Cut", "CUT", 18).await.expect("deploy");
    for (i, a) in chain.dev_accounts().iter().enumerate() {
        chain
            .mint(token, *a, U256::from(10u64 * (i as u64 + 1)))
            .await
            .expect("mint");
    }
    for backend in BACKENDS {
        let (db, store) = store_on(backend).await;
        // What a process killed in the middle of a bulk load leaves behind.
        store.suspend_value_index().await.expect("suspend");
        let cfg = config(&chain, &db, 12, &erc20("Cut", token));
        let head = index_to_head(&chain, &cfg, &store, Duration::from_secs(60)).await;
        assert!(
            store.has_value_index().await.expect("value index"),
            "{backend:?}: rebuilt before following the head"
        );
        assert_token_matches_chain(&chain, &store, token, &chain.dev_accounts(), head).await;
    }
}

/// A batch below the finality depth sends its events into its open
/// transaction before it commits. When it halts midway, nothing of it is
/// written, and the halt is recorded at once: the transaction is rolled
/// back first (on SQLite it held the only write connection, and recording
/// the error waited for it until the pool gave up, 30 s later).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_halt_in_the_middle_of_a_streamed_batch_writes_nothing_and_is_recorded_at_once() {
    for backend in BACKENDS {
        let chain = TestChain::spawn().await.expect("anvil");
        let token = chain
            .deploy_token("Half", "HALF", 18)
            .await
            .expect("deploy");
        let accounts = chain.dev_accounts();
        // Funded before the indexed range starts: its balance there is
        // unknown, so its transfer inside the range is rejected.
        let early = chain
            .mint(token, accounts[1], U256::from(1_000u64))
            .await
            .expect("mint");
        let recipients: Vec<Address> = (1..=300u64)
            .map(|i| Address::left_padding_from(&i.to_be_bytes()))
            .collect();
        chain
            .batch_mint(
                token,
                &recipients,
                &vec![U256::from(5u64); recipients.len()],
            )
            .await
            .expect("batch mint");
        chain
            .transfer(token, Some(1), accounts[2], U256::from(1u64))
            .await
            .expect("transfer");
        chain.mine(5).await.expect("mine");
        let (db, store) = store_on(backend).await;
        // One block per range, and events streamed every 100: the 300
        // mints go into the transaction before the bad transfer's block.
        let text = format!(
            "[database]\nurl = \"{}\"\n\n[[chain]]\nname = \"test\"\nchain_id = {}\nrpc = [\"{}\"]\nconfirmations = 2\npoll_interval_ms = 50\nmax_block_range = 1\nbatch_events = 100\non_error = \"halt\"\n\n[[contract]]\nname = \"Half\"\nchain = \"test\"\nkind = \"erc20\"\naddress = \"{token}\"\nstart_block = {}\n",
            db.url,
            chain.chain_id(),
            chain.rpc_url(),
            early.block_number + 1
        );
        let cfg = tributary_config::parse_str(&text, Path::new("/tmp/tributary-test.toml"), &[])
            .expect("config");
        let started = std::time::Instant::now();
        let running = Running::start(&cfg, &store).await;
        while !running.any_finished() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{backend:?}: the indexer did not halt"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let results = running.stop().await;
        assert!(
            matches!(results[0], Err(EngineError::Halted { .. })),
            "{backend:?}: expected a halt, got {:?}",
            results[0]
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{backend:?}: halting took {:?}",
            started.elapsed()
        );
        assert_eq!(
            store.cursor(chain.chain_id()).await.expect("cursor"),
            None,
            "{backend:?}: a cursor was written"
        );
        let mut snap = store.snapshot().await.expect("snapshot");
        let chains = snap.chains().await.expect("chains");
        snap.finish().await.expect("finish");
        assert_eq!(chains[0].events, 0, "{backend:?}: events were written");
        assert!(
            chains[0]
                .last_error
                .as_deref()
                .unwrap_or("")
                .contains("halting"),
            "{backend:?}: status shows the halt: {:?}",
            chains[0].last_error
        );
    }
}
