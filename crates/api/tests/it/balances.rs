//! `/v1/accounts/{address}/balances`.

use serde_json::json;
use tributary_testkit::Backend;

use crate::fixture::{
    App, BSC, EIP55, EIP55_LOWER, ETH, acct, block_json, many_holder, multi, token_a, token_b,
};

both!(
    balances_across_chains,
    account_with_nothing_has_an_empty_list
);

async fn balances_across_chains(backend: Backend) {
    let app = App::populated(backend).await;
    let cs = |a: alloy_primitives::Address| a.to_checksum(None);
    let expected = json!({
        "address": EIP55,
        "balances": [
            {"chain_id": ETH, "token": cs(token_a()), "symbol": "TKA", "decimals": 18, "balance": "1000"},
            {"chain_id": ETH, "token": cs(multi()), "symbol": "MLT", "decimals": 18, "balance": "7"},
            {"chain_id": BSC, "token": cs(token_b()), "symbol": "TKB", "decimals": 6, "balance": "5000000"},
        ],
        "blocks": [block_json(ETH), block_json(BSC)],
    });
    for address in [
        EIP55_LOWER,
        EIP55,
        &EIP55_LOWER.to_uppercase().replacen("0X", "0x", 1),
    ] {
        let body = app.ok(&format!("/v1/accounts/{address}/balances")).await;
        assert_eq!(body, expected, "{address}");
    }
    let body = app
        .ok(&format!("/v1/accounts/{EIP55_LOWER}/balances?chain=bsc"))
        .await;
    assert_eq!(
        body,
        json!({
            "address": EIP55,
            "balances": [{"chain_id": BSC, "token": cs(token_b()), "symbol": "TKB", "decimals": 6, "balance": "5000000"}],
            "block": block_json(BSC),
        })
    );
    // A holder of MANY only, on eth by id.
    let (holder, balance) = many_holder(0);
    let body = app
        .ok(&format!("/v1/accounts/{holder:#x}/balances?chain=1"))
        .await;
    assert_eq!(body["balances"][0]["balance"], balance.to_string());
    assert_eq!(body["balances"][0]["decimals"], 0);
    assert_eq!(body["address"], holder.to_checksum(None));
}

async fn account_with_nothing_has_an_empty_list(backend: Backend) {
    let app = App::populated(backend).await;
    let nobody = acct(0x99);
    assert_eq!(
        app.ok(&format!("/v1/accounts/{nobody:#x}/balances")).await,
        json!({
            "address": nobody.to_checksum(None),
            "balances": [],
            "blocks": [block_json(ETH), block_json(BSC)],
        })
    );
}
