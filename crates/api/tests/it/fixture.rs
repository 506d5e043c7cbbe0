//! A store filled with a known data set, and helpers to query the router.

use std::time::Duration;

use alloy_primitives::{Address, B256, Bytes, U256};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;
use tributary_api::{ApiChain, ApiConfig, AppState, NoticeSource, router};
use tributary_store::Store;
use tributary_store::read::TokenRow;
use tributary_store::write::Batch;
use tributary_testkit::{Backend, TestDb};
use tributary_types::{BlockHeader, EventArgs, RawLog, StateKey, StateWrite, StoredEvent};

pub const ETH: u64 = 1;
pub const BSC: u64 = 56;
pub const ETH_CURSOR: u64 = 12;
pub const BSC_CURSOR: u64 = 11;

/// An account given in lowercase whose EIP-55 form is known.
pub const EIP55_LOWER: &str = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
pub const EIP55: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

pub fn eip55_account() -> Address {
    EIP55.parse().expect("valid literal")
}

pub fn acct(byte: u8) -> Address {
    Address::repeat_byte(byte)
}

/// Token A on eth: seven holders with ties and numbers that sort wrongly as text.
pub fn token_a() -> Address {
    acct(0xaa)
}
/// Token B on bsc.
pub fn token_b() -> Address {
    acct(0xbb)
}
/// A token at the same address on eth and bsc.
pub fn multi() -> Address {
    acct(0xcc)
}
/// A token on eth with 250 holders and many ties.
pub fn many() -> Address {
    acct(0xdd)
}

/// Holders of token A in the order the API must serve them.
pub fn token_a_holders() -> Vec<(Address, U256)> {
    vec![
        (acct(0x50), U256::from(10).pow(U256::from(30))),
        (eip55_account(), U256::from(1000)),
        (acct(0x10), U256::from(999)),
        (acct(0x20), U256::from(300)),
        (acct(0x30), U256::from(300)),
        (acct(0x40), U256::from(300)),
        (acct(0x01), U256::from(1)),
    ]
}

/// Holder `i` of token MANY and its balance (13 distinct values: many ties).
pub fn many_holder(i: u64) -> (Address, U256) {
    let account = Address::from_word(B256::from(U256::from(0x1000 + i * 7)));
    (account, U256::from((i * 7919) % 13 + 1))
}

pub fn block_hash(chain: u64, number: u64) -> B256 {
    B256::from(U256::from((chain << 32) | number))
}

pub fn tx_hash(chain: u64, number: u64, log: u64) -> B256 {
    B256::from(U256::from((1 << 60) | (chain << 40) | (number << 8) | log))
}

pub fn timestamp(chain: u64, number: u64) -> u64 {
    1_600_000_000 + chain * 1000 + number
}

pub fn header(chain: u64, number: u64) -> BlockHeader {
    BlockHeader {
        number,
        hash: block_hash(chain, number),
        parent_hash: block_hash(chain, number - 1),
        timestamp: timestamp(chain, number),
    }
}

/// The `block` object of a chain's committed cursor.
pub fn block_json(chain: u64) -> Value {
    let number = if chain == ETH { ETH_CURSOR } else { BSC_CURSOR };
    json!({
        "chain_id": chain,
        "number": number,
        "hash": format!("{:#x}", block_hash(chain, number)),
        "timestamp": timestamp(chain, number),
    })
}

/// (chain, block, log index, contract, token, event) of every stored event.
const EVENTS: &[(u64, u64, u64, &str, u8, &str)] = &[
    (ETH, 10, 0, "TokenA", 0xaa, "Transfer"),
    (ETH, 10, 1, "TokenA", 0xaa, "Transfer"),
    (ETH, 10, 5, "TokenA", 0xaa, "Approval"),
    (ETH, 11, 0, "Multi", 0xcc, "Transfer"),
    (ETH, 12, 3, "TokenA", 0xaa, "Transfer"),
    (BSC, 10, 0, "TokenB", 0xbb, "Transfer"),
    (BSC, 11, 2, "TokenB", 0xbb, "Transfer"),
];

fn args(block: u64, log: u64) -> Value {
    json!({"from": EIP55, "to": acct(0x10).to_checksum(None), "value": (block * 100 + log).to_string()})
}

fn stored_events(chain: u64) -> Vec<StoredEvent> {
    EVENTS
        .iter()
        .filter(|e| e.0 == chain)
        .map(
            |&(chain_id, block, log, contract, token, event)| StoredEvent {
                chain_id,
                contract: contract.to_string(),
                event: event.to_string(),
                args: EventArgs::Text(args(block, log).to_string()),
                log: RawLog {
                    block_number: block,
                    block_hash: block_hash(chain_id, block),
                    tx_hash: tx_hash(chain_id, block, log),
                    tx_index: 0,
                    log_index: log,
                    address: acct(token),
                    topics: vec![B256::repeat_byte(0x01)],
                    data: Bytes::new(),
                },
            },
        )
        .collect()
}

/// Every event as `/v1/events` must serve it, in (block, log index, chain) order.
pub fn expected_events() -> Vec<Value> {
    let mut sorted: Vec<_> = EVENTS.to_vec();
    sorted.sort_by_key(|e| (e.1, e.2, e.0));
    sorted
        .into_iter()
        .map(|(chain, block, log, contract, token, event)| {
            json!({
                "chain_id": chain,
                "block_number": block,
                "block_hash": format!("{:#x}", block_hash(chain, block)),
                "tx_hash": format!("{:#x}", tx_hash(chain, block, log)),
                "log_index": log,
                "contract": contract,
                "address": acct(token).to_checksum(None),
                "event": event,
                "args": args(block, log),
            })
        })
        .collect()
}

