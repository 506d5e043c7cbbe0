//! `eth_getLogs`: splitting, address chunks, pending logs.

use super::*;

#[tokio::test]
async fn splits_ranges_on_each_kind_of_too_many_results() {
    let errors: Vec<(i64, &str)> = vec![
        (-32005, "query returned more than 10000 results"),
        (
            -32602,
            "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range",
        ),
        (-32000, "exceed maximum block range: 4"),
        (-32600, "block range too large"),
        (-32005, "limit exceeded"),
        (-32602, "eth_getLogs block range is limited, range 4"),
        (-32000, "query timeout exceeded"),
    ];
    for (code, message) in errors {
        let node = TestNode::rpc(move |method, params| {
            assert_eq!(method, "eth_getLogs");
            let (a, b) = range_of(params);
            if b - a + 1 > 4 {
                Err((code, message.to_owned()))
            } else {
                Ok(logs_for(params, Address::repeat_byte(1)))
            }
        })
        .await;
        let src = source(vec![node.url.clone()]).await;
        let logs = src.logs(0, 20, &LogFilter::default()).await.expect(message);
        let blocks: Vec<u64> = logs.iter().map(|l| l.block_number).collect();
        assert_eq!(blocks, (0..=20).collect::<Vec<_>>(), "{message}");
        assert!(
            node.params_of("eth_getLogs").len() > 6,
            "{message}: the range was split"
        );
    }
}

#[tokio::test]
async fn splits_ranges_on_timeouts_and_http_errors() {
    let node = TestNode::start(|body| {
        let (a, b) = range_of(&body["params"]);
        match b - a + 1 {
            span if span > 8 => Reply::Hang,
            span if span > 4 => Reply::Status(400, "block range too large".into()),
            _ => Reply::Json(json!({
                "jsonrpc": "2.0", "id": body["id"],
                "result": logs_for(&body["params"], Address::repeat_byte(1)),
            })),
        }
    })
    .await;
    let src = EvmSource::connect(RpcSettings {
        request_timeout: Duration::from_millis(200),
        ..settings(vec![node.url.clone()])
    })
    .await
    .expect("connect");
    let logs = src.logs(0, 15, &LogFilter::default()).await.expect("logs");
    assert_eq!(logs.len(), 16);
}

#[tokio::test]
async fn follows_the_suggested_range() {
    let node = TestNode::rpc(|_, params| {
        let (a, b) = range_of(params);
        if b - a + 1 > 3 {
            Err((-32005, format!("query returned more than 10000 results. Try with this block range [{a:#x}, {:#x}].", a + 2)))
        } else {
            Ok(logs_for(params, Address::repeat_byte(1)))
        }
    })
    .await;
    let src = source(vec![node.url.clone()]).await;
    let logs = src.logs(0, 8, &LogFilter::default()).await.expect("logs");
    assert_eq!(logs.len(), 9);
    let ranges: Vec<(u64, u64)> = node.params_of("eth_getLogs").iter().map(range_of).collect();
    assert_eq!(ranges, vec![(0, 8), (0, 2), (3, 8), (3, 5), (6, 8)]);
}

#[tokio::test]
async fn a_single_block_that_is_too_large_is_an_error() {
    let node =
        TestNode::rpc(|_, _| Err((-32005, "query returned more than 10000 results".into()))).await;
    let src = source(vec![node.url.clone()]).await;
    let err = src
        .logs(7, 8, &LogFilter::default())
        .await
        .expect_err("too large");
    assert_eq!(err.rpc_kind(), Some(RpcErrorKind::RangeTooLarge));
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("eth_getLogs"), "{err}");
    let ranges: Vec<(u64, u64)> = node.params_of("eth_getLogs").iter().map(range_of).collect();
    assert_eq!(ranges, vec![(7, 8), (7, 7)]);
}

#[tokio::test]
async fn chunks_addresses_and_merges_in_order() {
    let addresses: Vec<Address> = (1..=5).map(Address::repeat_byte).collect();
    let node = TestNode::rpc(|_, params| {
        let wanted: Vec<Address> = match &params[0]["address"] {
            Value::String(_) => {
                vec![serde_json::from_value(params[0]["address"].clone()).unwrap_or_default()]
            }
            other => serde_json::from_value(other.clone()).unwrap_or_default(),
        };
        let (a, b) = range_of(params);
        // Log index = address byte, so logs of later chunks sort between earlier ones.
        Ok(Value::Array(
            (a..=b)
                .flat_map(|n| {
                    wanted
                        .iter()
                        .map(move |w| log_json(n, u64::from(w.0[0]), *w))
                })
                .collect(),
        ))
    })
    .await;
    let src = EvmSource::connect(RpcSettings {
        max_addresses_per_request: 2,
        ..settings(vec![node.url.clone()])
    })
    .await
    .expect("connect");
    let filter = LogFilter {
        addresses: addresses.clone(),
        topics0: vec![B256::repeat_byte(0xdd)],
    };
    let logs = src.logs(10, 11, &filter).await.expect("logs");
    let positions: Vec<(u64, u64)> = logs.iter().map(|l| l.position()).collect();
    let expected: Vec<(u64, u64)> = (10..=11)
        .flat_map(|n| (1..=5).map(move |i| (n, i)))
        .collect();
    assert_eq!(positions, expected);
    let requests = node.params_of("eth_getLogs");
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|p| p[0]["address"].as_array().is_none_or(|a| a.len() <= 2))
    );
    assert_eq!(requests[0][0]["topics"][0], json!(B256::repeat_byte(0xdd)));
}

#[tokio::test]
async fn pending_logs_are_inconsistent_answers() {
    let node = TestNode::rpc(|_, _| {
        let mut log = log_json(1, 0, Address::ZERO);
        log["blockNumber"] = Value::Null;
        Ok(json!([log]))
    })
    .await;
    let src = source(vec![node.url.clone()]).await;
    let err = src
        .logs(1, 1, &LogFilter::default())
        .await
        .expect_err("pending");
    assert!(matches!(err, SourceError::Inconsistent { .. }), "{err}");
}
