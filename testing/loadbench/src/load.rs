//! A small HTTP/1.1 load generator: `connections` keep-alive connections,
//! each sending the next request as soon as the previous answer is read
//! (closed loop, like wrk: measures the most the server does), or at a fixed
//! total rate (open loop, like wrk2: measures latency at that load, counted
//! from when each request was due so a stalled server is not flattered).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Answers with status 200.
    pub ok: u64,
    /// Answers with another status, and broken connections.
    pub failed: u64,
    /// Median latency, microseconds.
    pub p50_us: u32,
    /// 99th percentile latency, microseconds.
    pub p99_us: u32,
    /// Answers per second.
    pub rps: f64,
    /// CPU time the whole machine spent per answer, microseconds: steadier
    /// than req/s on a noisy machine, and it counts the database server too.
    pub cpu_us: f64,
}

/// Busy CPU time of the whole machine so far, in clock ticks (USER_HZ).
pub fn busy_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().next() else {
        return 0;
    };
    // user nice system idle iowait irq softirq steal: all but idle and iowait.
    line.split_whitespace()
        .skip(1)
        .take(8)
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .filter_map(|(_, v)| v.parse::<u64>().ok())
        .sum()
}

/// Clock ticks per second of `/proc/stat` (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// Machine CPU microseconds per answer since `busy` ([`busy_ticks`]).
pub fn cpu_us(busy: u64, answers: u64) -> f64 {
    let cpu_s = busy_ticks().saturating_sub(busy) as f64 / TICKS_PER_SECOND;
    cpu_s * 1e6 / answers.max(1) as f64
}

/// Runs `connections` clients against `addr` for `duration`, each request a
/// random path of `paths`; closed loop, or `rate` requests per second in all.
pub async fn run(
    addr: SocketAddr,
    paths: Arc<Vec<String>>,
    connections: usize,
    duration: Duration,
    rate: Option<u32>,
) -> anyhow::Result<Outcome> {
    // Each connection's share of the rate, as a period between its requests.
    let period = rate.map(|r| Duration::from_secs_f64(connections as f64 / f64::from(r.max(1))));
    let started = Instant::now();
    let busy = busy_ticks();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for c in 0..connections {
        let paths = Arc::clone(&paths);
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(c as u64);
            let mut conn = Conn::open(addr).await?;
            let mut latencies = Vec::with_capacity(100_000);
            let mut failed = 0u64;
            // Spread the connections' first requests over one period.
            let mut due = Instant::now()
                + period.map_or(Duration::ZERO, |p| p.mul_f64(c as f64 / connections as f64));
            while Instant::now() < deadline {
                let path = &paths[rng.random_range(0..paths.len())];
                let t = match period {
                    Some(p) => {
                        tokio::time::sleep_until(due.into()).await;
                        let scheduled = due;
                        due += p;
                        scheduled
                    }
                    None => Instant::now(),
                };
                match conn.get(path).await {
                    Ok(200) => latencies.push(t.elapsed().as_micros() as u32),
                    Ok(_) => failed += 1,
                    Err(_) => {
                        failed += 1;
                        conn = Conn::open(addr).await?;
                    }
                }
            }
            Ok::<_, anyhow::Error>((latencies, failed))
        }));
    }
    let mut all = Vec::new();
    let mut failed = 0;
    for t in tasks {
        let (l, f) = t.await??;
        all.extend(l);
        failed += f;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_us = cpu_us(busy, all.len() as u64);
    all.sort_unstable();
    let pct = |p: usize| all.get(all.len() * p / 100).copied().unwrap_or(0);
    Ok(Outcome {
        ok: all.len() as u64,
        failed,
        p50_us: pct(50),
        p99_us: pct(99),
        rps: all.len() as f64 / elapsed,
        cpu_us,
    })
}

/// Requests every path once over `connections` connections (cache warm-up).
pub async fn warm(
    addr: SocketAddr,
    paths: Arc<Vec<String>>,
    connections: usize,
) -> anyhow::Result<()> {
    let mut tasks = Vec::new();
    for c in 0..connections {
        let paths = Arc::clone(&paths);
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await?;
            for path in paths.iter().skip(c).step_by(connections) {
                conn.get(path).await?;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

/// One keep-alive connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buf: Vec::with_capacity(64 * 1024),
        })
    }

    /// GET `path`; the status once the whole body is read.
    async fn get(&mut self, path: &str) -> anyhow::Result<u16> {
        let request = format!("GET {path} HTTP/1.1\r\nhost: bench\r\n\r\n");
        self.stream.write_all(request.as_bytes()).await?;
        self.buf.clear();
        let head_end = loop {
            if let Some(at) = find(&self.buf, b"\r\n\r\n") {
                break at + 4;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end])?;
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("bad status line"))?;
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .ok_or_else(|| anyhow::anyhow!("no content-length"))?;
        while self.buf.len() < head_end + length {
            self.fill().await?;
        }
        Ok(status)
    }

    async fn fill(&mut self) -> anyhow::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        anyhow::ensure!(n > 0, "connection closed");
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
