//! The read cache: hits carry the current block, a commit is visible at once
//! even when its notice is late or lost, and concurrent readers never see a
//! stale or mixed answer while blocks are committed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use alloy_primitives::{Address, U256};
use axum::http::StatusCode;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use tributary_testkit::Backend;
use tributary_types::ChangeNotice;

use crate::fixture::{ETH_CURSOR, acct, config, eip55_account, token_a};
use crate::server::{Served, commit_eth, get};

fn balances_uri(account: Address) -> String {
    format!("/v1/accounts/{account}/balances?chain=eth")
}

/// The balance of token A in a balances answer, and the block it names.
fn token_a_balance(body: &Value) -> (Option<String>, u64) {
    let balance = body["balances"]
        .as_array()
        .expect("balances")
        .iter()
        .find(|b| b["token"] == token_a().to_checksum(None))
        .map(|b| b["balance"].as_str().expect("string").to_string());
    (balance, body["block"]["number"].as_u64().expect("block"))
}

/// Asks `uri` until it is answered from the cache (the feed applies notices
/// asynchronously), returning that answer.
async fn until_hit(served: &Served, uri: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, cache, body) = served.get(uri).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if cache.as_deref() == Some("hit") {
            return body;
        }
        assert!(Instant::now() < deadline, "{uri} never came from the cache");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn hits_carry_the_current_block_and_late_notices_change_nothing(backend: Backend) {
    let served = Served::start(backend, config()).await;
    let a = eip55_account();
    let b = acct(0x10);
    let uri = balances_uri(a);
    let first = until_hit(&served, &uri).await;
    assert_eq!(token_a_balance(&first), (Some("1000".into()), ETH_CURSOR));

    // A commit that does not touch `a`: its answer stays cached, with the new block.
    let notice = commit_eth(&served.store, 13, token_a(), &[(b, U256::from(5))], vec![]).await;
    served.notices.send(notice).expect("feed");
    let hit = until_hit(&served, &uri).await;
    assert_eq!(token_a_balance(&hit), (Some("1000".into()), 13));
    assert_eq!(hit["balances"], first["balances"]);

    // A commit that touches `a`, its notice not sent yet: never the old value.
    let late = commit_eth(&served.store, 14, token_a(), &[(a, U256::from(77))], vec![]).await;
    for _ in 0..5 {
        let (_, cache, body) = served.get(&uri).await;
        assert_ne!(
            cache.as_deref(),
            Some("hit"),
            "served from cache before the notice"
        );
        assert_eq!(token_a_balance(&body), (Some("77".into()), 14));
    }
    served.notices.send(late).expect("feed");
    let hit = until_hit(&served, &uri).await;
    assert_eq!(token_a_balance(&hit), (Some("77".into()), 14));

    // A lost notice: the poller resynchronizes and the cache serves again.
    let lost = commit_eth(&served.store, 15, token_a(), &[(a, U256::from(78))], vec![]).await;
    drop(lost);
    let (_, _, body) = served.get(&uri).await;
    assert_eq!(token_a_balance(&body), (Some("78".into()), 15));
    let hit = until_hit(&served, &uri).await;
    assert_eq!(token_a_balance(&hit), (Some("78".into()), 15));

    // Holders (contract-scoped) and events (chain-scoped) follow too.
    let holders = format!("/v1/tokens/{}/holders?limit=1", token_a());
    until_hit(&served, &holders).await;
    let events = "/v1/events?chain=eth&limit=1000";
    let before = until_hit(&served, events).await;
    let notice = commit_eth(
        &served.store,
        16,
        token_a(),
        &[(b, U256::from(10).pow(U256::from(31)))],
        vec![crate::server::transfer("TokenA", token_a(), 16, 0, b)],
    )
    .await;
    let (_, _, after) = served.get(events).await;
    assert_eq!(
        after["items"].as_array().map(Vec::len),
        before["items"].as_array().map(|i| i.len() + 1)
    );
    let (_, _, top) = served.get(&holders).await;
    assert_eq!(top["items"][0]["account"], b.to_checksum(None));
    served.notices.send(notice).expect("feed");
}

/// Balance of `a` at block `n`, and of `b` (changed every tenth block).
fn expected(n: u64) -> (U256, U256) {
    (U256::from(n * 1000), U256::from(n / 10 * 10 + 1))
}

async fn concurrent_reads_are_never_stale_nor_mixed(backend: Backend) {
    let served = Arc::new(Served::start(backend, config()).await);
    let a = eip55_account();
    let b = acct(0x10);
    const LAST: u64 = ETH_CURSOR + 120;
    // In-order relay with random delays and losses, as Redis may deliver.
    let (relay, mut queue) = tokio::sync::mpsc::unbounded_channel::<ChangeNotice>();
    let feed = served.notices.clone();
    let relay_task = tokio::spawn(async move {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        while let Some(notice) = queue.recv().await {
            tokio::time::sleep(Duration::from_millis(rng.random_range(0..8))).await;
            if rng.random_range(0..10) > 0 {
                let _ = feed.send(notice);
            }
        }
    });
    let committed = Arc::new(AtomicU64::new(ETH_CURSOR));
    let writer = {
        let served = Arc::clone(&served);
        let committed = Arc::clone(&committed);
        tokio::spawn(async move {
            for n in ETH_CURSOR + 1..=LAST {
                let (va, vb) = expected(n);
                let notice =
                    commit_eth(&served.store, n, token_a(), &[(a, va), (b, vb)], vec![]).await;
                committed.store(n, Ordering::SeqCst);
                relay.send(notice).expect("relay");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let hits = Arc::new(AtomicU64::new(0));
    let mut readers = Vec::new();
    for account in [a, b, a, b] {
        let served = Arc::clone(&served);
        let committed = Arc::clone(&committed);
        let hits = Arc::clone(&hits);
        readers.push(tokio::spawn(async move {
            let uri = balances_uri(account);
            let mut reads = 0;
            loop {
                let floor = committed.load(Ordering::SeqCst);
                let (status, cache, body) = get(&served.router, &uri).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                let (balance, block) = token_a_balance(&body);
                assert!(
                    block >= floor,
                    "block {block} is older than committed {floor}: {body}"
                );
                let n = if block > ETH_CURSOR { block } else { 0 };
                if n > 0 {
                    let (va, vb) = expected(n);
                    let want = if account == a { va } else { vb };
                    assert_eq!(balance, Some(want.to_string()), "at block {block}: {body}");
                }
                if cache.as_deref() == Some("hit") {
                    hits.fetch_add(1, Ordering::SeqCst);
                }
                reads += 1;
                if floor == LAST && reads > 50 {
                    return reads;
                }
            }
        }));
    }
    writer.await.expect("writer");
    let mut reads = 0;
    for r in readers {
        reads += r.await.expect("reader");
    }
    relay_task.abort();
    let hits = hits.load(Ordering::SeqCst);
    assert!(hits > 0, "{reads} reads, none from the cache");
    eprintln!("{backend:?}: {reads} reads, {hits} hits, none stale");
}

both!(
    hits_carry_the_current_block_and_late_notices_change_nothing,
    concurrent_reads_are_never_stale_nor_mixed,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_off_never_answers_from_cache() {
    let config = tributary_api::ApiConfig {
        cache: tributary_api::CacheSettings {
            enabled: false,
            ..Default::default()
        },
        ..config()
    };
    let served = Served::start(Backend::Sqlite, config).await;
    for _ in 0..3 {
        let (status, cache, body) = served.get(&balances_uri(eip55_account())).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(cache, None);
    }
}
