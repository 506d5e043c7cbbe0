//! Push latency: anvil mines a block with a transfer every interval,
//! `tributary start` indexes it and serves `WS /v1/ws`; a client subscribed
//! to blocks records when each block's push arrives. Latency is measured from
//! just before the transfer is sent (anvil mines it on receipt) to the push
//! of that block (or of a later block covering it) being received.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alloy_primitives::{Address, U256};
use anyhow::Context;
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tributary_testkit::TestChain;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The `tributary` binary.
    pub binary: PathBuf,
    /// Blocks to mine.
    pub blocks: u64,
    /// Time between blocks.
    pub interval: Duration,
}

/// Runs the benchmark and prints p50/p99.
pub async fn run(plan: &Plan) -> anyhow::Result<()> {
    let chain = TestChain::spawn().await?;
    let token = chain.deploy_token("Push", "PSH", 18).await?;
    chain
        .mint(token, chain.dev_account(None)?, U256::from(u64::MAX))
        .await?;
    let dir = tempfile::tempdir()?;
    let port = free_port()?;
    let config = dir.path().join("tributary.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"sqlite://{db}\"\n\n[api]\nlisten = \"127.0.0.1:{port}\"\n\n\
             [[chain]]\nname = \"anvil\"\nchain_id = {id}\nrpc = [\"{rpc}\"]\nws = \"{ws}\"\n\
             confirmations = 2\npoll_interval_ms = 20\n\n\
             [[contract]]\nname = \"Push\"\nchain = \"anvil\"\nkind = \"erc20\"\naddress = \"{token}\"\nstart_block = 0\n",
            db = dir.path().join("push.db").display(),
            id = chain.chain_id(),
            rpc = chain.rpc_url(),
            ws = chain.ws_url(),
        ),
    )?;
    let mut child = tokio::process::Command::new(&plan.binary)
        .arg("start")
        .arg("-c")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", plan.binary.display()))?;
    let ws_url = format!("ws://127.0.0.1:{port}/v1/ws");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut ws = loop {
        match tokio_tungstenite::connect_async(&ws_url).await {
            Ok((ws, _)) => break ws,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e).context("tributary never served /v1/ws"),
        }
    };
    ws.send(Message::Text(r#"{"subscribe":"blocks"}"#.into()))
        .await?;
    // Block number -> when its push arrived (first push at or above it).
    let received: Arc<Mutex<BTreeMap<u64, Instant>>> = Arc::default();
    let reader = {
        let received = Arc::clone(&received);
        tokio::spawn(async move {
            while let Some(Ok(message)) = ws.next().await {
                let now = Instant::now();
                let Message::Text(text) = message else {
                    continue;
                };
                let Ok(v) = serde_json::from_str::<serde_json::Value>(text.as_str()) else {
                    continue;
                };
                if v["type"] == "block"
                    && let Some(n) = v["number"].as_u64()
                {
                    received.lock().expect("lock").entry(n).or_insert(now);
                }
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut sent = BTreeMap::new();
    let mut ticks = tokio::time::interval(plan.interval);
    for i in 0..plan.blocks {
        ticks.tick().await;
        let to = Address::from_word(U256::from(0xabc0_0000u64 + i).into());
        let t = Instant::now();
        let mined = chain.transfer(token, None, to, U256::from(1)).await?;
        sent.insert(mined.block_number, t);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    reader.abort();
    let _ = child.kill().await;
    let received = received.lock().expect("lock").clone();
    let mut latencies: Vec<Duration> = Vec::new();
    let mut missing = 0;
    for (block, t) in &sent {
        match received.range(block..).next() {
            Some((_, at)) => latencies.push(at.saturating_duration_since(*t)),
            None => missing += 1,
        }
    }
    latencies.sort_unstable();
    let pct = |p: usize| {
        latencies
            .get(latencies.len() * p / 100)
            .copied()
            .unwrap_or_default()
    };
    println!(
        "push latency over {} blocks ({} ms apart): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {} pushes received, {} blocks never pushed",
        sent.len(),
        plan.interval.as_millis(),
        pct(50).as_secs_f64() * 1000.0,
        pct(99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        received.len(),
        missing,
    );
    Ok(())
}

fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}
