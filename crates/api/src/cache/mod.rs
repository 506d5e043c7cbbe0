//! The read cache: whole answers keyed by route and normalized query, kept in
//! memory (moka) and invalidated by change notices.
//!
//! It is one middleware around every route, so a new route is cached without
//! code of its own. A cacheable answer is a `200` JSON object that names the
//! block it reflects (`"block"` or `"blocks"`); anything else passes through.
//! By default an answer depends on everything of its chain(s) (any commit
//! drops it); a route whose answer depends only on one account's or one
//! contract's state narrows that with [`account_scoped`] / [`contract_scoped`]
//! so unrelated commits keep it.
//!
//! A hit is served only after re-reading the store's cursors (shared between
//! concurrent requests, see [`gate`]) and checking that every change up to
//! them has been applied ([`validity`]); the answer then carries that block.

mod entry;
mod gate;
mod key;
pub(crate) mod validity;

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use entry::Entry;
pub(crate) use gate::Gate;
use validity::{Scope, Validity};

use crate::params::AddressPath;
use crate::settings::CacheSettings;
use crate::state::AppState;

/// Largest answer body the cache keeps (bigger ones are served uncached).
const MAX_CACHED: usize = 4 * 1024 * 1024;

/// The answers, their validity marks and the cursor gate.
#[derive(Debug)]
pub(crate) struct AnswerCache {
    enabled: bool,
    entries: moka::sync::Cache<String, Arc<Entry>>,
    validity: Validity,
    gate: Gate,
}

impl AnswerCache {
    /// An empty cache for `chains` (configuration order) over `gate`.
    pub(crate) fn new(settings: &CacheSettings, validity: Validity, gate: Gate) -> Self {
        let entries = moka::sync::Cache::builder()
            .max_capacity(settings.max_bytes)
            .weigher(|k: &String, e: &Arc<Entry>| {
                u32::try_from(k.len() + e.body.len()).unwrap_or(u32::MAX)
            })
            .build();
        Self {
            enabled: settings.enabled,
            entries,
            validity,
            gate,
        }
    }

    /// The validity marks notices are applied to.
    pub(crate) fn validity(&self) -> &Validity {
        &self.validity
    }

    /// The shared cursor reader.
    pub(crate) fn gate(&self) -> &Gate {
        &self.gate
    }

    /// A valid answer for `key` stamped with the current block, if any.
    async fn lookup(&self, key: &str) -> Option<Vec<u8>> {
        let entry = self.entries.get(key)?;
        if !self.validity.unchanged(&entry.deps, entry.seq) {
            // Stale for good: marks only move forward.
            self.entries.invalidate(key);
            return None;
        }
        let now = self.gate.current().await.ok()?;
        // Re-checked after the cursor read: a change applied meanwhile counts.
        self.validity
            .valid(&entry.deps, entry.seq, &now)
            .then(|| entry.stamped(&now))
    }
}

/// Marks an answer as depending only on the `{address}` account's state.
pub(crate) async fn account_scoped(
    AddressPath(account): AddressPath,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    response.extensions_mut().insert(Scope::Account(account));
    response
}

/// Marks an answer as depending only on the `{address}` contract's state.
pub(crate) async fn contract_scoped(
    AddressPath(contract): AddressPath,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    response.extensions_mut().insert(Scope::Contract(contract));
    response
}

/// The cache middleware (a route layer: it knows the matched route).
pub(crate) async fn layer(
    State(state): State<AppState>,
    route: MatchedPath,
    request: Request,
    next: Next,
) -> Response {
    let cache = state.cache();
    if !cache.enabled || request.method() != Method::GET {
        return next.run(request).await;
    }
    let route = route.as_str().to_string();
    let key = key::key(request.uri().path(), request.uri().query());
    if let Some(body) = cache.lookup(&key).await {
        metrics::counter!("tributary_cache_hits_total", "route" => route).increment(1);
        return json_response(body, "hit");
    }
    metrics::counter!("tributary_cache_misses_total", "route" => route).increment(1);
    let seq = cache.validity.seq();
    let response = next.run(request).await;
    if response.status() != StatusCode::OK || !is_json(&response) {
        return response;
    }
    let scope = response
        .extensions()
        .get::<Scope>()
        .copied()
        .unwrap_or(Scope::Chain);
    let (parts, body) = response.into_parts();
    // Our handlers answer with whole JSON documents, so buffering adds no
    // memory that the answer did not already take.
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return crate::ApiError::Internal {
                reason: format!("answer body failed: {e}"),
            }
            .into_response();
        }
    };
    if bytes.len() <= MAX_CACHED
        && let Some(entry) = Entry::build(&bytes, seq, scope, &cache.validity)
    {
        cache.entries.insert(key, Arc::new(entry));
    }
    let mut response = Response::from_parts(parts, Body::from(bytes));
    response
        .headers_mut()
        .insert("x-cache", HeaderValue::from_static("miss"));
    response
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn json_response(body: Vec<u8>, cache: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::HeaderName::from_static("x-cache"),
                HeaderValue::from_static(cache),
            ),
        ],
        body,
    )
        .into_response()
}
