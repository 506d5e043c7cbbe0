//! Determinism: the same chain indexed while following through reorgs,
//! indexed again into a fresh store, and rebuilt from stored events gives
//! byte-identical tables (per-table checksums), on SQLite and PostgreSQL,
//! and SQLite's digests equal PostgreSQL's.

use std::sync::Arc;

use alloy::primitives::{Address, U256};
use alloy::providers::Provider;
use rand::{Rng, SeedableRng, rngs::StdRng};
use tokio::sync::broadcast;
use tributary_chaos::{Indexing, Outcome, config, erc20, mismatches, wait_synced};
use tributary_config::Config;
use tributary_engine::{ChainIndexer, IndexerOptions};
use tributary_source::EvmSource;
use tributary_store::Store;
use tributary_store::checksum::TableChecksum;
use tributary_testkit::{Backend, Protocol, ProtocolWorkload, ReorgTx, TestChain, WorkloadSpec};

use crate::cases::{SYNC, open_store, unit};

/// Deepest reorg of the case; below the finality depth, so it is undone.
const MAX_DEPTH: u64 = 8;
const CONFIRMATIONS: u64 = 12;

/// One store's digests under a label, e.g. `followed (Sqlite)`.
type Digests = (String, Vec<(String, u64, String)>);

fn digests(sums: &[TableChecksum]) -> Vec<(String, u64, String)> {
    sums.iter()
        .map(|s| (s.table.to_string(), s.rows, s.hex()))
        .collect()
}

/// Indexes an ERC-20 chain three ways per engine and compares every
/// table's checksum: one store follows the head through `rounds` random
/// reorgs, a fresh store indexes the final chain from scratch, and the
/// first store is then rebuilt from its stored events.
pub async fn determinism(seed: u64, scale: u64) -> Outcome {
    let mut out = Outcome {
        case: "determinism: followed through reorgs vs fresh vs rebuilt (SQLite + Postgres)".into(),
        ..Outcome::default()
    };
    let rounds = 4 * scale;
    let mut rng = StdRng::seed_from_u64(seed);
    let (chain, token, accounts) = token_chain(seed).await;
    let backends = [Backend::Sqlite, Backend::Postgres];

    // Followers: both engines index the same chain while it reorgs.
    let mut followers = Vec::new();
    for backend in backends {
        let (db, store) = open_store(backend).await;
        let cfg = chain_config(&chain, &db.url, token);
        let settings = tributary_engine::setup::rpc_settings(&cfg.chains[0]);
        let ix = Indexing::start(&cfg, &store, settings, IndexerOptions::default()).await;
        followers.push((backend, db, store, cfg, ix));
    }
    let dev = chain.dev_accounts();
    let mut depths = Vec::new();
    for _ in 0..rounds {
        for _ in 0..rng.random_range(1..=3) {
            let from = rng.random_range(0..dev.len());
            let to = dev[rng.random_range(0..dev.len())];
            let amount = unit() * U256::from(rng.random_range(1..20u64));
            chain
                .transfer(token, Some(from), to, amount)
                .await
                .expect("transfer");
        }
        for (backend, _, store, _, _) in &followers {
            if let Err(e) = wait_synced(&chain, store, SYNC).await {
                println!("MISMATCH ({backend:?}): {e}");
                out.mismatches += 1;
            }
        }
        let depth = rng.random_range(1..=MAX_DEPTH);
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
    }

    let mut all: Vec<Digests> = Vec::new();
    for (backend, db, store, cfg, ix) in followers {
        let head = match wait_synced(&chain, &store, SYNC).await {
            Ok(head) => head,
            Err(e) => {
                println!("MISMATCH ({backend:?}): {e}");
                out.mismatches += 1;
                continue;
            }
        };
        if let Err(e) = ix.stop().await {
            println!("MISMATCH ({backend:?}): the follower ended with {e}");
            out.mismatches += 1;
        }
        // Equal digests prove nothing if the data is wrong: compare with the chain too.
        out.mismatches += mismatches(&chain, &store, token, &accounts, head).await;
        all.push((format!("followed ({backend:?})"), checksums(&store).await));

        let (fresh_db, fresh) = open_store(backend).await;
        let fresh_cfg = chain_config(&chain, &fresh_db.url, token);
        let settings = tributary_engine::setup::rpc_settings(&fresh_cfg.chains[0]);
        let ix = Indexing::start(&fresh_cfg, &fresh, settings, IndexerOptions::default()).await;
        if let Err(e) = wait_synced(&chain, &fresh, SYNC).await {
            println!("MISMATCH ({backend:?}, fresh): {e}");
            out.mismatches += 1;
        }
        if let Err(e) = ix.stop().await {
            println!("MISMATCH ({backend:?}): the fresh indexer ended with {e}");
            out.mismatches += 1;
        }
        all.push((format!("fresh ({backend:?})"), checksums(&fresh).await));
        fresh.close().await;

        match rebuild(&cfg, &store).await {
            Ok(n) if n > 0 => {
                all.push((format!("rebuilt ({backend:?})"), checksums(&store).await));
            }
            Ok(_) => {
                println!("MISMATCH ({backend:?}): rebuild rebuilt nothing");
                out.mismatches += 1;
            }
            Err(e) => {
                println!("MISMATCH ({backend:?}): rebuild failed: {e}");
                out.mismatches += 1;
            }
        }
        store.close().await;
        drop(db);
    }
    out.runs = 1;
    out.mismatches += compare(&all);
    let events = all
        .first()
        .and_then(|(_, d)| d.iter().find(|(t, _, _)| t == "events"))
        .map_or(0, |(_, n, _)| *n);
    out.notes = format!(
        "{} stores compared table by table ({events} events); reorg depths {depths:?}",
        all.len()
    );
    out
}

