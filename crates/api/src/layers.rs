//! The middleware stack every request passes: request id, tracing, rate
//! limit, CORS, compression, timeout, per-route metrics and the read cache.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::state::AppState;

/// Header carrying the request id (taken from the client when it sends one).
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Wraps `router` in the whole stack.
pub(crate) fn apply(router: Router, state: &AppState) -> Router {
    let config = state.config();
    let stack = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            tracing::info_span!("http", method = %req.method(), uri = %req.uri(), request_id = id)
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::ratelimit::layer,
        ))
        .layer(cors(&config.cors_origins))
        .layer(CompressionLayer::new())
        .layer(middleware::map_response(timeout_as_json))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout,
        ));
    // Route layers: the cache inside the metrics, so hits are counted too.
    router
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            crate::cache::layer,
        ))
        .route_layer(middleware::from_fn(track))
        .layer(stack)
}

/// CORS for the configured origins (`*`: any); none configured: no CORS headers.
fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::HEAD])
        .allow_headers(Any)
        .expose_headers([REQUEST_ID]);
    if origins.iter().any(|o| o == "*") {
        return layer.allow_origin(Any);
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| match HeaderValue::from_str(o) {
            Ok(v) => Some(v),
            Err(_) => {
                tracing::warn!(origin = %o, "ignoring CORS origin that is not a valid header value");
                None
            }
        })
        .collect();
    layer.allow_origin(AllowOrigin::list(list))
}

/// The timeout layer answers with a bare 503; give it our JSON shape.
async fn timeout_as_json(response: Response) -> Response {
    if response.status() == StatusCode::SERVICE_UNAVAILABLE
        && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        return ApiError::Timeout.into_response();
    }
    response
}

/// Counts requests and their latency per route and status.
async fn track(path: MatchedPath, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = path.as_str().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("tributary_http_requests_total", "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("tributary_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}
