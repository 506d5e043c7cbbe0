//! `tributary start`, `index` and `serve`: the long-running process.

use std::time::Duration;

use anyhow::Context;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::{broadcast, watch};
use tributary_api::{ApiChain, ApiConfig, AppState, CacheSettings, NoticeSource, RateLimit};
use tributary_config::Config;
use tributary_engine::Progress;

use crate::commands::open_store;
use crate::progress;

/// Which halves of the process run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    /// Index and serve.
    Both,
    /// Index only.
    Index,
    /// Serve only.
    Serve,
}

/// Runs until SIGTERM / Ctrl-C (or, with `exit_when_synced`, until every
/// chain reached the head). The batch in flight commits or rolls back whole.
pub async fn run(
    config: &Config,
    metrics: PrometheusHandle,
    parts: Parts,
    exit_when_synced: bool,
) -> anyhow::Result<()> {
    super::metrics_catalog::install(config, parts != Parts::Serve);
    // The RPC sources need no store: they connect on another thread while
    // the store opens (each loads the system's root certificates).
    let sources = (parts != Parts::Serve).then(|| {
        let config = config.clone();
        tokio::spawn(async move { tributary_engine::setup::sources(&config, None).await })
    });
    let store = open_store(config).await?;
    let (shutdown_tx, shutdown) = watch::channel(false);
    tokio::spawn(forward_signals(shutdown_tx.clone()));
    let (notices, _) = broadcast::channel(4096);
    // Receivers exist before the indexers start, so no notice is missed.
    let local_rx = (parts == Parts::Both).then(|| notices.subscribe());
    let redis_url = config.cache.as_ref().and_then(|c| c.redis_url.clone());
    if parts != Parts::Serve
        && let Some(url) = redis_url.clone()
    {
        let mut rx = shutdown.clone();
        tokio::spawn(tributary_api::publish_notices(
            store.clone(),
            notices.subscribe(),
            url,
            async move {
                let _ = rx.wait_for(|s| *s).await;
            },
        ));
    }

    let mut tasks = Vec::new();
    let mut progress_rx = Vec::new();
    // Some exactly when this process indexes.
    if let Some(sources) = sources {
        // A periodic sample verified against the chain, wherever indexing
        // runs (history is computed on request from the state change log).
        tokio::spawn(super::verify::verify_periodically(
            config.clone(),
            store.clone(),
            shutdown.clone(),
        ));
        let sources = sources.await.context("connecting the RPC sources")??;
        for ix in tributary_engine::setup::indexers_with(config, &store, &notices, sources)? {
            progress_rx.push(ix.progress());
            let rx = shutdown.clone();
            tasks.push(tokio::spawn(async move {
                ix.run(rx).await.map_err(anyhow::Error::from)
            }));
        }
        tokio::spawn(progress::display(progress_rx.clone(), shutdown.clone()));
        if exit_when_synced {
            tokio::spawn(stop_when_synced(progress_rx, shutdown_tx.clone()));
        }
    }
    if parts != Parts::Index {
        let listener = tokio::net::TcpListener::bind(config.api.listen)
            .await
            .with_context(|| format!("api.listen: cannot listen on {}", config.api.listen))?;
        tracing::info!(url = %format!("http://{}", listener.local_addr()?), "serving the API");
        let state = AppState::new(store.clone(), api_config(config), Some(metrics));
        // In-process notices when indexing here; otherwise Redis (polling
        // while it is down), or polling the store alone.
        state.start_live(match (local_rx, redis_url) {
            (Some(rx), _) => NoticeSource::Local(rx),
            (None, Some(url)) => NoticeSource::Redis(url),
            (None, None) => NoticeSource::Poll,
        });
        let mut rx = shutdown.clone();
        let stop = async move {
            let _ = rx.wait_for(|s| *s).await;
        };
        tasks.push(tokio::spawn(async move {
            tributary_api::serve(listener, state, stop)
                .await
                .map_err(anyhow::Error::from)
        }));
    }

    let mut failure = None;
    for task in tasks {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                // One chain halting (e.g. a deep reorg) must not take the others
                // down silently: report it and fail the process at the end.
                tracing::error!(error = %format!("{e:#}"), "a task stopped with an error");
                failure.get_or_insert(e);
            }
            Err(join) => {
                failure.get_or_insert(anyhow::anyhow!("a task panicked: {join}"));
            }
        }
    }
    store.close().await;
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The API's view of the config.
pub fn api_config(config: &Config) -> ApiConfig {
    ApiConfig {
        chains: config
            .chains
            .iter()
            .map(|c| ApiChain {
                name: c.name.clone(),
                chain_id: c.chain_id,
                confirmations: c.confirmations,
            })
            .collect(),
        contracts: config.contracts.iter().map(|c| c.name.clone()).collect(),
        cors_origins: config.api.cors_origins.clone(),
        request_timeout: Duration::from_millis(config.api.request_timeout_ms),
        positions: tributary_api::positions::Catalog::from_config(config),
        max_lag_blocks: config
            .chains
            .iter()
            .map(|c| (c.chain_id, c.max_lag_blocks))
            .collect(),
        cache: match &config.cache {
            Some(c) => CacheSettings {
                enabled: c.enabled,
                max_bytes: c.max_bytes,
                redis_url: c.redis_url.clone(),
                ..CacheSettings::default()
            },
            None => CacheSettings::default(),
        },
        // `rate_limit_per_second = 0` turns the limit off.
        rate_limit: std::num::NonZeroU32::new(config.api.rate_limit_per_second).map(|per_second| {
            RateLimit {
                per_second,
                burst: std::num::NonZeroU32::new(config.api.rate_limit_burst).unwrap_or(per_second),
            }
        }),
        ..ApiConfig::default()
    }
}

/// Turns SIGTERM and Ctrl-C into the shutdown signal.
async fn forward_signals(shutdown: watch::Sender<bool>) {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM");
                    let _ = tokio::signal::ctrl_c().await;
                    let _ = shutdown.send(true);
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down: finishing the batch in flight");
    let _ = shutdown.send(true);
}

/// Signals shutdown once every chain's cursor reached the head it reported.
async fn stop_when_synced(
    mut chains: Vec<watch::Receiver<Progress>>,
    shutdown: watch::Sender<bool>,
) {
    loop {
        let synced = chains.iter().all(|rx| {
            let p = rx.borrow();
            p.head > 0 && p.indexed == Some(p.head)
        });
        if synced {
            let _ = shutdown.send(true);
            return;
        }
        let waits = chains.iter_mut().map(|rx| Box::pin(rx.changed()));
        if futures_select_all(waits).await.is_err() {
            return;
        }
    }
}

async fn futures_select_all<
    F: std::future::Future<Output = Result<(), watch::error::RecvError>> + Unpin,
>(
    futs: impl Iterator<Item = F>,
) -> Result<(), watch::error::RecvError> {
    let futs: Vec<F> = futs.collect();
    if futs.is_empty() {
        return Ok(());
    }
    futures::future::select_all(futs).await.0
}
