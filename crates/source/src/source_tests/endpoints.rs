//! Retries, failover and failback across endpoints.

use super::*;

#[tokio::test]
async fn retries_a_rate_limit_then_succeeds() {
    let asserter = Asserter::new();
    asserter.push_failure(ErrorPayload {
        code: -32005,
        message: "rate limited, try again in 1ms".into(),
        data: None,
    });
    asserter.push_failure(ErrorPayload {
        code: -32603,
        message: "internal error".into(),
        data: None,
    });
    asserter.push_success(&"0x38");
    let provider = ProviderBuilder::new()
        .connect_mocked_client(asserter.clone())
        .erased();
    let src = EvmSource::with_providers(settings(vec![]), vec![("mock".into(), provider)])
        .expect("source");
    assert_eq!(src.chain_id().await.expect("chain id"), 56);
    assert!(asserter.read_q().is_empty());
}

#[tokio::test]
async fn non_retryable_errors_surface_at_once() {
    let asserter = Asserter::new();
    asserter.push_failure(ErrorPayload {
        code: 3,
        message: "execution reverted".into(),
        data: None,
    });
    asserter.push_success(&"0x");
    let provider = ProviderBuilder::new()
        .connect_mocked_client(asserter.clone())
        .erased();
    let src = EvmSource::with_providers(settings(vec![]), vec![("mock".into(), provider)])
        .expect("source");
    let err = src
        .call(Address::ZERO, Bytes::new(), BlockId::hash(B256::ZERO))
        .await
        .expect_err("reverted");
    assert_eq!(err.rpc_kind(), Some(RpcErrorKind::Reverted));
    assert!(
        err.to_string()
            .starts_with("eth_call to mock failed (reverted, code 3)"),
        "{err}"
    );
    assert_eq!(asserter.read_q().len(), 1, "not retried");
}

#[tokio::test]
async fn fails_over_when_the_first_url_returns_500s() {
    let bad = TestNode::start(|_| Reply::Status(500, "oops".into())).await;
    let good = TestNode::rpc(|_, _| Ok(json!("0x1"))).await;
    let src = source(vec![bad.url.clone(), good.url.clone()]).await;
    assert_eq!(src.chain_id().await.expect("chain id"), 1);
    assert_eq!(src.chain_id().await.expect("chain id"), 1);
    assert_eq!(bad.bodies().len(), 1, "later requests go to the second URL");
    assert_eq!(good.bodies().len(), 2);
}

#[tokio::test]
async fn fails_over_when_the_first_url_refuses_connections() {
    let good = TestNode::rpc(|_, _| Ok(json!("0x1"))).await;
    let src = source(vec![closed_url().await, good.url.clone()]).await;
    assert_eq!(src.chain_id().await.expect("chain id"), 1);
}

#[tokio::test]
async fn comes_back_to_the_first_url_after_a_while() {
    let flaky_calls = Arc::new(AtomicU64::new(0));
    let first = TestNode::start({
        let calls = flaky_calls.clone();
        move |body| {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                Reply::Status(503, "busy".into())
            } else {
                Reply::Json(json!({"jsonrpc": "2.0", "id": body["id"], "result": "0x1"}))
            }
        }
    })
    .await;
    let second = TestNode::rpc(|_, _| Ok(json!("0x2"))).await;
    let src = EvmSource::connect(RpcSettings {
        failback_after: Duration::from_millis(50),
        ..settings(vec![first.url.clone(), second.url.clone()])
    })
    .await
    .expect("connect");
    assert_eq!(src.chain_id().await.expect("chain id"), 2);
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(src.chain_id().await.expect("chain id"), 1);
}

#[tokio::test]
async fn gives_up_after_max_retries_naming_endpoint_and_method() {
    let node = TestNode::start(|_| Reply::Status(503, "unavailable".into())).await;
    let mut url = node.url.clone();
    url.set_username("user").expect("user");
    url.set_password(Some("secret")).expect("password");
    let src = EvmSource::connect(RpcSettings {
        max_retries: 2,
        ..settings(vec![url])
    })
    .await
    .expect("connect");
    let err = src.chain_id().await.expect_err("gives up");
    let SourceError::RetriesExhausted {
        method, attempts, ..
    } = &err
    else {
        panic!("unexpected {err}");
    };
    assert_eq!((*method, *attempts), ("eth_chainId", 3));
    assert_eq!(node.bodies().len(), 3);
    let text = err.to_string();
    let label = format!("http://127.0.0.1:{}", node.url.port().expect("port"));
    assert!(
        text.contains(&label) && text.contains("eth_chainId"),
        "{text}"
    );
    assert!(text.contains("503") && !text.contains("secret"), "{text}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn bad_settings_fail_connect() {
    let err = EvmSource::connect(RpcSettings::default())
        .await
        .expect_err("no urls");
    assert!(matches!(err, SourceError::InvalidSettings { .. }));
}

#[tokio::test]
async fn mocked_providers_work_with_the_asserter() {
    let asserter = Asserter::new();
    asserter.push_success(&header_json(9));
    let provider = ProviderBuilder::new()
        .connect_mocked_client(asserter)
        .erased();
    let src = EvmSource::with_providers(settings(vec![]), vec![("mock".into(), provider)])
        .expect("source");
    let header = src.header(9).await.expect("header").expect("present");
    assert_eq!(header.parent_hash, hash_of(8));
}
