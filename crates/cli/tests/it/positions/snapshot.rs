//! Portfolio JSON of a fixed workload, pinned with insta: the shape, the
//! rounding and the alerts may only change on purpose.

use alloy::providers::ext::AnvilApi;
use alloy::rpc::types::anvil::MineOptions;
use tributary_store::Store;
use tributary_testkit::protocol::Protocol;
use tributary_testkit::{Backend, ProtocolWorkload, TestChain, TestDb};

use super::{portfolio, setup};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portfolio_json_of_a_fixed_workload() {
    // A fixed genesis time makes every block, and so every answer, repeatable.
    let chain = TestChain::spawn_with(["--timestamp", "1700000000"])
        .await
        .expect("anvil");
    let protocol = Protocol::deploy(&chain).await.expect("deploy");
    // Deploying takes wall-clock time; the workload's clock starts from a fixed block.
    chain
        .provider()
        .evm_mine(Some(MineOptions::Timestamp(Some(1_700_001_000))))
        .await
        .expect("mine at a fixed time");
    let run = protocol
        .run_workload(
            &chain,
            ProtocolWorkload {
                seed: 3,
                users: 6,
                steps: 6,
            },
        )
        .await
        .expect("workload");
    let db = TestDb::new(Backend::Sqlite).await.expect("database");
    let store = Store::connect(&db.url).await.expect("store");
    let config = setup::config(&chain, &db, &protocol);
    setup::index_to_head(&chain, &config, &store).await;
    let api = setup::serve(&config, &store).await;
    for (i, user) in run.users.iter().take(3).enumerate() {
        let answer = portfolio(&api, *user).await;
        insta::assert_json_snapshot!(format!("portfolio_user_{i}"), answer, {
            ".block.hash" => "[hash]",
        });
    }
}
