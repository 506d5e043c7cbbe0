//! Shared setup: a config for a test chain, an indexer running in the
//! background, and comparisons of indexed state with the chain.

use std::path::Path;
use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use tributary_config::Config;
use tributary_engine::EngineError;
use tributary_store::Store;
use tributary_store::read::EventQuery;
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

/// Asserts every account's indexed balance equals `balanceOf` at `block`, that
/// no other holder exists, and that the holders sum to `totalSupply`.
pub async fn assert_token_matches_chain(
    chain: &TestChain,
    store: &Store,
    token: Address,
    accounts: &[Address],
    block: u64,
) {
    let chain_id = chain.chain_id();
    let mut snap = store.snapshot().await.expect("snapshot");
    let indexed = snap
        .indexed_block(chain_id)
        .await
        .expect("indexed")
        .expect("something indexed");
    assert_eq!(indexed.number, block, "snapshot reflects another block");
    let mut holders = Vec::new();
    let mut after = None;
    loop {
        let page = snap
            .holders(chain_id, token, after, 1000)
            .await
            .expect("holders");
        let Some(last) = page.last() else { break };
        after = Some(tributary_store::read::HolderPosition {
            balance: last.balance,
            account: last.account,
        });
        holders.extend(page);
    }
    let supply = snap.total_supply(chain_id, token).await.expect("supply");
    snap.finish().await.expect("finish");

    let indexed_balances: std::collections::HashMap<Address, U256> =
        holders.iter().map(|h| (h.account, h.balance)).collect();
    assert_eq!(
        indexed_balances.len(),
        holders.len(),
        "a holder listed twice: {holders:?}"
    );
    let mut chain_nonzero = 0;
    for a in accounts {
        let want = chain
            .balance_of(token, *a, Some(block))
            .await
            .expect("balanceOf");
        let got = indexed_balances.get(a).copied().unwrap_or_default();
        assert_eq!(got, want, "balance of {a} at block {block}");
        if !want.is_zero() {
            chain_nonzero += 1;
        }
    }
    assert_eq!(
        holders.len(),
        chain_nonzero,
        "indexed holders beyond the accounts the chain knows of"
    );
    let sum: U256 = holders.iter().map(|h| h.balance).sum();
    let chain_supply = chain
        .total_supply(token, Some(block))
        .await
        .expect("totalSupply");
    assert_eq!(supply, chain_supply, "total supply at block {block}");
    assert_eq!(sum, chain_supply, "holders do not sum to total supply");
}

/// Asserts the stored events are exactly the chain's logs of `token` up to
/// `block`: same positions, each once.
pub async fn assert_events_match_chain(
    chain: &TestChain,
    store: &Store,
    token: Address,
    block: u64,
) -> usize {
    use alloy::providers::Provider;
    use alloy::rpc::types::Filter;
    let filter = Filter::new().address(token).from_block(0).to_block(block);
    let logs = chain
        .provider()
        .get_logs(&filter)
        .await
        .expect("eth_getLogs");
    let want: Vec<(u64, u64, alloy::primitives::B256)> = logs
        .iter()
        .map(|l| {
            (
                l.block_number.unwrap(),
                l.log_index.unwrap(),
                l.transaction_hash.unwrap(),
            )
        })
        .collect();
    let mut got = Vec::new();
    let mut snap = store.snapshot().await.expect("snapshot");
    let mut after = None;
    loop {
        let q = EventQuery {
            chain_id: Some(chain.chain_id()),
            address: Some(token),
            after,
            limit: 1000,
            ..EventQuery::default()
        };
        let page = snap.events(&q).await.expect("events");
        let Some(last) = page.last() else { break };
        after = Some(tributary_store::read::EventPosition {
            block_number: last.block_number,
            log_index: last.log_index,
            chain_id: last.chain_id,
        });
        got.extend(
            page.iter()
                .map(|e| (e.block_number, e.log_index, e.tx_hash)),
        );
    }
    snap.finish().await.expect("finish");
    assert_eq!(
        got.len(),
        want.len(),
        "stored event count differs from the chain's log count"
    );
    assert_eq!(got, want, "stored events differ from the chain's logs");
    got.len()
}

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