/// The demo DeFi protocol after a seeded workload (every position template,
/// view-read state such as accrued interest, the state log), indexed twice
/// per engine into fresh stores, then rebuilt from stored events: every
/// table's digest must be the same across the six.
///
/// The second indexing fetches three blocks per range and commits every 25
/// events, so its batches end at other blocks than the first's. State read
/// from views of accruing values (`SavingsInterest`, `PendingRewards`) must
/// still agree: every known account is re-read at the batch that reaches
/// the head, whatever blocks earlier batches ended at.
pub async fn determinism_defi(seed: u64) -> Outcome {
    let mut out = Outcome {
        case: "determinism, DeFi positions: indexed twice vs rebuilt (SQLite + Postgres)".into(),
        runs: 1,
        ..Outcome::default()
    };
    let chain = TestChain::spawn().await.expect("anvil");
    let protocol = Protocol::deploy(&chain).await.expect("deploy");
    protocol
        .run_workload(
            &chain,
            ProtocolWorkload {
                seed,
                users: 12,
                steps: 8,
            },
        )
        .await
        .expect("workload");
    // The unfinalized tail a minute a block apart: interest and rewards
    // accrue over it, so a view read at another block reads another value.
    chain
        .provider()
        .raw_request::<_, ()>(
            "anvil_mine".into(),
            (format!("{:#x}", CONFIRMATIONS + 3), "0x3c"),
        )
        .await
        .expect("anvil_mine");
    let chain = Arc::new(chain);
    let mut all: Vec<Digests> = Vec::new();
    let mut commits = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        for label in ["first", "second"] {
            let (db, store) = open_store(backend).await;
            let mut cfg = config(
                &chain.rpc_url(),
                chain.chain_id(),
                &db.url,
                CONFIRMATIONS,
                &protocol.tributary_contracts("test"),
            );
            if label == "second" {
                cfg.chains[0].max_block_range = 3;
                cfg.chains[0].batch_events = 25;
            }
            let settings = tributary_engine::setup::rpc_settings(&cfg.chains[0]);
            let ix = Indexing::start(&cfg, &store, settings, IndexerOptions::default()).await;
            if let Err(e) = wait_synced(&chain, &store, SYNC).await {
                println!("MISMATCH ({backend:?}, {label}): {e}");
                out.mismatches += 1;
            }
            if let Err(e) = ix.stop().await {
                println!("MISMATCH ({backend:?}, {label}): the indexer ended with {e}");
                out.mismatches += 1;
            }
            let runs = store.runs(None, 10).await.unwrap_or_default();
            let batches: u64 = runs
                .iter()
                .filter_map(|r| r.stats.get("batches").and_then(|b| b.as_u64()))
                .sum();
            commits.push(batches);
            all.push((format!("{label} ({backend:?})"), checksums(&store).await));
            if label == "second" {
                match rebuild(&cfg, &store).await {
                    Ok(_) => all.push((format!("rebuilt ({backend:?})"), checksums(&store).await)),
                    Err(e) => {
                        println!("MISMATCH ({backend:?}): rebuild failed: {e}");
                        out.mismatches += 1;
                    }
                }
            }
            store.close().await;
        }
    }
    out.mismatches += compare(&all);
    let rows = |table: &str| {
        all.first()
            .and_then(|(_, d)| d.iter().find(|(t, _, _)| t == table))
            .map_or(0, |(_, n, _)| *n)
    };
    out.notes = format!(
        "{} stores compared table by table ({} events, {} state keys, {} state log rows; commits per store {commits:?})",
        all.len(),
        rows("events"),
        rows("state"),
        rows("state_log")
    );
    out
}

