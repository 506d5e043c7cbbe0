//! Config changes: a contract entry added later is caught up from the
//! chain, and projections rebuild from stored raw events, idempotently.

use std::time::Duration;

use alloy::primitives::U256;
use tokio::sync::broadcast;
use tributary_testkit::TestChain;

use crate::harness::{
    BACKENDS, assert_events_match_chain, assert_token_matches_chain, config, erc20, index_to_head,
    store_on,
};

fn raw_events(address: alloy::primitives::Address) -> String {
    let artifact = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testing/artifacts/TestToken.json"
    );
    format!(
        "[[contract]]\nname = \"Raw\"\nchain = \"test\"\nkind = \"events\"\nabi = \"{artifact}\"\naddress = \"{address}\"\n\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn added_projection_is_built_from_history_and_rebuilds_are_identical() {
    for backend in BACKENDS {
        let chain = TestChain::spawn().await.expect("anvil");
        let token = chain
            .deploy_token("Late", "LATE", 18)
            .await
            .expect("deploy");
        let accounts = chain.dev_accounts();
        for (i, a) in accounts.iter().enumerate() {
            chain
                .mint(token, *a, U256::from(100u64 + i as u64))
                .await
                .expect("mint");
        }
        chain
            .transfer(token, Some(0), accounts[3], U256::from(42u64))
            .await
            .expect("transfer");
        let (db, store) = store_on(backend).await;

        // First only raw events; then the same address also as an erc20.
        let first = config(&chain, &db, 2, &raw_events(token));
        index_to_head(&chain, &first, &store, Duration::from_secs(60)).await;
        let second = config(&chain, &db, 2, &(raw_events(token) + &erc20("Late", token)));
        let head = index_to_head(&chain, &second, &store, Duration::from_secs(60)).await;
        assert_token_matches_chain(&chain, &store, token, &accounts, head).await;
        assert_events_match_chain(&chain, &store, token, head).await;

        // An explicit rebuild gives the same table, and a replay of a complete
        // range stores nothing new.
        let before =
            tributary_testkit::verify::indexed_holders(&store, chain.chain_id(), token).await;
        let (notices, _) = broadcast::channel(8);
        let mut ix = tributary_engine::setup::indexers(&second, &store, &notices, None)
            .await
            .expect("indexers")
            .remove(0);
        assert_eq!(ix.rebuild(Some("Late")).await.expect("rebuild"), 1);
        assert_eq!(
            tributary_testkit::verify::indexed_holders(&store, chain.chain_id(), token).await,
            before,
            "{backend:?}: rebuild differs"
        );
        assert_eq!(
            ix.replay(0, head).await.expect("replay"),
            0,
            "{backend:?}: nothing was missing"
        );
        assert_token_matches_chain(&chain, &store, token, &accounts, head).await;
    }
}
