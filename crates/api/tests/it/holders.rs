//! `/v1/tokens/{address}/holders`: order, ties, pagination, supply, chain choice.

use alloy_primitives::{Address, U256};
use axum::http::StatusCode;
use serde_json::{Value, json};
use tributary_testkit::Backend;

use crate::fixture::{
    App, BSC, EIP55, ETH, acct, block_json, many, many_holder, multi, token_a, token_a_holders,
};

both!(
    holders_are_served_by_balance_then_address,
    pagination_walks_every_holder_exactly_once,
    token_on_several_chains_needs_a_chain,
    holder_cursors_belong_to_their_token,
);

fn lower(a: Address) -> String {
    format!("{a:#x}")
}

fn items(holders: &[(Address, U256)]) -> Vec<Value> {
    holders
        .iter()
        .map(|(a, b)| json!({"account": a.to_checksum(None), "balance": b.to_string()}))
        .collect()
}

fn sorted_many() -> Vec<(Address, U256)> {
    let mut all: Vec<_> = (0..250).map(many_holder).collect();
    all.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    all
}

async fn holders_are_served_by_balance_then_address(backend: Backend) {
    let app = App::populated(backend).await;
    let supply = token_a_holders().iter().fold(U256::ZERO, |s, h| s + h.1);
    let expected = json!({
        "items": items(&token_a_holders()),
        "next": null,
        "block": block_json(ETH),
        "total_supply": supply.to_string(),
    });
    assert_eq!(expected["total_supply"], "1000000000000000000000000002900");
    // Lowercase, uppercase and EIP-55 inputs all name the same token.
    for token in [
        lower(token_a()),
        lower(token_a()).to_uppercase().replacen("0X", "0x", 1),
        token_a().to_checksum(None),
    ] {
        let body = app.ok(&format!("/v1/tokens/{token}/holders")).await;
        assert_eq!(body, expected, "{token}");
    }
    assert_eq!(expected["items"][1]["account"], EIP55);
}

async fn pagination_walks_every_holder_exactly_once(backend: Backend) {
    let app = App::populated(backend).await;
    for (token, expected) in [(token_a(), token_a_holders()), (many(), sorted_many())] {
        for limit in [1, 2, 3, 7, 13, 100, 249, 250, 1000] {
            let mut seen = Vec::new();
            let mut uri = format!("/v1/tokens/{}/holders?limit={limit}", lower(token));
            loop {
                let page = app.ok(&uri).await;
                assert_eq!(page["block"], block_json(ETH));
                let page_items = page["items"].as_array().cloned().unwrap_or_default();
                assert!(page_items.len() <= limit);
                seen.extend(page_items);
                let Some(next) = page["next"].as_str() else {
                    break;
                };
                uri = format!(
                    "/v1/tokens/{}/holders?limit={limit}&after={next}",
                    lower(token)
                );
                assert!(seen.len() <= expected.len(), "runaway pagination");
            }
            assert_eq!(seen, items(&expected), "{token} limit {limit} ({backend})");
        }
    }
    // The default page is 100.
    let page = app
        .ok(&format!("/v1/tokens/{}/holders", lower(many())))
        .await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(100));
    assert!(page["next"].is_string());
}

async fn token_on_several_chains_needs_a_chain(backend: Backend) {
    let app = App::populated(backend).await;
    let uri = format!("/v1/tokens/{}/holders", lower(multi()));
    app.fails(&uri, StatusCode::BAD_REQUEST, "ambiguous_chain")
        .await;
    let on_bsc = app.ok(&format!("{uri}?chain=bsc")).await;
    assert_eq!(
        on_bsc,
        json!({
            "items": items(&[(acct(0x10), U256::from(8))]),
            "next": null,
            "block": block_json(BSC),
            "total_supply": "8",
        })
    );
    let on_eth = app.ok(&format!("{uri}?chain=1")).await;
    assert_eq!(on_eth["items"], json!([{"account": EIP55, "balance": "7"}]));
    assert_eq!(on_eth["block"], block_json(ETH));
    // Tracked, but not on the chain asked for.
    let a = lower(token_a());
    app.fails(
        &format!("/v1/tokens/{a}/holders?chain=bsc"),
        StatusCode::NOT_FOUND,
        "unknown_token",
    )
    .await;
    // Not tracked anywhere.
    let nothing = lower(acct(0x77));
    app.fails(
        &format!("/v1/tokens/{nothing}/holders"),
        StatusCode::NOT_FOUND,
        "unknown_token",
    )
    .await;
}

async fn holder_cursors_belong_to_their_token(backend: Backend) {
    let app = App::populated(backend).await;
    let a = lower(token_a());
    let page = app.ok(&format!("/v1/tokens/{a}/holders?limit=2")).await;
    let cursor = page["next"].as_str().expect("next").to_string();
    let other = lower(many());
    app.fails(
        &format!("/v1/tokens/{other}/holders?after={cursor}"),
        StatusCode::BAD_REQUEST,
        "invalid_cursor",
    )
    .await;
    app.fails(
        &format!("/v1/events?after={cursor}"),
        StatusCode::BAD_REQUEST,
        "invalid_cursor",
    )
    .await;
    let events = app.ok("/v1/events?limit=1").await;
    let events_cursor = events["next"].as_str().expect("next").to_string();
    app.fails(
        &format!("/v1/tokens/{a}/holders?after={events_cursor}"),
        StatusCode::BAD_REQUEST,
        "invalid_cursor",
    )
    .await;
    // A changed character is caught.
    let mut forged = cursor.into_bytes();
    let last = forged.len() - 3;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).expect("ascii");
    app.fails(
        &format!("/v1/tokens/{a}/holders?after={forged}"),
        StatusCode::BAD_REQUEST,
        "invalid_cursor",
    )
    .await;
}
