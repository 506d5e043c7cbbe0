//! Live following through many `anvil_reorg`s of depth 1..10 with
//! `confirmations = 12`: after each, indexed state equals the new chain.

use std::time::Duration;

use alloy::primitives::{Address, U256};
use rand::{Rng, SeedableRng};
use tributary_testkit::{Backend, ReorgTx, TestChain};

use crate::harness::{
    BACKENDS, Running, assert_events_match_chain, assert_token_matches_chain, config, erc20,
    store_on, wait_synced,
};

async fn follow_through_reorgs(backend: Backend, seed: u64, rounds: usize) {
    let chain = TestChain::spawn().await.expect("anvil");
    let token = chain
        .deploy_token("Live", "LIVE", 18)
        .await
        .expect("deploy");
    let accounts = chain.dev_accounts();
    let unit = U256::from(10u64).pow(U256::from(18));
    for a in &accounts {
        chain
            .mint(token, *a, unit * U256::from(1_000))
            .await
            .expect("mint");
    }
    // A few extra blocks so that the first reorgs stay above genesis.
    chain.mine(12).await.expect("mine");
    let (db, store) = store_on(backend).await;
    let cfg = config(&chain, &db, 12, &erc20("Live", token));
    let running = Running::start(&cfg, &store).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut reorgs = 0;
    for round in 0..rounds {
        for _ in 0..rng.random_range(1..=4) {
            let from = rng.random_range(0..accounts.len());
            let to = pick(&mut rng, &accounts);
            chain
                .transfer(
                    token,
                    Some(from),
                    to,
                    unit * U256::from(rng.random_range(1..50u64)),
                )
                .await
                .expect("transfer");
        }
        wait_synced(&chain, &store, chain.chain_id(), Duration::from_secs(60)).await;

        let depth = rng.random_range(1..=10u64);
        let mut txs = Vec::new();
        for _ in 0..rng.random_range(0..=3) {
            let from = rng.random_range(0..accounts.len());
            let tx = chain
                .transfer_tx(
                    token,
                    Some(from),
                    pick(&mut rng, &accounts),
                    unit * U256::from(rng.random_range(1..9u64)),
                )
                .expect("tx");
            txs.push(ReorgTx {
                tx,
                block_offset: rng.random_range(0..depth),
            });
        }
        let before = chain
            .block_hash(chain.head().await.expect("head"))
            .await
            .expect("hash");
        chain.reorg(depth, txs).await.expect("anvil_reorg");
        let after = chain
            .block_hash(chain.head().await.expect("head"))
            .await
            .expect("hash");
        assert_ne!(
            before, after,
            "round {round}: anvil_reorg did not change the head"
        );
        reorgs += 1;

        let head = wait_synced(&chain, &store, chain.chain_id(), Duration::from_secs(60)).await;
        assert!(
            !running.any_finished(),
            "{backend:?} round {round}: the indexer stopped"
        );
        assert_token_matches_chain(&chain, &store, token, &accounts, head).await;
        assert_events_match_chain(&chain, &store, token, head).await;
    }
    for r in running.stop().await {
        r.expect("indexer ended with an error");
    }
    assert_eq!(reorgs, rounds);
}

fn pick(rng: &mut impl Rng, accounts: &[Address]) -> Address {
    accounts[rng.random_range(0..accounts.len())]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_following_through_reorgs_on_sqlite() {
    follow_through_reorgs(BACKENDS[0], 1, 15).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_following_through_reorgs_on_postgres() {
    follow_through_reorgs(BACKENDS[1], 2, 15).await;
}
