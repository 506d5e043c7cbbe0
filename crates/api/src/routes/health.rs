//! Operations endpoints: liveness, readiness and Prometheus metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

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

/// Answer of `/readyz`: the status of every chain, plus why it is not ready.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Readiness {
    /// Whether every chain is indexed within its `max_lag_blocks` of the head.
    pub ready: bool,
    /// One line per chain that holds readiness back, naming the chain.
    pub reasons: Vec<String>,
    /// The same as `/v1/status`.
    #[serde(flatten)]
    pub status: StatusAnswer,
}

/// Readiness: 200 when every configured chain is indexed within its
/// `max_lag_blocks` of its head, else 503 naming the chains that lag.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Every chain is within its lag bound", body = Readiness),
        (status = 503, description = "A chain lags beyond its bound or was never indexed (body: the reasons and the status), or the database is unavailable (body: an error)", body = Readiness),
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
    let reasons = lagging(&answer, |chain_id| state.config().max_lag_of(chain_id));
    let ready = reasons.is_empty();
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Readiness {
        ready,
        reasons,
        status: answer,
    };
    (code, Json(body)).into_response()
}

/// Why each chain holds readiness back (empty: ready).
fn lagging(answer: &StatusAnswer, max_lag: impl Fn(u64) -> u64) -> Vec<String> {
    answer
        .chains
        .iter()
        .filter_map(|c| {
            let bound = max_lag(c.chain_id);
            match (c.head_block, c.indexed_block) {
                (_, None) => Some(format!("chain {}: nothing indexed yet", c.name)),
                (None, Some(_)) => Some(format!("chain {}: head not known yet", c.name)),
                _ if c.lag_blocks > bound => Some(format!(
                    "chain {} lags {} block{} behind its head (max_lag_blocks {bound})",
                    c.name,
                    c.lag_blocks,
                    if c.lag_blocks == 1 { "" } else { "s" }
                )),
                _ => None,
            }
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ChainStatus;

    fn chain(name: &str, id: u64, head: Option<u64>, indexed: Option<u64>) -> ChainStatus {
        let lag = match (head, indexed) {
            (Some(h), Some(i)) => h.saturating_sub(i),
            _ => 0,
        };
        ChainStatus {
            name: name.into(),
            chain_id: id,
            head_block: head,
            head_hash: None,
            indexed_block: indexed,
            indexed_hash: None,
            finalized_block: None,
            lag_blocks: lag,
            synced: lag <= 1,
        }
    }

    #[test]
    fn each_lagging_chain_is_named_with_its_bound() {
        let answer = StatusAnswer {
            chains: vec![
                chain("eth", 1, Some(100), Some(95)),
                chain("bsc", 56, Some(100), Some(90)),
                chain("base", 8453, None, None),
                chain("op", 10, None, Some(3)),
            ],
        };
        let bound = |id| if id == 56 { 20 } else { 5 };
        assert_eq!(
            lagging(&answer, bound),
            vec![
                "chain base: nothing indexed yet".to_string(),
                "chain op: head not known yet".to_string(),
            ]
        );
        let strict = |_| 4;
        assert_eq!(
            lagging(&answer, strict)[..2],
            [
                "chain eth lags 5 blocks behind its head (max_lag_blocks 4)".to_string(),
                "chain bsc lags 10 blocks behind its head (max_lag_blocks 4)".to_string(),
            ]
        );
    }
}
