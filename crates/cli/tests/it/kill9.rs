//! kill -9 of the running binary at several moments during backfill, then a
//! restart: the final state equals the chain and no event is stored twice.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use tributary_store::Store;
use tributary_testkit::{Backend, TestChain, TestDb, WorkloadSpec, verify};

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
            "[database]\nurl = \"{}\"\n\n[[chain]]\nname = \"test\"\nchain_id = {}\nrpc = [\"{}\"]\nconfirmations = 12\npoll_interval_ms = 50\nmax_block_range = 3\nbatch_events = 500\n\n[[contract]]\nname = \"Crash\"\nchain = \"test\"\nkind = \"erc20\"\naddress = \"{token}\"\n",
            db.url,
            chain.chain_id(),
            chain.rpc_url()
        ),
    )
    .expect("write config");

    let store = Store::connect(&db.url).await.expect("store");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    // Kill at six moments spread over the backfill, chosen by progress (a
    // random height each) rather than by time, so every kill lands mid-run
    // however fast the machine is.
    let head = chain.head().await.expect("head");
    let mut targets: Vec<u64> = (0..6)
        .map(|_| rng.random_range(head / 10..head * 9 / 10))
        .collect();
    targets.sort_unstable();
    let mut kills = 0;
    for target in targets {
        let mut child = spawn_index(&config, false);
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let cursor = store
                .cursor(chain.chain_id())
                .await
                .expect("cursor")
                .map_or(0, |c| c.number);
            if cursor >= target {
                break;
            }
            assert!(
                child.try_wait().expect("wait").is_none(),
                "{backend:?}: indexer exited before block {target}"
            );
            assert!(
                Instant::now() < deadline,
                "{backend:?}: no progress to block {target}"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        child.kill().expect("kill -9"); // SIGKILL: no chance to clean up
        child.wait().expect("reap");
        kills += 1;
    }
    assert_eq!(kills, 6);
    let cursor = store
        .cursor(chain.chain_id())
        .await
        .expect("cursor")
        .map_or(0, |c| c.number);
    assert!(
        cursor < head,
        "{backend:?}: the killed runs already finished the backfill"
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
    assert_eq!(
        store
            .cursor(chain.chain_id())
            .await
            .expect("cursor")
            .map(|c| c.number),
        Some(head)
    );
    verify::assert_token_matches_chain(&chain, &store, token, &summary.accounts, head).await;
    verify::assert_events_match_chain(&chain, &store, token, head).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_during_backfill_then_restart_on_sqlite() {
    crash_and_recover(Backend::Sqlite, 11).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_during_backfill_then_restart_on_postgres() {
    crash_and_recover(Backend::Postgres, 12).await;
}
