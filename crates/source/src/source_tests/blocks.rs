//! Headers, fetch-ahead, batched calls and new heads.

use super::*;

#[tokio::test]
async fn headers_come_in_batches_and_link() {
    let node = TestNode::rpc(|_, params| Ok(header_json(quantity(&params[0]).min(249)))).await;
    let src = source(vec![node.url.clone()]).await;
    let headers = src.headers(0, 249).await.expect("headers");
    assert_eq!(headers.len(), 250);
    assert!(headers.windows(2).all(|w| w[0].is_parent_of(&w[1])));
    let sizes: Vec<usize> = node
        .bodies()
        .iter()
        .map(|b| b.as_array().map_or(0, Vec::len))
        .collect();
    let mut sorted = sizes.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, vec![50, 100, 100]);
    assert_eq!(
        src.header(7).await.expect("header").map(|h| h.hash),
        Some(hash_of(7))
    );
    assert_eq!(src.latest_header().await.expect("latest").number, 249);
}

#[tokio::test]
async fn headers_that_do_not_link_are_inconsistent() {
    let node = TestNode::rpc(|_, params| {
        let n = quantity(&params[0]);
        let mut header = header_json(n);
        if n == 2 {
            header["parentHash"] = json!(B256::repeat_byte(0xee));
        }
        Ok(header)
    })
    .await;
    let src = source(vec![node.url.clone()]).await;
    let err = src.headers(0, 3).await.expect_err("unlinked");
    assert!(matches!(err, SourceError::Inconsistent { .. }), "{err}");
    assert!(err.to_string().contains("block 2"), "{err}");
}

#[tokio::test]
async fn detects_a_log_whose_block_hash_differs_from_the_header() {
    let node = TestNode::rpc(|method, params| match method {
        "eth_getLogs" => {
            let mut log = log_json(5, 0, Address::ZERO);
            log["blockHash"] = json!(B256::repeat_byte(0x77));
            Ok(json!([log]))
        }
        _ => Ok(header_json(quantity(&params[0]))),
    })
    .await;
    let src = source(vec![node.url.clone()]).await;
    let plan = FetchPlan::fixed(LogFilter::default(), HeaderMode::All);
    let items: Vec<_> = src.fetch_ahead(4, 6, plan).collect().await;
    assert_eq!(items.len(), 1, "the stream ends at the first error");
    let err = items
        .into_iter()
        .next()
        .expect("item")
        .expect_err("inconsistent");
    assert!(matches!(err, SourceError::Inconsistent { .. }), "{err}");
    assert!(err.to_string().contains("block 5"), "{err}");
    assert_eq!(
        node.params_of("eth_getLogs").len(),
        4,
        "fetched once and retried three times"
    );
}

