//! A fault-injecting JSON-RPC proxy to put in front of anvil.
//!
//! Each HTTP request is forwarded to the upstream node or, by a seeded
//! draw, answered with a fault: a server error, a hang (the client times
//! out), HTTP 429 with `Retry-After`, a garbled body, an `eth_getLogs`
//! answer missing every log of one block or the blocks at its end, or a
//! stale latest block (the head goes backwards). Faults are counted, so a
//! test can show it met them. The same seed and request sequence give the
//! same faults.
//!
//! Beyond the random faults, a [`HeadView`] holds the head back for as long
//! as a test wants (an old head of the same chain, or a node still syncing
//! that has nothing above its block), and [`RpcProxy::set_log_index_offset`]
//! shifts every `logIndex` (past 2^31, say) in every answer.

mod view;

use std::{
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::Value;
pub use view::HeadView;
use view::Rewrite;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

/// How often each fault is injected (probabilities per HTTP request; at most
/// one fault per request).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultSpec {
    /// Seed of the draws.
    pub seed: u64,
    /// A JSON-RPC -32603 error or an HTTP 503.
    pub error: f64,
    /// No answer for `hang` (the client's request timeout fires).
    pub timeout: f64,
    /// HTTP 429 with `Retry-After: 1`.
    pub rate_limit: f64,
    /// A body that is not valid JSON.
    pub garbled: f64,
    /// An `eth_getLogs` answer without the logs of one of its blocks, or of
    /// its last blocks (a truncated answer).
    pub drop_logs: f64,
    /// A latest block from earlier on (the head goes backwards).
    pub stale_head: f64,
    /// How long a hanging request hangs.
    pub hang: Duration,
}

impl FaultSpec {
    /// No faults: a transparent proxy.
    pub fn none(seed: u64) -> Self {
        Self {
            seed,
            error: 0.0,
            timeout: 0.0,
            rate_limit: 0.0,
            garbled: 0.0,
            drop_logs: 0.0,
            stale_head: 0.0,
            hang: Duration::from_secs(3),
        }
    }

    /// Every kind of fault at rate `p` each.
    pub fn all(seed: u64, p: f64) -> Self {
        Self {
            error: p,
            timeout: p / 4.0,
            rate_limit: p,
            garbled: p,
            drop_logs: p,
            stale_head: p,
            ..Self::none(seed)
        }
    }
}

/// How many faults of each kind were injected, and requests forwarded clean.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Requests forwarded without a fault.
    pub forwarded: u64,
    /// Server errors.
    pub errors: u64,
    /// Hangs.
    pub timeouts: u64,
    /// 429s.
    pub rate_limited: u64,
    /// Garbled bodies.
    pub garbled: u64,
    /// `eth_getLogs` answers that lost logs.
    pub dropped_logs: u64,
    /// Stale heads served.
    pub stale_heads: u64,
    /// Answers changed by a held-back head ([`HeadView::Behind`]).
    pub held_heads: u64,
    /// Answers changed by a syncing node ([`HeadView::Syncing`]): older
    /// heads, `null` blocks, hidden logs, failed calls, `eth_syncing`.
    pub syncing: u64,
    /// `logIndex` values shifted (not counted as faults).
    pub shifted_log_indexes: u64,
}

impl FaultCounts {
    /// All faults injected.
    pub fn total(&self) -> u64 {
        self.errors
            + self.timeouts
            + self.rate_limited
            + self.garbled
            + self.dropped_logs
            + self.stale_heads
            + self.held_heads
            + self.syncing
    }
}

#[derive(Default)]
struct Counters([AtomicU64; 10]);

struct Shared {
    upstream: String,
    spec: Mutex<(FaultSpec, StdRng)>,
    counters: Counters,
    /// Earlier answers to `eth_getBlockByNumber("latest")`, to serve stale.
    heads: Mutex<Vec<Value>>,
    /// The head shown, beyond random faults.
    view: Mutex<HeadView>,
    /// Added to every `logIndex`.
    log_offset: AtomicU64,
}

/// A running proxy; stops when dropped.
pub struct RpcProxy {
    url: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for RpcProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone, Copy)]
enum Fault {
    None,
    Error,
    Timeout,
    RateLimit,
    Garbled,
    DropLogs,
    StaleHead,
}

