//! Serving at scale: one `index` process and two `serve` processes on one
//! PostgreSQL and one Redis. Both serve processes push a change the indexer
//! commits; killing Redis degrades them to polling (still pushing, still
//! answering fresh data) and they recover when Redis returns.

use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use tributary_testkit::{Backend, TestChain, TestDb};

use crate::procs::{
    Proc, Sse, free_port, get_json, metrics, redis_server, sample, tributary, wait_indexed,
};

const PUSH_WITHIN: Duration = Duration::from_secs(10);

/// The balance of `token` in an `account` push or balances answer.
fn balance_of(body: &serde_json::Value, token: Address) -> Option<String> {
    body["balances"]
        .as_array()?
        .iter()
        .find(|b| b["token"] == token.to_checksum(None))
        .and_then(|b| b["balance"].as_str().map(str::to_string))
}

/// Transfers `amount` to `to` and waits for both serve processes to push
/// the account's new `balance`, then checks both answer it on `/balances`.
async fn transfer_and_expect(
    chain: &TestChain,
    token: Address,
    to: Address,
    amount: u64,
    balance: u64,
    streams: &mut [Sse],
    ports: &[u16],
) {
    chain
        .transfer(token, None, to, U256::from(amount))
        .await
        .expect("transfer");
    for stream in streams.iter_mut() {
        let deadline = Instant::now() + PUSH_WITHIN;
        loop {
            let push = stream.next("account", PUSH_WITHIN).await;
            if balance_of(&push, token) == Some(balance.to_string()) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no push of balance {balance}: last {push}"
            );
        }
    }
    for &port in ports {
        let (status, body) = get_json(port, &format!("/v1/accounts/{to}/balances"))
            .await
            .expect("balances");
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            balance_of(&body, token),
            Some(balance.to_string()),
            "port {port}: {body}"
        );
    }
}

async fn redis_notices(port: u16) -> f64 {
    sample(&metrics(port).await, "tributary_notices_received_total").unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serve_processes_push_one_indexers_changes_and_survive_redis_restarts() {
    let redis_port = free_port();
    let mut redis = redis_server(redis_port);
    let chain = TestChain::spawn().await.expect("anvil");
    let token = chain
        .deploy_token("Live", "LIVE", 18)
        .await
        .expect("deploy");
    let sender = chain.dev_account(None).expect("dev account");
    chain
        .mint(token, sender, U256::from(1_000_000))
        .await
        .expect("mint");
    let db = TestDb::new(Backend::Postgres).await.expect("postgres");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("tributary.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"{}\"\n\n[cache]\nredis_url = \"redis://127.0.0.1:{redis_port}\"\n\n\
             [[chain]]\nname = \"test\"\nchain_id = {}\nrpc = [\"{}\"]\nconfirmations = 2\npoll_interval_ms = 50\n\n\
             [[contract]]\nname = \"Live\"\nchain = \"test\"\nkind = \"erc20\"\naddress = \"{token}\"\nstart_block = 0\n",
            db.url,
            chain.chain_id(),
            chain.rpc_url()
        ),
    )
    .expect("config");
    let mut index = tributary("index", &config, None, &dir.path().join("index.log"));
    let ports = [free_port(), free_port()];
    let mut serves: Vec<Proc> = ports
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            tributary(
                "serve",
                &config,
                Some(p),
                &dir.path().join(format!("serve{i}.log")),
            )
        })
        .collect();
    let head = chain.head().await.expect("head");
    for &port in &ports {
        wait_indexed(port, head, Duration::from_secs(60)).await;
    }
    let to = Address::repeat_byte(0x77);
    let mut streams = Vec::new();
    for &port in &ports {
        streams.push(Sse::open(port, &format!("account:{to}")).await);
    }

    // Redis up: the change travels index -> Redis -> both serve processes.
    transfer_and_expect(&chain, token, to, 1, 1, &mut streams, &ports).await;
    for &port in &ports {
        let m = metrics(port).await;
        assert_eq!(
            sample(&m, "tributary_redis_connected"),
            Some(1.0),
            "port {port}"
        );
        assert!(
            redis_notices(port).await > 0.0,
            "port {port} got no notice over Redis"
        );
    }

    // Redis down: degraded to polling, still pushing and still fresh.
    drop(redis);
    transfer_and_expect(&chain, token, to, 2, 3, &mut streams, &ports).await;
    for &port in &ports {
        let m = metrics(port).await;
        assert_eq!(
            sample(&m, "tributary_redis_connected"),
            Some(0.0),
            "port {port}"
        );
    }
    index.assert_running("index without Redis");

    // Redis back on the same port: both reconnect on their own.
    redis = redis_server(redis_port);
    let deadline = Instant::now() + Duration::from_secs(20);
    for &port in &ports {
        while sample(&metrics(port).await, "tributary_redis_connected") != Some(1.0) {
            assert!(Instant::now() < deadline, "port {port} did not resubscribe");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let before: Vec<f64> = futures::future::join_all(ports.iter().map(|&p| redis_notices(p))).await;
    let mut balance = 3;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        balance += 4;
        transfer_and_expect(&chain, token, to, 4, balance, &mut streams, &ports).await;
        let after: Vec<f64> =
            futures::future::join_all(ports.iter().map(|&p| redis_notices(p))).await;
        // The indexer reconnects on its next notice after its backoff.
        if after.iter().zip(&before).all(|(a, b)| a > b) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "notices never flowed over Redis again"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    index.assert_running("index");
    for (i, s) in serves.iter_mut().enumerate() {
        s.assert_running(&format!("serve {i}"));
    }
    drop(redis);
}
