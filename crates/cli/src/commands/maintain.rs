//! `tributary replay` and `tributary rebuild`.

use tokio::sync::broadcast;
use tributary_config::Config;

use crate::commands::open_store;
use crate::exit::UsageError;

/// Re-fetches `[from, to]` of `chain` and re-applies it idempotently.
pub async fn replay(config: &Config, chain: &str, from: u64, to: u64) -> anyhow::Result<()> {
    if config.chain(chain).is_none() {
        return Err(UsageError(format!(
            "--chain {chain:?}: no such chain in {}",
            config.file.display()
        ))
        .into());
    }
    if from > to {
        return Err(UsageError(format!("--from {from} is above --to {to}")).into());
    }
    let store = open_store(config).await?;
    let (notices, _) = broadcast::channel(16);
    let mut indexers =
        tributary_engine::setup::indexers(config, &store, &notices, Some(chain)).await?;
    let mut total = 0;
    for ix in &mut indexers {
        total += ix.replay(from, to).await?;
    }
    println!(
        "replayed {chain} blocks {from}..={to}: {total} missing events stored{}",
        if total > 0 {
            ", projections rebuilt"
        } else {
            ""
        }
    );
    Ok(())
}

/// Recomputes projections from stored raw events.
pub async fn rebuild(config: &Config, projection: Option<&str>) -> anyhow::Result<()> {
    if let Some(p) = projection
        && config.contract(p).is_none()
    {
        return Err(UsageError(format!(
            "--projection {p:?}: no contract entry of that name in {}",
            config.file.display()
        ))
        .into());
    }
    let store = open_store(config).await?;
    let (notices, _) = broadcast::channel(16);
    let mut total = 0;
    for mut ix in tributary_engine::setup::indexers(config, &store, &notices, None).await? {
        if projection.is_some_and(|p| !ix.has_contract(p)) {
            continue;
        }
        total += ix.rebuild(projection).await?;
    }
    println!("rebuilt {total} projection(s) from stored events");
    Ok(())
}
