//! The HTTP API of tributary (v1): status, events, balances and holders,
//! plus health, readiness, Prometheus metrics and the OpenAPI document.
//!
//! Every answer is read from one store [`tributary_store::Snapshot`], so the
//! data and the `block` it names always agree. Bad client input is a 4xx in
//! the shape `{"error": {"code", "message"}}`; 5xx only ever means our own
//! failure. [`router`] builds the whole app without a socket (drive it with
//! `tower::ServiceExt::oneshot` in tests); [`serve`] runs it on a listener.

mod cursor;
mod error;
mod layers;
mod model;
mod openapi;
mod params;
mod routes;
mod state;

use std::future::Future;

use axum::Router;
use axum::http::{Method, Uri};
use axum::routing::get;

pub use cursor::CursorError;
pub use error::ApiError;
pub use model::{
    BalanceItem, BalancesAnswer, BlockAt, BlockJson, ChainStatus, ErrorBody, ErrorDetail,
    EventItem, EventsPage, Health, HolderItem, HoldersPage, StatusAnswer,
};
pub use openapi::openapi;
pub use params::{DEFAULT_LIMIT, MAX_LIMIT};
pub use routes::status::SYNCED_MAX_LAG;
pub use state::{ApiChain, ApiConfig, AppState};

/// The whole API: every route, the JSON 404/405 fallbacks and the middleware stack.
pub fn router(state: AppState) -> Router {
    let app = Router::new()
        .route("/v1/status", get(routes::status::status))
        .route("/v1/events", get(routes::events::events))
        .route(
            "/v1/accounts/{address}/balances",
            get(routes::balances::balances),
        )
        .route(
            "/v1/tokens/{address}/holders",
            get(routes::holders::holders),
        )
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/metrics", get(routes::health::metrics))
        .route("/openapi.json", get(openapi::openapi_json))
        .merge(routes::positions::router())
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone());
    layers::apply(app, state.config())
}

/// Serves [`router`] on `listener` until `shutdown` completes, then lets the
/// requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
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