impl RpcProxy {
    /// Starts a proxy on a free local port in front of `upstream`
    /// (`http://127.0.0.1:PORT`).
    pub async fn start(upstream: &str, spec: FaultSpec) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let shared = Arc::new(Shared {
            upstream,
            spec: Mutex::new((spec, StdRng::seed_from_u64(spec.seed))),
            counters: Counters::default(),
            heads: Mutex::new(Vec::new()),
            view: Mutex::new(HeadView::Live),
            log_offset: AtomicU64::new(0),
        });
        let task = tokio::spawn({
            let shared = shared.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(serve(stream, shared.clone()));
                }
            }
        });
        Ok(Self {
            url: format!("http://127.0.0.1:{port}"),
            shared,
            task,
        })
    }

    /// The proxy's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Changes the fault rates (the draw sequence goes on).
    pub fn set_spec(&self, spec: FaultSpec) {
        lock(&self.shared.spec).0 = spec;
    }

    /// Holds the head back (or lets it go with [`HeadView::Live`]).
    pub fn set_head_view(&self, view: HeadView) {
        *lock(&self.shared.view) = view;
    }

    /// Adds `offset` to every `logIndex` in every answer from now on.
    pub fn set_log_index_offset(&self, offset: u64) {
        self.shared.log_offset.store(offset, Ordering::Relaxed);
    }

    /// Faults injected so far.
    pub fn counts(&self) -> FaultCounts {
        let c = |i: usize| self.shared.counters.0[i].load(Ordering::Relaxed);
        FaultCounts {
            forwarded: c(0),
            errors: c(1),
            timeouts: c(2),
            rate_limited: c(3),
            garbled: c(4),
            dropped_logs: c(5),
            stale_heads: c(6),
            held_heads: c(7),
            syncing: c(8),
            shifted_log_indexes: c(9),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Draws this request's fault. Faults that need a certain method only apply
/// to it; otherwise the request goes through clean.
fn draw(shared: &Shared, body: &Value) -> (Fault, u64) {
    let mut guard = lock(&shared.spec);
    let (spec, rng) = &mut *guard;
    let x: f64 = rng.random();
    let pick: u64 = rng.random();
    let method = body["method"].as_str().unwrap_or("");
    let latest = method == "eth_blockNumber"
        || (method == "eth_getBlockByNumber" && body["params"][0] == "latest");
    let mut edge = 0.0;
    for (p, fault) in [
        (spec.error, Fault::Error),
        (spec.timeout, Fault::Timeout),
        (spec.rate_limit, Fault::RateLimit),
        (spec.garbled, Fault::Garbled),
        (spec.drop_logs, Fault::DropLogs),
        (spec.stale_head, Fault::StaleHead),
    ] {
        edge += p;
        if x < edge {
            let applies = match fault {
                Fault::DropLogs => method == "eth_getLogs",
                Fault::StaleHead => latest,
                _ => true,
            };
            return (if applies { fault } else { Fault::None }, pick);
        }
    }
    (Fault::None, pick)
}

async fn serve(mut stream: TcpStream, shared: Arc<Shared>) {
    let Some(body) = read_request(&mut stream).await else {
        return;
    };
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (fault, pick) = draw(&shared, &parsed);
    let count = |i: usize| shared.counters.0[i].fetch_add(1, Ordering::Relaxed);
    let (status, extra, text) = match fault {
        Fault::Error => {
            count(1);
            if pick % 2 == 0 {
                (503, "", "service unavailable (injected)".to_string())
            } else {
                let err = serde_json::json!({"jsonrpc": "2.0", "id": parsed["id"],
                    "error": {"code": -32603, "message": "internal error (injected)"}});
                (200, "", err.to_string())
            }
        }
        Fault::Timeout => {
            count(2);
            let hang = lock(&shared.spec).0.hang;
            tokio::time::sleep(hang).await;
            return;
        }
        Fault::RateLimit => {
            count(3);
            (
                429,
                "retry-after: 1\r\n",
                "too many requests (injected)".to_string(),
            )
        }
        Fault::Garbled => {
            count(4);
            (200, "", "{\"jsonrpc\":\"2.0\",\"id\":1,\"resu".to_string())
        }
        Fault::None | Fault::DropLogs | Fault::StaleHead => {
            let Some(mut value) = exchange(&shared, &parsed, &body).await else {
                return;
            };
            let changed = match fault {
                Fault::DropLogs => drop_logs(&mut value, pick),
                Fault::StaleHead => stale_head(&shared, &mut value, pick),
                _ => false,
            };
            if !changed
                && parsed["method"] == "eth_getBlockByNumber"
                && parsed["params"][0] == "latest"
            {
                let mut heads = lock(&shared.heads);
                heads.push(value["result"].clone());
                let excess = heads.len().saturating_sub(64);
                heads.drain(..excess);
            }
            match (fault, changed) {
                (Fault::DropLogs, true) => count(5),
                (Fault::StaleHead, true) => count(6),
                _ => count(0),
            };
            (200, "", value.to_string())
        }
    };
    let response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Forwards the request, through the head view and log-index shift: items
/// answered here are not forwarded, the rest go upstream (as a batch when
/// the request was one) and their answers are matched back by id.
async fn exchange(shared: &Shared, parsed: &Value, body: &[u8]) -> Option<Value> {
    let view = *lock(&shared.view);
    let offset = shared.log_offset.load(Ordering::Relaxed);
    let count = |i: usize, n: u64| shared.counters.0[i].fetch_add(n, Ordering::Relaxed);
    if view == HeadView::Live && offset == 0 {
        let answer = forward(&shared.upstream, body).await?;
        return Some(serde_json::from_str(&answer).unwrap_or(Value::Null));
    }
    let view_counter = if matches!(view, HeadView::Syncing { .. }) {
        8
    } else {
        7
    };
    let (items, batch) = match parsed {
        Value::Array(items) => (items.clone(), true),
        item => (vec![item.clone()], false),
    };
    let mut answers: Vec<Option<Value>> = vec![None; items.len()];
    let mut upstream = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let (rewrite, changed) = view::rewrite(view, item);
        if changed {
            count(view_counter, 1);
        }
        match rewrite {
            Rewrite::Answer(answer) => answers[i] = Some(answer),
            Rewrite::Forward(request) => upstream.push((i, request)),
        }
    }
    if !upstream.is_empty() {
        let request = if batch {
            Value::Array(upstream.iter().map(|(_, r)| r.clone()).collect())
        } else {
            upstream[0].1.clone()
        };
        let text = forward(&shared.upstream, request.to_string().as_bytes()).await?;
        let got = match serde_json::from_str(&text).unwrap_or(Value::Null) {
            Value::Array(got) => got,
            single => vec![single],
        };
        for (i, request) in &upstream {
            let mut answer = got
                .iter()
                .find(|a| a["id"] == request["id"])
                .cloned()
                .unwrap_or_else(|| got.first().cloned().unwrap_or(Value::Null));
            if let Some(top) = view.ceiling()
                && request["method"] == "eth_getLogs"
                && view::hide_logs_above(&mut answer, top)
            {
                count(8, 1);
            }
            answers[*i] = Some(answer);
        }
    }
    let mut answers: Vec<Value> = answers.into_iter().map(Option::unwrap_or_default).collect();
    if offset > 0 {
        let shifted = answers
            .iter_mut()
            .filter_map(|a| a.get_mut("result"))
            .map(|r| view::shift_log_indexes(r, offset))
            .sum();
        count(9, shifted);
    }
    Some(if batch {
        Value::Array(answers)
    } else {
        answers.pop().unwrap_or_default()
    })
}

/// Removes every log of one block of the answer (`pick` odd) or of the
/// blocks after its middle (`pick` even: a truncated answer).
fn drop_logs(answer: &mut Value, pick: u64) -> bool {
    let Some(logs) = answer["result"].as_array_mut() else {
        return false;
    };
    let mut blocks: Vec<&str> = logs
        .iter()
        .filter_map(|l| l["blockNumber"].as_str())
        .collect();
    blocks.dedup();
    if blocks.is_empty() {
        return false;
    }
    let before = logs.len();
    if pick % 2 == 1 {
        let victim = blocks[(pick / 2) as usize % blocks.len()].to_string();
        logs.retain(|l| l["blockNumber"].as_str() != Some(victim.as_str()));
    } else {
        // Cut at a block boundary: a block's logs are all there or all gone.
        let cut = logs[before / 2]["blockNumber"].clone();
        let keep = logs
            .iter()
            .position(|l| l["blockNumber"] == cut)
            .unwrap_or(0);
        logs.truncate(keep);
    }
    logs.len() != before
}

/// Replaces a latest block with one served earlier.
fn stale_head(shared: &Shared, answer: &mut Value, pick: u64) -> bool {
    let heads = lock(&shared.heads);
    if heads.len() < 2 || answer.get("result").is_none() {
        return false;
    }
    let back = 1 + (pick as usize % (heads.len() - 1));
    let old = heads[heads.len() - 1 - back].clone();
    if old == answer["result"] || old.is_null() {
        return false;
    }
    answer["result"] = old;
    true
}

async fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    Some(buf[header_end..header_end + length].to_vec())
}

/// Sends `body` to the upstream node and returns its answer body.
async fn forward(upstream: &str, body: &[u8]) -> Option<String> {
    let mut conn = TcpStream::connect(upstream).await.ok()?;
    let request = format!(
        "POST / HTTP/1.1\r\nhost: {upstream}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(request.as_bytes()).await.ok()?;
    conn.write_all(body).await.ok()?;
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).await.ok()?;
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
    let body = &answer[end..];
    if head.contains("transfer-encoding: chunked") {
        return Some(String::from_utf8_lossy(&dechunk(body)).into_owned());
    }
    Some(String::from_utf8_lossy(body).into_owned())
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(pos) = body.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&body[..pos]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = pos + 2;
        out.extend_from_slice(&body[start..(start + size).min(body.len())]);
        body = &body[(start + size + 2).min(body.len())..];
    }
    out
}
