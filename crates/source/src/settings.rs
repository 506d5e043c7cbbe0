//! How to talk to a chain's JSON-RPC nodes.

use std::time::Duration;

use url::Url;

use crate::error::SourceError;

/// Connection, retry and range settings of an [`EvmSource`](crate::EvmSource).
///
/// Build one with [`RpcSettings::new`] (or struct-update syntax over
/// [`Default`]) and adjust the fields; [`EvmSource::connect`] validates it.
///
/// [`EvmSource::connect`]: crate::EvmSource::connect
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcSettings {
    /// HTTP(S) endpoints, tried in order: a failing request moves on to the
    /// next one, and the first is preferred again after `failback_after`.
    pub urls: Vec<Url>,
    /// Optional WebSocket endpoint for the `newHeads` subscription; without
    /// it the head is polled every `poll_interval`.
    pub ws: Option<Url>,
    /// Largest block range a single `eth_getLogs` request may cover.
    pub max_block_range: u64,
    /// Block range the adaptive fetch starts with.
    pub initial_block_range: u64,
    /// How many block ranges are fetched concurrently ahead of the consumer.
    pub concurrency: usize,
    /// How many times a failed request is retried (so at most
    /// `max_retries + 1` attempts in total).
    pub max_retries: u32,
    /// Time limit of one request attempt.
    pub request_timeout: Duration,
    /// How often the head is polled when no WebSocket is configured (or the
    /// WebSocket is down).
    pub poll_interval: Duration,
    /// Largest number of addresses in one `eth_getLogs` filter; longer lists
    /// are split into several requests.
    pub max_addresses_per_request: usize,
    /// Size of JSON-RPC batches (headers, `eth_call`s).
    pub batch_size: usize,
    /// First retry delay; it doubles on each retry (with full jitter).
    pub backoff_base: Duration,
    /// Largest retry delay, also the cap on a server's `Retry-After`.
    pub backoff_max: Duration,
    /// After failing over away from the first URL, go back to it after this
    /// long.
    pub failback_after: Duration,
    /// Where blocks' `logsBloom` is checked against the `eth_getLogs` answer
    /// to catch endpoints that silently drop logs.
    pub bloom_check: BloomCheck,
}

/// Which fetched ranges get the dropped-log check: a block whose
/// `logsBloom` says it holds a wanted address and topic while `eth_getLogs`
/// returned nothing for it is fetched again (from the next endpoint).
///
/// The check needs the header of every block of the range. The unfinalized
/// tail fetches those anyway for reorg detection; backfill fetches only each
/// range's last header, so checking it costs one header per block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BloomCheck {
    /// Never check.
    Off,
    /// Check ranges fetched with every header (the unfinalized tail).
    #[default]
    Tail,
    /// Check every range, fetching every header in backfill too.
    Always,
}

impl Default for RpcSettings {
    fn default() -> Self {
        Self {
            urls: Vec::new(),
            ws: None,
            max_block_range: 10_000,
            initial_block_range: 1_000,
            concurrency: 4,
            max_retries: 5,
            request_timeout: Duration::from_secs(30),
            poll_interval: Duration::from_secs(1),
            max_addresses_per_request: 1_000,
            batch_size: 100,
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_secs(10),
            failback_after: Duration::from_secs(60),
            bloom_check: BloomCheck::Tail,
        }
    }
}

impl RpcSettings {
    /// Default settings for the given endpoints.
    pub fn new(urls: Vec<Url>) -> Self {
        Self {
            urls,
            ..Self::default()
        }
    }

    /// Checks every field and reports all problems at once.
    pub fn validate(&self) -> Result<(), SourceError> {
        let mut problems = Vec::new();
        if self.urls.is_empty() {
            problems.push("urls: at least one RPC URL is required".to_owned());
        }
        problems.extend(self.problems_besides_urls());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(SourceError::InvalidSettings { problems })
        }
    }

    /// Problems of every field but the emptiness of `urls` (sources built
    /// from ready-made providers need no URL).
    pub(crate) fn problems_besides_urls(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (i, url) in self.urls.iter().enumerate() {
            if !matches!(url.scheme(), "http" | "https") {
                problems.push(format!(
                    "urls[{i}]: scheme {:?} is not http or https",
                    url.scheme()
                ));
            }
        }
        if let Some(ws) = &self.ws
            && !matches!(ws.scheme(), "ws" | "wss")
        {
            problems.push(format!("ws: scheme {:?} is not ws or wss", ws.scheme()));
        }
        let positive = [
            ("max_block_range", self.max_block_range),
            ("initial_block_range", self.initial_block_range),
            ("concurrency", self.concurrency as u64),
            (
                "max_addresses_per_request",
                self.max_addresses_per_request as u64,
            ),
            ("batch_size", self.batch_size as u64),
        ];
        for (name, value) in positive {
            if value == 0 {
                problems.push(format!("{name}: must be at least 1"));
            }
        }
        if self.initial_block_range > self.max_block_range {
            problems.push(format!(
                "initial_block_range: {} is larger than max_block_range {}",
                self.initial_block_range, self.max_block_range
            ));
        }
        for (name, value) in [
            ("request_timeout", self.request_timeout),
            ("poll_interval", self.poll_interval),
        ] {
            if value.is_zero() {
                problems.push(format!("{name}: must be longer than zero"));
            }
        }
        if self.backoff_base > self.backoff_max {
            problems.push(format!(
                "backoff_base: {:?} is longer than backoff_max {:?}",
                self.backoff_base, self.backoff_max
            ));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_with_a_url_are_valid() {
        let url: Url = "http://127.0.0.1:8545".parse().expect("url");
        RpcSettings::new(vec![url]).validate().expect("valid");
    }

    #[test]
    fn reports_every_problem() {
        let settings = RpcSettings {
            urls: vec!["ftp://x".parse().expect("url")],
            ws: Some("http://y".parse().expect("url")),
            concurrency: 0,
            initial_block_range: 20_000,
            ..RpcSettings::default()
        };
        let Err(SourceError::InvalidSettings { problems }) = settings.validate() else {
            panic!("expected invalid settings");
        };
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].starts_with("urls[0]"));
        assert!(problems.iter().any(|p| p.starts_with("ws:")));
        assert!(problems.iter().any(|p| p.starts_with("concurrency:")));
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("initial_block_range:"))
        );
    }

    #[test]
    fn empty_urls_is_an_error() {
        assert!(RpcSettings::default().validate().is_err());
    }
}
