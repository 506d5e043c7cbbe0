//! Runs wrk (when asked to) with a Lua script that picks a random path per
//! request, and reads its latency distribution.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;

use crate::load::Outcome;

const SCRIPT: &str = r#"
local paths = {}
for line in io.lines(os.getenv("LOADBENCH_PATHS")) do paths[#paths + 1] = line end
math.randomseed(os.time())
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
done = function(summary, latency, requests)
  io.write(string.format("LOADBENCH %d %d %d %d\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"#;

/// Loads `paths` on `addr` with wrk: `connections` connections, 2 threads.
pub async fn run(
    addr: SocketAddr,
    paths: &[String],
    connections: usize,
    duration: Duration,
) -> anyhow::Result<Outcome> {
    let dir = tempfile::tempdir()?;
    let list = dir.path().join("paths.txt");
    std::fs::write(&list, paths.join("\n") + "\n")?;
    let script = dir.path().join("random.lua");
    std::fs::write(&script, SCRIPT)?;
    let busy = crate::load::busy_ticks();
    let output = tokio::process::Command::new("wrk")
        .env("LOADBENCH_PATHS", &list)
        .arg("-t2")
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg("-s")
        .arg(&script)
        .arg(format!("http://{addr}"))
        .output()
        .await
        .context("running wrk (apt-get install -y wrk)")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("LOADBENCH "))
        .with_context(|| format!("wrk printed no summary: {stdout}"))?;
    let n: Vec<u64> = line
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let rps = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    Ok(Outcome {
        ok: n[0].saturating_sub(n[1]),
        failed: n[1],
        p50_us: n[2] as u32,
        p99_us: n[3] as u32,
        rps,
        cpu_us: crate::load::cpu_us(busy, n[0].saturating_sub(n[1])),
    })
}
