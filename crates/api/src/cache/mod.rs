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
//!
//! With `redis_url` set, a local miss asks Redis ([`shared`]) for the answer
//! read at exactly those cursors, so every `serve` process reuses what any of
//! them computed (`x-cache: shared`); fresh answers are stored there too.

mod entry;
mod gate;
mod key;
mod shared;
pub(crate) mod validity;

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use entry::Entry;
pub(crate) use gate::Gate;
use shared::{At, Shared};
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
    /// The Redis level, with `redis_url` set.
    shared: Option<Arc<Shared>>,
}

/// Where a hit came from.
enum Found {
    /// This process's memory (stamped with the current block).
    Local(Vec<u8>),
    /// Redis (read at exactly the current block).
    Shared(Vec<u8>),
}

impl AnswerCache {
    /// An empty cache for `chains` (configuration order) over `gate`;
    /// `namespace` names what answers depend on besides request and block
    /// (processes sharing Redis share entries only within one namespace).
    pub(crate) fn new(
        settings: &CacheSettings,
        validity: Validity,
        gate: Gate,
        namespace: &str,
    ) -> Self {
        let entries = moka::sync::Cache::builder()
            .max_capacity(settings.max_bytes)
            .weigher(|k: &String, e: &Arc<Entry>| {
                u32::try_from(k.len() + e.body.len()).unwrap_or(u32::MAX)
            })
            .build();
        let shared = settings
            .redis_url
            .as_ref()
            .filter(|_| settings.enabled)
            .and_then(|url| Shared::new(url, namespace, settings.shared_ttl))
            .map(Arc::new);
        Self {
            enabled: settings.enabled,
            entries,
            validity,
            gate,
            shared,
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

    /// A valid answer for `key` at the store's current block, if any: from
    /// memory, else (when `shareable`) from Redis.
    async fn lookup(&self, key: &str, shareable: bool) -> Option<Found> {
        let shared = self.shared.as_ref().filter(|_| shareable);
        let entry = self.entries.get(key).filter(|entry| {
            let fresh = self.validity.unchanged(&entry.deps, entry.seq);
            if !fresh {
                // Stale for good: marks only move forward.
                self.entries.invalidate(key);
            }
            fresh
        });
        if entry.is_none() && shared.is_none() {
            return None;
        }
        let now = self.gate.current().await.ok()?;
        // Re-checked after the cursor read: a change applied meanwhile counts.
        if let Some(entry) = entry
            && self.validity.valid(&entry.deps, entry.seq, &now)
        {
            return Some(Found::Local(entry.stamped(&now)));
        }
        let shared = shared?;
        let chains: Vec<_> = self.validity.chain_ids().collect();
        let value = shared.get(key, &At::candidates(&chains, &now)).await?;
        let (scope, body) = shared::decode(&value)?;
        // Kept in memory too, when the marks are exactly at `now`.
        if let Some(mut entry) = Entry::build(body, 0, scope, &self.validity)
            && let Some(seq) = self.validity.seq_at(&entry.deps, &now)
        {
            entry.seq = seq;
            self.entries.insert(key.to_string(), Arc::new(entry));
        }
        Some(Found::Shared(body.to_vec()))
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
    // History points are filed after the commit they follow, so a history
    // answer is not a function of the cursor alone: never shared.
    let shareable = !route.ends_with("/history");
    let key = key::key(request.uri().path(), request.uri().query());
    match cache.lookup(&key, shareable).await {
        Some(Found::Local(body)) => {
            metrics::counter!("tributary_cache_hits_total", "route" => route).increment(1);
            return json_response(body, "hit");
        }
        Some(Found::Shared(body)) => {
            metrics::counter!("tributary_cache_shared_hits_total", "route" => route).increment(1);
            return json_response(body, "shared");
        }
        None => {}
    }
    metrics::counter!("tributary_cache_misses_total", "route" => route.clone()).increment(1);
    if shareable && cache.shared.is_some() {
        metrics::counter!("tributary_cache_shared_misses_total", "route" => route).increment(1);
    }
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
        if let Some(shared) = cache.shared.as_ref().filter(|_| shareable) {
            shared.put(&key, &entry.at, shared::encode(scope, &bytes));
        }
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
