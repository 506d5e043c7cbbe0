//! `GET /v1/sse`: the WebSocket's pushes as Server-Sent Events.

use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;

use crate::error::ApiError;
use crate::live::session::{Session, topic};
use crate::model::ErrorBody;
use crate::params::{Query, SseParams};
use crate::state::AppState;

/// The same pushes as `WS /v1/ws`, for clients that cannot speak WebSocket.
/// `topics` is a comma-separated list of `blocks`, `account:<address>` and
/// `events:<contract config name>`. Each event's name is the push's `type`
/// and its data the push's JSON (`PushMessage`). A comment line is sent every
/// heartbeat period; a client that falls more than its queue budget behind
/// is disconnected.
#[utoipa::path(
    get,
    path = "/v1/sse",
    tag = "live",
    params(crate::openapi::SseQuery),
    responses(
        (status = 200, description = "An endless `text/event-stream` of `PushMessage` events", content_type = "text/event-stream", body = String),
        (status = 400, description = "A malformed topic, or more topics than one connection may hold", body = ErrorBody),
        (status = 404, description = "Unknown contract", body = ErrorBody),
    )
)]
pub(crate) async fn sse(
    State(state): State<AppState>,
    Query(p): Query<SseParams>,
) -> Result<Response, ApiError> {
    let session = Session::open(&state);
    for item in p.topics.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let (kind, value) = item.split_once(':').unwrap_or((item, ""));
        let t = match kind {
            "account" => topic(&state, kind, Some(value), None)?,
            "events" => topic(&state, kind, None, Some(value))?,
            _ if value.is_empty() => topic(&state, kind, None, None)?,
            _ => {
                return Err(ApiError::InvalidParameter {
                    name: "topics",
                    value: crate::error::clip(item),
                    expected: "blocks, account:<address> or events:<contract>",
                });
            }
        };
        session
            .subscribe(t)
            .map_err(|_| ApiError::TooManySubscriptions {
                max: state.config().live.max_subscriptions,
            })?;
    }
    let heartbeat = state.config().live.heartbeat;
    Ok(Sse::new(events(session))
        .keep_alive(KeepAlive::new().interval(heartbeat))
        .into_response())
}

/// The session's pushes as SSE events, until it is dropped or the server stops.
fn events(session: Session) -> impl Stream<Item = Result<Event, Infallible>> {
    futures::stream::unfold(session, |mut session| async move {
        let push = session.next().await.ok()?;
        let event = Event::default().event(push.kind).data(push.json.as_ref());
        Some((Ok(event), session))
    })
}
