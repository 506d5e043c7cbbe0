//! The positions seed read back through the real API: a seeded account's
//! `/portfolio` shows every kind of position, valued, on both engines.

use alloy_primitives::{Address, U256};
use serde_json::Value;
use tributary_store::Store;
use tributary_testkit::{Backend, TestDb};

use crate::http::{reqwest_like_get, serve};
use crate::positions::{ESCROW, PAIR, Positions, SAVINGS, VAULT};
use crate::seed::{self, Seeder};

const ACCOUNTS: u64 = 50;

/// A USD amount as a number (`"123.45"`).
fn usd(v: &Value) -> f64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a USD amount: {v}"))
}

fn same(v: &Value, a: Address) -> bool {
    v.as_str()
        .is_some_and(|s| s.eq_ignore_ascii_case(&a.to_string()))
}

async fn portfolio_shows_every_position(backend: Backend) {
    let db = TestDb::new(backend).await.expect("test database");
    let store = Store::connect(&db.url).await.expect("store");
    let seeder = Positions { accounts: ACCOUNTS };
    seed::seed(&store, ACCOUNTS, &seeder).await.expect("seed");
    let (addr, state, server) = serve(&store, false, true).await.expect("serve");

    let i = 17;
    let account = seed::account(i);
    let answer = reqwest_like_get(addr, &format!("/v1/accounts/{account}/portfolio"))
        .await
        .expect("portfolio");
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{answer}");
    let p: Value = serde_json::from_str(body).expect("JSON");

    let lp = &p["lp_positions"][0];
    assert!(same(&lp["pair"], PAIR), "{p}");
    assert_eq!(
        lp["lp_balance"],
        (U256::from(18) * U256::from(10u64.pow(18))).to_string()
    );
    assert!(usd(&lp["value_usd"]) > 0.0, "{p}");

    let vault = &p["vault_positions"][0];
    assert!(same(&vault["vault"], VAULT), "{p}");
    // 8 collateral tokens at 2,000 USD, 80 % threshold, debt 47 % of 16,000.
    assert_eq!(usd(&vault["collateral_value_usd"]), 16_000.0, "{p}");
    let hf = vault["health_factor"].as_f64().expect("a health factor");
    assert!((hf - 0.8 / 0.47).abs() < 1e-9, "health factor {hf}");

    let lock = &p["venft_positions"][0];
    assert!(same(&lock["escrow"], ESCROW), "{p}");
    assert_eq!(lock["token_id"], (i + 1).to_string());
    assert_ne!(lock["voting_power"], "0", "{p}");

    let savings = &p["savings"][0];
    assert!(same(&savings["contract"], SAVINGS), "{p}");
    assert_ne!(savings["principal"], "0", "{p}");
    assert_ne!(savings["accrued_interest"], "0", "{p}");

    let totals = &p["totals"];
    for field in [
        "lp_value_usd",
        "collateral_value_usd",
        "debt_usd",
        "locked_value_usd",
    ] {
        assert!(usd(&totals[field]) > 0.0, "{field} in {p}");
    }
    assert!(usd(&totals["net_worth_usd"]) > 0.0, "{p}");

    // Balances still answer next to the positions (the LP stake is one too).
    let balances = reqwest_like_get(addr, &format!("/v1/accounts/{account}/balances"))
        .await
        .expect("balances");
    assert!(balances.starts_with("HTTP/1.1 200"), "{balances}");
    assert_eq!(seeder.tokens().len(), 5);

    state.close();
    server.abort();
    store.close().await;
}

#[tokio::test]
async fn portfolio_shows_every_position_sqlite() {
    portfolio_shows_every_position(Backend::Sqlite).await;
}

#[tokio::test]
async fn portfolio_shows_every_position_postgres() {
    portfolio_shows_every_position(Backend::Postgres).await;
}
