//! Tunables of the serving side: the read cache, the per-client rate limit
//! and live pushes. Part of [`crate::ApiConfig`]; every field has a default
//! that suits a production deployment.

use std::num::NonZeroU32;
use std::time::Duration;

/// The read cache in front of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    /// Whether answers are cached at all (off: every read goes to the store).
    pub enabled: bool,
    /// Most bytes of cached answer bodies kept (least recently used go first).
    pub max_bytes: u64,
    /// Redis shared by every `serve` process as a second cache level
    /// (`None`: this process's memory only).
    pub redis_url: Option<url::Url>,
    /// How long an answer stays in Redis. Correctness never depends on it
    /// (entries are keyed by the block they reflect); it bounds memory.
    pub shared_ttl: Duration,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            max_bytes: 256 * 1024 * 1024,
            redis_url: None,
            shared_ttl: Duration::from_secs(60),
        }
    }
}

/// A token bucket per client IP: `burst` requests at once, refilled at
/// `per_second`. Beyond it the client gets `429` with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second per client.
    pub per_second: NonZeroU32,
    /// Requests a client may make at once after being idle.
    pub burst: NonZeroU32,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            per_second: NonZeroU32::new(1000).expect("non-zero"),
            burst: NonZeroU32::new(2000).expect("non-zero"),
        }
    }
}

/// WebSocket and Server-Sent Events pushes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSettings {
    /// How often an idle connection is pinged (WS) or sent a comment (SSE);
    /// a WebSocket that answers nothing for two periods is closed.
    pub heartbeat: Duration,
    /// Most subscriptions one connection may hold.
    pub max_subscriptions: usize,
    /// Most bytes of pushes queued for one client; a client that falls
    /// further behind is disconnected instead of buffered.
    pub client_queue_bytes: usize,
    /// How often the store's cursors are polled: the only source of change
    /// notices for a `serve` process without Redis, a safety net otherwise.
    pub poll_interval: Duration,
}

impl Default for LiveSettings {
    fn default() -> Self {
        Self {
            heartbeat: Duration::from_secs(15),
            max_subscriptions: 64,
            client_queue_bytes: 4 * 1024 * 1024,
            poll_interval: Duration::from_millis(250),
        }
    }
}
