//! `tributary bench`: backfill speed and memory against the floor.
//!
//! Generates a chain of ERC-20 transfers on a local anvil once, then
//! measures (median of several runs): a bare fetch of the same logs with the
//! same source settings (the floor no indexer can beat), and the whole
//! pipeline (`tributary index` as a child process, from an empty database
//! to the head) on each store, with the child's peak RSS and the CPU time it
//! used. CPU seconds move less than wall time on a shared machine, so they
//! show whether a change made the indexer do less work.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use tributary_source::{EvmSource, FetchPlan, HeaderMode, LogFilter, RpcSettings};
use tributary_testkit::{TestChain, TestDb, WorkloadSpec};

use crate::cli::BenchArgs;

/// Block range and concurrency used by both the floor and the pipeline.
const MAX_BLOCK_RANGE: u64 = 2_000;
const CONCURRENCY: usize = 4;

/// Runs the benchmark and prints its figures.
pub async fn bench(args: BenchArgs) -> anyhow::Result<()> {
    let chain = TestChain::spawn_with(["--gas-limit", "1000000000"])
        .await
        .context("starting anvil (run `npm ci` first)")?;
    let token = chain.deploy_token("Bench", "BENCH", 18).await?;
    let started = Instant::now();
    let summary = chain
        .transfer_workload(
            token,
            &WorkloadSpec {
                txs_per_block: 10,
                ..WorkloadSpec::new(args.events, args.accounts, 7)
            },
        )
        .await?;
    println!(
        "generated {} Transfer events among {} accounts in {} blocks ({:.0} s)",
        summary.events,
        summary.accounts.len(),
        summary.last_block - summary.first_block + 1,
        started.elapsed().as_secs_f64()
    );
    let head = chain.head().await?;

    // The indexers to measure: this build, and another one to compare with.
    let mut exes = vec![(String::new(), std::env::current_exe()?)];
    if let Some(other) = &args.against {
        exes.push((format!(" ({})", other.display()), other.clone()));
    }
    // Runs interleave the floor and every pipeline, so that a machine that
    // slows down or speeds up during the bench moves all of them alike.
    let mut floor = Vec::new();
    let mut fetched = 0;
    let mut measured: Vec<Vec<PipelineRun>> = vec![Vec::new(); args.backends.len() * exes.len()];
    for run in 0..args.runs {
        let (secs, n) = bare_fetch(&chain, token, head).await?;
        fetched = n;
        floor.push(secs);
        // The builds take turns going first: whichever went first in a
        // round measured about 5% slower (swapping the builds moved the
        // gap with them; the cause is likely the database server still
        // busy with the round before), and that always fell on this build.
        let mut order: Vec<usize> = (0..exes.len()).collect();
        if run % 2 == 1 {
            order.reverse();
        }
        for (b, backend) in args.backends.iter().enumerate() {
            for &e in &order {
                let exe = &exes[e].1;
                let db = match backend.as_str() {
                    "sqlite" => TestDb::sqlite()?,
                    "postgres" => TestDb::postgres().await?,
                    other => {
                        anyhow::bail!("--backends: unknown store {other:?} (sqlite, postgres)")
                    }
                };
                let run = pipeline(exe, &chain, token, &db.url, args.batch_events).await?;
                measured[b * exes.len() + e].push(run);
            }
        }
    }
    let floor_s = median(&mut floor);
    println!(
        "bare fetch: {fetched} logs, median {floor_s:.2} s ({:.0} logs/s) over {} runs",
        fetched as f64 / floor_s,
        args.runs
    );

    println!();
    println!(
        "| store | events | pipeline (median s) | events/s | vs bare fetch | indexer CPU (median s) | peak RSS (max MB) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (b, backend) in args.backends.iter().enumerate() {
        for (e, (label, _)) in exes.iter().enumerate() {
            let runs = &measured[b * exes.len() + e];
            let t = median(&mut runs.iter().map(|r| r.secs).collect::<Vec<_>>());
            let cpu = median(&mut runs.iter().map(|r| r.cpu_secs).collect::<Vec<_>>());
            let rss = runs.iter().map(|r| r.peak_kib).max().unwrap_or(0);
            println!(
                "| {backend}{label} | {fetched} | {t:.2} | {:.0} | {:.2}x | {cpu:.2} | {} |",
                fetched as f64 / t,
                t / floor_s,
                rss / 1024
            );
        }
    }
    Ok(())
}