#[tokio::test]
async fn fetch_ahead_yields_in_order_and_adapts_sizes() {
    let served = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let node = TestNode::rpc({
        let served = served.clone();
        let refused = refused.clone();
        move |method, params| match method {
            "eth_getLogs" => {
                let (a, b) = range_of(params);
                if b - a + 1 > 16 {
                    refused.fetch_add(1, Ordering::SeqCst);
                    return Err((-32005, "query returned more than 10000 results".into()));
                }
                // Answer out of order: later requests are faster.
                let n = served.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(3 * (n % 3)));
                Ok(logs_for(params, Address::repeat_byte(1)))
            }
            _ => Ok(header_json(quantity(&params[0]))),
        }
    })
    .await;
    let src = EvmSource::connect(RpcSettings {
        initial_block_range: 1,
        max_block_range: 64,
        ..settings(vec![node.url.clone()])
    })
    .await
    .expect("connect");
    let plan = FetchPlan::fixed(LogFilter::default(), HeaderMode::LastOnly);
    let ranges: Vec<_> = src
        .fetch_ahead(0, 499, plan)
        .try_collect()
        .await
        .expect("ranges");
    let mut next = 0;
    for range in &ranges {
        assert_eq!(range.from, next);
        assert_eq!(range.headers.len(), 1);
        assert_eq!(range.headers[0].number, range.to);
        next = range.to + 1;
    }
    assert_eq!(next, 500);
    let sizes: Vec<u64> = ranges.iter().map(|r| r.to - r.from + 1).collect();
    assert_eq!(sizes[0], 1);
    assert!(sizes.iter().any(|&s| s > 16), "grew: {sizes:?}");
    assert!(sizes.iter().all(|&s| s <= 64), "capped: {sizes:?}");
    // Once a range had to be split, sizes stay at what worked (with a rare
    // probe above it) instead of failing again every few ranges.
    let refused = refused.load(Ordering::SeqCst);
    assert!(
        (1..=8).contains(&refused),
        "{refused} refused requests: {sizes:?}"
    );
    let logs: Vec<u64> = ranges
        .iter()
        .flat_map(|r| r.logs.iter().map(|l| l.block_number))
        .collect();
    assert_eq!(logs, (0..500).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_range_goes_out_alone_and_sizes_the_rest() {
    let refused = Arc::new(AtomicU64::new(0));
    let node = TestNode::rpc({
        let refused = refused.clone();
        move |method, params| match method {
            "eth_getLogs" => {
                let (a, b) = range_of(params);
                if b - a + 1 > 4 {
                    refused.fetch_add(1, Ordering::SeqCst);
                    return Err((-32005, "query returned more than 10000 results".into()));
                }
                Ok(logs_for(params, Address::repeat_byte(1)))
            }
            _ => Ok(header_json(quantity(&params[0]))),
        }
    })
    .await;
    let src = EvmSource::connect(RpcSettings {
        initial_block_range: 16,
        max_block_range: 16,
        concurrency: 4,
        ..settings(vec![node.url.clone()])
    })
    .await
    .expect("connect");
    let plan = FetchPlan::fixed(LogFilter::default(), HeaderMode::LastOnly);
    let ranges: Vec<_> = src
        .fetch_ahead(0, 63, plan)
        .try_collect()
        .await
        .expect("ranges");
    let sizes: Vec<u64> = ranges.iter().map(|r| r.to - r.from + 1).collect();
    assert_eq!(sizes[0], 16, "{sizes:?}");
    assert!(sizes[1..].iter().all(|&s| s == 4), "{sizes:?}");
    // 0..=15 was split three times into blocks of four; the others were
    // started at that size. Started together, four 16-block ranges were
    // each refused three times.
    assert_eq!(refused.load(Ordering::SeqCst), 3, "{sizes:?}");
    let logs: Vec<u64> = ranges
        .iter()
        .flat_map(|r| r.logs.iter().map(|l| l.block_number))
        .collect();
    assert_eq!(logs, (0..64).collect::<Vec<_>>());
    // The next fetch (the tail after a backfill) starts at the learned size.
    let plan = FetchPlan::fixed(LogFilter::default(), HeaderMode::LastOnly);
    let tail: Vec<_> = src
        .fetch_ahead(64, 75, plan)
        .try_collect()
        .await
        .expect("tail");
    let sizes: Vec<u64> = tail.iter().map(|r| r.to - r.from + 1).collect();
    assert_eq!(sizes, vec![4, 4, 4], "{sizes:?}");
    assert_eq!(refused.load(Ordering::SeqCst), 3, "no new refusals");
}

#[tokio::test]
async fn calls_go_in_one_batch_pinned_to_the_block_hash() {
    let block = B256::repeat_byte(0x42);
    let node = TestNode::rpc(move |method, params| {
        assert_eq!(method, "eth_call");
        assert_eq!(params[1], json!({ "blockHash": block }));
        let to: Address =
            serde_json::from_value(params[0]["to"].clone()).map_err(|e| (-32602, e.to_string()))?;
        if to == Address::repeat_byte(2) {
            Err((3, "execution reverted".into()))
        } else {
            Ok(json!(Bytes::from(vec![to.0[0]; 32])))
        }
    })
    .await;
    let src = source(vec![node.url.clone()]).await;
    let calls = (1..=3)
        .map(|i| {
            (
                Address::repeat_byte(i),
                Bytes::from(vec![0x95, 0xd8, 0x9b, 0x41]),
            )
        })
        .collect();
    let results = src.calls(calls, block).await;
    assert_eq!(results.len(), 3);
    assert_eq!(
        results[0].as_ref().expect("first"),
        &Bytes::from(vec![1; 32])
    );
    assert_eq!(
        results[1].as_ref().expect_err("second").rpc_kind(),
        Some(RpcErrorKind::Reverted)
    );
    assert_eq!(
        results[2].as_ref().expect("third"),
        &Bytes::from(vec![3; 32])
    );
    assert_eq!(node.bodies().len(), 1, "one JSON-RPC batch");
}

#[tokio::test]
async fn new_heads_polls_and_yields_only_changes() {
    let head = Arc::new(AtomicU64::new(10));
    let node = TestNode::rpc({
        let head = head.clone();
        move |_, _| Ok(header_json(head.load(Ordering::SeqCst)))
    })
    .await;
    let src = source(vec![node.url.clone()]).await;
    let mut heads = Box::pin(src.new_heads());
    assert_eq!(heads.next().await.expect("item").expect("head").number, 10);
    let quiet = tokio::time::timeout(Duration::from_millis(150), heads.next()).await;
    assert!(quiet.is_err(), "no item while the head does not change");
    head.store(11, Ordering::SeqCst);
    assert_eq!(heads.next().await.expect("item").expect("head").number, 11);
}

#[tokio::test]
async fn new_heads_falls_back_to_polling_when_the_websocket_fails() {
    let node = TestNode::rpc(|_, _| Ok(header_json(3))).await;
    let mut ws = closed_url().await;
    ws.set_scheme("ws").expect("scheme");
    let src = EvmSource::connect(RpcSettings {
        ws: Some(ws),
        ..settings(vec![node.url.clone()])
    })
    .await
    .expect("connect");
    let mut heads = Box::pin(src.new_heads());
    let first = tokio::time::timeout(Duration::from_secs(5), heads.next())
        .await
        .expect("in time");
    assert_eq!(first.expect("item").expect("head").number, 3);
}
