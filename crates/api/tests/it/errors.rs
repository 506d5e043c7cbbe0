//! Every client mistake answers 4xx in the JSON error shape, with its code.

use axum::http::StatusCode;
use tributary_testkit::Backend;

use crate::fixture::App;

both!(every_bad_request_has_its_code);

const A: &str = "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const NOBODY: &str = "0x9999999999999999999999999999999999999999";

async fn every_bad_request_has_its_code(backend: Backend) {
    let app = App::populated(backend).await;
    let bad = StatusCode::BAD_REQUEST;
    let not_found = StatusCode::NOT_FOUND;
    let cases: Vec<(String, StatusCode, &str)> = vec![
        // Malformed addresses, in the path and in the query.
        (
            "/v1/accounts/0x1234/balances".into(),
            bad,
            "invalid_address",
        ),
        (
            "/v1/accounts/nothex/balances".into(),
            bad,
            "invalid_address",
        ),
        (
            format!("/v1/accounts/{}/balances", &NOBODY[2..]),
            bad,
            "invalid_address",
        ),
        (
            format!("/v1/accounts/{NOBODY}0/balances"),
            bad,
            "invalid_address",
        ),
        (
            "/v1/accounts/0xzz99999999999999999999999999999999999999/balances".into(),
            bad,
            "invalid_address",
        ),
        ("/v1/accounts/%FF%FE/balances".into(), bad, "invalid_path"),
        ("/v1/tokens/0x12/holders".into(), bad, "invalid_address"),
        ("/v1/events?address=0x12".into(), bad, "invalid_address"),
        ("/v1/events?address=".into(), bad, "invalid_address"),
        // Page size.
        ("/v1/events?limit=0".into(), bad, "invalid_limit"),
        ("/v1/events?limit=1001".into(), bad, "invalid_limit"),
        ("/v1/events?limit=abc".into(), bad, "invalid_limit"),
        ("/v1/events?limit=-1".into(), bad, "invalid_limit"),
        ("/v1/events?limit=".into(), bad, "invalid_limit"),
        (
            format!("/v1/tokens/{A}/holders?limit=0"),
            bad,
            "invalid_limit",
        ),
        (
            format!("/v1/tokens/{A}/holders?limit=5000"),
            bad,
            "invalid_limit",
        ),
        // Cursors.
        ("/v1/events?after=".into(), bad, "invalid_cursor"),
        ("/v1/events?after=garbage".into(), bad, "invalid_cursor"),
        (
            "/v1/events?after=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
            bad,
            "invalid_cursor",
        ),
        (
            format!("/v1/tokens/{A}/holders?after="),
            bad,
            "invalid_cursor",
        ),
        (
            format!("/v1/tokens/{A}/holders?after=%00%01"),
            bad,
            "invalid_cursor",
        ),
        // Block range and wrong-typed values.
        (
            "/v1/events?from_block=5&to_block=4".into(),
            bad,
            "invalid_range",
        ),
        ("/v1/events?from_block=abc".into(), bad, "invalid_parameter"),
        ("/v1/events?to_block=-3".into(), bad, "invalid_parameter"),
        (
            "/v1/events?from_block=99999999999999999999999".into(),
            bad,
            "invalid_parameter",
        ),
        ("/v1/events?chain=".into(), bad, "invalid_parameter"),
        ("/v1/events?contract=".into(), bad, "invalid_parameter"),
        // Unknown or repeated parameter names.
        ("/v1/events?foo=1".into(), bad, "unknown_parameter"),
        ("/v1/events?Limit=1".into(), bad, "unknown_parameter"),
        ("/v1/status?verbose=1".into(), bad, "unknown_parameter"),
        (
            format!("/v1/accounts/{NOBODY}/balances?limit=5"),
            bad,
            "unknown_parameter",
        ),
        (
            "/v1/events?limit=1&limit=2".into(),
            bad,
            "duplicate_parameter",
        ),
        // Unknown chain, contract, token and route: 404.
        (
            "/v1/events?chain=polygon".into(),
            not_found,
            "unknown_chain",
        ),
        ("/v1/events?chain=137".into(), not_found, "unknown_chain"),
        (
            format!("/v1/accounts/{NOBODY}/balances?chain=solana"),
            not_found,
            "unknown_chain",
        ),
        (
            format!("/v1/tokens/{A}/holders?chain=10"),
            not_found,
            "unknown_chain",
        ),
        (
            "/v1/events?contract=Nope".into(),
            not_found,
            "unknown_contract",
        ),
        (
            "/v1/events?contract=tokena".into(),
            not_found,
            "unknown_contract",
        ),
        (
            format!("/v1/tokens/{NOBODY}/holders"),
            not_found,
            "unknown_token",
        ),
        ("/v1/nothing".into(), not_found, "not_found"),
        ("/".into(), not_found, "not_found"),
        ("/v1/status/".into(), not_found, "not_found"),
        ("/v1/accounts//balances".into(), bad, "invalid_address"),
        ("/v2/status".into(), not_found, "not_found"),
    ];
    for (uri, status, code) in cases {
        app.fails(&uri, status, code).await;
    }
}
