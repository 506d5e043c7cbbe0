//! Logs, headers and calls against anvil.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use alloy::{
    eips::BlockId,
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    rpc::types::Filter,
};
use futures::TryStreamExt;
use tributary_source::{FetchPlan, FetchedRange, HeaderMode, LogFilter, RpcSettings, SourceError};

use crate::chain::Chain;

fn topic(i: u64) -> B256 {
    B256::from(U256::from(0xabc000 + i))
}

/// Two emitters and ~550 blocks with logs and empty stretches.
async fn busy_chain() -> (Chain, Address, Address) {
    let chain = Chain::spawn();
    let a = chain.deploy_emitter().await;
    let b = chain.deploy_emitter().await;
    for i in 0..60 {
        chain.emit(a, topic(i % 3)).await;
        if i % 4 == 0 {
            chain.emit(b, topic(7)).await;
        }
        chain.mine(if i == 30 { 400 } else { i % 4 }).await;
    }
    (chain, a, b)
}

async fn collect(
    chain: &Chain,
    settings: RpcSettings,
    plan: FetchPlan,
    to: u64,
) -> Vec<FetchedRange> {
    let source = chain.source(settings).await;
    source
        .fetch_ahead(0, to, plan)
        .try_collect()
        .await
        .expect("fetch_ahead")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_ahead_returns_exactly_what_get_logs_returns_in_order() {
    let (chain, a, b) = busy_chain().await;
    let head = chain.head().await;
    assert!(head > 500, "head {head}");

    // The node's own answer over the whole range.
    let truth = chain
        .provider
        .get_logs(&Filter::new().from_block(0).to_block(head))
        .await
        .expect("get_logs");
    assert_eq!(truth.len(), 60 * 3 + 15 * 3);

    let settings = RpcSettings {
        initial_block_range: 1,
        max_block_range: 64,
        concurrency: 4,
        ..chain.settings()
    };
    let calls = Arc::new(AtomicUsize::new(0));
    let plan = FetchPlan {
        filter: Arc::new({
            let calls = calls.clone();
            move || {
                calls.fetch_add(1, Ordering::SeqCst);
                LogFilter {
                    addresses: vec![a, b],
                    topics0: vec![],
                }
            }
        }),
        with_headers: HeaderMode::LastOnly,
    };
    let ranges = collect(&chain, settings.clone(), plan, head).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        ranges.len(),
        "filter asked once per range"
    );

    let mut next = 0;
    for range in &ranges {
        assert_eq!(range.from, next, "consecutive ranges");
        assert_eq!(range.headers.len(), 1);
        assert_eq!(range.headers[0].number, range.to);
        let block = chain
            .provider
            .get_block_by_number(range.to.into())
            .await
            .expect("block")
            .expect("exists");
        assert_eq!(range.headers[0].hash, block.header.hash);
        next = range.to + 1;
    }
    assert_eq!(next, head + 1);

    let sizes: Vec<u64> = ranges.iter().map(|r| r.to - r.from + 1).collect();
    assert_eq!(sizes[0], 1, "starts at the initial range");
    assert!(sizes.contains(&64), "grows to the max: {sizes:?}");
    assert!(
        sizes.iter().all(|&s| s <= 64),
        "never above the max: {sizes:?}"
    );

    let fetched: Vec<_> = ranges.iter().flat_map(|r| r.logs.iter().cloned()).collect();
    assert_eq!(fetched.len(), truth.len());
    for (got, want) in fetched.iter().zip(&truth) {
        assert_eq!(Some(got.block_number), want.block_number);
        assert_eq!(Some(got.block_hash), want.block_hash);
        assert_eq!(Some(got.log_index), want.log_index);
        assert_eq!(Some(got.tx_hash), want.transaction_hash);
        assert_eq!(Some(got.tx_index), want.transaction_index);
        assert_eq!(got.address, want.address());
        assert_eq!(got.topics, want.topics());
        assert_eq!(got.data, want.data().data);
    }

    // The same logs through logs() in one go.
    let source = chain.source(settings).await;
    let whole = source
        .logs(0, head, &LogFilter::default())
        .await
        .expect("logs");
    assert_eq!(whole, fetched);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_by_address_and_topic() {
    let (chain, a, b) = busy_chain().await;
    let head = chain.head().await;
    let source = chain
        .source(RpcSettings {
            max_addresses_per_request: 1,
            ..chain.settings()
        })
        .await;
    let only_b = source
        .logs(
            0,
            head,
            &LogFilter {
                addresses: vec![b],
                topics0: vec![],
            },
        )
        .await
        .expect("b");
    assert_eq!(only_b.len(), 15 * 3);
    assert!(only_b.iter().all(|l| l.address == b));
    let topic1 = LogFilter {
        addresses: vec![a, b],
        topics0: vec![topic(1)],
    };
    let ones = source.logs(0, head, &topic1).await.expect("topic 1");
    assert_eq!(ones.len(), 20 * 3);
    assert!(
        ones.iter()
            .all(|l| l.address == a && l.topic0() == Some(topic(1)))
    );
    assert!(ones.windows(2).all(|w| w[0].position() < w[1].position()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_mode_all_gives_every_header_matching_the_logs() {
    let (chain, _, _) = busy_chain().await;
    let head = chain.head().await;
    let settings = RpcSettings {
        initial_block_range: 16,
        max_block_range: 16,
        ..chain.settings()
    };
    let ranges = collect(
        &chain,
        settings,
        FetchPlan::fixed(LogFilter::default(), HeaderMode::All),
        head,
    )
    .await;
    for range in &ranges {
        let numbers: Vec<u64> = range.headers.iter().map(|h| h.number).collect();
        assert_eq!(numbers, (range.from..=range.to).collect::<Vec<_>>());
        for log in &range.logs {
            let header = &range.headers[(log.block_number - range.from) as usize];
            assert_eq!(header.hash, log.block_hash);
        }
    }
    let all: Vec<_> = ranges
        .iter()
        .flat_map(|r| r.headers.iter().copied())
        .collect();
    assert!(all.windows(2).all(|w| w[0].is_parent_of(&w[1])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_link_by_parent_hash() {
    let chain = Chain::spawn();
    chain.mine(250).await;
    let source = chain
        .source(RpcSettings {
            batch_size: 64,
            ..chain.settings()
        })
        .await;
    let headers = source.headers(0, 250).await.expect("headers");
    assert_eq!(headers.len(), 251);
    assert!(headers.windows(2).all(|w| w[0].is_parent_of(&w[1])));
    for n in [0u64, 63, 64, 250] {
        let block = chain
            .provider
            .get_block_by_number(n.into())
            .await
            .expect("block")
            .expect("exists");
        assert_eq!(headers[n as usize].hash, block.header.hash);
        assert_eq!(headers[n as usize].timestamp, block.header.timestamp);
        assert_eq!(
            source.header(n).await.expect("header"),
            Some(headers[n as usize])
        );
    }
    assert_eq!(source.header(10_000).await.expect("future block"), None);
    assert_eq!(source.latest_header().await.expect("latest"), headers[250]);
    let err = source.headers(249, 252).await.expect_err("beyond the head");
    assert!(matches!(err, SourceError::Inconsistent { .. }), "{err}");
    assert_eq!(source.chain_id().await.expect("chain id"), 31337);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_pinned_to_a_block_hash() {
    let chain = Chain::spawn();
    let echo = chain.deploy_echo().await;
    let source = chain.source(chain.settings()).await;
    let head = source.latest_header().await.expect("head");
    let inputs: Vec<Bytes> = (1u8..=5)
        .map(|i| Bytes::from(vec![i; 4 + usize::from(i)]))
        .collect();
    let results = source
        .calls(
            inputs.iter().map(|d| (echo, d.clone())).collect(),
            head.hash,
        )
        .await;
    let outputs: Vec<Bytes> = results.into_iter().map(|r| r.expect("call")).collect();
    assert_eq!(outputs, inputs);

    let single = source
        .call(echo, inputs[0].clone(), BlockId::hash(head.hash))
        .await
        .expect("call");
    assert_eq!(single, inputs[0]);
    // Before the deployment there is no code: an empty answer.
    let before = source
        .call(echo, inputs[0].clone(), BlockId::number(0))
        .await
        .expect("call");
    assert!(before.is_empty());

    let unknown = source
        .calls(vec![(echo, inputs[0].clone())], B256::repeat_byte(0x13))
        .await;
    let err = unknown
        .into_iter()
        .next()
        .expect("one result")
        .expect_err("unknown block");
    assert!(err.to_string().contains("eth_call"), "{err}");
}
