//! The demo protocol on anvil, its tributary config, an indexer run to the
//! head and the API served over the result.

use std::path::Path;
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, watch};
use tributary_api::positions::Catalog;
use tributary_api::{ApiChain, ApiConfig, AppState};
use tributary_config::Config;
use tributary_store::Store;
use tributary_testkit::protocol::Protocol;
use tributary_testkit::{TestChain, TestDb};

/// A config indexing the protocol on `chain` into `db`, refreshing chain-read
/// state every block so that it is exact at the head.
pub fn config(chain: &TestChain, db: &TestDb, p: &Protocol) -> Config {
    let text = format!(
        "[database]\nurl = \"{}\"\n\n[[chain]]\nname = \"test\"\nchain_id = {}\nrpc = [\"{}\"]\nconfirmations = 12\npoll_interval_ms = 50\nrefresh_blocks = 1\n\n{}",
        db.url,
        chain.chain_id(),
        chain.rpc_url(),
        p.tributary_contracts("test")
    );
    tributary_config::parse_str(&text, Path::new("/tmp/tributary-positions.toml"), &[])
        .unwrap_or_else(|e| panic!("protocol config does not load: {e}\n{text}"))
}

/// Indexes every chain of `config` until the cursor is the chain's head.
pub async fn index_to_head(chain: &TestChain, config: &Config, store: &Store) -> u64 {
    let (notices, _rx) = broadcast::channel(1024);
    let (shutdown, rx) = watch::channel(false);
    let indexers = tributary_engine::setup::indexers(config, store, &notices, None)
        .await
        .expect("indexers");
    let tasks: Vec<_> = indexers
        .into_iter()
        .map(|ix| tokio::spawn(ix.run(rx.clone())))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(240);
    let head = loop {
        let head = chain.head().await.expect("head");
        let hash = chain.block_hash(head).await.expect("hash");
        if let Some(c) = store.cursor(chain.chain_id()).await.expect("cursor")
            && c.number == head
            && c.hash == hash
        {
            break head;
        }
        assert!(
            !tasks.iter().any(|t| t.is_finished()),
            "indexer stopped before the head"
        );
        assert!(
            Instant::now() < deadline,
            "indexer did not reach head {head}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let _ = shutdown.send(true);
    for t in tasks {
        t.await.expect("indexer task").expect("indexer");
    }
    head
}

/// The API over `store`, served on a free port; returns its base URL.
pub async fn serve(config: &Config, store: &Store) -> String {
    let api = ApiConfig {
        chains: config
            .chains
            .iter()
            .map(|c| ApiChain {
                name: c.name.clone(),
                chain_id: c.chain_id,
                confirmations: c.confirmations,
            })
            .collect(),
        contracts: config.contracts.iter().map(|c| c.name.clone()).collect(),
        positions: Catalog::from_config(config),
        ..ApiConfig::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let state = AppState::new(store.clone(), api, None);
    tokio::spawn(tributary_api::serve(
        listener,
        state,
        std::future::pending(),
    ));
    url
}
