//! Factory discovery: pairs created at run time are indexed from their very
//! first event, also when created and used inside one fetched range, and
//! when created after later ranges were already fetched ahead.

use std::time::Duration;

use alloy::primitives::{Address, U256};
use tributary_testkit::TestChain;

use crate::harness::{
    BACKENDS, Running, assert_events_match_chain, assert_token_matches_chain, config,
    index_to_head, store_on, wait_synced,
};

fn factory_contracts(factory: Address) -> String {
    format!(
        "[[contract]]\nname = \"Factory\"\nchain = \"test\"\nkind = \"uniswap_v2_factory\"\naddress = \"{factory}\"\n\n\
         [[contract]]\nname = \"Pairs\"\nchain = \"test\"\nkind = \"uniswap_v2_pair\"\nfactory = {{ contract = \"Factory\", event = \"PairCreated\", parameter = \"pair\" }}\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairs_are_discovered_in_backfill_and_live() {
    for backend in BACKENDS {
        discover_pairs(backend).await;
    }
}

async fn discover_pairs(backend: tributary_testkit::Backend) {
    let chain = TestChain::spawn().await.expect("anvil");
    let factory = chain.deploy_factory().await.expect("factory");
    let accounts = chain.dev_accounts();
    let mut tokens = Vec::new();
    for i in 0..6 {
        tokens.push(
            chain
                .deploy_token(&format!("T{i}"), &format!("T{i}"), 18)
                .await
                .expect("token"),
        );
    }
    let amount = U256::from(1_000_000u64);
    // Created and minted in the same transaction, then filler blocks so that
    // later pairs land in ranges fetched ahead before the first discovery.
    let mut pairs = Vec::new();
    for (i, pair_tokens) in tokens.chunks(2).take(2).enumerate() {
        let (pair, _) = chain
            .create_pair_and_mint(factory, pair_tokens[0], pair_tokens[1], accounts[i], amount)
            .await
            .expect("pair");
        pairs.push(pair);
        chain.mine(30).await.expect("mine");
        chain
            .transfer(pair, Some(i), accounts[5], U256::from(1_000u64))
            .await
            .expect("lp transfer");
    }
    {
        let (db, store) = store_on(backend).await;
        let mut cfg = config(&chain, &db, 3, &factory_contracts(factory));
        // Tiny ranges fetched far ahead: the second pair's first logs sit in a
        // range fetched before the first pair was even discovered.
        cfg.chains[0].max_block_range = 4;
        cfg.chains[0].fetch_concurrency = 8;
        let head = index_to_head(&chain, &cfg, &store, Duration::from_secs(120)).await;
        for pair in &pairs {
            assert_token_matches_chain(&chain, &store, *pair, &accounts, head).await;
            let n = assert_events_match_chain(&chain, &store, *pair, head).await;
            assert_eq!(n, 2, "{backend:?}: pair {pair} mint + transfer");
        }
        // A pair created while following live.
        let running = Running::start(&cfg, &store).await;
        let (live_pair, _) = chain
            .create_pair_and_mint(factory, tokens[4], tokens[5], accounts[2], amount)
            .await
            .expect("pair");
        chain
            .transfer(live_pair, Some(2), accounts[7], U256::from(7u64))
            .await
            .expect("lp transfer");
        let head = wait_synced(&chain, &store, chain.chain_id(), Duration::from_secs(60)).await;
        for r in running.stop().await {
            r.expect("indexer failed");
        }
        assert_token_matches_chain(&chain, &store, live_pair, &accounts, head).await;
        assert_eq!(
            assert_events_match_chain(&chain, &store, live_pair, head).await,
            2
        );
        let mut snap = store.snapshot().await.expect("snapshot");
        let lp = snap
            .tokens(Some(chain.chain_id()), Some(live_pair))
            .await
            .expect("tokens");
        snap.finish().await.expect("finish");
        assert_eq!(
            lp.len(),
            1,
            "{backend:?}: discovered pair recorded as a token"
        );
        assert_eq!(lp[0].contract, "Pairs");
    }
}
