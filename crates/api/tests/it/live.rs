//! Live pushes over WebSocket and SSE, backpressure, graceful shutdown and
//! the rate limit, on a real socket.

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use alloy_primitives::U256;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tributary_api::{ApiConfig, LiveSettings, RateLimit};
use tributary_testkit::Backend;
use tributary_types::{ChangeNotice, Touched};

use crate::fixture::{ETH, config, eip55_account, token_a};
use crate::server::{Served, commit_eth, transfer};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(served: &Served) -> Ws {
    tokio_tungstenite::connect_async(served.ws_url())
        .await
        .expect("websocket connect")
        .0
}

async fn send(ws: &mut Ws, message: Value) {
    ws.send(Message::Text(message.to_string().into()))
        .await
        .expect("send");
}

/// The next JSON text message, however long it takes.
async fn next_any(ws: &mut Ws) -> Value {
    loop {
        let message = ws.next().await.expect("stream open").expect("message");
        if let Message::Text(text) = message {
            return serde_json::from_str(text.as_str()).expect("JSON");
        }
    }
}

/// The next JSON text message within 5 s.
async fn next(ws: &mut Ws) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let message = tokio::time::timeout(left, ws.next())
            .await
            .expect("a message within 5 s")
            .expect("stream open")
            .expect("message");
        if let Message::Text(text) = message {
            return serde_json::from_str(text.as_str()).expect("JSON");
        }
    }
}

