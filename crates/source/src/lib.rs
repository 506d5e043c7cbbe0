//! The source stage of tributary: everything about talking to EVM JSON-RPC
//! nodes.
//!
//! [`EvmSource`] is the narrow API the rest of tributary depends on. It is
//! built on alloy's type-erased [`DynProvider`], one per configured URL, so no
//! alloy generics leak into its signatures. It owns the RPC concerns:
//!
//! - retries with exponential backoff and full jitter, `Retry-After`, and
//!   failover across endpoints in order (with failback to the first);
//! - `eth_getLogs` over block ranges that split when a provider says the range
//!   or result is too large, and address lists chunked to the provider limit;
//! - JSON-RPC batches for headers and `eth_call`s pinned to a block hash;
//! - [`EvmSource::fetch_ahead`]: adaptive ranges, several in flight, yielded
//!   strictly in block order, with the headers the writer needs to detect
//!   reorgs;
//! - [`EvmSource::new_heads`]: the chain head from a WebSocket `newHeads`
//!   subscription or by polling;
//! - defence against bad answers: logs whose block hash differs from the
//!   header, and blocks whose `logsBloom` promises wanted logs that
//!   `eth_getLogs` did not return, are fetched again and counted
//!   (`tributary_rpc_inconsistent_total{kind}`), never handed on.

mod calls;
mod classify;
mod convert;
mod direct;
pub mod error;
mod fetch;
mod headers;
mod heads;
mod logs;
mod rpc;
pub mod settings;
#[cfg(test)]
mod source_tests;
#[cfg(test)]
mod test_node;
mod verify;

use std::sync::Arc;

use alloy::providers::{DynProvider, Provider, ProviderBuilder};

use crate::rpc::{Endpoint, Endpoints, OnRangeError};
pub use crate::{
    error::{RpcErrorKind, SourceError, endpoint_label},
    fetch::{FetchPlan, FetchedRange, HeaderMode},
    logs::LogFilter,
    settings::{BloomCheck, RpcSettings},
};

/// A connection to one EVM chain through one or more JSON-RPC endpoints.
///
/// Cheap to clone; clones share endpoints, failover state and settings.
#[derive(Clone)]
pub struct EvmSource {
    inner: Arc<Inner>,
}

struct Inner {
    settings: RpcSettings,
    endpoints: Endpoints,
    /// The range size the last fetch learned (0: none yet), where the next
    /// one starts: the node's limits and the chain's density do not change
    /// between a backfill and the tail that follows it.
    range_size: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for EvmSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let labels: Vec<String> = self
            .inner
            .settings
            .urls
            .iter()
            .map(endpoint_label)
            .collect();
        f.debug_struct("EvmSource")
            .field("endpoints", &labels)
            .finish_non_exhaustive()
    }
}

impl EvmSource {
    /// Builds one HTTP provider per URL in `settings.urls`.
    ///
    /// Nothing is sent yet, so a URL that is down does not fail this (later
    /// requests fail over); only invalid settings do.
    pub async fn connect(settings: RpcSettings) -> Result<Self, SourceError> {
        settings.validate()?;
        let list = settings
            .urls
            .iter()
            .map(|url| Endpoint {
                label: endpoint_label(url).into(),
                provider: ProviderBuilder::new()
                    .disable_recommended_fillers()
                    .connect_http(url.clone())
                    .erased(),
                http: direct::HttpEndpoint::new(url),
            })
            .collect();
        Self::with_endpoints(settings, list)
    }

    /// Builds a source over ready-made providers, each with a printable
    /// label (tests use alloy's mocked transport this way). `settings.urls`
    /// is not used to connect.
    pub fn with_providers(
        settings: RpcSettings,
        providers: Vec<(String, DynProvider)>,
    ) -> Result<Self, SourceError> {
        let list = providers
            .into_iter()
            .map(|(label, provider)| Endpoint {
                label: label.into(),
                provider,
                http: None,
            })
            .collect();
        Self::with_endpoints(settings, list)
    }

    fn with_endpoints(settings: RpcSettings, list: Vec<Endpoint>) -> Result<Self, SourceError> {
        let mut problems = settings.problems_besides_urls();
        if list.is_empty() {
            problems.push("providers: at least one is required".to_owned());
        }
        if !problems.is_empty() {
            return Err(SourceError::InvalidSettings { problems });
        }
        let endpoints = Endpoints::new(list, &settings);
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                endpoints,
                range_size: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }

    /// The settings this source runs with.
    pub fn settings(&self) -> &RpcSettings {
        &self.inner.settings
    }

    pub(crate) fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    /// The chain id the endpoints report (`eth_chainId`).
    pub async fn chain_id(&self) -> Result<u64, SourceError> {
        let answer = self
            .endpoints()
            .request(
                "eth_chainId",
                OnRangeError::Retry,
                |Endpoint { provider: p, .. }| async move { p.get_chain_id().await },
            )
            .await?;
        Ok(answer.value)
    }
}
