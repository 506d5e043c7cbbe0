//! History from the state change log: the demo protocol driven over several
//! hours of block time, then indexed in one backfill batch. Every hourly
//! point of an account and of each pool equals the valuation of the
//! contracts' own views at the last block of that hour (exact USD amounts,
//! 1e-9 for ratios), with no hour missing; after a reorg the points above
//! the ancestor follow the new fork; after `rebuild` history is identical.
//!
//! The account holds LP, a CDP position, a stability deposit and vault
//! shares: values that change only with events, so the documented rule for
//! chain-read values (read at the last triggering block of each hour) is
//! exact at every hour's end for them.

use alloy::primitives::{Address, I256};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionRequest;
use serde_json::Value;
use tokio::sync::broadcast;
use tributary_api::positions::portfolio as pf;
use tributary_store::Store;
use tributary_testkit::protocol::Protocol;
use tributary_testkit::{Action, Backend, ReorgTx, TestChain, TestDb};

use super::setup;

mod chain;
mod workload;

use chain::{pool_input, positions};
use workload::drive;

const HOUR: u64 = 3600;

fn close(what: &str, got: &Value, want: Option<f64>) {
    match (got.as_f64(), want) {
        (None, None) => {}
        (Some(g), Some(w)) => assert!(
            ((g - w) / w.abs().max(1e-18)).abs() <= 1e-9,
            "{what}: history {g} chain {w}"
        ),
        _ => panic!("{what}: history {got} chain {want:?}"),
    }
}

async fn get(url: &str) -> Value {
    let r = reqwest::get(url).await.expect("request");
    assert_eq!(r.status(), 200, "{url}");
    r.json().await.expect("json")
}

/// (number, timestamp) of every block up to the head.
async fn blocks(chain: &TestChain) -> Vec<(u64, u64)> {
    let head = chain.head().await.expect("head");
    let mut out = Vec::new();
    for n in 0..=head {
        let b = chain
            .provider()
            .get_block_by_number(n.into())
            .await
            .expect("block")
            .expect("exists");
        out.push((n, b.header.timestamp));
    }
    out
}

/// Every point of the account's and the pools' day history against the
/// chain at the last block of its hour; returns the answers.
async fn assert_history_exact(
    chain: &TestChain,
    p: &Protocol,
    api: &str,
    user: Address,
    first_hour: u64,
) -> Vec<Value> {
    let blocks = blocks(chain).await;
    let (_, head_time) = *blocks.last().expect("blocks");
    let last_hour = head_time - head_time % HOUR;
    let last_of = |hour: u64| {
        blocks
            .iter()
            .rev()
            .find(|(_, t)| *t < hour + HOUR)
            .copied()
            .expect("a block before the hour's end")
    };
    let mut answers = Vec::new();
    let url = format!("{api}/v1/accounts/{user}/history?timeframe=1d");
    let answer = get(&url).await;
    let points = answer["points"].as_array().expect("points");
    let hours: Vec<u64> = points
        .iter()
        .map(|p| p["timestamp"].as_u64().expect("t"))
        .collect();
    let want: Vec<u64> = (first_hour..=last_hour).step_by(HOUR as usize).collect();
    assert_eq!(
        hours, want,
        "{url}: one point per hour since the first position, none missing"
    );
    for point in points {
        let hour = point["timestamp"].as_u64().expect("t");
        let (block, _) = last_of(hour);
        let ts = (hour + HOUR - 1).min(head_time);
        let totals = pf::value(&positions(chain, p, user, block, ts).await).totals;
        let want = serde_json::to_value(&totals).expect("json");
        for f in [
            "net_worth_usd",
            "lp_value_usd",
            "collateral_value_usd",
            "debt_usd",
            "locked_value_usd",
        ] {
            assert_eq!(
                point[f], want[f],
                "{url}: {f} at hour {hour} (block {block})"
            );
        }
        let hf = p.health_factor(chain, user, Some(block)).await.expect("hf");
        close(
            "health factor",
            &point["health_factor"],
            Some(f64::from(hf) / 1e18),
        );
    }
    answers.push(answer);
    for pair in &p.pairs {
        let url = format!("{api}/v1/pools/{pair}/history?timeframe=1d");
        let answer = get(&url).await;
        let points = answer["points"].as_array().expect("points");
        assert!(points.len() >= want.len(), "{url}: {} points", points.len());
        for point in points {
            let hour = point["timestamp"].as_u64().expect("t");
            let (block, _) = last_of(hour);
            let pool = pf::pool(&pool_input(chain, p, *pair, block).await, hour);
            let json = serde_json::to_value(&pool).expect("json");
            assert_eq!(
                point["tvl_usd"], json["tvl_usd"],
                "{url}: tvl at hour {hour} (block {block})"
            );
            close("apr", &point["apr"], pool.apr);
        }
        answers.push(answer);
    }
    answers
}

