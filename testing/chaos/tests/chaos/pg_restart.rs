//! The PostgreSQL server itself restarted under the indexer (`pg_ctl
//! restart -m fast`, and a stop with the server down for a while, then a
//! start), mid-backfill and mid-follow. A private cluster, so the shared
//! server other tests use is never touched. The indexer must ride it out by
//! itself and end equal to the chain.

use std::time::{Duration, Instant};

use rand::{SeedableRng, rngs::StdRng};
use tributary_chaos::compare::cursor_at;
use tributary_chaos::postgres::PrivatePostgres;
use tributary_chaos::{Indexing, Outcome, config_with, erc20};
use tributary_engine::IndexerOptions;
use tributary_store::Store;
use tributary_testkit::TestDb;

use crate::cases::{check, live_transfers, token_chain};

/// How long the server stays down between `stop` and `start`.
const DOWN: Duration = Duration::from_millis(1500);

/// Waits (up to a minute) for the cursor to reach `target`.
async fn reach(store: &Store, chain_id: u64, target: u64) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while cursor_at(store, chain_id).await < target {
        if Instant::now() > deadline {
            return Err(format!("no progress to block {target}"));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

/// One server action, run off the async workers (pg_ctl blocks).
fn server(pg: &PrivatePostgres, what: &str, action: fn(&PrivatePostgres) -> Result<(), String>) {
    tokio::task::block_in_place(|| action(pg)).unwrap_or_else(|e| {
        panic!(
            "pg_ctl {what} failed (server log in {}): {e}",
            pg.dir().display()
        )
    });
}

/// Restart and stop/start, each during backfill and during live following.
pub async fn pg_restart(seed: u64, scale: u64) -> Outcome {
    let mut out = Outcome {
        case: "PostgreSQL server restarted (pg_ctl) mid-backfill and mid-follow (Postgres)".into(),
        ..Outcome::default()
    };
    let pg = PrivatePostgres::start()
        .unwrap_or_else(|e| panic!("the pg_ctl case needs a private PostgreSQL cluster: {e}"));
    let (mut cuts, mut heads) = (Vec::new(), Vec::new());
    for run in 0..scale {
        let seed = seed + 1000 * run;
        let (chain, token, accounts) = token_chain(seed, 4_000).await;
        let db = TestDb::postgres_on(&pg.admin_url())
            .await
            .unwrap_or_else(|e| panic!("database on the private cluster: {e}"));
        let store = Store::connect(&db.url).await.expect("store");
        // Small commits: a backfill of many, so the server goes away between
        // (and during) them rather than after the last.
        let cfg = config_with(
            &chain.rpc_url(),
            chain.chain_id(),
            &db.url,
            5,
            "batch_events = 100",
            &erc20("Chaos", token, None),
        );
        let settings = tributary_source::RpcSettings {
            max_block_range: 5,
            initial_block_range: 5,
            ..tributary_engine::setup::rpc_settings(&cfg.chains[0])
        };
        let ix = Indexing::start(&cfg, &store, settings, IndexerOptions::default()).await;
        let id = chain.chain_id();
        let head = chain.head().await.expect("head");
        heads.push(head);
        // Backfill: a fast restart a third of the way, a stop at two thirds.
        let mut ok = reach(&store, id, head / 3).await;
        if ok.is_ok() {
            cuts.push(cursor_at(&store, id).await);
            server(&pg, "restart", PrivatePostgres::restart);
            out.faults += 1;
            ok = reach(&store, id, head * 2 / 3).await;
        }
        if ok.is_ok() {
            cuts.push(cursor_at(&store, id).await);
            server(&pg, "stop", PrivatePostgres::stop);
            tokio::time::sleep(DOWN).await;
            server(&pg, "start", PrivatePostgres::start_again);
            out.faults += 1;
        }
        if let Err(e) = ok {
            println!("MISMATCH: backfill on the private cluster: {e}");
            out.mismatches += 1;
        }
        out.mismatches += check(&chain, &store, token, &accounts).await;
        // Following: the chain moves while the server restarts or is down.
        let mut rng = StdRng::seed_from_u64(seed);
        live_transfers(&chain, token, &mut rng).await;
        server(&pg, "restart", PrivatePostgres::restart);
        live_transfers(&chain, token, &mut rng).await;
        out.faults += 1;
        out.mismatches += check(&chain, &store, token, &accounts).await;
        server(&pg, "stop", PrivatePostgres::stop);
        live_transfers(&chain, token, &mut rng).await;
        tokio::time::sleep(DOWN).await;
        server(&pg, "start", PrivatePostgres::start_again);
        out.faults += 1;
        live_transfers(&chain, token, &mut rng).await;
        out.mismatches += check(&chain, &store, token, &accounts).await;
        if let Err(e) = ix.stop().await {
            println!("MISMATCH: indexer ended with {e}");
            out.mismatches += 1;
        }
        store.close().await;
        out.runs += 1;
    }
    out.notes = format!(
        "per run: restart -m fast + stop/{DOWN:?} down/start, in backfill (at blocks {cuts:?} of {heads:?}) and in follow"
    );
    out
}
