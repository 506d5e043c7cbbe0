//! High availability: two `tributary index` processes on one PostgreSQL.
//! One holds the chain's lease and works it; the active one is killed -9
//! again and again (four times during backfill, three while following a
//! chain that keeps getting transfers) and the other takes over within
//! 10 s. In the end the store equals the chain: no gap, no duplicate.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use alloy::primitives::U256;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tributary_store::Store;
use tributary_testkit::{Backend, TestChain, TestDb, WorkloadSpec, verify};

fn spawn_index(config: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tributary"))
        .arg("index")
        .arg("-c")
        .arg(config)
        .arg("--log-format")
        .arg("json")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn tributary")
}

/// The pid in a lease holder name (`host:pid`).
fn holder_pid(holder: &str) -> Option<u32> {
    holder.rsplit(':').next()?.parse().ok()
}

async fn cursor(store: &Store, chain_id: u64) -> u64 {
    store
        .cursor(chain_id)
        .await
        .ok()
        .flatten()
        .map_or(0, |c| c.number)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_indexers_on_postgres_take_over_without_gap_or_duplicate() {
    let chain = Arc::new(TestChain::spawn().await.expect("anvil"));
    let token = chain.deploy_token("Ha", "HA", 18).await.expect("deploy");
    let spec = WorkloadSpec {
        recipients_per_tx: 50,
        txs_per_block: 4,
        ..WorkloadSpec::new(30_000, 1_000, 21)
    };
    let summary = chain
        .transfer_workload(token, &spec)
        .await
        .expect("workload");
    let db = TestDb::new(Backend::Postgres).await.expect("postgres");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("tributary.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"{}\"\n\n[[chain]]\nname = \"test\"\nchain_id = {}\nrpc = [\"{}\"]\nconfirmations = 3\npoll_interval_ms = 50\nmax_block_range = 3\nbatch_events = 300\ncommit_interval_ms = 100\n\n[[contract]]\nname = \"Ha\"\nchain = \"test\"\nkind = \"erc20\"\naddress = \"{token}\"\n",
            db.url,
            chain.chain_id(),
            chain.rpc_url()
        ),
    )
    .expect("write config");
    let store = Store::connect(&db.url).await.expect("store");
    let chain_id = chain.chain_id();
    let head = chain.head().await.expect("head");
    for a in chain.dev_accounts() {
        chain
            .mint(token, a, U256::from(1_000_000u64))
            .await
            .expect("mint");
    }

    let mut children = vec![spawn_index(&config), spawn_index(&config)];
    let mut takeovers = Vec::new();
    const BACKFILL_KILLS: usize = 4;
    const KILLS: usize = BACKFILL_KILLS + 3;
    let stop = Arc::new(AtomicBool::new(false));
    let mut sender = None;
    let mut rng = StdRng::seed_from_u64(21);
    for k in 0..KILLS {
        // Backfill: wait for a holder past this round's mark. Following:
        // wait until it caught up with the moving head, then a random while.
        let following = k >= BACKFILL_KILLS;
        if following && sender.is_none() {
            sender = Some(crate::traffic::traffic(
                chain.clone(),
                token,
                22,
                stop.clone(),
            ));
        }
        let mark = if following {
            chain.head().await.expect("head")
        } else {
            head * (k as u64 + 1) / (BACKFILL_KILLS as u64 + 2)
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        // The holder must also have recorded its tenure (k + 1 so far): a
        // commit may pass several marks at once, and a holder killed the
        // moment it took over has not recorded anything yet.
        let (epoch, pid) = loop {
            let holder = store.lease_holder(chain_id).await.expect("lease");
            if let Some((epoch, name)) = holder
                && cursor(&store, chain_id).await >= mark
                && let Some(pid) = holder_pid(&name)
                && children.iter().any(|c| c.id() == pid)
                && index_runs(&store, chain_id).await > k
            {
                break (epoch, pid);
            }
            assert!(
                Instant::now() < deadline,
                "round {k}: no progress to block {mark}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        if following {
            tokio::time::sleep(Duration::from_millis(rng.random_range(0..400))).await;
        }
        let at = children
            .iter()
            .position(|c| c.id() == pid)
            .expect("the holder is ours");
        let mut active = children.swap_remove(at);
        active.kill().expect("kill -9");
        active.wait().expect("reap");
        let killed_at = Instant::now();
        let killed_cursor = cursor(&store, chain_id).await;
        // The standby takes the lease and moves the cursor.
        let took = loop {
            let holder = store.lease_holder(chain_id).await.expect("lease");
            if holder.as_ref().is_some_and(|(e, _)| *e > epoch) {
                break killed_at.elapsed();
            }
            assert!(
                killed_at.elapsed() < Duration::from_secs(10),
                "round {k}: no takeover within 10 s"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        takeovers.push(took);
        println!(
            "kill {} ({}): holder pid {pid} (epoch {epoch}) killed at block {killed_cursor}; taken over in {:.0} ms",
            k + 1,
            if following { "following" } else { "backfill" },
            took.as_secs_f64() * 1000.0
        );
        // A fresh standby replaces the killed process.
        children.push(spawn_index(&config));
    }

    // Live blocks on top, then both run until the head.
    stop.store(true, Ordering::Relaxed);
    let live_transfers = match sender {
        Some(task) => task.await.expect("traffic task"),
        None => 0,
    };
    let accounts = {
        let mut a = summary.accounts.clone();
        a.extend(chain.dev_accounts());
        a.sort();
        a.dedup();
        a
    };
    for a in chain.dev_accounts().iter().take(3) {
        chain.mint(token, *a, U256::from(7)).await.expect("mint");
    }
    let final_head = chain.head().await.expect("head");
    let deadline = Instant::now() + Duration::from_secs(300);
    while cursor(&store, chain_id).await < final_head {
        assert!(Instant::now() < deadline, "did not reach the head");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for mut c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
    let worst = takeovers.iter().max().copied().unwrap_or_default();
    println!(
        "takeovers: {:?} ms (worst {:.0} ms)",
        takeovers.iter().map(|t| t.as_millis()).collect::<Vec<_>>(),
        worst.as_secs_f64() * 1000.0
    );
    assert!(worst < Duration::from_secs(10));
    verify::assert_token_matches_chain(&chain, &store, token, &accounts, final_head).await;
    verify::assert_events_match_chain(&chain, &store, token, final_head).await;
    let runs = store.runs(Some(chain_id), 100).await.expect("runs");
    assert!(
        index_runs(&store, chain_id).await > KILLS,
        "every tenure is an index run: {runs:?}"
    );
    println!(
        "| two `index` processes on one PostgreSQL, the active one killed -9 ({BACKFILL_KILLS} in backfill, {} while following) | 1 | {KILLS} | 0 | takeovers {:?} ms (worst {:.0} ms); {live_transfers} live transfers |",
        KILLS - BACKFILL_KILLS,
        takeovers.iter().map(|t| t.as_millis()).collect::<Vec<_>>(),
        worst.as_secs_f64() * 1000.0
    );
}

/// How many `index` runs (tenures) are recorded for `chain_id`.
async fn index_runs(store: &Store, chain_id: u64) -> usize {
    let runs = store.runs(Some(chain_id), 100).await.expect("runs");
    runs.iter().filter(|r| r.job == "index").count()
}
