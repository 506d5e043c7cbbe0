//! What every handler shares: the store, the configuration the API needs,
//! and the metrics handle.

use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use tributary_store::Store;
use tributary_types::ChainId;

use crate::error::{ApiError, clip};

/// A configured chain, as the API sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiChain {
    /// Config name (`?chain=` accepts it, as well as the id).
    pub name: String,
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Finality depth: blocks at or below `head - confirmations` are final.
    pub confirmations: u64,
}

/// The part of the configuration the API needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    /// Every configured chain, in configuration order.
    pub chains: Vec<ApiChain>,
    /// Config names of every configured contract (`?contract=` must be one).
    pub contracts: Vec<String>,
    /// Origins allowed by CORS; `*` allows any. Empty: no CORS headers.
    pub cors_origins: Vec<String>,
    /// Longest a request may take before it is answered `503 timeout`.
    pub request_timeout: Duration,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            chains: Vec::new(),
            contracts: Vec::new(),
            cors_origins: Vec::new(),
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// Shared state of every handler; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    config: ApiConfig,
    metrics: Option<PrometheusHandle>,
}

impl AppState {
    /// State over `store`, serving `config`; `/metrics` renders `metrics` (404 when `None`).
    pub fn new(store: Store, config: ApiConfig, metrics: Option<PrometheusHandle>) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                config,
                metrics,
            }),
        }
    }

    /// The store reads go to.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The API configuration.
    pub fn config(&self) -> &ApiConfig {
        &self.inner.config
    }

    /// The Prometheus handle, if metrics are enabled.
    pub fn metrics(&self) -> Option<&PrometheusHandle> {
        self.inner.metrics.as_ref()
    }

    /// The configured chain `?chain=` names: a config name, or a decimal chain id.
    pub(crate) fn resolve_chain(&self, chain: &str) -> Result<&ApiChain, ApiError> {
        let chains = &self.config().chains;
        let by_name = chains.iter().find(|c| c.name == chain);
        let by_id = || {
            let id: ChainId = chain.parse().ok()?;
            chains.iter().find(|c| c.chain_id == id)
        };
        by_name
            .or_else(by_id)
            .ok_or_else(|| ApiError::UnknownChain {
                chain: clip(chain),
                configured: self.configured_chains(),
            })
    }

    /// Whether `chain_id` is a configured chain.
    pub(crate) fn is_configured(&self, chain_id: ChainId) -> bool {
        self.config().chains.iter().any(|c| c.chain_id == chain_id)
    }

    /// Fails with 404 unless `contract` is a configured contract name.
    pub(crate) fn check_contract(&self, contract: &str) -> Result<(), ApiError> {
        if self.config().contracts.iter().any(|c| c == contract) {
            Ok(())
        } else {
            Err(ApiError::UnknownContract {
                contract: clip(contract),
            })
        }
    }

    fn configured_chains(&self) -> String {
        let chains = &self.config().chains;
        if chains.is_empty() {
            return "none".to_string();
        }
        chains
            .iter()
            .map(|c| format!("{} ({})", c.name, c.chain_id))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
