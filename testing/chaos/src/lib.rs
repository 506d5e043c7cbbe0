//! The chaos suite's harness: indexers run in-process against anvil behind a
//! fault-injecting proxy, state compared with the chain without panicking
//! (a mismatch is counted and reported in the summary table, then fails the
//! test), and a summary table.
//!
//! Cases live in `tests/chaos/`. Every case is seeded: `CHAOS_SEED` moves the
//! seeds, `CHAOS_SCALE` multiplies the runs (the default fits the CI budget).
//! A seed that ever fails is pinned as its own regression test.
//! `CHAOS_CONTROL_NO_BLOOM=1` turns the dropped-log defence off: the cases
//! with dropped logs must then fail (a check of the checks).

pub mod compare;
pub mod postgres;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy::primitives::Address;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use tributary_config::Config;
use tributary_engine::{ChainIndexer, EngineError, IndexerOptions};
use tributary_source::{EvmSource, RpcSettings};
use tributary_store::Store;
use tributary_testkit::TestChain;

/// One row of the summary table.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Case name (with backend).
    pub case: String,
    /// Runs (or rounds) executed.
    pub runs: u64,
    /// Faults injected (RPC faults, reorgs, kills, dropped connections…).
    pub faults: u64,
    /// Comparisons with the chain that failed.
    pub mismatches: u64,
    /// Free text (what the faults were).
    pub notes: String,
    /// Wall time of the case in seconds (0: not measured).
    pub secs: f64,
}

/// Prints the summary table (markdown, so it can go to the README as is).
pub fn print_summary(rows: &[Outcome]) {
    println!();
    println!("| case | runs | faults injected | mismatches | time (s) | notes |");
    println!("|---|---:|---:|---:|---:|---|");
    for r in rows {
        let secs = if r.secs > 0.0 {
            format!("{:.1}", r.secs)
        } else {
            "-".into()
        };
        println!(
            "| {} | {} | {} | {} | {secs} | {} |",
            r.case, r.runs, r.faults, r.mismatches, r.notes
        );
    }
    let total: f64 = rows.iter().map(|r| r.secs).sum();
    println!("\n{} cases, {total:.0} s measured", rows.len());
    println!();
}

