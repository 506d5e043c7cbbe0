//! Per-client rate limit: a token bucket per peer IP. Requests that come
//! without a peer address (in-process callers such as tests) and the
//! operations endpoints are not limited.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::settings::RateLimit;
use crate::state::AppState;

/// Paths never limited: probes and scrapes must not be refused.
pub(crate) const EXEMPT: &[&str] = &["/healthz", "/readyz", "/metrics"];
/// Buckets kept before full (idle) ones are forgotten.
const PRUNE_AT: usize = 65_536;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets of every recent client.
#[derive(Debug)]
pub(crate) struct Limiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl Limiter {
    /// Buckets refilled at `limit.per_second`, holding `limit.burst`.
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            rate: f64::from(limit.per_second.get()),
            burst: f64::from(limit.burst.get()),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `client` at `now`, or says how long until one is there.
    pub(crate) fn take(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= PRUNE_AT {
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, b| b.tokens + rate * now.duration_since(b.at).as_secs_f64() < burst);
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let refill = self.rate * now.duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.rate))
        }
    }
}

/// The rate-limit middleware.
pub(crate) async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (Some(limiter), Some(ConnectInfo(peer))) = (
        state.limiter(),
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .copied(),
    ) else {
        return next.run(request).await;
    };
    if EXEMPT.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    match limiter.take(peer.ip(), Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            metrics::counter!("tributary_http_rate_limited_total").increment(1);
            ApiError::RateLimited {
                retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
            }
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use super::*;

    #[test]
    fn a_burst_is_allowed_then_the_rate() {
        let limiter = Limiter::new(RateLimit {
            per_second: NonZeroU32::new(10).unwrap(),
            burst: NonZeroU32::new(3).unwrap(),
        });
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.take(ip, t0).is_ok());
        }
        let wait = limiter.take(ip, t0).expect_err("burst spent");
        assert!(wait <= Duration::from_millis(100) && wait > Duration::ZERO);
        assert!(limiter.take(ip, t0 + Duration::from_millis(100)).is_ok());
        // Another client has its own bucket.
        assert!(limiter.take("10.0.0.2".parse().unwrap(), t0).is_ok());
    }
}
