//! The endpoint set: one provider per URL, retries with backoff and jitter,
//! failover in order and failback to the first URL.

use std::{
    future::Future,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::{
    providers::{DynProvider, Provider},
    rpc::{
        client::{BatchRequest, Waiter},
        json_rpc::{RpcRecv, RpcSend},
    },
    transports::TransportResult,
};
use rand::Rng;

use crate::{
    classify::{Classified, classify},
    direct::HttpEndpoint,
    error::{RpcErrorKind, SourceError},
    settings::RpcSettings,
};

/// One JSON-RPC endpoint.
#[derive(Clone)]
pub(crate) struct Endpoint {
    /// Printable name without credentials.
    pub label: Arc<str>,
    /// The provider talking to it.
    pub provider: DynProvider,
    /// The same endpoint for calls that parse their answer in one pass
    /// (HTTP URLs only; `None` for other transports).
    pub http: Option<HttpEndpoint>,
}

/// A value together with the endpoint that answered it.
pub(crate) struct Answer<T> {
    pub value: T,
    pub endpoint: Arc<str>,
}

/// The endpoints of one chain and the retry policy over them.
pub(crate) struct Endpoints {
    list: Vec<Endpoint>,
    preferred: AtomicUsize,
    failed_over_at: Mutex<Option<Instant>>,
    max_retries: u32,
    timeout: Duration,
    backoff_base: Duration,
    backoff_max: Duration,
    failback_after: Duration,
}

/// Whether a request may be answered with "range too large" or a timeout
/// that the caller handles by asking for less (so neither is retried here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnRangeError {
    /// Return range and timeout errors at once; the caller splits.
    Return,
    /// Treat them like any other error.
    Retry,
}

impl Endpoints {
    pub fn new(list: Vec<Endpoint>, settings: &RpcSettings) -> Self {
        Self {
            list,
            preferred: AtomicUsize::new(0),
            failed_over_at: Mutex::new(None),
            max_retries: settings.max_retries,
            timeout: settings.request_timeout,
            backoff_base: settings.backoff_base,
            backoff_max: settings.backoff_max,
            failback_after: settings.failback_after,
        }
    }

    /// Index of the endpoint to use now, failing back to the first after
    /// `failback_after`.
    fn current(&self) -> usize {
        let idx = self.preferred.load(Ordering::Acquire);
        if idx == 0 {
            return 0;
        }
        let mut at = self
            .failed_over_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if at.is_some_and(|t| t.elapsed() >= self.failback_after) {
            *at = None;
            self.preferred.store(0, Ordering::Release);
            tracing::info!(endpoint = %self.list[0].label, "failing back to the first RPC endpoint");
            return 0;
        }
        idx.min(self.list.len() - 1)
    }

    /// Label of the endpoint requests currently go to.
    pub fn current_label(&self) -> Arc<str> {
        self.list[self.current()].label.clone()
    }

    /// Moves the preference from `failed` to the next endpoint (unless a
    /// concurrent request already moved it).
    fn fail_over(&self, failed: usize) {
        if self.list.len() < 2 {
            return;
        }
        let next = (failed + 1) % self.list.len();
        if self
            .preferred
            .compare_exchange(failed, next, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            *self
                .failed_over_at
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
            tracing::warn!(
                from = %self.list[failed].label,
                to = %self.list[next].label,
                "failing over to the next RPC endpoint"
            );
        }
    }

    /// Moves the preference away from the endpoint in use now, so the next
    /// request goes elsewhere (an answer from it was inconsistent).
    pub fn avoid_current(&self) {
        self.fail_over(self.current());
    }