fn token(chain_id: u64, address: Address, contract: &str, symbol: &str, decimals: u8) -> TokenRow {
    TokenRow {
        chain_id,
        address,
        contract: contract.to_string(),
        kind: "erc20".to_string(),
        symbol: Some(symbol.to_string()),
        decimals: Some(decimals),
    }
}

fn balances(token: Address, holders: &[(Address, U256)]) -> Vec<StateWrite> {
    let supply = holders.iter().fold(U256::ZERO, |s, (_, b)| s + *b);
    let mut writes: Vec<StateWrite> = holders
        .iter()
        .map(|(account, value)| StateWrite {
            key: StateKey::balance(token, *account),
            value: *value,
        })
        .collect();
    writes.push(StateWrite {
        key: StateKey::supply(token),
        value: supply,
    });
    writes
}

/// Commits the data set: eth up to block 12, bsc up to block 11.
pub async fn populate(store: &Store) {
    store
        .register_chain(ETH, "eth", 12)
        .await
        .expect("register eth");
    store
        .register_chain(BSC, "bsc", 3)
        .await
        .expect("register bsc");
    let mut eth_state = balances(token_a(), &token_a_holders());
    eth_state.extend(balances(multi(), &[(eip55_account(), U256::from(7))]));
    eth_state.extend(balances(
        many(),
        &(0..250).map(many_holder).collect::<Vec<_>>(),
    ));
    let eth = Batch {
        chain_id: ETH,
        parent: None,
        cursor: Some(header(ETH, ETH_CURSOR)),
        events: stored_events(ETH),
        state: eth_state,
        headers: vec![header(ETH, ETH_CURSOR)],
        tokens: vec![
            token(ETH, token_a(), "TokenA", "TKA", 18),
            token(ETH, multi(), "Multi", "MLT", 18),
            token(ETH, many(), "Many", "MNY", 0),
        ],
        ..Batch::default()
    };
    store.commit(&eth).await.expect("commit eth");
    let mut bsc_state = balances(token_b(), &[(eip55_account(), U256::from(5_000_000))]);
    bsc_state.extend(balances(multi(), &[(acct(0x10), U256::from(8))]));
    let bsc = Batch {
        chain_id: BSC,
        parent: None,
        cursor: Some(header(BSC, BSC_CURSOR)),
        events: stored_events(BSC),
        state: bsc_state,
        headers: vec![header(BSC, BSC_CURSOR)],
        tokens: vec![
            token(BSC, token_b(), "TokenB", "TKB", 6),
            token(BSC, multi(), "Multi", "MLT", 18),
        ],
        ..Batch::default()
    };
    store.commit(&bsc).await.expect("commit bsc");
}

/// Configuration naming both chains and every contract.
pub fn config() -> ApiConfig {
    ApiConfig {
        chains: vec![
            ApiChain {
                name: "eth".into(),
                chain_id: ETH,
                confirmations: 12,
            },
            ApiChain {
                name: "bsc".into(),
                chain_id: BSC,
                confirmations: 3,
            },
        ],
        contracts: ["TokenA", "TokenB", "Multi", "Many"]
            .map(String::from)
            .to_vec(),
        cors_origins: vec!["https://app.example".into()],
        request_timeout: Duration::from_secs(30),
        ..ApiConfig::default()
    }
}

/// A test database, the store on it and the API over it.
pub struct App {
    pub store: Store,
    pub router: Router,
    pub db: TestDb,
}

impl App {
    /// An empty database with `config` served.
    pub async fn empty(backend: Backend, config: ApiConfig) -> Self {
        let db = TestDb::new(backend).await.expect("test database");
        let store = Store::connect(&db.url).await.expect("connect store");
        let state = AppState::new(store.clone(), config, None);
        // Polling keeps the cache live, so every test also exercises hits.
        state.start_live(NoticeSource::Poll);
        let router = router(state);
        Self { store, router, db }
    }

    /// The data set, served with [`config`].
    pub async fn populated(backend: Backend) -> Self {
        Self::populated_with(backend, config()).await
    }

    /// The data set, served with `config`.
    pub async fn populated_with(backend: Backend, config: ApiConfig) -> Self {
        let app = Self::empty(backend, config).await;
        populate(&app.store).await;
        app
    }

    /// GET `uri`: status and JSON body.
    pub async fn get(&self, uri: &str) -> (StatusCode, Value) {
        send(
            &self.router,
            Request::get(uri).body(Body::empty()).expect("request"),
        )
        .await
    }

    /// GET `uri`, which must answer 200.
    pub async fn ok(&self, uri: &str) -> Value {
        let (status, body) = self.get(uri).await;
        assert_eq!(status, StatusCode::OK, "GET {uri}: {body}");
        body
    }

    /// GET `uri`, which must fail with `status` and error `code`.
    pub async fn fails(&self, uri: &str, status: StatusCode, code: &str) {
        let (got, body) = self.get(uri).await;
        assert_eq!(got, status, "GET {uri}: {body}");
        assert_eq!(body["error"]["code"], code, "GET {uri}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "GET {uri}: no message in {body}");
        assert_eq!(
            body.as_object().map(|o| o.len()),
            Some(1),
            "only `error`: {body}"
        );
    }
}

/// Sends `request` through `router`: status and JSON body (Null when empty).
pub async fn send(router: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    if bytes.is_empty() {
        return (status, Value::Null);
    }
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)));
    (status, body)
}
