//! DeFi positions end to end: the demo protocol on anvil driven by a seeded
//! workload of 200 users (prices into the liquidation range, expiring locks,
//! NFT transfers, then a reorg), indexed into SQLite and PostgreSQL; every
//! user's portfolio equals the chain's views, and `verify` finds nothing.

mod check;
mod history;
mod setup;
mod snapshot;
mod uniswap;

use alloy::primitives::I256;
use alloy::rpc::types::TransactionRequest;
use serde_json::Value;
use tributary_store::Store;
use tributary_testkit::protocol::Protocol;
use tributary_testkit::{Action, Backend, ProtocolWorkload, ReorgTx, TestChain, TestDb};

async fn portfolio(api: &str, user: alloy::primitives::Address) -> Value {
    let url = format!("{api}/v1/accounts/{user}/portfolio");
    let response = reqwest::get(&url).await.expect("portfolio request");
    assert_eq!(response.status(), 200, "{url}");
    response.json().await.expect("portfolio json")
}

/// Compares every user's portfolio with the chain at the indexed block.
async fn assert_all_match(
    chain: &TestChain,
    p: &Protocol,
    api: &str,
    users: &[alloy::primitives::Address],
) -> usize {
    let mut compared = 0;
    for user in users {
        let answer = portfolio(api, *user).await;
        let block = answer["block"]["number"].as_u64().expect("block number");
        compared += check::portfolio_matches_chain(chain, p, *user, &answer, block).await;
        compared += check::nfts_match_chain(chain, p, api, *user).await;
    }
    compared
}

async fn positions_match_chain(backend: Backend) {
    let chain = TestChain::spawn().await.expect("anvil");
    let protocol = Protocol::deploy(&chain).await.expect("deploy");
    let run = protocol
        .run_workload(
            &chain,
            ProtocolWorkload {
                seed: 7,
                users: 200,
                steps: 12,
            },
        )
        .await
        .expect("workload");
    assert!(!run.at_risk.is_empty(), "the workload put no user at risk");
    let db = TestDb::new(backend).await.expect("database");
    let store = Store::connect(&db.url).await.expect("store");
    let config = setup::config(&chain, &db, &protocol);
    setup::index_to_head(&chain, &config, &store).await;
    let api = setup::serve(&config, &store).await;
    let compared = assert_all_match(&chain, &protocol, &api, &run.users).await;
    assert!(compared > 200 * 10, "only {compared} values compared");
    let sample = portfolio(&api, run.users[run.users.len() / 2]).await;
    println!("{backend:?}: {compared} portfolio values equal the chain; one of them: {sample:#}");
    let report = tributary_engine::verify::verify_chain(
        &store,
        &tributary_source::EvmSource::connect(tributary_engine::setup::rpc_settings(
            &config.chains[0],
        ))
        .await
        .expect("source"),
        chain.chain_id(),
        None,
    )
    .await
    .expect("verify");
    assert!(
        report.checked > 1000,
        "verify checked only {}",
        report.checked
    );
    assert_eq!(report.differences, vec![], "verify found differences");
    println!(
        "{backend:?}: verify checked {} values at block {}",
        report.checked, report.block
    );
    check::history_is_hourly(&api, &run.users, &protocol.pairs).await;
    check::nft_holders_match_chain(&chain, &protocol, &api).await;

    // A reorg replacing the last 3 blocks with a price crash, then index again.
    let (to, data) = Action::SetPrice {
        feed: protocol.weth_feed,
        answer: I256::try_from(150_000_000_000_i64).expect("price"),
    }
    .call(&protocol, protocol.owner);
    let tx = TransactionRequest::default()
        .from(protocol.owner)
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
    assert_all_match(&chain, &protocol, &api, &run.users).await;
    check::history_is_hourly(&api, &run.users, &protocol.pairs).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positions_match_chain_sqlite() {
    positions_match_chain(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positions_match_chain_postgres() {
    positions_match_chain(Backend::Postgres).await;
}
