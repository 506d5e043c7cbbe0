//! `/v1/status` and `/readyz`.

use axum::http::StatusCode;
use serde_json::json;
use tributary_testkit::Backend;

use crate::fixture::{App, BSC, ETH, block_hash, config, header};

both!(
    status_before_anything_is_indexed,
    status_reports_head_indexed_finalized_and_lag
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
    assert_eq!(
        app.get("/readyz").await,
        (StatusCode::SERVICE_UNAVAILABLE, expected)
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
    assert_eq!(
        app.get("/readyz").await,
        (StatusCode::SERVICE_UNAVAILABLE, expected)
    );

    // The head falls back within reach: every chain is synced, the process is ready.
    app.store
        .record_head(ETH, &header(ETH, 12))
        .await
        .expect("head");
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["chains"][0]["lag_blocks"], 0);
    assert_eq!(body["chains"][0]["finalized_block"], 0);
    assert_eq!(body["chains"][0]["synced"], true);
}
