//! What every handler shares: the store, the configuration the API needs,
//! and the metrics handle.

use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use tributary_store::Store;
use tributary_types::ChainId;

use crate::cache::validity::Validity;
use crate::cache::{AnswerCache, Gate};
use crate::error::{ApiError, clip};
use crate::live::{self, Live, NoticeSource};
use crate::positions::Collaterals;
use crate::ratelimit::Limiter;
use crate::settings::{CacheSettings, LiveSettings, RateLimit};

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
    /// The read cache.
    pub cache: CacheSettings,
    /// Per-client rate limit (`None`: unlimited).
    pub rate_limit: Option<RateLimit>,
    /// WebSocket / SSE pushes.
    pub live: LiveSettings,
    /// The contracts that hold DeFi positions (portfolio, pools, NFTs).
    pub positions: crate::positions::Catalog,
    /// `/readyz` bound per chain id: answers 503 while a chain's indexed
    /// block is more than this many blocks behind its head. A chain not
    /// listed gets [`DEFAULT_MAX_LAG_BLOCKS`].
    pub max_lag_blocks: std::collections::BTreeMap<ChainId, u64>,
}

/// The `/readyz` lag bound of a chain with none configured (the config's
/// `max_lag_blocks` default).
pub const DEFAULT_MAX_LAG_BLOCKS: u64 = 5;

impl ApiConfig {
    /// The `/readyz` lag bound of `chain_id`.
    pub fn max_lag_of(&self, chain_id: ChainId) -> u64 {
        self.max_lag_blocks
            .get(&chain_id)
            .copied()
            .unwrap_or(DEFAULT_MAX_LAG_BLOCKS)
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            chains: Vec::new(),
            contracts: Vec::new(),
            cors_origins: Vec::new(),
            request_timeout: Duration::from_secs(10),
            cache: CacheSettings::default(),
            rate_limit: Some(RateLimit::default()),
            live: LiveSettings::default(),
            positions: crate::positions::Catalog::default(),
            max_lag_blocks: std::collections::BTreeMap::new(),
        }
    }
}

/// What cached answers depend on besides the request and the block: the
/// configured chains, contracts and position catalog. `serve` processes
/// share Redis entries only when these agree.
fn namespace(config: &ApiConfig) -> String {
    format!(
        "{:?}|{:?}|{:?}",
        config.chains, config.contracts, config.positions
    )
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
    cache: AnswerCache,
    live: Arc<Live>,
    limiter: Option<Limiter>,
    collaterals: Collaterals,
}

impl AppState {
    /// State over `store`, serving `config`; `/metrics` renders `metrics` (404 when `None`).
    ///
    /// Until [`AppState::start_live`] runs, nothing tells the cache about
    /// commits, so it serves no hits (every read goes to the store) and no
    /// pushes are sent.
    pub fn new(store: Store, config: ApiConfig, metrics: Option<PrometheusHandle>) -> Self {
        let chains: Vec<_> = config.chains.iter().map(|c| c.chain_id).collect();
        let cache = AnswerCache::new(
            &config.cache,
            Validity::new(&chains),
            Gate::new(store.clone(), chains),
            &namespace(&config),
        );
        let live = Arc::new(Live::new(config.live.clone()));
        let limiter = config.rate_limit.map(Limiter::new);
        Self {
            inner: Arc::new(Inner {
                store,
                config,
                metrics,
                cache,
                live,
                limiter,
                collaterals: Collaterals::default(),
            }),
        }
    }

    /// Starts following commits from `source`: cache invalidation, WebSocket
    /// and SSE pushes, and the cursor poller (a safety net for lost notices,
    /// or the only source with [`NoticeSource::Poll`]). Call once, inside a
    /// Tokio runtime; the tasks end when [`crate::serve`] shuts down or
    /// [`AppState::close`] is called.
    pub fn start_live(&self, source: NoticeSource) {
        live::start(self, source);
    }

    /// Ends every push connection and live task (what [`crate::serve`] does
    /// at shutdown).
    pub fn close(&self) {
        self.inner.live.close();
    }

    pub(crate) fn cache(&self) -> &AnswerCache {
        &self.inner.cache
    }

    pub(crate) fn live(&self) -> &Arc<Live> {
        &self.inner.live
    }

    pub(crate) fn limiter(&self) -> Option<&Limiter> {
        self.inner.limiter.as_ref()
    }

    pub(crate) fn collaterals(&self) -> &Collaterals {
        &self.inner.collaterals
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