async fn ws_pushes_blocks_accounts_events_and_reorgs(backend: Backend) {
    let served = Served::start(backend, config()).await;
    let a = eip55_account();
    let mut ws = connect(&served).await;
    send(&mut ws, json!({"subscribe": "blocks"})).await;
    send(
        &mut ws,
        json!({"subscribe": "account", "address": a.to_string().to_lowercase()}),
    )
    .await;
    send(
        &mut ws,
        json!({"subscribe": "events", "contract": "TokenA"}),
    )
    .await;
    for topic in ["blocks", &format!("account:{a}"), "events:TokenA"] {
        assert_eq!(
            next(&mut ws).await,
            json!({"type": "subscribed", "topic": topic})
        );
    }

    let notice = commit_eth(
        &served.store,
        13,
        token_a(),
        &[(a, U256::from(55))],
        vec![transfer("TokenA", token_a(), 13, 0, a)],
    )
    .await;
    served.notices.send(notice).expect("feed");
    let (mut block, mut account, mut events) = (None, None, None);
    while block.is_none() || account.is_none() || events.is_none() {
        let m = next(&mut ws).await;
        match m["type"].as_str() {
            Some("block") => block = Some(m),
            Some("account") => account = Some(m),
            Some("events") => events = Some(m),
            _ => panic!("unexpected {m}"),
        }
    }
    let block = block.expect("block");
    assert_eq!(
        (block["chain_id"].as_u64(), block["number"].as_u64()),
        (Some(ETH), Some(13))
    );
    assert!(
        block["hash"].as_str().is_some_and(|h| h.len() == 66),
        "{block}"
    );
    let account = account.expect("account");
    assert_eq!(account["address"], a.to_checksum(None));
    assert_eq!(account["block"]["number"], 13);
    let balance = account["balances"]
        .as_array()
        .expect("balances")
        .iter()
        .find(|b| b["token"] == token_a().to_checksum(None))
        .expect("token A balance");
    assert_eq!(balance["balance"], "55");
    let events = events.expect("events");
    assert_eq!(events["contract"], "TokenA");
    assert_eq!(events["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(events["items"][0]["block_number"], 13);

    served
        .notices
        .send(ChangeNotice::Reorg {
            chain_id: ETH,
            from_block: 13,
        })
        .expect("feed");
    assert_eq!(
        next(&mut ws).await,
        json!({"type": "reorg", "chain_id": ETH, "from_block": 13})
    );

    // Refusals keep the connection open.
    send(&mut ws, json!({"subscribe": "account", "address": "0x12"})).await;
    assert_eq!(next(&mut ws).await["code"], "invalid_address");
    send(&mut ws, json!({"subscribe": "events", "contract": "Nope"})).await;
    assert_eq!(next(&mut ws).await["code"], "unknown_contract");
    send(&mut ws, json!({"hello": 1})).await;
    assert_eq!(next(&mut ws).await["code"], "invalid_message");
    // 3 held; the cap is 64.
    for i in 0..61u64 {
        let address = alloy_primitives::Address::from_word(U256::from(i + 1).into());
        send(&mut ws, json!({"subscribe": "account", "address": address})).await;
        assert_eq!(next(&mut ws).await["type"], "subscribed");
    }
    send(
        &mut ws,
        json!({"subscribe": "account", "address": token_a()}),
    )
    .await;
    assert_eq!(next(&mut ws).await["code"], "too_many_subscriptions");
    send(&mut ws, json!({"unsubscribe": "blocks"})).await;
    assert_eq!(
        next(&mut ws).await,
        json!({"type": "unsubscribed", "topic": "blocks"})
    );
    send(
        &mut ws,
        json!({"subscribe": "account", "address": token_a()}),
    )
    .await;
    assert_eq!(next(&mut ws).await["type"], "subscribed");
}

both!(ws_pushes_blocks_accounts_events_and_reorgs);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_streams_the_same_pushes() {
    let served = Served::start(Backend::Sqlite, config()).await;
    let a = eip55_account();
    let http = reqwest::Client::new();
    let bad = http
        .get(format!("http://{}/v1/sse?topics=planets", served.addr))
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.expect("JSON error");
    assert_eq!(body["error"]["code"], "invalid_parameter");

    let mut stream = http
        .get(format!(
            "http://{}/v1/sse?topics=blocks,account:{a}",
            served.addr
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(stream.status(), 200);
    assert_eq!(
        stream.headers()["content-type"].to_str().ok(),
        Some("text/event-stream")
    );
    let notice = commit_eth(&served.store, 13, token_a(), &[(a, U256::from(9))], vec![]).await;
    served.notices.send(notice).expect("feed");
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !(text.contains("event: block") && text.contains("event: account")) {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(left, stream.chunk())
            .await
            .expect("pushes within 5 s")
            .expect("chunk")
            .expect("stream open");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        text.contains(r#""type":"block","chain_id":1,"number":13"#),
        "{text}"
    );
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("proc status");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS");
    kb * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_websocket_client_is_dropped_without_growing_memory() {
    const BUDGET: usize = 2 * 1024 * 1024;
    const NOTICES: u64 = 300;
    let config = ApiConfig {
        live: LiveSettings {
            client_queue_bytes: BUDGET,
            // Long enough that only the queue budget can drop the client.
            heartbeat: Duration::from_secs(120),
            ..LiveSettings::default()
        },
        ..config()
    };
    let served = Served::start(Backend::Sqlite, config).await;
    let a = eip55_account();
    // One block with 1000 events: every events push is ~350 KB.
    let events = (0..1000)
        .map(|i| transfer("TokenA", token_a(), 13, i, a))
        .collect();
    commit_eth(&served.store, 13, token_a(), &[], events).await;
    let mut slow = connect(&served).await;
    send(
        &mut slow,
        json!({"subscribe": "events", "contract": "TokenA"}),
    )
    .await;
    assert_eq!(next(&mut slow).await["type"], "subscribed");
    // A healthy client on the same feed keeps receiving.
    let mut healthy = connect(&served).await;
    send(&mut healthy, json!({"subscribe": "blocks"})).await;
    assert_eq!(next(&mut healthy).await["type"], "subscribed");

    let baseline = rss_bytes();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(baseline));
    let sampler = {
        let peak = std::sync::Arc::clone(&peak);
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss_bytes(), std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    // The slow client never reads while ~120 MB of pushes are produced.
    for i in 0..NOTICES {
        let notice = ChangeNotice::Committed {
            chain_id: ETH,
            from: 13,
            to: 13 + i,
            events: 1000,
            touched: Touched::default(),
        };
        served.notices.send(notice).expect("feed");
        if i % 20 == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    // A real commit after the flood: once the healthy client has its
    // block, every push of the flood has been produced.
    let last = 13 + NOTICES;
    let batch = tributary_store::write::Batch {
        chain_id: ETH,
        parent: Some(13),
        cursor: Some(crate::fixture::header(ETH, last)),
        headers: vec![crate::fixture::header(ETH, last)],
        ..Default::default()
    };
    served.store.commit(&batch).await.expect("commit");
    let notice = ChangeNotice::Committed {
        chain_id: ETH,
        from: 14,
        to: last,
        events: 0,
        touched: Touched::default(),
    };
    served.notices.send(notice).expect("feed");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let m = tokio::time::timeout(Duration::from_secs(60), next_any(&mut healthy))
            .await
            .expect("healthy client still served");
        if m["number"] == last {
            break;
        }
        assert!(Instant::now() < deadline, "flood not pushed in time");
    }
    sampler.abort();
    let growth = peak
        .load(std::sync::atomic::Ordering::SeqCst)
        .saturating_sub(baseline);
    // Drain the slow client: what was in flight, then the end.
    let mut received = 0usize;
    let mut closed = None;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(10), slow.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => received += t.len(),
            Ok(Some(Ok(Message::Close(frame)))) => {
                closed = Some(frame.map(|f| f.code));
                break;
            }
            Ok(Some(Ok(_))) => {}
            Ok(None) | Ok(Some(Err(_))) => {
                closed = Some(None);
                break;
            }
            Err(_) => panic!("slow client neither pushed to nor closed"),
        }
    }
    let pushed = NOTICES as usize * 300_000;
    eprintln!(
        "pushed ~{pushed} B, slow client got {received} B before {closed:?}; RSS growth {growth} B"
    );
    let closed = closed.expect("the slow client was disconnected");
    assert!(
        matches!(closed, None | Some(CloseCode::Policy)),
        "{closed:?}"
    );
    assert!(
        received < pushed / 4,
        "received {received} of {pushed}: not dropped"
    );
    assert!(
        growth < 48 * 1024 * 1024,
        "server memory grew by {growth} B"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_websockets_and_finishes() {
    let mut served = Served::start(Backend::Sqlite, config()).await;
    let mut ws = connect(&served).await;
    send(&mut ws, json!({"subscribe": "blocks"})).await;
    assert_eq!(next(&mut ws).await["type"], "subscribed");
    served.shutdown().await;
    let close = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code),
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    })
    .await
    .expect("closed within 5 s");
    assert_eq!(close, Some(CloseCode::Away));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_answers_429_with_retry_after() {
    let config = ApiConfig {
        rate_limit: Some(RateLimit {
            per_second: NonZeroU32::new(1).expect("1"),
            burst: NonZeroU32::new(2).expect("2"),
        }),
        ..config()
    };
    let served = Served::start(Backend::Sqlite, config).await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("http://{}{path}", served.addr);
    for _ in 0..2 {
        let r = http.get(url("/v1/status")).send().await.expect("request");
        assert_eq!(r.status(), 200);
    }
    let r = http.get(url("/v1/status")).send().await.expect("request");
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry >= 1);
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "rate_limited");
    // Probes are never limited.
    let r = http.get(url("/healthz")).send().await.expect("request");
    assert_eq!(r.status(), 200);
}
