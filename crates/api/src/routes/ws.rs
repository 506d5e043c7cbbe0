//! `WS /v1/ws`: subscriptions and pushes over a WebSocket.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::response::Response;
use futures::{SinkExt, StreamExt};

use crate::error::ApiError;
use crate::live::message::PushMessage;
use crate::live::session::{Ended, Session};
use crate::model::ErrorBody;
use crate::state::AppState;

/// Most bytes the socket buffers for writing before a send fails (the
/// session's own queue is where backlog is bounded and measured).
const WRITE_BUFFER: usize = 1024 * 1024;

/// Live pushes over a WebSocket. Send `{"subscribe": "blocks"}`,
/// `{"subscribe": "account", "address": "0x.."}` or
/// `{"subscribe": "events", "contract": "<config name>"}` (and the same with
/// `unsubscribe`); each is acknowledged with `{"type": "subscribed", "topic"}`
/// or refused with `{"type": "error", "code", "message"}`. Pushes are the
/// `PushMessage` schema: `block`, `account` (with the fresh balances),
/// `events` and `reorg`, within one block of the commit. The server pings
/// every heartbeat period and closes a connection silent for two; a client
/// that falls more than its queue budget behind is closed with code 1008.
#[utoipa::path(
    get,
    path = "/v1/ws",
    tag = "live",
    responses(
        (status = 101, description = "Switching to the WebSocket protocol; messages are `ClientMessage` in and `PushMessage` out"),
        (status = 426, description = "Not a WebSocket upgrade request", body = ErrorBody),
    )
)]
pub(crate) async fn ws(
    State(state): State<AppState>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let upgrade = upgrade.map_err(|e| ApiError::UpgradeRequired {
        reason: e.body_text(),
    })?;
    Ok(upgrade
        .max_write_buffer_size(WRITE_BUFFER)
        .on_upgrade(move |socket| run(state, socket)))
}

async fn run(state: AppState, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let mut session = Session::open(&state);
    let mut shutdown = state.live().shutdown_signal();
    let heartbeat = state.config().live.heartbeat;
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
    let mut heard = Instant::now();
    let close = loop {
        let outgoing = tokio::select! {
            push = session.next() => match push {
                Ok(push) => Message::Text(push.json.as_ref().into()),
                Err(Ended::TooSlow) => break Some((close_code::POLICY, "too slow: push queue full")),
                Err(Ended::Shutdown) => break Some((close_code::AWAY, "server shutting down")),
            },
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    heard = Instant::now();
                    reply(&session.handle(&state, text.as_str()))
                }
                Some(Ok(Message::Binary(_))) => reply(&PushMessage::error("invalid_message", "send JSON text messages")),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break None,
                Some(Ok(_)) => {
                    heard = Instant::now();
                    continue;
                }
            },
            _ = ticks.tick() => {
                if heard.elapsed() > heartbeat * 2 {
                    break Some((close_code::AWAY, "no answer to pings"));
                }
                Message::Ping(Default::default())
            }
            _ = shutdown.wait_for(|s| *s) => break Some((close_code::AWAY, "server shutting down")),
        };
        // A send waits on the client; give up on it once the client is
        // known to be too slow rather than when the timeout expires.
        let sent = tokio::select! {
            sent = send(&mut sink, outgoing, heartbeat) => sent,
            () = session.dropped() => break Some((close_code::POLICY, "too slow: push queue full")),
        };
        if !sent {
            break None;
        }
    };
    if let Some((code, reason)) = close {
        let frame = Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }));
        let _ = send(&mut sink, frame, Duration::from_secs(1)).await;
    }
}

fn reply(message: &PushMessage) -> Message {
    Message::Text(serde_json::to_string(message).unwrap_or_default().into())
}

/// Sends within `limit`; false when the client is gone or stuck.
async fn send(
    sink: &mut futures::stream::SplitSink<WebSocket, Message>,
    message: Message,
    limit: Duration,
) -> bool {
    matches!(
        tokio::time::timeout(limit, sink.send(message)).await,
        Ok(Ok(()))
    )
}