    /// Exponential backoff with full jitter; a server's requested delay is
    /// honoured (up to `backoff_max`) when the retry goes to the same server.
    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(30));
        let ceiling = self
            .backoff_base
            .saturating_mul(factor)
            .min(self.backoff_max);
        let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        let jitter = Duration::from_millis(rand::rng().random_range(0..=ceiling_ms));
        match retry_after {
            Some(hint) if self.list.len() == 1 => jitter.max(hint.min(self.backoff_max)),
            _ => jitter,
        }
    }

    /// Runs `call` against the preferred endpoint, retrying retryable
    /// failures with backoff on the next endpoints.
    pub async fn request<T, F, Fut>(
        &self,
        method: &'static str,
        on_range: OnRangeError,
        call: F,
    ) -> Result<Answer<T>, SourceError>
    where
        F: Fn(Endpoint) -> Fut,
        Fut: Future<Output = TransportResult<T>>,
    {
        let mut attempt: u32 = 0;
        loop {
            let idx = self.current();
            let endpoint = &self.list[idx];
            metrics::counter!(
                "tributary_rpc_requests_total",
                "method" => method,
                "endpoint" => endpoint.label.to_string()
            )
            .increment(1);
            let classified = match tokio::time::timeout(self.timeout, call(endpoint.clone())).await
            {
                Ok(Ok(value)) => {
                    return Ok(Answer {
                        value,
                        endpoint: endpoint.label.clone(),
                    });
                }
                Ok(Err(err)) => classify(&err),
                Err(_) => Classified {
                    kind: RpcErrorKind::Timeout,
                    code: None,
                    message: format!("no answer within {:?}", self.timeout),
                    retry_after: None,
                },
            };
            metrics::counter!(
                "tributary_rpc_errors_total",
                "method" => method,
                "kind" => classified.kind.as_str()
            )
            .increment(1);
            let kind = classified.kind;
            let retry_after = classified.retry_after;
            let error = SourceError::Rpc {
                endpoint: endpoint.label.to_string(),
                method,
                kind,
                code: classified.code,
                message: classified.message,
                retry_after,
            };
            let splittable = matches!(kind, RpcErrorKind::RangeTooLarge | RpcErrorKind::Timeout);
            if (on_range == OnRangeError::Return && splittable) || !kind.is_retryable() {
                return Err(error);
            }
            if attempt >= self.max_retries {
                return Err(SourceError::RetriesExhausted {
                    method,
                    attempts: attempt + 1,
                    last: Box::new(error),
                });
            }
            self.fail_over(idx);
            metrics::counter!("tributary_rpc_retries_total", "method" => method).increment(1);
            let delay = self.backoff(attempt, retry_after);
            tracing::debug!(%error, attempt, ?delay, "retrying RPC request");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }
}

/// Sends one JSON-RPC batch of `method` calls, one per entry of `params`,
/// and returns each call's own result. An error of the whole batch (the
/// transport failed) is the outer error.
pub(crate) async fn batch<P, R>(
    provider: DynProvider,
    method: &'static str,
    params: &[P],
) -> TransportResult<Vec<TransportResult<R>>>
where
    P: RpcSend,
    R: RpcRecv,
{
    let mut batch = BatchRequest::new(provider.client());
    let waiters = params
        .iter()
        .map(|p| batch.add_call(method, p))
        .collect::<TransportResult<Vec<Waiter<R>>>>()?;
    batch.send().await?;
    let mut out = Vec::with_capacity(waiters.len());
    for waiter in waiters {
        out.push(waiter.await);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoints(n: usize) -> Endpoints {
        let list = (0..n)
            .map(|i| Endpoint {
                label: format!("ep{i}").into(),
                provider: alloy::providers::ProviderBuilder::new()
                    .connect_mocked_client(alloy::providers::mock::Asserter::new())
                    .erased(),
                http: None,
            })
            .collect();
        let settings = RpcSettings {
            failback_after: Duration::from_millis(30),
            ..RpcSettings::default()
        };
        Endpoints::new(list, &settings)
    }

    #[test]
    fn backoff_is_capped_and_honours_retry_after_on_a_single_endpoint() {
        let one = endpoints(1);
        for attempt in 0..40 {
            assert!(one.backoff(attempt, None) <= one.backoff_max);
        }
        assert!(one.backoff(0, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
        assert_eq!(
            one.backoff(0, Some(Duration::from_secs(300))),
            one.backoff_max
        );
        let two = endpoints(2);
        assert!(two.backoff(0, Some(Duration::from_secs(3))) <= two.backoff_base);
    }

    #[test]
    fn fails_over_round_robin_and_back() {
        let eps = endpoints(3);
        assert_eq!(eps.current(), 0);
        eps.fail_over(0);
        assert_eq!(eps.current(), 1);
        // A stale failure of endpoint 0 does not skip endpoint 1.
        eps.fail_over(0);
        assert_eq!(eps.current(), 1);
        eps.fail_over(1);
        assert_eq!(eps.current(), 2);
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(eps.current(), 0);
    }
}
