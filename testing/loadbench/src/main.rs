//! Benchmarks of the tributary API.
//!
//! `loadbench http`: seeds a store (SQLite and/or PostgreSQL) with N
//! accounts (each with an ERC-20 balance and, unless `--balances-only`, an
//! LP stake, a CDP vault, a vote-escrow lock and a savings deposit), serves
//! it in this process and loads `/balances`, `/holders` and
//! `/portfolio` (when routed) with 64 connections, cache on and off, printing
//! req/s, p50 and p99 per endpoint. `loadbench push`: push latency from a
//! block mined on anvil to a WebSocket client, through `tributary start`.
//! `scripts/load-bench.sh` builds and runs both.

mod http;
mod load;
mod positions;
mod push;
mod seed;
#[cfg(test)]
mod tests;
mod wrk;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use tributary_testkit::Backend;

#[derive(Parser)]
#[command(about = "Load and push-latency benchmarks of the tributary API")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read throughput and latency per endpoint, cache on and off.
    Http {
        /// Engines to seed.
        #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
        backend: Vec<Engine>,
        /// Store sizes in accounts.
        #[arg(long, value_delimiter = ',', default_value = "1000,100000")]
        accounts: Vec<u64>,
        /// Concurrent connections.
        #[arg(long, default_value_t = 64)]
        connections: usize,
        /// Seconds per measurement.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Distinct accounts requested (the hot set).
        #[arg(long, default_value_t = 10_000)]
        hot: usize,
        /// Load with wrk instead of the built-in generator.
        #[arg(long)]
        wrk: bool,
        /// Also load each endpoint at this fixed total rate (req/s), cache
        /// on, to measure latency at that load rather than at saturation.
        #[arg(long)]
        rate: Option<u32>,
        /// Endpoints to load.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "balances,holders,portfolio"
        )]
        endpoints: Vec<String>,
        /// Seed ERC-20 balances only, without the DeFi positions
        /// (LP, vault, lock, savings) every account has by default.
        #[arg(long)]
        balances_only: bool,
    },
    /// Push latency from a mined block to a WebSocket client.
    Push {
        /// The `tributary` binary (default: next to this one).
        #[arg(long)]
        tributary: Option<PathBuf>,
        /// Blocks to mine.
        #[arg(long, default_value_t = 500)]
        blocks: u64,
        /// Milliseconds between blocks.
        #[arg(long, default_value_t = 100)]
        interval_ms: u64,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Engine {
    Sqlite,
    Postgres,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Args::parse().command {
        Command::Http {
            backend,
            accounts,
            connections,
            seconds,
            hot,
            wrk,
            rate,
            endpoints,
            balances_only,
        } => {
            let plan = http::Plan {
                backends: backend
                    .into_iter()
                    .map(|e| match e {
                        Engine::Sqlite => Backend::Sqlite,
                        Engine::Postgres => Backend::Postgres,
                    })
                    .collect(),
                sizes: accounts,
                connections,
                duration: Duration::from_secs(seconds),
                hot,
                wrk,
                rate,
                endpoints,
                positions: !balances_only,
            };
            http::run(&plan).await
        }
        Command::Push {
            tributary,
            blocks,
            interval_ms,
        } => {
            let binary = match tributary {
                Some(b) => b,
                None => std::env::current_exe()?
                    .parent()
                    .ok_or_else(|| anyhow::anyhow!("no directory for the current binary"))?
                    .join("tributary"),
            };
            push::run(&push::Plan {
                binary,
                blocks,
                interval: Duration::from_millis(interval_ms),
            })
            .await
        }
    }
}
