//! A served API on a real socket, fed change notices by the test itself
//! (standing in for the engine), and helpers to commit blocks.

use std::net::SocketAddr;
use std::time::Duration;

use alloy_primitives::{Address, B256, Bytes, U256};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tokio::sync::broadcast;
use tower::ServiceExt;
use tributary_api::{ApiConfig, AppState, NoticeSource, router};
use tributary_store::Store;
use tributary_store::write::Batch;
use tributary_testkit::{Backend, TestDb};
use tributary_types::{
    ChangeNotice, EventArgs, RawLog, StateKey, StateWrite, StoredEvent, Touched,
};

use crate::fixture::{ETH, header, populate, tx_hash};

/// The populated data set served on a socket, notices sent by the test.
pub struct Served {
    pub store: Store,
    pub router: Router,
    pub notices: broadcast::Sender<ChangeNotice>,
    pub addr: SocketAddr,
    pub server: tokio::task::JoinHandle<std::io::Result<()>>,
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// Kept so the database outlives the server.
    pub _db: TestDb,
}

impl Served {
    /// The fixture data set served with `config`; the live feed is local.
    pub async fn start(backend: Backend, config: ApiConfig) -> Self {
        let db = TestDb::new(backend).await.expect("test database");
        let store = Store::connect(&db.url).await.expect("connect store");
        populate(&store).await;
        let (notices, rx) = broadcast::channel(65_536);
        let state = AppState::new(store.clone(), config, None);
        state.start_live(NoticeSource::Local(rx));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(tributary_api::serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        Self {
            router: router(state.clone()),
            store,
            notices,
            addr,
            server,
            stop: Some(stop),
            _db: db,
        }
    }

    /// `ws://…/v1/ws` of this server.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/v1/ws", self.addr)
    }

    /// GET `uri` in process: status, `x-cache` header and JSON body.
    pub async fn get(&self, uri: &str) -> (StatusCode, Option<String>, Value) {
        get(&self.router, uri).await
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let server = &mut self.server;
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("graceful shutdown within 10 s")
            .expect("server task")
            .expect("server result");
    }
}

/// GET `uri` through `router`: status, `x-cache` header and JSON body.
pub async fn get(router: &Router, uri: &str) -> (StatusCode, Option<String>, Value) {
    let request = Request::get(uri).body(Body::empty()).expect("request");
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let cache = response
        .headers()
        .get("x-cache")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)));
    (status, cache, body)
}

/// A `Transfer` of `token` (config name `contract`) at `block`.
pub fn transfer(contract: &str, token: Address, block: u64, log: u64, to: Address) -> StoredEvent {
    StoredEvent {
        chain_id: ETH,
        contract: contract.to_string(),
        event: "Transfer".to_string(),
        args: EventArgs::Text(
            json!({"from": Address::ZERO.to_checksum(None), "to": to.to_checksum(None), "value": "1"})
                .to_string(),
        ),
        log: RawLog {
            block_number: block,
            block_hash: crate::fixture::block_hash(ETH, block),
            tx_hash: tx_hash(ETH, block, log),
            tx_index: 0,
            log_index: log,
            address: token,
            topics: vec![B256::repeat_byte(0x01)],
            data: Bytes::new(),
        },
    }
}

/// Commits eth block `number` on top of `number - 1` with `balances` of
/// `token` and `events`; returns the notice the engine would send.
pub async fn commit_eth(
    store: &Store,
    number: u64,
    token: Address,
    balances: &[(Address, U256)],
    events: Vec<StoredEvent>,
) -> ChangeNotice {
    let state: Vec<StateWrite> = balances
        .iter()
        .map(|(account, value)| StateWrite {
            key: StateKey::balance(token, *account),
            value: *value,
        })
        .collect();
    let mut accounts: Vec<Address> = balances.iter().map(|(a, _)| *a).collect();
    accounts.sort();
    accounts.dedup();
    let count = events.len();
    let batch = Batch {
        chain_id: ETH,
        parent: Some(number - 1),
        cursor: Some(header(ETH, number)),
        events,
        state,
        headers: vec![header(ETH, number)],
        ..Batch::default()
    };
    store.commit(&batch).await.expect("commit");
    ChangeNotice::Committed {
        chain_id: ETH,
        from: number,
        to: number,
        events: count,
        touched: Touched {
            accounts,
            contracts: vec![token],
            all: false,
        },
    }
}