/// A token with a seeded transfer workload; dev accounts hold tokens for
/// live transfers. Returns the accounts to compare.
async fn token_chain(seed: u64) -> (Arc<TestChain>, Address, Vec<Address>) {
    let chain = TestChain::spawn().await.expect("anvil");
    let token = chain
        .deploy_token("Same", "SAME", 18)
        .await
        .expect("deploy");
    let spec = WorkloadSpec {
        recipients_per_tx: 20,
        txs_per_block: 2,
        ..WorkloadSpec::new(2_000, 200, seed)
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
    // Room below the head for reorgs that stay above the finality depth.
    chain.mine(CONFIRMATIONS).await.expect("mine");
    accounts.sort();
    accounts.dedup();
    (Arc::new(chain), token, accounts)
}

fn chain_config(chain: &TestChain, db_url: &str, token: Address) -> Config {
    config(
        &chain.rpc_url(),
        chain.chain_id(),
        db_url,
        CONFIRMATIONS,
        &erc20("Same", token, None),
    )
}

async fn checksums(store: &Store) -> Vec<(String, u64, String)> {
    let chain_id = store_chain(store).await;
    match store.checksums(chain_id).await {
        Ok(sums) => digests(&sums),
        Err(e) => vec![("error".into(), 0, e.to_string())],
    }
}

/// The one chain a case's store holds.
async fn store_chain(store: &Store) -> u64 {
    let mut snap = store.snapshot().await.expect("snapshot");
    let chains = snap.chains().await.expect("chains");
    snap.finish().await.expect("finish");
    chains.first().map_or(0, |c| c.chain_id)
}

/// `tributary rebuild`'s engine path: every projection from stored events.
async fn rebuild(cfg: &Config, store: &Store) -> Result<usize, String> {
    let chain = cfg.chains[0].clone();
    let contracts: Vec<_> = cfg.contracts.iter().collect();
    let source = EvmSource::connect(tributary_engine::setup::rpc_settings(&chain))
        .await
        .map_err(|e| e.to_string())?;
    let (notices, _) = broadcast::channel(16);
    let mut ix = ChainIndexer::new(
        chain,
        &contracts,
        store.clone(),
        source,
        notices,
        IndexerOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    ix.rebuild(None).await.map_err(|e| e.to_string())
}

/// Every store's digests against the first's; each differing table is
/// printed and counted.
fn compare(all: &[Digests]) -> u64 {
    let Some((first_label, first)) = all.first() else {
        return 1;
    };
    let mut bad = 0;
    for (label, sums) in &all[1..] {
        if sums.len() != first.len() {
            println!("MISMATCH {label}: {} tables vs {}", sums.len(), first.len());
            bad += 1;
            continue;
        }
        for (a, b) in first.iter().zip(sums) {
            if a != b {
                println!(
                    "MISMATCH table {}: {first_label} {} rows {} vs {label} {} rows {}",
                    a.0, a.1, a.2, b.1, b.2
                );
                bad += 1;
            }
        }
    }
    bad
}