async fn rebuild(config: &tributary_config::Config, store: &Store) {
    let (notices, _rx) = broadcast::channel(16);
    for mut ix in tributary_engine::setup::indexers(config, store, &notices, None)
        .await
        .expect("indexers")
    {
        ix.rebuild(None).await.expect("rebuild");
    }
}

async fn history_is_exact(backend: Backend) {
    let chain = TestChain::spawn().await.expect("anvil");
    let p = Protocol::deploy(&chain).await.expect("deploy");
    let user = Address::repeat_byte(0x51);
    let trader = Address::repeat_byte(0x52);
    let before = chain.head().await.expect("head");
    let db2 = TestDb::new(backend).await.expect("database");
    let store2 = Store::connect(&db2.url).await.expect("store");
    let config2 = setup::config(&chain, &db2, &p);
    drive(&chain, &p, user, trader, (&config2, &store2)).await;
    let db = TestDb::new(backend).await.expect("database");
    let store = Store::connect(&db.url).await.expect("store");
    let config = setup::config(&chain, &db, &p);
    setup::index_to_head(&chain, &config, &store).await;
    let api = setup::serve(&config, &store).await;
    let first = chain
        .provider()
        .get_block_by_number((before + 1).into())
        .await
        .expect("block")
        .expect("exists")
        .header
        .timestamp;
    // The account's first position (its vault deposit) is in the first hour.
    let first_hour = first - first % HOUR;
    let answers = assert_history_exact(&chain, &p, &api, user, first_hour).await;
    // Indexed in many batches ending mid-hour: the same history.
    setup::index_to_head(&chain, &config2, &store2).await;
    let api2 = setup::serve(&config2, &store2).await;
    let incremental = assert_history_exact(&chain, &p, &api2, user, first_hour).await;
    assert_eq!(
        strip(&answers),
        strip(&incremental),
        "history depends on where batches ended"
    );
    println!(
        "{backend:?}: account and pool history equal the chain at every hour; account points: {}",
        answers[0]["points"]
    );

    // Rebuild: the same history.
    rebuild(&config, &store).await;
    let again = assert_history_exact(&chain, &p, &api, user, first_hour).await;
    assert_eq!(
        strip(&answers),
        strip(&again),
        "history changed across rebuild"
    );

    // A reorg replacing the last 3 blocks with a price move: points follow.
    let (to, data) = Action::SetPrice {
        feed: p.weth_feed,
        answer: I256::try_from(90_000_000_000_i64).expect("price"),
    }
    .call(&p, p.owner);
    let tx = TransactionRequest::default()
        .from(p.owner)
        .to(to)
        .input(data.into());
    chain
        .reorg(
            3,
            vec![ReorgTx {
                tx,
                block_offset: 0,
            }],
        )
        .await
        .expect("reorg");
    setup::index_to_head(&chain, &config, &store).await;
    let after = assert_history_exact(&chain, &p, &api, user, first_hour).await;
    assert_ne!(
        strip(&answers),
        strip(&after),
        "the reorg's price move shows in no point"
    );
}

/// Answers without their `block` (which moves with the head).
fn strip(answers: &[Value]) -> Vec<Value> {
    answers.iter().map(|a| a["points"].clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_exact_sqlite() {
    history_is_exact(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_exact_postgres() {
    history_is_exact(Backend::Postgres).await;
}
