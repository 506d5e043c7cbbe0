//! A backfill of 100,000+ transfers equals the chain, on both stores.

use std::time::Duration;

use tributary_testkit::{TestChain, WorkloadSpec};

use crate::harness::{
    BACKENDS, assert_events_match_chain, assert_token_matches_chain, config, erc20, index_to_head,
    store_on,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_of_100k_transfers_equals_the_chain_on_both_stores() {
    let chain = TestChain::spawn().await.expect("anvil");
    let token = chain
        .deploy_token("Bulk", "BULK", 18)
        .await
        .expect("deploy");
    let summary = chain
        .transfer_workload(token, &WorkloadSpec::new(100_000, 3_000, 42))
        .await
        .expect("workload");
    assert!(summary.events >= 100_000);
    for backend in BACKENDS {
        let (_db, store) = store_on(backend).await;
        let cfg = config(&chain, &_db, 12, &erc20("Bulk", token));
        let head = index_to_head(&chain, &cfg, &store, Duration::from_secs(600)).await;
        assert_token_matches_chain(&chain, &store, token, &summary.accounts, head).await;
        // The backfill suspends the holders' value index; it is back once
        // the head is reached.
        assert!(
            store.has_value_index().await.expect("value index"),
            "{backend:?}: value index rebuilt after the backfill"
        );
        let events = assert_events_match_chain(&chain, &store, token, head).await;
        assert!(
            events as u64 >= summary.events,
            "{backend:?}: {events} events stored, workload emitted {}",
            summary.events
        );
    }
}
