//! `tributary replay` (by blocks or by a time window) and `tributary rebuild`.

use tokio::sync::broadcast;
use tributary_config::Config;

use tributary_source::EvmSource;

use crate::commands::open_store;
use crate::commands::window::{self, TimePoint};
use crate::exit::UsageError;

/// What `replay` re-applies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Span {
    /// Blocks `[from, to]`.
    Blocks(u64, u64),
    /// The blocks whose timestamps fall in `[since, until]`.
    Time(TimePoint, TimePoint),
}

/// Re-fetches the blocks of `span` on `chain` and re-applies them idempotently.
pub async fn replay(config: &Config, chain: &str, span: Span) -> anyhow::Result<()> {
    let Some(chain_config) = config.chain(chain) else {
        return Err(UsageError(format!(
            "--chain {chain:?}: no such chain in {}",
            config.file.display()
        ))
        .into());
    };
    if let Span::Blocks(from, to) = span
        && from > to
    {
        return Err(UsageError(format!("--from {from} is above --to {to}")).into());
    }
    let store = open_store(config).await?;
    let (from, to) = match span {
        Span::Blocks(from, to) => (from, to),
        Span::Time(since, until) => {
            let source =
                EvmSource::connect(tributary_engine::setup::rpc_settings(chain_config)).await?;
            let (from, to) = window::blocks_of(&source, chain, since, until).await?;
            // Only what is indexed can be replayed; a window reaching past
            // it (say, up to now) replays the indexed part.
            let indexed = store.cursor(chain_config.chain_id).await?.map(|c| c.number);
            match indexed {
                Some(i) if i >= from => {
                    if to > i {
                        println!(
                            "the window reaches block {to}; replaying up to the indexed block {i}"
                        );
                    }
                    (from, to.min(i))
                }
                _ => {
                    return Err(UsageError(format!(
                        "the window covers blocks {from}..={to} of {chain}, none of them indexed yet (indexed block: {})",
                        indexed.map_or("none".to_string(), |i| i.to_string())
                    ))
                    .into());
                }
            }
        }
    };
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
