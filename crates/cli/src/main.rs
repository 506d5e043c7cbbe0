//! `tributary`: a chain indexer and data API in one binary.
//!
//! This crate is the edge: it turns arguments into calls on the library
//! crates, sets up logging and metrics, and maps failures to exit codes
//! (0 ok, 1 runtime failure, 2 bad config or usage).

mod cli;
mod commands;
mod exit;
mod logging;
mod progress;

use std::process::ExitCode;

/// jemalloc instead of glibc's malloc: its per-thread arenas fragmented
/// under the multi-threaded runtime and inflated peak RSS of a backfill.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let metrics = match logging::init(&args.global) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(1);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(args, metrics)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = exit::code_of(&e);
            eprintln!("error: {e:#}");
            ExitCode::from(code)
        }
    }
}
