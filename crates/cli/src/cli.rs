//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// tributary: index chains, derive balances and positions, serve them fast.
#[derive(Debug, Parser)]
#[command(name = "tributary", version, about)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The config file.
    #[arg(
        short = 'c',
        long = "config",
        global = true,
        default_value = "tributary.toml"
    )]
    pub config: PathBuf,
    /// Log line format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// More log detail (-v debug, -vv trace).
    #[arg(short = 'v', long = "verbose", global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Log line formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented tributary.toml and an abis/ folder.
    Init {
        /// Folder to write into.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Index every configured chain and serve the API in one process.
    Start,
    /// Index only (no API).
    Index {
        /// Exit once every chain has reached the head it saw at start (for benchmarks and scripts).
        #[arg(long, hide = true)]
        exit_when_synced: bool,
    },
    /// Serve the API only (many may share one PostgreSQL).
    Serve,
    /// Per chain: head, indexed, finalized, lag, events, last error.
    Status,
    /// Re-fetch and re-apply a block range (or the blocks of a time window) idempotently.
    Replay {
        /// Chain name.
        #[arg(long)]
        chain: String,
        /// First block.
        #[arg(long, requires = "to", required_unless_present = "since", conflicts_with_all = ["since", "until"])]
        from: Option<u64>,
        /// Last block (inclusive).
        #[arg(long, requires = "from")]
        to: Option<u64>,
        /// Start of a time window instead of blocks: Unix seconds or RFC 3339
        /// (the first block with a timestamp at or after it).
        #[arg(long, requires = "until")]
        since: Option<String>,
        /// End of the time window (the last block with a timestamp at or before it).
        #[arg(long, requires = "since")]
        until: Option<String>,
    },
    /// Per-table checksums of the data derived from each chain (compare stores, or before and after rebuild).
    Checksum {
        /// Only this chain.
        #[arg(long)]
        chain: Option<String>,
        /// One JSON document instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Recompute derived tables from stored raw events.
    Rebuild {
        /// Only this contract entry's projection.
        #[arg(long)]
        projection: Option<String>,
    },
    /// Compare indexed state with the chain (eth_call at the indexed block); list every difference.
    Verify {
        /// Check only about this many values, spread evenly over the state.
        #[arg(long)]
        sample: Option<usize>,
    },
    /// Local dev chain + the demo DeFi protocol with live users + index + serve.
    Demo {
        /// Address the API listens on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Folder for the demo's config and database (default: a temp folder).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Backfill benchmark on a generated local chain: pipeline vs bare fetch.
    Bench(BenchArgs),
    /// Logs that failed to decode or project: list them, or retry them.
    DeadLetters {
        /// What to do with them.
        #[command(subcommand)]
        action: DeadLetterAction,
    },
}

/// `tributary dead-letters` actions.
#[derive(Debug, Subcommand)]
pub enum DeadLetterAction {
    /// List dead letters (open ones unless --all).
    List {
        /// Only this chain.
        #[arg(long)]
        chain: Option<String>,
        /// Include resolved ones.
        #[arg(long)]
        all: bool,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Re-run open dead letters through the normal path (after an ABI or
    /// config fix): replay their blocks and rebuild their projections. Those
    /// that fail again are reopened.
    Retry {
        /// Only this chain.
        #[arg(long)]
        chain: Option<String>,
        /// Only these ids (default: every open one).
        #[arg(long, value_delimiter = ',')]
        id: Vec<i64>,
    },
}

/// Options of `tributary bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Transfer events to generate.
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u64,
    /// Distinct accounts in the workload.
    #[arg(long, default_value_t = 20_000)]
    pub accounts: usize,
    /// Stores to measure (PostgreSQL: the server in TRIBUTARY_TEST_PG, default 127.0.0.1:5432).
    #[arg(long, value_delimiter = ',', default_values = ["sqlite", "postgres"])]
    pub backends: Vec<String>,
    /// Runs per measurement (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// The chain's `batch_events` for the pipeline runs (default: the config default).
    #[arg(long)]
    pub batch_events: Option<usize>,
    /// Another `tributary` binary to measure on the same chain, its runs
    /// interleaved with this one's (to compare two builds on a noisy machine).
    #[arg(long)]
    pub against: Option<std::path::PathBuf>,
}