/// Multiplier of runs, from `CHAOS_SCALE` (default 1).
pub fn scale() -> u64 {
    std::env::var("CHAOS_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1)
}

/// Base of every seed, from `CHAOS_SEED` (default 0).
pub fn seed_base() -> u64 {
    std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Whether the case named `case` runs: all do unless `CHAOS_ONLY` lists
/// comma-separated parts of the names to run.
pub fn selected(case: &str) -> bool {
    std::env::var("CHAOS_ONLY").map_or(true, |only| {
        only.split(',')
            .map(str::trim)
            .any(|part| !part.is_empty() && case.contains(part))
    })
}

/// The negative control: with `CHAOS_CONTROL_NO_BLOOM` set, the
/// dropped-log check is off and the dropped-log cases must report
/// mismatches (which shows the comparison catches lost logs).
pub fn control_without_bloom_check() -> bool {
    std::env::var_os("CHAOS_CONTROL_NO_BLOOM").is_some()
}

/// A one-chain config over `rpc` with `contracts` TOML appended.
pub fn config(
    rpc: &str,
    chain_id: u64,
    db_url: &str,
    confirmations: u64,
    contracts: &str,
) -> Config {
    config_with(rpc, chain_id, db_url, confirmations, "", contracts)
}

/// [`config`] with more `[[chain]]` keys (`chain_keys`, TOML lines, e.g.
/// `batch_events = 200`).
pub fn config_with(
    rpc: &str,
    chain_id: u64,
    db_url: &str,
    confirmations: u64,
    chain_keys: &str,
    contracts: &str,
) -> Config {
    let text = format!(
        "[database]\nurl = \"{db_url}\"\n\n[[chain]]\nname = \"test\"\nchain_id = {chain_id}\nrpc = [\"{rpc}\"]\nconfirmations = {confirmations}\npoll_interval_ms = 50\nmax_block_range = 50\n{chain_keys}\n\n{contracts}"
    );
    tributary_config::parse_str(&text, Path::new("/tmp/tributary-chaos.toml"), &[])
        .unwrap_or_else(|e| panic!("chaos config does not load: {e}\n{text}"))
}

/// An ERC-20 contract entry (from `start_block` when given).
pub fn erc20(name: &str, address: Address, start_block: Option<u64>) -> String {
    let start = start_block.map_or(String::new(), |b| format!("start_block = {b}\n"));
    format!(
        "[[contract]]\nname = \"{name}\"\nchain = \"test\"\nkind = \"erc20\"\naddress = \"{address}\"\n{start}\n"
    )
}

/// RPC settings for faulty endpoints: short timeouts, quick retries, many
/// of them, small ranges, and the dropped-log check in backfill too.
pub fn tough_settings(config: &Config) -> RpcSettings {
    RpcSettings {
        request_timeout: Duration::from_millis(800),
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(300),
        max_retries: 12,
        bloom_check: if control_without_bloom_check() {
            tributary_source::BloomCheck::Off
        } else {
            tributary_source::BloomCheck::Always
        },
        // Small ranges: more requests, so more of them meet a fault.
        max_block_range: 8,
        initial_block_range: 8,
        ..tributary_engine::setup::rpc_settings(&config.chains[0])
    }
}

/// One chain indexer running in the background.
pub struct Indexing {
    shutdown: watch::Sender<bool>,
    task: JoinHandle<Result<(), EngineError>>,
}

impl Indexing {
    /// Starts the config's first chain with these RPC settings and options.
    pub async fn start(
        config: &Config,
        store: &Store,
        settings: RpcSettings,
        options: IndexerOptions,
    ) -> Self {
        let chain = config.chains[0].clone();
        let contracts: Vec<_> = config.contracts.iter().collect();
        let source = EvmSource::connect(settings).await.expect("source");
        let (notices, _) = broadcast::channel(1024);
        let ix = ChainIndexer::new(chain, &contracts, store.clone(), source, notices, options)
            .expect("indexer");
        let (shutdown, rx) = watch::channel(false);
        Self {
            shutdown,
            task: tokio::spawn(ix.run(rx)),
        }
    }

    /// Whether the indexer has stopped by itself.
    pub fn finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Stops it and returns how it ended.
    pub async fn stop(self) -> Result<(), EngineError> {
        let _ = self.shutdown.send(true);
        self.task.await.expect("indexer task panicked")
    }
}

/// Waits until the store's cursor is the chain's head (same hash); the head
/// it reached, or why not.
pub async fn wait_synced(
    chain: &TestChain,
    store: &Store,
    timeout: Duration,
) -> Result<u64, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let head = chain.head().await.map_err(|e| e.to_string())?;
        let hash = chain.block_hash(head).await.map_err(|e| e.to_string())?;
        let cursor = store.cursor(chain.chain_id()).await.ok().flatten();
        if cursor.is_some_and(|c| c.number == head && c.hash == hash) {
            return Ok(head);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "cursor {:?} did not reach head {head} within {timeout:?}; the chain's last error: {}",
                cursor.map(|c| c.number),
                last_error(store, chain.chain_id()).await
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The error the indexer last recorded for the chain (`chains.last_error`).
pub async fn last_error(store: &Store, chain_id: u64) -> String {
    let Ok(mut snap) = store.snapshot().await else {
        return "(store unreadable)".into();
    };
    let chains = snap.chains().await;
    let _ = snap.finish().await;
    match chains {
        Ok(rows) => rows
            .into_iter()
            .find(|c| c.chain_id == chain_id)
            .and_then(|c| c.last_error)
            .unwrap_or_else(|| "none".into()),
        Err(e) => format!("(chains unreadable: {e})"),
    }
}

/// Compares the token's indexed balances, supply and events with the chain
/// at `block`; returns 0 when equal, else the number of failed checks (each
/// printed).
pub async fn mismatches(
    chain: &Arc<TestChain>,
    store: &Store,
    token: Address,
    accounts: &[Address],
    block: u64,
) -> u64 {
    mismatches_of_balances(chain, store, token, accounts, block).await
        + mismatches_of_events(chain, store, token, block).await
}

/// Compares the token's indexed balances and supply with the chain at
/// `block`: 0 when equal, else 1 (printed).
pub async fn mismatches_of_balances(
    chain: &Arc<TestChain>,
    store: &Store,
    token: Address,
    accounts: &[Address],
    block: u64,
) -> u64 {
    let (c, s, a) = (chain.clone(), store.clone(), accounts.to_vec());
    let balances = tokio::spawn(async move {
        tributary_testkit::verify::assert_token_matches_chain(&c, &s, token, &a, block).await;
    });
    match balances.await {
        Ok(()) => 0,
        Err(e) => {
            println!("MISMATCH balances of {token} at block {block}: {e}");
            1
        }
    }
}

/// Compares the token's stored events with the chain's logs up to `block`:
/// 0 when they are the same, each once; else 1 (printed).
pub async fn mismatches_of_events(
    chain: &Arc<TestChain>,
    store: &Store,
    token: Address,
    block: u64,
) -> u64 {
    let (c, s) = (chain.clone(), store.clone());
    let events = tokio::spawn(async move {
        tributary_testkit::verify::assert_events_match_chain(&c, &s, token, block).await;
    });
    match events.await {
        Ok(()) => 0,
        Err(e) => {
            println!("MISMATCH events at block {block}: {e}");
            1
        }
    }
}
