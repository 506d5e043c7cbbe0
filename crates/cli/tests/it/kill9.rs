//! kill -9 of the running binary at several moments during backfill, then a
//! restart: the final state equals the chain and no event is stored twice.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use alloy::providers::Provider;
use alloy::rpc::types::Filter;
use rand::{Rng, SeedableRng};
use tributary_store::Store;
use tributary_store::read::{EventPosition, EventQuery, HolderPosition};
use tributary_testkit::{Backend, TestChain, TestDb, WorkloadSpec};

fn spawn_index(config: &std::path::Path, exit_when_synced: bool) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tributary"));
    cmd.arg("index")
        .arg("-c")
        .arg(config)
        .arg("--log-format")
        .arg("json")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if exit_when_synced {
        cmd.arg("--exit-when-synced");
    }
    cmd.spawn().expect("spawn tributary")
}

async fn crash_and_recover(backend: Backend, seed: u64) {
    let chain = TestChain::spawn().await.expect("anvil");
    let token = chain
        .deploy_token("Crash", "CRSH", 18)
        .await
        .expect("deploy");
    let spec = WorkloadSpec {
        recipients_per_tx: 50,
        txs_per_block: 4,
        ..WorkloadSpec::new(40_000, 1_500, seed)
    };
    let summary = chain
        .transfer_workload(token, &spec)
        .await
        .expect("workload");
    let db = TestDb::new(backend).await.expect("db");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("tributary.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"{}\"\n\n[[chain]]\nname = \"test\"\nchain_id = {}\nrpc = [\"{}\"]\nconfirmations = 12\npoll_interval_ms = 50\nmax_block_range = 3\n\n[[contract]]\nname = \"Crash\"\nchain = \"test\"\nkind = \"erc20\"\naddress = \"{token}\"\n",
            db.url,
            chain.chain_id(),
            chain.rpc_url()
        ),
    )
    .expect("write config");

    let store = Store::connect(&db.url).await.expect("store");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut progressed = 0;
    let mut last = None;
    for _ in 0..6 {
        let mut child = spawn_index(&config, false);
        tokio::time::sleep(Duration::from_millis(rng.random_range(300..1500))).await;
        child.kill().expect("kill -9"); // SIGKILL: no chance to clean up
        child.wait().expect("reap");
        let cursor = store
            .cursor(chain.chain_id())
            .await
            .expect("cursor")
            .map(|c| c.number);
        if cursor > last {
            progressed += 1;
        }
        last = cursor;
    }
    assert!(
        progressed >= 2,
        "{backend:?}: the killed runs made too little progress to test anything ({progressed})"
    );

    let mut child = spawn_index(&config, true);
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "{backend:?}: final run failed: {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{backend:?}: final run did not finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let head = chain.head().await.expect("head");
    assert_eq!(
        store
            .cursor(chain.chain_id())
            .await
            .expect("cursor")
            .map(|c| c.number),
        Some(head)
    );
    assert_state_equals_chain(&chain, &store, token, &summary.accounts, head).await;
}

async fn assert_state_equals_chain(
    chain: &TestChain,
    store: &Store,
    token: Address,
    accounts: &[Address],
    head: u64,
) {
    let chain_id = chain.chain_id();
    let mut snap = store.snapshot().await.expect("snapshot");
    let mut holders = std::collections::HashMap::new();
    let mut after = None;
    loop {
        let page = snap
            .holders(chain_id, token, after, 1000)
            .await
            .expect("holders");
        let Some(l) = page.last() else { break };
        after = Some(HolderPosition {
            balance: l.balance,
            account: l.account,
        });
        for h in page {
            assert!(
                holders.insert(h.account, h.balance).is_none(),
                "holder twice"
            );
        }
    }
    let mut stored = Vec::new();
    let mut after = None;
    loop {
        let q = EventQuery {
            chain_id: Some(chain_id),
            after,
            limit: 1000,
            ..EventQuery::default()
        };
        let page = snap.events(&q).await.expect("events");
        let Some(l) = page.last() else { break };
        after = Some(EventPosition {
            block_number: l.block_number,
            log_index: l.log_index,
            chain_id,
        });
        stored.extend(page.iter().map(|e| (e.block_number, e.log_index)));
    }
    snap.finish().await.expect("finish");
    for a in accounts {
        let want = chain
            .balance_of(token, *a, Some(head))
            .await
            .expect("balanceOf");
        assert_eq!(
            holders.get(a).copied().unwrap_or(U256::ZERO),
            want,
            "balance of {a}"
        );
    }
    let logs = chain
        .provider()
        .get_logs(&Filter::new().address(token).from_block(0).to_block(head))
        .await
        .expect("logs");
    let want: Vec<(u64, u64)> = logs
        .iter()
        .map(|l| {
            (
                l.block_number.unwrap_or_default(),
                l.log_index.unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(stored.len(), want.len(), "events stored vs chain logs");
    assert_eq!(stored, want, "each log exactly once, in order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_during_backfill_then_restart_on_sqlite() {
    crash_and_recover(Backend::Sqlite, 11).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_during_backfill_then_restart_on_postgres() {
    crash_and_recover(Backend::Postgres, 12).await;
}
