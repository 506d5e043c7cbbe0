//! One push client (a WebSocket or an SSE stream): its subscriptions and a
//! bounded outbox. A forwarder task moves matching pushes from the shared
//! broadcast into the outbox without ever waiting on the client; when the
//! client falls more than the configured number of bytes behind, it is
//! dropped instead of buffered.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, mpsc};

use super::message::{ClientMessage, PushMessage, Topic};
use super::{Live, Push};
use crate::error::ApiError;
use crate::params::parse_address;
use crate::state::AppState;

/// Why [`Session::next`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    /// The client fell too far behind.
    TooSlow,
    /// The server is shutting down.
    Shutdown,
}

/// What a session shares with its forwarder task.
#[derive(Debug, Default)]
struct Shared {
    topics: Mutex<HashSet<Topic>>,
    /// Bytes in the outbox.
    queued: AtomicUsize,
    too_slow: AtomicBool,
    /// Woken when `too_slow` is set.
    dropped: tokio::sync::Notify,
}

/// A connected push client.
#[derive(Debug)]
pub(crate) struct Session {
    live: Arc<Live>,
    shared: Arc<Shared>,
    outbox: mpsc::UnboundedReceiver<Arc<Push>>,
    forwarder: tokio::task::JoinHandle<()>,
    max_subscriptions: usize,
}

impl Session {
    /// A new client with no subscriptions.
    pub(crate) fn open(state: &AppState) -> Self {
        let live = state.live().clone();
        let shared = Arc::new(Shared::default());
        let (tx, outbox) = mpsc::unbounded_channel();
        let forwarder = tokio::spawn(forward(
            live.subscribe(),
            live.shutdown_signal(),
            tx,
            Arc::clone(&shared),
            state.config().live.client_queue_bytes,
        ));
        metrics::gauge!("tributary_push_clients").increment(1.0);
        Self {
            live,
            shared,
            outbox,
            forwarder,
            max_subscriptions: state.config().live.max_subscriptions,
        }
    }

    /// The next push for this client.
    pub(crate) async fn next(&mut self) -> Result<Arc<Push>, Ended> {
        let too_slow = |s: &Shared| s.too_slow.load(Ordering::SeqCst);
        if too_slow(&self.shared) {
            return Err(Ended::TooSlow);
        }
        match self.outbox.recv().await {
            Some(push) if !too_slow(&self.shared) => {
                self.shared
                    .queued
                    .fetch_sub(push.json.len(), Ordering::SeqCst);
                Ok(push)
            }
            _ if too_slow(&self.shared) => Err(Ended::TooSlow),
            _ => Err(Ended::Shutdown),
        }
    }

    /// Resolves once the client is found too slow (e.g. to abandon a send
    /// that waits on it).
    pub(crate) async fn dropped(&self) {
        let notified = self.shared.dropped.notified();
        if !self.shared.too_slow.load(Ordering::SeqCst) {
            notified.await;
        }
    }

    /// Adds `topic`; refused beyond the per-connection cap.
    pub(crate) fn subscribe(&self, topic: Topic) -> Result<(), PushMessage> {
        let mut topics = lock(&self.shared.topics);
        if topics.contains(&topic) {
            return Ok(());
        }
        if topics.len() >= self.max_subscriptions {
            return Err(PushMessage::error(
                "too_many_subscriptions",
                format!(
                    "at most {} subscriptions per connection",
                    self.max_subscriptions
                ),
            ));
        }
        self.live.interest_add(&topic);
        topics.insert(topic);
        Ok(())
    }

    /// Removes `topic`; whether it was subscribed.
    pub(crate) fn unsubscribe(&self, topic: &Topic) -> bool {
        let removed = lock(&self.shared.topics).remove(topic);
        if removed {
            self.live.interest_remove(topic);
        }
        removed
    }

    /// Handles one client text message; the answer to send back.
    pub(crate) fn handle(&self, state: &AppState, text: &str) -> PushMessage {
        let message: ClientMessage = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => {
                return PushMessage::error(
                    "invalid_message",
                    format!(
                        "expected {{\"subscribe\": \"blocks\"|\"account\"|\"events\", ...}} or {{\"unsubscribe\": ...}}: {e}"
                    ),
                );
            }
        };
        let (kind, address, contract, subscribe) = match message {
            ClientMessage::Subscribe(r) => (r.subscribe, r.address, r.contract, true),
            ClientMessage::Unsubscribe(r) => (r.unsubscribe, r.address, r.contract, false),
        };
        let topic = match topic(state, &kind, address.as_deref(), contract.as_deref()) {
            Ok(t) => t,
            Err(e) => return PushMessage::error(e.code(), e.to_string()),
        };
        let label = topic.label();
        if !subscribe {
            self.unsubscribe(&topic);
            return PushMessage::Unsubscribed { topic: label };
        }
        match self.subscribe(topic) {
            Ok(()) => PushMessage::Subscribed { topic: label },
            Err(refused) => refused,
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.forwarder.abort();
        for topic in lock(&self.shared.topics).drain() {
            self.live.interest_remove(&topic);
        }
        metrics::gauge!("tributary_push_clients").decrement(1.0);
    }
}

/// The topic a subscription names: `blocks`, `account` + address, `events` + contract.
pub(crate) fn topic(
    state: &AppState,
    kind: &str,
    address: Option<&str>,
    contract: Option<&str>,
) -> Result<Topic, ApiError> {
    let missing = |what: &'static str| ApiError::InvalidParameter {
        name: what,
        value: String::new(),
        expected: "a value for this topic",
    };
    match kind {
        "blocks" => Ok(Topic::Blocks),
        "account" => {
            let raw = address.ok_or_else(|| missing("address"))?;
            Ok(Topic::Account(parse_address("address", raw)?))
        }
        "events" => {
            let name = contract.ok_or_else(|| missing("contract"))?;
            state.check_contract(name)?;
            Ok(Topic::Events(name.to_string()))
        }
        other => Err(ApiError::InvalidParameter {
            name: "subscribe",
            value: crate::error::clip(other),
            expected: "blocks, account or events",
        }),
    }
}

/// Copies the pushes `topics` wants into the outbox until the client is too
/// far behind, the session ends or the server shuts down.
async fn forward(
    mut pushes: broadcast::Receiver<Arc<Push>>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    outbox: mpsc::UnboundedSender<Arc<Push>>,
    shared: Arc<Shared>,
    budget: usize,
) {
    loop {
        let push = tokio::select! {
            p = pushes.recv() => p,
            _ = shutdown.wait_for(|s| *s) => return,
        };
        let push = match push {
            Ok(p) => p,
            // This task never waits on the client, so lagging means the
            // process itself is overloaded: shed this client.
            Err(broadcast::error::RecvError::Lagged(_)) => break,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let wanted = match &push.topic {
            None => !lock(&shared.topics).is_empty(),
            Some(t) => lock(&shared.topics).contains(t),
        };
        if !wanted {
            continue;
        }
        let size = push.json.len();
        if shared.queued.fetch_add(size, Ordering::SeqCst) + size > budget {
            break;
        }
        if outbox.send(push).is_err() {
            return;
        }
    }
    shared.too_slow.store(true, Ordering::SeqCst);
    shared.dropped.notify_waiters();
    metrics::counter!("tributary_push_clients_dropped_total").increment(1);
    tracing::info!("dropping a push client that fell too far behind");
    // Dropping `outbox` wakes the session.
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
