//! The API over odd data: `/balances` answers 200 with every balance equal
//! to the chain and a sane symbol (lossy text, never a 500), and `/events`
//! pages through log indexes past 2^32 and gives them back unchanged.

use alloy::primitives::{Address, U256};
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use tributary_api::{ApiChain, ApiConfig, AppState};
use tributary_testkit::TestChain;

use crate::odd::LOG_INDEX_OFFSET;

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("router answers");
    let status = response.status();
    let body = to_bytes(response.into_body(), 1 << 24).await.expect("body");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// The API over the store: every holder's balances with sane symbols, and
/// the events of each token and of `notes` (an `events` contract whose
/// `Note` carries odd strings) paged two at a time with their big log
/// indexes.
pub(crate) async fn api_mismatches(
    store: &tributary_store::Store,
    chain: &TestChain,
    tokens: &[(String, Address)],
    notes: &str,
) -> (u64, String) {
    let config = ApiConfig {
        chains: vec![ApiChain {
            name: "test".into(),
            chain_id: chain.chain_id(),
            confirmations: 5,
        }],
        contracts: tokens
            .iter()
            .map(|(n, _)| n.clone())
            .chain([notes.to_string()])
            .collect(),
        rate_limit: None,
        ..ApiConfig::default()
    };
    let app = tributary_api::router(AppState::new(store.clone(), config, None));
    let (mut bad, mut balances, mut events, mut texts) = (0, 0, 0, 0);
    for account in chain.dev_accounts() {
        let (status, body) = get(&app, &format!("/v1/accounts/{account}/balances")).await;
        if status != StatusCode::OK {
            println!("MISMATCH: /balances of {account}: {status} {body}");
            bad += 1;
            continue;
        }
        let block = body["block"]["number"].as_u64();
        for item in body["balances"].as_array().into_iter().flatten() {
            balances += 1;
            let symbol = &item["symbol"];
            let sane = symbol.is_null()
                || symbol
                    .as_str()
                    .is_some_and(|s| !s.contains('\0') || s == "N\0L");
            let token: Option<Address> = item["token"].as_str().and_then(|t| t.parse().ok());
            let want = match token {
                Some(t) => chain.balance_of(t, account, block).await.ok(),
                None => None,
            };
            let got: Option<U256> = item["balance"].as_str().and_then(|b| b.parse().ok());
            if !sane || want.is_none() || got != want {
                println!("MISMATCH: /balances item {item} (chain says {want:?} at {block:?})");
                bad += 1;
            }
        }
    }
    let names = tokens.iter().map(|(n, _)| n.as_str()).chain([notes]);
    for name in names {
        let mut next: Option<String> = None;
        let mut seen = 0;
        loop {
            let mut uri = format!("/v1/events?contract={name}&limit=2");
            if let Some(cursor) = &next {
                uri.push_str(&format!("&after={cursor}"));
            }
            let (status, body) = get(&app, &uri).await;
            if status != StatusCode::OK {
                println!("MISMATCH: {uri}: {status} {body}");
                bad += 1;
                break;
            }
            for e in body["items"].as_array().into_iter().flatten() {
                seen += 1;
                events += 1;
                if e["log_index"].as_u64().is_none_or(|i| i < LOG_INDEX_OFFSET) {
                    println!("MISMATCH: {uri}: log index not round-tripped: {e}");
                    bad += 1;
                }
                if e["event"] == "Note" {
                    texts += 1;
                    if !e["args"]["text"].is_string() {
                        println!("MISMATCH: {uri}: a Note without its text: {e}");
                        bad += 1;
                    }
                }
            }
            next = body["next"].as_str().map(String::from);
            if next.is_none() {
                break;
            }
        }
        if seen == 0 {
            println!("MISMATCH: /v1/events of {name} served nothing");
            bad += 1;
        }
    }
    if texts != crate::odd::note_texts().len() {
        println!("MISMATCH: the API served {texts} Note events");
        bad += 1;
    }
    let seen = format!(
        "API: {balances} balances and {events} events ({texts} odd strings) paged by 2 checked"
    );
    (bad, seen)
}
