//! Building the pipeline from a loaded config.

use std::time::Duration;

use tokio::sync::broadcast;
use tributary_config::{ChainConfig, Config};
use tributary_source::{BloomCheck, EvmSource, RpcSettings};
use tributary_store::Store;

use crate::{ChainIndexer, ChangeNotice, EngineError, IndexerOptions};

/// The RPC settings a chain's config asks for.
pub fn rpc_settings(chain: &ChainConfig) -> RpcSettings {
    RpcSettings {
        urls: chain.rpc.clone(),
        ws: chain.ws.clone(),
        max_block_range: chain.max_block_range,
        // Start small and let the sizer grow: one oversized first answer (a
        // dense chain, 1M logs in 190 blocks) held 1.6 GB at once.
        initial_block_range: chain.max_block_range.min(10),
        concurrency: chain.fetch_concurrency,
        poll_interval: Duration::from_millis(chain.poll_interval_ms),
        bloom_check: match chain.bloom_check {
            tributary_config::BloomCheck::Off => BloomCheck::Off,
            tributary_config::BloomCheck::Tail => BloomCheck::Tail,
            tributary_config::BloomCheck::Always => BloomCheck::Always,
        },
        ..RpcSettings::default()
    }
}

/// The chains [`indexers`] works on: every configured one, or only `only`.
fn chosen<'a>(config: &'a Config, only: Option<&'a str>) -> impl Iterator<Item = &'a ChainConfig> {
    config
        .chains
        .iter()
        .filter(move |c| only.is_none_or(|n| n == c.name))
}

/// The connected sources of the chains [`indexers`] works on, from
/// [`sources`], for [`indexers_with`].
#[derive(Debug)]
pub struct Sources {
    only: Option<String>,
    list: Vec<EvmSource>,
}

/// Connects the source of each chain [`indexers`] works on.
///
/// Connecting needs no store (it builds an HTTP client, which loads the
/// system's root certificates: a few milliseconds), so a caller may run it
/// beside opening the store, then pass it to [`indexers_with`].
pub async fn sources(config: &Config, only: Option<&str>) -> Result<Sources, EngineError> {
    let mut list = Vec::new();
    for chain in chosen(config, only) {
        list.push(EvmSource::connect(rpc_settings(chain)).await?);
    }
    Ok(Sources {
        only: only.map(str::to_owned),
        list,
    })
}

/// One indexer per configured chain (or only `only`, by name).
pub async fn indexers(
    config: &Config,
    store: &Store,
    notices: &broadcast::Sender<ChangeNotice>,
    only: Option<&str>,
) -> Result<Vec<ChainIndexer>, EngineError> {
    let sources = sources(config, only).await?;
    indexers_with(config, store, notices, sources)
}

/// [`indexers`] over sources connected ahead with [`sources`] (from the
/// same `config`).
pub fn indexers_with(
    config: &Config,
    store: &Store,
    notices: &broadcast::Sender<ChangeNotice>,
    sources: Sources,
) -> Result<Vec<ChainIndexer>, EngineError> {
    let only = sources.only.as_deref();
    let mut out = Vec::new();
    for (chain, source) in chosen(config, only).zip(sources.list) {
        let contracts: Vec<_> = config
            .contracts
            .iter()
            .filter(|c| c.chain == chain.name)
            .collect();
        out.push(ChainIndexer::new(
            chain.clone(),
            &contracts,
            store.clone(),
            source,
            notices.clone(),
            IndexerOptions {
                refresh_blocks: chain.refresh_blocks,
                on_error: chain.on_error,
                ..IndexerOptions::default()
            },
        )?);
    }
    if let Some(name) = only
        && out.is_empty()
    {
        return Err(EngineError::Config(format!(
            "no chain named {name:?} in the config"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bloom_check_reaches_the_rpc_settings() {
        for (text, want) in [
            ("off", BloomCheck::Off),
            ("tail", BloomCheck::Tail),
            ("always", BloomCheck::Always),
        ] {
            let toml = format!(
                "[[chain]]\nname = \"a\"\nchain_id = 1\nrpc = [\"http://127.0.0.1:1\"]\nbloom_check = \"{text}\"\n"
            );
            let config =
                tributary_config::parse_str(&toml, std::path::Path::new("/tmp/t.toml"), &[])
                    .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(rpc_settings(&config.chains[0]).bloom_check, want, "{text}");
        }
    }
}
