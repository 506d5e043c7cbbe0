//! `/v1/status` and `/readyz`.

use axum::http::StatusCode;
use serde_json::json;
use tributary_testkit::Backend;

use crate::fixture::{App, BSC, ETH, block_hash, config, header};

both!(
    status_before_anything_is_indexed,
    status_reports_head_indexed_finalized_and_lag,
    readyz_follows_each_chains_max_lag_blocks
);

async fn status_before_anything_is_indexed(backend: Backend) {
    let app = App::empty(backend, config()).await;
    let unknown = |name: &str, id: u64| {
        json!({
            "name": name, "chain_id": id,
            "head_block": null, "head_hash": null,
            "indexed_block": null, "indexed_hash": null,
            "finalized_block": null, "lag_blocks": 0, "synced": false,
        })
    };
    let expected = json!({"chains": [unknown("eth", ETH), unknown("bsc", BSC)]});
    assert_eq!(app.ok("/v1/status").await, expected);
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["chains"], expected["chains"]);
    assert_eq!(body["ready"], false);
    assert_eq!(
        body["reasons"],
        json!([
            "chain eth: nothing indexed yet",
            "chain bsc: nothing indexed yet"
        ])
    );
}

async fn status_reports_head_indexed_finalized_and_lag(backend: Backend) {
    let app = App::populated(backend).await;
    // eth: head 20, indexed 12 (behind); bsc: head 12, indexed 11 (within one block).
    app.store
        .record_head(ETH, &header(ETH, 20))
        .await
        .expect("head");
    app.store
        .record_head(BSC, &header(BSC, 12))
        .await
        .expect("head");
    let hash = |c, n| format!("{:#x}", block_hash(c, n));
    let expected = json!({"chains": [
        {
            "name": "eth", "chain_id": 1,
            "head_block": 20, "head_hash": hash(ETH, 20),
            "indexed_block": 12, "indexed_hash": hash(ETH, 12),
            "finalized_block": 8, "lag_blocks": 8, "synced": false,
        },
        {
            "name": "bsc", "chain_id": 56,
            "head_block": 12, "head_hash": hash(BSC, 12),
            "indexed_block": 11, "indexed_hash": hash(BSC, 11),
            "finalized_block": 9, "lag_blocks": 1, "synced": true,
        },
    ]});
    assert_eq!(app.ok("/v1/status").await, expected);
    // eth lags 8 blocks, beyond the default bound of 5: not ready, and the reason names it.
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["chains"], expected["chains"]);
    assert_eq!(
        body["reasons"],
        json!(["chain eth lags 8 blocks behind its head (max_lag_blocks 5)"])
    );

    // The head falls back within reach: every chain is synced, the process is ready.
    app.store
        .record_head(ETH, &header(ETH, 12))
        .await
        .expect("head");
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["ready"], &body["reasons"]),
        (&json!(true), &json!([]))
    );
    assert_eq!(body["chains"][0]["lag_blocks"], 0);
    assert_eq!(body["chains"][0]["finalized_block"], 0);
    assert_eq!(body["chains"][0]["synced"], true);
}

async fn readyz_follows_each_chains_max_lag_blocks(backend: Backend) {
    // eth may lag 8 blocks, bsc none at all.
    let app = App::populated_with(
        backend,
        tributary_api::ApiConfig {
            max_lag_blocks: [(ETH, 8), (BSC, 0)].into_iter().collect(),
            ..config()
        },
    )
    .await;
    app.store
        .record_head(ETH, &header(ETH, 20))
        .await
        .expect("head");
    app.store
        .record_head(BSC, &header(BSC, 11))
        .await
        .expect("head");
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["chains"][0]["lag_blocks"], 8);
    // One more block on each: both are now beyond their bounds.
    app.store
        .record_head(ETH, &header(ETH, 21))
        .await
        .expect("head");
    app.store
        .record_head(BSC, &header(BSC, 12))
        .await
        .expect("head");
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(
        body["reasons"],
        json!([
            "chain eth lags 9 blocks behind its head (max_lag_blocks 8)",
            "chain bsc lags 1 block behind its head (max_lag_blocks 0)"
        ])
    );
}
