//! `/v1/events`: order, filters, pagination and the block(s) answered.

use serde_json::{Value, json};
use tributary_api::{ApiChain, ApiConfig};
use tributary_testkit::Backend;

use crate::fixture::{App, BSC, ETH, block_json, config, expected_events};

both!(
    all_events_in_order_with_every_block,
    pages_walk_every_event_exactly_once,
    filters_select_the_right_events,
    single_chain_config_answers_with_block,
    cursors_stay_valid_across_processes,
);

/// Follows `next` from `uri` (which has no `after` yet) to the end.
async fn walk(app: &App, uri: &str, limit: usize) -> Vec<Value> {
    let sep = if uri.contains('?') { '&' } else { '?' };
    let mut all = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page_uri = match &next {
            Some(c) => format!("{uri}{sep}limit={limit}&after={c}"),
            None => format!("{uri}{sep}limit={limit}"),
        };
        let page = app.ok(&page_uri).await;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= limit, "{page_uri}: {page}");
        all.extend(items.iter().cloned());
        match page["next"].as_str() {
            Some(c) => {
                assert_eq!(items.len(), limit, "a page with a next is full: {page}");
                next = Some(c.to_string());
            }
            None => break,
        }
        assert!(all.len() <= 10_000, "runaway pagination");
    }
    all
}

async fn all_events_in_order_with_every_block(backend: Backend) {
    let app = App::populated(backend).await;
    let expected = json!({
        "items": expected_events(),
        "next": null,
        "blocks": [block_json(ETH), block_json(BSC)],
    });
    assert_eq!(app.ok("/v1/events").await, expected);
    // Same-position events of two chains: chain id breaks the tie.
    let order: Vec<(u64, u64, u64)> = expected_events()
        .iter()
        .map(|e| {
            (
                e["block_number"].as_u64().unwrap_or_default(),
                e["log_index"].as_u64().unwrap_or_default(),
                e["chain_id"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(&order[..2], &[(10, 0, ETH), (10, 0, BSC)]);
}

async fn pages_walk_every_event_exactly_once(backend: Backend) {
    let app = App::populated(backend).await;
    for limit in [1, 2, 3, 6, 7, 8] {
        assert_eq!(
            walk(&app, "/v1/events", limit).await,
            expected_events(),
            "limit {limit}"
        );
    }
    assert_eq!(
        walk(&app, "/v1/events?chain=eth&event=Transfer", 1).await,
        filtered(|e| e["chain_id"] == ETH && e["event"] == "Transfer"),
    );
    // A full last page still says there is nothing after it.
    let page = app.ok("/v1/events?limit=7").await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(7));
    assert_eq!(page["next"], Value::Null);
}

fn filtered(keep: impl Fn(&Value) -> bool) -> Vec<Value> {
    expected_events().into_iter().filter(|e| keep(e)).collect()
}

async fn filters_select_the_right_events(backend: Backend) {
    let app = App::populated(backend).await;
    let items = |body: Value| body["items"].clone();
    let a = "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let cases: Vec<(String, Vec<Value>)> = vec![
        ("chain=eth".into(), filtered(|e| e["chain_id"] == ETH)),
        ("chain=56".into(), filtered(|e| e["chain_id"] == BSC)),
        (
            "contract=TokenA".into(),
            filtered(|e| e["contract"] == "TokenA"),
        ),
        (
            "event=Approval".into(),
            filtered(|e| e["event"] == "Approval"),
        ),
        ("event=Nothing".into(), vec![]),
        (
            format!("address={a}"),
            filtered(|e| e["contract"] == "TokenA"),
        ),
        (
            format!("address={}", a.to_uppercase().replace("0X", "0x")),
            filtered(|e| e["contract"] == "TokenA"),
        ),
        (
            "from_block=11".into(),
            filtered(|e| e["block_number"].as_u64() >= Some(11)),
        ),
        (
            "to_block=10".into(),
            filtered(|e| e["block_number"].as_u64() <= Some(10)),
        ),
        (
            "from_block=11&to_block=11".into(),
            filtered(|e| e["block_number"] == 11),
        ),
        (
            "chain=eth&contract=TokenA&event=Transfer&from_block=10&to_block=10".into(),
            filtered(|e| {
                e["chain_id"] == ETH
                    && e["contract"] == "TokenA"
                    && e["event"] == "Transfer"
                    && e["block_number"] == 10
            }),
        ),
        ("chain=bsc&contract=TokenA".into(), vec![]),
    ];
    for (query, expected) in cases {
        let body = app.ok(&format!("/v1/events?{query}")).await;
        assert_eq!(items(body), Value::Array(expected), "{query}");
    }
    // Output addresses are EIP-55 whatever the input case.
    let body = app.ok(&format!("/v1/events?address={a}&limit=1")).await;
    assert_eq!(
        body["items"][0]["address"],
        "0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa"
    );
    // One chain asked: one block.
    let body = app.ok("/v1/events?chain=bsc").await;
    assert_eq!(body["block"], block_json(BSC));
    assert!(body.get("blocks").is_none(), "{body}");
}

async fn single_chain_config_answers_with_block(backend: Backend) {
    let config = ApiConfig {
        chains: vec![ApiChain {
            name: "eth".into(),
            chain_id: ETH,
            confirmations: 12,
        }],
        ..config()
    };
    let app = App::populated_with(backend, config).await;
    let body = app.ok("/v1/events?limit=1").await;
    assert_eq!(body["block"], block_json(ETH));
    assert!(body.get("blocks").is_none(), "{body}");
    assert_eq!(
        app.ok("/v1/accounts/0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed/balances")
            .await["block"],
        block_json(ETH)
    );
}

async fn cursors_stay_valid_across_processes(backend: Backend) {
    let app = App::populated(backend).await;
    let first = app.ok("/v1/events?limit=3").await;
    let cursor = first["next"].as_str().expect("a next cursor").to_string();
    // Another process: its own pool and router over the same database.
    let other = tributary_store::Store::connect(&app.db.url)
        .await
        .expect("connect");
    let other = tributary_api::router(tributary_api::AppState::new(other, config(), None));
    let request = axum::http::Request::get(format!("/v1/events?limit=100&after={cursor}"))
        .body(axum::body::Body::empty())
        .expect("request");
    let (status, body) = crate::fixture::send(&other, request).await;
    assert_eq!(status, axum::http::StatusCode::OK, "{body}");
    assert_eq!(body["items"], Value::Array(expected_events()[3..].to_vec()));
}
