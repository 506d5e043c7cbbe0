//! The Redis cache level shared by several `serve` processes: two API
//! instances (each its own store pool, as two processes) on one database and
//! one private `redis-server`. An answer computed by one is served by the
//! other from Redis; a commit is never hidden by it, even from an instance
//! that has not heard of the commit; Redis going away degrades to local
//! answers and Redis coming back is picked up on its own.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy_primitives::{Address, U256};
use axum::Router;
use axum::http::StatusCode;
use serde_json::Value;
use tokio::sync::broadcast;
use tributary_api::{ApiConfig, AppState, CacheSettings, NoticeSource, router};
use tributary_store::Store;
use tributary_testkit::{Backend, TestDb};
use tributary_types::ChangeNotice;

use crate::fixture::{ETH_CURSOR, acct, config, eip55_account, populate, token_a};
use crate::server::{commit_eth, get};

/// A private `redis-server` on `port`, killed when dropped.
struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed for this test");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, port }
    }

    fn url(&self) -> url::Url {
        url_for(self.port)
    }

    /// How many answers Redis holds.
    async fn answers(&self) -> usize {
        let client = redis::Client::open(self.url().as_str()).expect("client");
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("connect to the test redis");
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg("tributary:answer:*")
            .query_async(&mut conn)
            .await
            .expect("KEYS");
        keys.len()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn url_for(port: u16) -> url::Url {
    url::Url::parse(&format!("redis://127.0.0.1:{port}")).expect("url")
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// One API instance: its own store pool, state and notice feed.
struct Instance {
    router: Router,
    notices: broadcast::Sender<ChangeNotice>,
    _state: AppState,
}

impl Instance {
    async fn start(db: &TestDb, redis: url::Url) -> Self {
        let store = Store::connect(&db.url).await.expect("connect store");
        let config = ApiConfig {
            cache: CacheSettings {
                redis_url: Some(redis),
                ..CacheSettings::default()
            },
            ..config()
        };
        let (notices, rx) = broadcast::channel(1024);
        let state = AppState::new(store, config, None);
        state.start_live(NoticeSource::Local(rx));
        Self {
            router: router(state.clone()),
            notices,
            _state: state,
        }
    }

    /// Token A's balance of `account`, the block named, and `x-cache`.
    async fn balance(&self, account: Address) -> (Option<String>, u64, String) {
        let (status, cache, body) = get(&self.router, &uri(account)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (balance, block) = token_a_balance(&body);
        (balance, block, cache.unwrap_or_default())
    }

    /// Waits until this instance stores answers in `redis` (it connects in
    /// the background), asking for accounts nobody asks for otherwise.
    async fn connected(&self, redis: &Redis) {
        let before = redis.answers().await;
        let deadline = Instant::now() + Duration::from_secs(15);
        for i in 0u64.. {
            self.balance(spare(i)).await;
            if redis.answers().await > before {
                return;
            }
            assert!(Instant::now() < deadline, "never stored an answer in Redis");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Asks until the answer comes from `source` (`hit` or `shared`).
    async fn until(&self, account: Address, source: &str) -> (Option<String>, u64) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (balance, block, cache) = self.balance(account).await;
            if cache == source {
                return (balance, block);
            }
            assert!(
                Instant::now() < deadline,
                "never answered from {source} (last: {cache})"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// Accounts only used to see whether an instance talks to Redis; the
/// instance's number keeps two instances from sharing them.
fn spare(i: u64) -> Address {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed) + i;
    Address::left_padding_from(&[0xee, 0xee, (n >> 8) as u8, n as u8])
}

fn uri(account: Address) -> String {
    format!("/v1/accounts/{account}/balances?chain=eth")
}

fn token_a_balance(body: &Value) -> (Option<String>, u64) {
    let balance = body["balances"]
        .as_array()
        .expect("balances")
        .iter()
        .find(|b| b["token"] == token_a().to_checksum(None))
        .map(|b| b["balance"].as_str().expect("string").to_string());
    (balance, body["block"]["number"].as_u64().expect("block"))
}

async fn populated(backend: Backend) -> (TestDb, Store) {
    let db = TestDb::new(backend).await.expect("test database");
    let store = Store::connect(&db.url).await.expect("connect store");
    populate(&store).await;
    (db, store)
}

async fn one_process_serves_what_another_computed_and_commits_are_never_hidden(backend: Backend) {
    let (db, store) = populated(backend).await;
    let redis = Redis::start(free_port());
    let a = Instance::start(&db, redis.url()).await;
    let b = Instance::start(&db, redis.url()).await;
    a.connected(&redis).await;
    b.connected(&redis).await;
    let account = eip55_account();
    let original = (Some("1000".to_string()), ETH_CURSOR);

    // A computes and stores; B, which never read it, gets it from Redis.
    let before = redis.answers().await;
    let (balance, block, cache) = a.balance(account).await;
    assert_eq!(
        (balance, block, cache.as_str()),
        (original.0.clone(), original.1, "miss")
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while redis.answers().await == before {
        assert!(Instant::now() < deadline, "the answer never reached Redis");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (balance, block, cache) = b.balance(account).await;
    assert_eq!(
        (balance, block, cache.as_str()),
        (original.0.clone(), original.1, "shared")
    );
    // Then B keeps it in memory.
    assert_eq!(b.until(account, "hit").await, original);

    // A commit changing the account, announced to A only (B's notices lag):
    // neither instance ever answers the old balance again.
    let notice = commit_eth(&store, 13, token_a(), &[(account, U256::from(77))], vec![]).await;
    a.notices.send(notice.clone()).expect("feed a");
    let new = (Some("77".to_string()), 13);
    for _ in 0..20 {
        let (balance, block, cache) = b.balance(account).await;
        assert_eq!((balance, block), new, "instance b, x-cache {cache}");
        let (balance, block, cache) = a.balance(account).await;
        assert_eq!((balance, block), new, "instance a, x-cache {cache}");
    }
    // What one computed at block 13 is shared with the other at block 13.
    let other = acct(0x10);
    let (_, block, cache) = a.balance(other).await;
    assert_eq!((block, cache.as_str()), (13, "miss"));
    let from_a = a.balance(other).await.0;
    b.notices.send(notice).expect("feed b");
    let (balance, block) = b.until(other, "shared").await;
    assert_eq!((balance, block), (from_a, 13));
    assert_eq!(b.until(account, "hit").await, new);
}

async fn redis_down_degrades_to_correct_answers_and_recovers(backend: Backend) {
    let (db, store) = populated(backend).await;
    let port = free_port();
    let redis = Redis::start(port);
    let a = Instance::start(&db, redis.url()).await;
    let b = Instance::start(&db, redis.url()).await;
    a.connected(&redis).await;
    b.connected(&redis).await;
    let account = eip55_account();
    a.balance(account).await;
    b.until(account, "shared").await;

    // Redis dies; a commit lands meanwhile.
    drop(redis);
    let notice = commit_eth(&store, 13, token_a(), &[(account, U256::from(5))], vec![]).await;
    let new = (Some("5".to_string()), 13);
    for i in 0..30 {
        if i == 10 {
            a.notices.send(notice.clone()).expect("feed a");
            b.notices.send(notice.clone()).expect("feed b");
        }
        for instance in [&a, &b] {
            let (balance, block, cache) = instance.balance(account).await;
            assert_eq!((balance, block), new, "x-cache {cache}");
            assert_ne!(cache, "shared", "Redis is down");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Still served from memory while Redis is down.
    assert_eq!(a.until(account, "hit").await, new);

    // Redis returns: both instances reconnect by themselves and share again.
    let redis = Redis::start(port);
    a.connected(&redis).await;
    b.connected(&redis).await;
    let other = acct(0x10);
    let (balance, block, cache) = a.balance(other).await;
    assert_eq!((block, cache.as_str()), (13, "miss"));
    assert_eq!(b.until(other, "shared").await, (balance, 13));
}

async fn an_unreachable_redis_never_fails_a_request(backend: Backend) {
    let (db, store) = populated(backend).await;
    // Nothing listens there.
    let a = Instance::start(&db, url_for(free_port())).await;
    let account = eip55_account();
    let started = Instant::now();
    assert_eq!(
        a.until(account, "hit").await,
        (Some("1000".to_string()), ETH_CURSOR)
    );
    let notice = commit_eth(&store, 13, token_a(), &[(account, U256::from(9))], vec![]).await;
    a.notices.send(notice).expect("feed");
    assert_eq!(a.until(account, "hit").await, (Some("9".to_string()), 13));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "an absent Redis slowed requests down: {:?}",
        started.elapsed()
    );
}

both!(
    one_process_serves_what_another_computed_and_commits_are_never_hidden,
    redis_down_degrades_to_correct_answers_and_recovers,
    an_unreachable_redis_never_fails_a_request,
);
