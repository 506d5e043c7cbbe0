//! The cases. Each returns its summary row instead of panicking, so the
//! table shows every case even when one fails.

use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::{Address, U256};
use rand::{Rng, SeedableRng, rngs::StdRng};
use tributary_chaos::{
    Indexing, Outcome, config, config_with, erc20, mismatches, tough_settings, wait_synced,
};
use tributary_engine::IndexerOptions;
use tributary_store::Store;
use tributary_testkit::proxy::{FaultSpec, RpcProxy};
use tributary_testkit::{Backend, ReorgTx, TestChain, TestDb, WorkloadSpec};

pub(crate) const SYNC: Duration = Duration::from_secs(120);

pub(crate) fn unit() -> U256 {
    U256::from(10u64).pow(U256::from(18))
}

/// A chain with a token, a seeded transfer workload, and dev accounts that
/// hold tokens for live transfers. Returns the accounts to compare.
pub(crate) async fn token_chain(seed: u64, events: u64) -> (Arc<TestChain>, Address, Vec<Address>) {
    let chain = TestChain::spawn().await.expect("anvil");
    let token = chain
        .deploy_token("Chaos", "CHS", 18)
        .await
        .expect("deploy");
    let spec = WorkloadSpec {
        recipients_per_tx: 20,
        txs_per_block: 2,
        ..WorkloadSpec::new(events, 300, seed)
    };
    let summary = chain
        .transfer_workload(token, &spec)
        .await
        .expect("workload");
    let mut accounts = summary.accounts.clone();
    for a in chain.dev_accounts() {
        chain
            .mint(token, a, unit() * U256::from(1_000))
            .await
            .expect("mint");
        accounts.push(a);
    }
    accounts.sort();
    accounts.dedup();
    (Arc::new(chain), token, accounts)
}

pub(crate) async fn open_store(backend: Backend) -> (TestDb, Store) {
    let db = TestDb::new(backend)
        .await
        .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
    let store = Store::connect(&db.url)
        .await
        .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
    (db, store)
}

/// A few live transfers between dev accounts.
pub(crate) async fn live_transfers(chain: &TestChain, token: Address, rng: &mut StdRng) {
    let dev = chain.dev_accounts();
    for _ in 0..rng.random_range(1..=3) {
        let from = rng.random_range(0..dev.len());
        let to = dev[rng.random_range(0..dev.len())];
        chain
            .transfer(
                token,
                Some(from),
                to,
                unit() * U256::from(rng.random_range(1..20u64)),
            )
            .await
            .expect("transfer");
    }
}

/// Syncs and compares; a sync that fails counts as a mismatch.
pub(crate) async fn check(
    chain: &Arc<TestChain>,
    store: &Store,
    token: Address,
    accounts: &[Address],
) -> u64 {
    match wait_synced(chain, store, SYNC).await {
        Ok(head) => mismatches(chain, store, token, accounts, head).await,
        Err(e) => {
            println!("MISMATCH: {e}");
            1
        }
    }
}

/// Backfill then live following through a proxy injecting every RPC fault
/// (errors, hangs, 429 + Retry-After, garbled JSON, dropped logs, stale
/// heads) at 5 % each (hangs at 1.25 %).
pub async fn rpc_faults(backend: Backend, seed: u64, scale: u64) -> Outcome {
    let mut out = Outcome {
        case: format!("rpc faults, all kinds ({backend:?})"),
        ..Outcome::default()
    };
    for run in 0..scale {
        let seed = seed + 1000 * run;
        let (chain, token, accounts) = token_chain(seed, 4_000).await;
        let proxy = RpcProxy::start(&chain.rpc_url(), FaultSpec::all(seed, 0.05))
            .await
            .expect("proxy");
        let (db, store) = open_store(backend).await;
        let cfg = config(
            proxy.url(),
            chain.chain_id(),
            &db.url,
            5,
            &erc20("Chaos", token, None),
        );
        let ix = Indexing::start(
            &cfg,
            &store,
            tough_settings(&cfg),
            IndexerOptions::default(),
        )
        .await;
        out.mismatches += check(&chain, &store, token, &accounts).await;
        let mut rng = StdRng::seed_from_u64(seed);
        for _ in 0..3 {
            live_transfers(&chain, token, &mut rng).await;
            out.mismatches += check(&chain, &store, token, &accounts).await;
        }
        if let Err(e) = ix.stop().await {
            println!("MISMATCH: indexer ended with {e}");
            out.mismatches += 1;
        }
        let c = proxy.counts();
        out.faults += c.total();
        out.runs += 1;
        out.notes = format!(
            "{} errors, {} hangs, {} 429s, {} garbled, {} dropped-log answers, {} stale heads; {} clean",
            c.errors,
            c.timeouts,
            c.rate_limited,
            c.garbled,
            c.dropped_logs,
            c.stale_heads,
            c.forwarded
        );
    }
    out
}

