//! Change notices across processes over Redis pub/sub: the indexing process
//! publishes every notice (stamped with its cursor when confirmed), each
//! `serve` process subscribes. Redis is never required for correctness:
//! while it is down, notices are lost, the poller notices that the store is
//! ahead and resynchronizes (degraded: polling latency, whole-chain
//! invalidation), and both sides reconnect on their own.

use std::future::Future;
use std::time::Duration;

use futures::StreamExt;
use redis::AsyncCommands;
use tokio::sync::broadcast;
use tributary_store::Store;
use tributary_types::ChangeNotice;

use super::feed::{resync_all, stamp};
use super::{Change, Stamped, apply, block_ref, wire};
use crate::state::AppState;

/// The pub/sub channel notices travel on.
pub const CHANNEL: &str = "tributary:notices";

/// Longest a connection attempt or a publish may take.
const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// First and longest wait between reconnection attempts.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(2));

/// Subscribes to [`CHANNEL`] and applies every notice, reconnecting forever.
pub(crate) async fn subscribe(state: AppState, url: url::Url) {
    let mut shutdown = state.live().shutdown_signal();
    let mut backoff = BACKOFF.0;
    loop {
        let session = async {
            let client = redis::Client::open(url.as_str())?;
            let mut pubsub = tokio::time::timeout(IO_TIMEOUT, client.get_async_pubsub())
                .await
                .map_err(|_| {
                    redis::RedisError::from((redis::ErrorKind::Io, "connect timed out"))
                })??;
            tokio::time::timeout(IO_TIMEOUT, pubsub.subscribe(CHANNEL))
                .await
                .map_err(|_| {
                    redis::RedisError::from((redis::ErrorKind::Io, "subscribe timed out"))
                })??;
            Ok::<_, redis::RedisError>(pubsub)
        };
        let pubsub = tokio::select! {
            r = session => r,
            _ = shutdown.wait_for(|s| *s) => return,
        };
        match pubsub {
            Ok(pubsub) => {
                tracing::info!("subscribed to change notices on Redis");
                metrics::gauge!("tributary_redis_connected").set(1.0);
                backoff = BACKOFF.0;
                // Notices published while we were away are lost: start over
                // from the store's cursors.
                resync_all(&state).await;
                let mut messages = pubsub.into_on_message();
                loop {
                    let message = tokio::select! {
                        m = messages.next() => m,
                        _ = shutdown.wait_for(|s| *s) => return,
                    };
                    let Some(message) = message else { break };
                    match serde_json::from_slice::<Stamped>(message.get_payload_bytes()) {
                        Ok(s) => {
                            metrics::counter!("tributary_notices_received_total", "source" => "redis")
                                .increment(1);
                            let chain_id = s.notice.chain_id();
                            let block = s.block.map(|b| block_ref(chain_id, &b));
                            apply(&state, Change::Notice(s.notice, block));
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "ignoring a malformed notice on Redis")
                        }
                    }
                }
                metrics::gauge!("tributary_redis_connected").set(0.0);
                tracing::warn!("lost the Redis subscription: polling the store until it is back");
            }
            Err(e) => {
                tracing::debug!(error = %e, "cannot subscribe to Redis");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        backoff = (backoff * 2).min(BACKOFF.1);
    }
}

/// Publishes every notice of `rx` on Redis until `shutdown`, stamped with
/// the store's cursor when confirmed. While Redis is unreachable notices are
/// dropped (subscribers resynchronize) and connecting is retried with backoff.
pub async fn publish_notices(
    store: Store,
    mut rx: broadcast::Receiver<ChangeNotice>,
    redis_url: url::Url,
    shutdown: impl Future<Output = ()> + Send,
) {
    let client = match redis::Client::open(redis_url.as_str()) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "invalid Redis URL: change notices are not published");
            return;
        }
    };
    let mut connection = None;
    let mut retry_at = tokio::time::Instant::now();
    let mut backoff = BACKOFF.0;
    tokio::pin!(shutdown);
    loop {
        let notice = tokio::select! {
            r = rx.recv() => r,
            () = &mut shutdown => return,
        };
        let notice = match notice {
            Ok(n) => n,
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(
                    missed,
                    "notices skipped before publishing; subscribers will resync"
                );
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let block = stamp(&store, &rx, &notice).await.map(|b| wire(&b));
        if connection.is_none() && tokio::time::Instant::now() >= retry_at {
            match tokio::time::timeout(IO_TIMEOUT, client.get_multiplexed_async_connection()).await
            {
                Ok(Ok(c)) => {
                    tracing::info!("publishing change notices on Redis");
                    backoff = BACKOFF.0;
                    connection = Some(c);
                }
                _ => {
                    retry_at = tokio::time::Instant::now() + backoff;
                    backoff = (backoff * 2).min(BACKOFF.1);
                }
            }
        }
        let Some(conn) = connection.as_mut() else {
            metrics::counter!("tributary_notices_unpublished_total").increment(1);
            continue;
        };
        let payload = match serde_json::to_string(&Stamped { notice, block }) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "cannot serialize a notice");
                continue;
            }
        };
        let sent: Result<Result<(), redis::RedisError>, _> =
            tokio::time::timeout(IO_TIMEOUT, conn.publish(CHANNEL, payload)).await;
        if !matches!(sent, Ok(Ok(()))) {
            tracing::warn!("publishing a notice on Redis failed: reconnecting");
            metrics::counter!("tributary_notices_unpublished_total").increment(1);
            connection = None;
        }
    }
}
