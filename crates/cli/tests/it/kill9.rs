//! kill -9 of the running binary at 20 seeded random moments: ten during
//! backfill (each at a random height), then ten while it follows a chain
//! that keeps getting transfers (each a random time after it caught up).
//! After every kill the store is compared with the chain at the store's own
//! cursor (balances, supply, every log exactly once), and again at the end
//! after a restart to the head.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tributary_store::Store;
use tributary_testkit::{Backend, TestChain, TestDb, WorkloadSpec, verify};

const BACKFILL_KILLS: usize = 10;
const LIVE_KILLS: usize = 10;

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

async fn cursor(store: &Store, chain_id: u64) -> u64 {
    store
        .cursor(chain_id)
        .await
        .expect("cursor")
        .map_or(0, |c| c.number)
}

/// Waits for the cursor to reach `target` while the child keeps running.
async fn wait_for(store: &Store, chain_id: u64, child: &mut Child, target: u64, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while cursor(store, chain_id).await < target {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "{what}: indexer exited before block {target}"
        );
        assert!(
            Instant::now() < deadline,
            "{what}: no progress to block {target}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// SIGKILL (no chance to clean up), then the store must equal the chain at
/// its own cursor. Returns that cursor.
async fn kill_and_compare(
    mut child: Child,
    chain: &TestChain,
    store: &Store,
    token: Address,
    accounts: &[Address],
) -> u64 {
    child.kill().expect("kill -9");
    child.wait().expect("reap");
    let at = cursor(store, chain.chain_id()).await;
    verify::assert_token_matches_chain(chain, store, token, accounts, at).await;
    verify::assert_events_match_chain(chain, store, token, at).await;
    at
}

async fn crash_and_recover(backend: Backend, seed: u64) {
    let started = Instant::now();
    let chain = Arc::new(TestChain::spawn().await.expect("anvil"));
    let token = chain
        .deploy_token("Crash", "CRSH", 18)
        .await
        .expect("deploy");
    let spec = WorkloadSpec {
        recipients_per_tx: 50,
        txs_per_block: 4,
        ..WorkloadSpec::new(16_000, 300, seed)
    };
    let summary = chain
        .transfer_workload(token, &spec)
        .await
        .expect("workload");
    let dev = chain.dev_accounts();
    for a in &dev {
        chain
            .mint(token, *a, U256::from(10u64).pow(U256::from(24)))
            .await
            .expect("mint");
    }
    let mut accounts = summary.accounts.clone();
    accounts.extend(&dev);
    accounts.sort();
    accounts.dedup();
    let db = TestDb::new(backend).await.expect("db");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("tributary.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"{}\"\n\n[[chain]]\nname = \"test\"\nchain_id = {}\nrpc = [\"{}\"]\nconfirmations = 12\npoll_interval_ms = 50\nmax_block_range = 3\nbatch_events = 25\ncommit_interval_ms = 50\n\n[[contract]]\nname = \"Crash\"\nchain = \"test\"\nkind = \"erc20\"\naddress = \"{token}\"\n",
            db.url,
            chain.chain_id(),
            chain.rpc_url()
        ),
    )
    .expect("write config");

    let store = Store::connect(&db.url).await.expect("store");
    let id = chain.chain_id();
    let mut rng = StdRng::seed_from_u64(seed);
    // Backfill kills at random heights (by progress rather than by time, so
    // every kill lands mid-run however fast the machine is).
    // Targets stay below the finality depth (12): above it, a batch may
    // run to the head in one commit while the backfill's last is landing.
    let head = chain.head().await.expect("head");
    let finalized = head.saturating_sub(12);
    let mut targets: Vec<u64> = (0..BACKFILL_KILLS)
        .map(|_| rng.random_range(head / 10..finalized * 9 / 10))
        .collect();
    targets.sort_unstable();
    let mut at = Vec::new();
    for target in targets {
        let mut child = spawn_index(&config, false);
        wait_for(
            &store,
            id,
            &mut child,
            target,
            &format!("{backend:?} backfill"),
        )
        .await;
        at.push(kill_and_compare(child, &chain, &store, token, &accounts).await);
    }
    assert!(
        at.last().is_some_and(|c| *c < head),
        "{backend:?}: the killed runs already finished the backfill"
    );

    // Live kills: the chain keeps moving; each run first finishes what is
    // left, follows for a random while, and dies.
    let stop = Arc::new(AtomicBool::new(false));
    let sender = crate::traffic::traffic(chain.clone(), token, seed + 1, stop.clone());
    for _ in 0..LIVE_KILLS {
        let mut child = spawn_index(&config, false);
        let now = chain.head().await.expect("head");
        wait_for(&store, id, &mut child, now, &format!("{backend:?} follow")).await;
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..400))).await;
        at.push(kill_and_compare(child, &chain, &store, token, &accounts).await);
    }
    stop.store(true, Ordering::Relaxed);
    let live_transfers = sender.await.expect("traffic task");

    let mut child = spawn_index(&config, true);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "{backend:?}: final run failed: {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{backend:?}: final run did not finish"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let head = chain.head().await.expect("head");
    assert_eq!(cursor(&store, id).await, head);
    verify::assert_token_matches_chain(&chain, &store, token, &accounts, head).await;
    let events = verify::assert_events_match_chain(&chain, &store, token, head).await;
    println!(
        "| kill -9 of `tributary index`, {BACKFILL_KILLS} in backfill + {LIVE_KILLS} while following ({backend:?}) | 1 | {} | 0 | killed at blocks {at:?}; {live_transfers} live transfers; {events} events; {:.1} s |",
        at.len(),
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_during_backfill_and_follow_then_restart_on_sqlite() {
    crash_and_recover(Backend::Sqlite, 11).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_during_backfill_and_follow_then_restart_on_postgres() {
    crash_and_recover(Backend::Postgres, 12).await;
}
