//! Shared setup: a config for a test chain, an indexer running in the
//! background, and comparisons of indexed state with the chain.

use std::path::Path;
use std::time::{Duration, Instant};

use alloy::primitives::Address;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use tributary_config::Config;
use tributary_engine::EngineError;
use tributary_store::Store;
use tributary_testkit::{Backend, TestChain, TestDb};

/// The backends every store-touching test runs on.
pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// A config for `chain` with the given `[[contract]]` TOML appended.
pub fn config(chain: &TestChain, db: &TestDb, confirmations: u64, contracts: &str) -> Config {
    let text = format!(
        "[database]\nurl = \"{}\"\n\n[[chain]]\nname = \"test\"\nchain_id = {}\nrpc = [\"{}\"]\nconfirmations = {confirmations}\npoll_interval_ms = 50\nmax_block_range = 2000\n\n{contracts}",
        db.url,
        chain.chain_id(),
        chain.rpc_url()
    );
    tributary_config::parse_str(&text, Path::new("/tmp/tributary-test.toml"), &[])
        .unwrap_or_else(|e| panic!("test config does not load: {e}\n{text}"))
}

/// An ERC-20 contract entry.
pub fn erc20(name: &str, address: Address) -> String {
    format!(
        "[[contract]]\nname = \"{name}\"\nchain = \"test\"\nkind = \"erc20\"\naddress = \"{address}\"\n\n"
    )
}

/// Indexers running in the background until stopped.
pub struct Running {
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<Result<(), EngineError>>>,
}

impl Running {
    /// Starts every chain of `config` on `store`.
    pub async fn start(config: &Config, store: &Store) -> Self {
        let (notices, _) = broadcast::channel(1024);
        let (shutdown, rx) = watch::channel(false);
        let indexers = tributary_engine::setup::indexers(config, store, &notices, None)
            .await
            .expect("indexers");
        let tasks = indexers
            .into_iter()
            .map(|ix| tokio::spawn(ix.run(rx.clone())))
            .collect();
        Self { shutdown, tasks }
    }

    /// Stops and returns each indexer's result.
    pub async fn stop(self) -> Vec<Result<(), EngineError>> {
        let _ = self.shutdown.send(true);
        let mut out = Vec::new();
        for t in self.tasks {
            out.push(t.await.expect("indexer task panicked"));
        }
        out
    }

    /// Whether an indexer task has ended (e.g. halted on an error).
    pub fn any_finished(&self) -> bool {
        self.tasks.iter().any(|t| t.is_finished())
    }
}

/// Waits until the store's cursor is the chain's current head (same hash).
pub async fn wait_synced(
    chain: &TestChain,
    store: &Store,
    chain_id: u64,
    timeout: Duration,
) -> u64 {
    let deadline = Instant::now() + timeout;
    loop {
        let head = chain.head().await.expect("head");
        let hash = chain.block_hash(head).await.expect("hash");
        if let Some(c) = store.cursor(chain_id).await.expect("cursor")
            && c.number == head
            && c.hash == hash
        {
            return head;
        }
        assert!(
            Instant::now() < deadline,
            "indexer did not reach head {head} within {timeout:?}; cursor {:?}",
            store.cursor(chain_id).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Indexes from scratch to the current head, then stops.
pub async fn index_to_head(
    chain: &TestChain,
    config: &Config,
    store: &Store,
    timeout: Duration,
) -> u64 {
    let running = Running::start(config, store).await;
    let head = wait_synced(chain, store, chain.chain_id(), timeout).await;
    for r in running.stop().await {
        r.expect("indexer failed");
    }
    head
}

pub use tributary_testkit::verify::{assert_events_match_chain, assert_token_matches_chain};

/// A fresh database of each backend, with its store opened.
pub async fn store_on(backend: Backend) -> (TestDb, Store) {
    let db = TestDb::new(backend)
        .await
        .unwrap_or_else(|e| panic!("{backend:?} test database: {e}"));
    let store = Store::connect(&db.url)
        .await
        .unwrap_or_else(|e| panic!("{backend:?} store: {e}"));
    (db, store)
}
