//! One module per command; [`run`] dispatches.

mod bench;
mod checksum;
mod dead_letters;
mod demo;
mod init;
mod maintain;
mod metrics_catalog;
mod run;
mod status;
mod verify;
mod window;

use std::path::Path;

use anyhow::Context;
use metrics_exporter_prometheus::PrometheusHandle;
use tributary_config::Config;
use tributary_store::Store;

use crate::cli::{Cli, Command};
use crate::exit;

/// Runs the command `args` names.
pub async fn run(args: Cli, metrics: PrometheusHandle) -> anyhow::Result<()> {
    let config_path = args.global.config.clone();
    match args.command {
        Command::Init { dir } => init::init(&dir),
        Command::Start => run::run(&load(&config_path)?, metrics, run::Parts::Both, false).await,
        Command::Index { exit_when_synced } => {
            run::run(
                &load(&config_path)?,
                metrics,
                run::Parts::Index,
                exit_when_synced,
            )
            .await
        }
        Command::Serve => run::run(&load(&config_path)?, metrics, run::Parts::Serve, false).await,
        Command::Status => status::status(&load(&config_path)?).await,
        Command::Replay {
            chain,
            from,
            to,
            since,
            until,
        } => {
            let span = match (from, to, since, until) {
                (Some(from), Some(to), _, _) => maintain::Span::Blocks(from, to),
                (_, _, Some(since), Some(until)) => maintain::Span::Time(
                    window::parse_time("--since", &since)?,
                    window::parse_time("--until", &until)?,
                ),
                // clap requires one complete pair.
                _ => {
                    return Err(exit::UsageError(
                        "give --from N --to M, or --since T --until T".into(),
                    )
                    .into());
                }
            };
            maintain::replay(&load(&config_path)?, &chain, span).await
        }
        Command::Checksum { chain, json } => {
            checksum::checksum(&load(&config_path)?, chain.as_deref(), json).await
        }
        Command::Rebuild { projection } => {
            maintain::rebuild(&load(&config_path)?, projection.as_deref()).await
        }
        Command::Verify { sample } => verify::verify(&load(&config_path)?, sample).await,
        Command::Demo { listen, dir } => demo::demo(listen, dir, metrics).await,
        Command::Bench(bench) => bench::bench(bench).await,
        Command::DeadLetters { action } => {
            dead_letters::dead_letters(&load(&config_path)?, action).await
        }
    }
}

/// Loads the config with the process environment's overrides.
pub fn load(path: &Path) -> anyhow::Result<Config> {
    let env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("TRIBUTARY_"))
        .collect();
    Ok(tributary_config::load(path, &env)?)
}

/// Opens the configured store.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    Store::connect(&config.database.url)
        .await
        .with_context(|| format!("opening the database of {}", config.file.display()))
}
