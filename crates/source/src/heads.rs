//! Following the chain head: a WebSocket `newHeads` subscription when
//! configured, polling otherwise (and whenever the WebSocket is down).

use std::time::{Duration, Instant};

use alloy::{
    primitives::B256,
    providers::{DynProvider, Provider, ProviderBuilder, WsConnect},
    pubsub::Subscription,
};
use futures::{Stream, stream};
use tokio::sync::broadcast::error::RecvError;
use tributary_types::BlockHeader;
use url::Url;

use crate::{EvmSource, convert::RpcHeader, endpoint_label, error::SourceError};

/// Longest wait before trying a failed WebSocket again.
const WS_RETRY_MAX: Duration = Duration::from_secs(60);
/// Shortest silence on the WebSocket after which the head is also polled.
const WS_IDLE_MIN: Duration = Duration::from_secs(30);

enum Mode {
    /// Open the WebSocket and subscribe.
    Connect,
    /// Subscribed; the provider is kept alive with the subscription.
    Subscribed {
        _provider: DynProvider,
        sub: Subscription<RpcHeader>,
    },
    /// Polling over HTTP; with a WebSocket configured, try it again at
    /// `retry_ws_at`.
    Poll { retry_ws_at: Option<Instant> },
}

struct Heads {
    source: EvmSource,
    ws: Option<Url>,
    mode: Mode,
    last: Option<B256>,
    ws_failures: u32,
    /// Poll once before waiting (at the start and after each (re)connect).
    poll_now: bool,
}

impl Heads {
    /// Yields `header` if the head changed.
    fn changed(&mut self, header: BlockHeader) -> Option<BlockHeader> {
        (self.last != Some(header.hash)).then(|| {
            self.last = Some(header.hash);
            header
        })
    }

    async fn poll_once(&mut self) -> Option<Result<BlockHeader, SourceError>> {
        match self.source.latest_header().await {
            Ok(header) => self.changed(header).map(Ok),
            Err(err) => Some(Err(err)),
        }
    }

    async fn connect(&self, url: &Url) -> Result<(DynProvider, Subscription<RpcHeader>), String> {
        let timeout = self.source.settings().request_timeout;
        let attempt = async {
            let provider = ProviderBuilder::new()
                .disable_recommended_fillers()
                .connect_ws(WsConnect::new(url.as_str()).with_max_retries(1))
                .await?
                .erased();
            let sub = provider.subscribe::<_, RpcHeader>(("newHeads",)).await?;
            Ok::<_, alloy::transports::TransportError>((provider, sub))
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(Ok(ok)) => Ok(ok),
            Ok(Err(err)) => Err(err.to_string()),
            Err(_) => Err(format!("no answer within {timeout:?}")),
        }
    }

    fn ws_retry_delay(&self) -> Duration {
        let base = self
            .source
            .settings()
            .poll_interval
            .max(Duration::from_secs(1));
        base.saturating_mul(2u32.saturating_pow(self.ws_failures.min(16)))
            .min(WS_RETRY_MAX)
    }

    async fn next(&mut self) -> Result<BlockHeader, SourceError> {
        let poll_interval = self.source.settings().poll_interval;
        loop {
            if std::mem::take(&mut self.poll_now)
                && let Some(item) = self.poll_once().await
            {
                return item;
            }
            match std::mem::replace(&mut self.mode, Mode::Connect) {
                Mode::Connect => {
                    let Some(url) = self.ws.clone() else {
                        self.mode = Mode::Poll { retry_ws_at: None };
                        continue;
                    };
                    match self.connect(&url).await {
                        Ok((provider, sub)) => {
                            tracing::info!(endpoint = %endpoint_label(&url), "subscribed to newHeads");
                            self.ws_failures = 0;
                            self.mode = Mode::Subscribed {
                                _provider: provider,
                                sub,
                            };
                        }
                        Err(error) => {
                            self.ws_failures += 1;
                            let delay = self.ws_retry_delay();
                            tracing::warn!(endpoint = %endpoint_label(&url), %error, ?delay, "newHeads subscription failed, polling meanwhile");
                            self.mode = Mode::Poll {
                                retry_ws_at: Some(Instant::now() + delay),
                            };
                        }
                    }
                    // Catch up on what happened while we were not subscribed.
                    self.poll_now = true;
                }
                Mode::Subscribed { _provider, mut sub } => {
                    let idle = poll_interval.saturating_mul(10).max(WS_IDLE_MIN);
                    match tokio::time::timeout(idle, sub.recv()).await {
                        Ok(Ok(header)) => {
                            self.mode = Mode::Subscribed { _provider, sub };
                            match header.to_header() {
                                Ok(header) => {
                                    if let Some(header) = self.changed(header) {
                                        return Ok(header);
                                    }
                                }
                                Err(detail) => tracing::debug!(%detail, "ignoring newHeads item"),
                            }
                        }
                        Ok(Err(RecvError::Lagged(skipped))) => {
                            tracing::debug!(skipped, "newHeads subscriber lagged");
                            self.mode = Mode::Subscribed { _provider, sub };
                            self.poll_now = true;
                        }
                        Ok(Err(RecvError::Closed)) => {
                            tracing::warn!("newHeads subscription closed, reconnecting");
                            self.ws_failures += 1;
                            let delay = self.ws_retry_delay().min(poll_interval);
                            tokio::time::sleep(delay).await;
                            self.mode = Mode::Connect;
                        }
                        Err(_) => {
                            // Quiet socket: make sure we are not missing heads.
                            self.mode = Mode::Subscribed { _provider, sub };
                            self.poll_now = true;
                        }
                    }
                }
                Mode::Poll { retry_ws_at } => {
                    tokio::time::sleep(poll_interval).await;
                    self.mode = match retry_ws_at {
                        Some(at) if Instant::now() >= at => Mode::Connect,
                        _ => Mode::Poll { retry_ws_at },
                    };
                    self.poll_now = true;
                }
            }
        }
    }
}

impl EvmSource {
    /// The chain head, each time it changes.
    ///
    /// With `settings.ws` set, heads come from a `newHeads` subscription that
    /// is re-established when it drops; while it is down (or fails) the head
    /// is polled every `poll_interval`. Without it the head is polled. The
    /// first item is the current head. Polling may skip heads mined between
    /// polls. Errors are yielded and the stream goes on; it never ends.
    pub fn new_heads(
        &self,
    ) -> impl Stream<Item = Result<BlockHeader, SourceError>> + Send + 'static {
        let state = Heads {
            source: self.clone(),
            ws: self.settings().ws.clone(),
            mode: Mode::Connect,
            last: None,
            ws_failures: 0,
            poll_now: true,
        };
        stream::unfold(state, |mut state| async move {
            let item = state.next().await;
            Some((item, state))
        })
    }
}