async fn bare_fetch(
    chain: &TestChain,
    token: alloy::primitives::Address,
    head: u64,
) -> anyhow::Result<(f64, usize)> {
    let settings = RpcSettings {
        max_block_range: MAX_BLOCK_RANGE,
        initial_block_range: 10,
        concurrency: CONCURRENCY,
        ..RpcSettings::new(vec![chain.rpc_url().parse()?])
    };
    let source = EvmSource::connect(settings).await?;
    let topic = alloy::primitives::keccak256("Transfer(address,address,uint256)");
    let plan = FetchPlan::fixed(
        LogFilter {
            addresses: vec![token],
            topics0: vec![topic],
        },
        HeaderMode::LastOnly,
    );
    let started = Instant::now();
    let mut stream = Box::pin(source.fetch_ahead(0, head, plan));
    let mut n = 0;
    while let Some(r) = stream.next().await {
        n += r?.logs.len();
    }
    Ok((started.elapsed().as_secs_f64(), n))
}

/// What one pipeline run measured.
#[derive(Debug, Clone, Copy)]
struct PipelineRun {
    secs: f64,
    /// User and system CPU time of the indexer process.
    cpu_secs: f64,
    peak_kib: u64,
}

async fn pipeline(
    exe: &Path,
    chain: &TestChain,
    token: alloy::primitives::Address,
    db_url: &str,
    batch_events: Option<usize>,
) -> anyhow::Result<PipelineRun> {
    let dir = std::env::temp_dir().join(format!(
        "tributary-bench-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir)?;
    let config = dir.join("tributary.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"{db_url}\"\n\n[[chain]]\nname = \"bench\"\nchain_id = {}\nrpc = [\"{}\"]\nconfirmations = 12\nmax_block_range = {MAX_BLOCK_RANGE}\nfetch_concurrency = {CONCURRENCY}\n{}\n[[contract]]\nname = \"Bench\"\nchain = \"bench\"\nkind = \"erc20\"\naddress = \"{token}\"\n",
            chain.chain_id(),
            chain.rpc_url(),
            batch_events
                .map(|n| format!("batch_events = {n}\n"))
                .unwrap_or_default()
        ),
    )?;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(exe)
        .args(["index", "--exit-when-synced", "--log-format", "json", "-c"])
        .arg(&config)
        .stdout(Stdio::null())
        .env(
            "TRIBUTARY_LOG",
            std::env::var("TRIBUTARY_LOG").unwrap_or_else(|_| "info".into()),
        )
        .stderr(std::fs::File::create(dir.join("index.log"))?)
        .spawn()?;
    let pid = child.id().context("child pid")?;
    let mut peak = 0;
    let mut cpu_secs = 0.0f64;
    let status = loop {
        peak = peak.max(vm_hwm_kib(pid).unwrap_or(0));
        // Sampled until the process is gone: the last sample misses at most
        // one interval of its exit.
        cpu_secs = cpu_secs.max(cpu_seconds(pid).unwrap_or(0.0));
        tokio::select! {
            status = child.wait() => break status?,
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    };
    let secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        status.success(),
        "the indexer failed: {status}; its log: {}",
        dir.join("index.log").display()
    );
    if std::env::var_os("TRIBUTARY_BENCH_KEEP").is_some() {
        println!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(PipelineRun {
        secs,
        cpu_secs,
        peak_kib: peak,
    })
}

/// User plus system CPU time of a process, from /proc (fields 14 and 15 of
/// `stat`, in clock ticks of 1/100 s on Linux).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat =
        std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("stat")).ok()?;
    // The command name (field 2) may hold spaces; fields are counted after it.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

/// Peak resident set size of a process, from /proc.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status =
        std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
