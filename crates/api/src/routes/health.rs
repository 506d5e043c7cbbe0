//! Operations endpoints: liveness, readiness and Prometheus metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::model::{ErrorBody, Health, StatusAnswer};
use crate::routes::status;
use crate::state::AppState;

/// Liveness: the process answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "The process is alive", body = Health))
)]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".to_string(),
    })
}

/// Readiness: 200 when every configured chain is synced to its head, else 503
/// with the same body as `/v1/status`.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Every chain is synced", body = StatusAnswer),
        (status = 503, description = "A chain is behind (body: the status), or the database is unavailable (body: an error)", body = StatusAnswer),
    )
)]
pub(crate) async fn readyz(State(state): State<AppState>) -> Response {
    let answer = match status::load(&state).await {
        Ok(answer) => answer,
        // Not ready is the honest answer when the store cannot be read.
        Err(e) => {
            let mut response = e.into_response();
            *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            return response;
        }
    };
    let ready = answer.chains.iter().all(|c| c.synced);
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(answer)).into_response()
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses(
        (status = 200, description = "Metrics, Prometheus text format", body = String, content_type = "text/plain"),
        (status = 404, description = "Metrics are not enabled", body = ErrorBody),
    )
)]
pub(crate) async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let handle = state.metrics().ok_or(ApiError::MetricsDisabled)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response())
}