/// An endpoint that silently drops the logs of some blocks (or cuts an
/// answer short) in 30 % of its `eth_getLogs` answers; the bloom check
/// catches each and fetches again.
pub async fn dropping_endpoint(backend: Backend, seed: u64, scale: u64) -> Outcome {
    let mut out = Outcome {
        case: format!("endpoint dropping logs ({backend:?})"),
        ..Outcome::default()
    };
    for run in 0..scale {
        let seed = seed + 1000 * run;
        let (chain, token, accounts) = token_chain(seed, 4_000).await;
        let spec = FaultSpec {
            drop_logs: 0.3,
            ..FaultSpec::none(seed)
        };
        let proxy = RpcProxy::start(&chain.rpc_url(), spec)
            .await
            .expect("proxy");
        let (db, store) = open_store(backend).await;
        let cfg = config(
            proxy.url(),
            chain.chain_id(),
            &db.url,
            5,
            &erc20("Chaos", token, None),
        );
        let ix = Indexing::start(
            &cfg,
            &store,
            tough_settings(&cfg),
            IndexerOptions::default(),
        )
        .await;
        out.mismatches += check(&chain, &store, token, &accounts).await;
        let mut rng = StdRng::seed_from_u64(seed);
        for _ in 0..3 {
            live_transfers(&chain, token, &mut rng).await;
            out.mismatches += check(&chain, &store, token, &accounts).await;
        }
        if let Err(e) = ix.stop().await {
            println!("MISMATCH: indexer ended with {e}");
            out.mismatches += 1;
        }
        out.faults += proxy.counts().dropped_logs;
        out.runs += 1;
    }
    out.notes = "eth_getLogs answers missing whole blocks or their tail".into();
    out
}

/// Live following through `rounds` random `anvil_reorg`s of depth 1..=32
/// (confirmations 40), each on top of a synced indexer, compared after each.
pub async fn reorgs(backend: Backend, seed: u64, rounds: u64) -> Outcome {
    let mut out = Outcome {
        case: format!("anvil_reorg depth 1..32 while following ({backend:?})"),
        ..Outcome::default()
    };
    let (chain, token, accounts) = token_chain(seed, 200).await;
    chain.mine(40).await.expect("mine");
    let (db, store) = open_store(backend).await;
    let cfg = config(
        &chain.rpc_url(),
        chain.chain_id(),
        &db.url,
        40,
        &erc20("Chaos", token, None),
    );
    let settings = tributary_engine::setup::rpc_settings(&cfg.chains[0]);
    let ix = Indexing::start(&cfg, &store, settings, IndexerOptions::default()).await;
    let mut rng = StdRng::seed_from_u64(seed);
    let dev = chain.dev_accounts();
    let mut depths = Vec::new();
    for _ in 0..rounds {
        live_transfers(&chain, token, &mut rng).await;
        // Indexed up to the head before the reorg (the full comparison
        // after it covers these blocks too, where they survive).
        if let Err(e) = wait_synced(&chain, &store, SYNC).await {
            println!("MISMATCH: {e}");
            out.mismatches += 1;
        }
        let depth = rng.random_range(1..=32u64);
        let mut txs = Vec::new();
        for _ in 0..rng.random_range(0..=3) {
            let tx = chain
                .transfer_tx(
                    token,
                    Some(rng.random_range(0..dev.len())),
                    dev[rng.random_range(0..dev.len())],
                    unit() * U256::from(rng.random_range(1..9u64)),
                )
                .expect("tx");
            txs.push(ReorgTx {
                tx,
                block_offset: rng.random_range(0..depth),
            });
        }
        chain.reorg(depth, txs).await.expect("anvil_reorg");
        depths.push(depth);
        out.faults += 1;
        out.mismatches += check(&chain, &store, token, &accounts).await;
        out.runs += 1;
    }
    if let Err(e) = ix.stop().await {
        println!("MISMATCH: indexer ended with {e}");
        out.mismatches += 1;
    }
    out.notes = format!("depths {depths:?}");
    out
}

/// PostgreSQL drops every connection of the indexer's database three times
/// during backfill (`pg_terminate_backend`, what a restart looks like to a
/// client, without disturbing other databases on the shared server).
pub async fn connection_loss(seed: u64, scale: u64) -> Outcome {
    let mut out = Outcome {
        case: "PostgreSQL connections killed mid-run (Postgres)".into(),
        ..Outcome::default()
    };
    let (mut cuts, mut heads) = (Vec::new(), Vec::new());
    for run in 0..scale {
        let seed = seed + 1000 * run;
        let (chain, token, accounts) = token_chain(seed, 4_000).await;
        let (db, store) = open_store(Backend::Postgres).await;
        let database = db.postgres_database().expect("postgres").to_string();
        // Small commits, so each cut lands mid-backfill.
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
        let head = chain.head().await.expect("head");
        heads.push(head);
        for k in 1..=3u64 {
            // Wait for a third of the way, then drop every connection.
            let target = head * k / 4;
            for _ in 0..600 {
                let at = store
                    .cursor(chain.chain_id())
                    .await
                    .ok()
                    .flatten()
                    .map_or(0, |c| c.number);
                if at >= target {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            cuts.push(
                store
                    .cursor(chain.chain_id())
                    .await
                    .ok()
                    .flatten()
                    .map_or(0, |c| c.number),
            );
            out.faults += terminate_backends(&database).await;
        }
        out.mismatches += check(&chain, &store, token, &accounts).await;
        if let Err(e) = ix.stop().await {
            println!("MISMATCH: indexer ended with {e}");
            out.mismatches += 1;
        }
        out.runs += 1;
    }
    out.notes = format!(
        "connections terminated (sum over the 3 cuts per run) at blocks {cuts:?} of {heads:?}"
    );
    out
}

async fn terminate_backends(database: &str) -> u64 {
    use sqlx::{Connection, Row};
    let mut admin = sqlx::PgConnection::connect(&tributary_testkit::postgres_admin_url())
        .await
        .expect("admin connection");
    let rows = sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(database)
    .fetch_all(&mut admin)
    .await
    .expect("terminate");
    rows.iter()
        .filter(|r| r.try_get::<bool, _>(0).unwrap_or(false))
        .count() as u64
}
