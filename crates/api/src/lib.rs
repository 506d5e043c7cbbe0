//! The HTTP API of tributary (v1): status, events, balances and holders,
//! live pushes over WebSocket and SSE, plus health, readiness, Prometheus
//! metrics and the OpenAPI document.
//!
//! Reads go through a cache ([`cache`](crate::ApiConfig::cache)) that change
//! notices invalidate; notices come from the engine in this process, from
//! Redis, or from polling the store ([`NoticeSource`], started with
//! [`AppState::start_live`]). A cached answer is served only when it is
//! provably the truth at the store's current block, and carries that block.
//!
//! Every answer is read from one store [`tributary_store::Snapshot`], so the
//! data and the `block` it names always agree. Bad client input is a 4xx in
//! the shape `{"error": {"code", "message"}}`; 5xx only ever means our own
//! failure. [`router`] builds the whole app without a socket (drive it with
//! `tower::ServiceExt::oneshot` in tests); [`serve`] runs it on a listener.

mod cache;
mod cursor;
mod error;
mod layers;
mod live;
mod model;
mod openapi;
mod params;
pub mod positions;
mod ratelimit;
mod routes;
mod settings;
mod state;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::http::{Method, Uri};
use axum::middleware::from_fn;
use axum::routing::get;

pub use cursor::CursorError;
pub use error::ApiError;
pub use live::message::{ClientMessage, PushMessage, TopicRequest, UnsubscribeRequest};
pub use live::redis::{CHANNEL as REDIS_CHANNEL, publish_notices};
pub use live::{NoticeSource, Stamped, WireBlock};
pub use model::{
    BalanceItem, BalancesAnswer, BlockAt, BlockJson, ChainStatus, ErrorBody, ErrorDetail,
    EventItem, EventsPage, Health, HolderItem, HoldersPage, StatusAnswer,
};
pub use openapi::openapi;
pub use params::{DEFAULT_LIMIT, MAX_LIMIT};
pub use routes::status::SYNCED_MAX_LAG;
pub use settings::{CacheSettings, LiveSettings, RateLimit};
pub use state::{ApiChain, ApiConfig, AppState, DEFAULT_MAX_LAG_BLOCKS};

/// The whole API: every route, the JSON 404/405 fallbacks and the middleware stack.
pub fn router(state: AppState) -> Router {
    let app = Router::new()
        .route("/v1/status", get(routes::status::status))
        .route("/v1/events", get(routes::events::events))
        .route(
            "/v1/accounts/{address}/balances",
            get(routes::balances::balances).route_layer(from_fn(cache::account_scoped)),
        )
        .route(
            "/v1/tokens/{address}/holders",
            get(routes::holders::holders).route_layer(from_fn(cache::contract_scoped)),
        )
        .route("/v1/ws", get(routes::ws::ws))
        .route("/v1/sse", get(routes::sse::sse))
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/metrics", get(routes::health::metrics))
        .route("/openapi.json", get(openapi::openapi_json))
        .merge(routes::positions::router())
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone());
    layers::apply(app, &state)
}

/// Serves [`router`] on `listener` until `shutdown` completes, then closes
/// every WebSocket and SSE stream (close code 1001) and lets the requests in
/// flight finish. Peer addresses are passed to the rate limiter.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            state.close();
        })
        .await
}

async fn unknown_route(uri: Uri) -> ApiError {
    ApiError::UnknownRoute {
        path: error::clip(uri.path()),
    }
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.to_string(),
    }
}
