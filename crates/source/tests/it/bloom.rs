//! The dropped-log check against anvil: real blooms, and what checking
//! them in backfill costs.

use std::time::Instant;

use alloy::primitives::{B256, U256};
use futures::TryStreamExt;
use tributary_source::{BloomCheck, FetchPlan, HeaderMode, LogFilter, RpcSettings};

use crate::chain::Chain;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_bloom_check_finds_nothing_wrong_on_an_honest_node_and_costs_headers() {
    let chain = Chain::spawn();
    let emitter = chain.deploy_emitter().await;
    let other = chain.deploy_emitter().await;
    let topic = B256::from(U256::from(0xb100u64));
    // ~1,900 blocks: three logs of ours every 9 blocks, the other
    // emitter's (same topic, other address) every 18.
    for i in 0..200u64 {
        chain.emit(emitter, topic).await;
        if i % 2 == 0 {
            chain.emit(other, topic).await;
        }
        chain.mine(8).await;
    }
    let head = chain.head().await;
    let filter = LogFilter {
        addresses: vec![emitter],
        topics0: vec![topic],
    };
    let mut results = Vec::new();
    for check in [BloomCheck::Tail, BloomCheck::Always] {
        let source = chain
            .source(RpcSettings {
                bloom_check: check,
                initial_block_range: 500,
                max_block_range: 500,
                ..chain.settings()
            })
            .await;
        let started = Instant::now();
        let ranges: Vec<_> = source
            .fetch_ahead(
                0,
                head,
                FetchPlan::fixed(filter.clone(), HeaderMode::LastOnly),
            )
            .try_collect()
            .await
            .expect("fetch");
        let elapsed = started.elapsed();
        let logs: Vec<(u64, u64)> = ranges
            .iter()
            .flat_map(|r| r.logs.iter().map(|l| l.position()))
            .collect();
        println!(
            "{check:?}: {} blocks, {} logs in {:.0} ms",
            head + 1,
            logs.len(),
            elapsed.as_secs_f64() * 1000.0
        );
        // LastOnly hands on one header per range whatever was checked.
        assert!(ranges.iter().all(|r| r.headers.len() == 1));
        results.push(logs);
    }
    assert_eq!(results[0].len(), 600);
    assert_eq!(results[0], results[1]);
}
