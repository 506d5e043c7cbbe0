//! Errors of the source, each naming the endpoint and the JSON-RPC method.

use std::time::Duration;

/// What went wrong with one JSON-RPC request, as far as retrying and range
/// splitting are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RpcErrorKind {
    /// The connection failed or broke (refused, reset, TLS, WebSocket gone).
    Transport,
    /// No answer within `request_timeout`, or the node reported a timeout.
    Timeout,
    /// The endpoint answered with an HTTP error status.
    HttpStatus,
    /// The endpoint asked us to slow down (HTTP 429, -32005 and friends).
    RateLimited,
    /// The block range or result set of `eth_getLogs` is too large.
    RangeTooLarge,
    /// The node does not know the block yet (or any more).
    BlockNotFound,
    /// The node lacks the state to answer (pruned, not an archive node).
    MissingState,
    /// The call reverted.
    Reverted,
    /// The node rejected the request itself (bad params, unknown method).
    InvalidRequest,
    /// The node failed internally and may succeed on a retry.
    Server,
    /// The answer could not be decoded.
    Decode,
    /// Anything else the node said.
    Other,
}

impl RpcErrorKind {
    /// Whether the same request may succeed when sent again (possibly to
    /// another endpoint).
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::Transport
                | Self::Timeout
                | Self::HttpStatus
                | Self::RateLimited
                | Self::BlockNotFound
                | Self::MissingState
                | Self::Server
                | Self::Decode
        )
    }

    /// A short stable name, used as the `kind` label of metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transport => "transport",
            Self::Timeout => "timeout",
            Self::HttpStatus => "http_status",
            Self::RateLimited => "rate_limited",
            Self::RangeTooLarge => "range_too_large",
            Self::BlockNotFound => "block_not_found",
            Self::MissingState => "missing_state",
            Self::Reverted => "reverted",
            Self::InvalidRequest => "invalid_request",
            Self::Server => "server",
            Self::Decode => "decode",
            Self::Other => "other",
        }
    }
}

impl std::fmt::Display for RpcErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error of the chain source.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The settings are unusable; every problem is listed.
    #[error("invalid RPC settings: {}", problems.join("; "))]
    InvalidSettings {
        /// One line per problem, each starting with the field name.
        problems: Vec<String>,
    },

    /// One request failed.
    #[error("{method} to {endpoint} failed ({kind}{}): {message}", code_suffix(*code))]
    Rpc {
        /// The endpoint, with credentials stripped.
        endpoint: String,
        /// The JSON-RPC method.
        method: &'static str,
        /// How the failure is classified.
        kind: RpcErrorKind,
        /// The JSON-RPC error code, when the node sent one.
        code: Option<i64>,
        /// What the node or the transport said.
        message: String,
        /// Delay the server asked for before retrying, if any.
        retry_after: Option<Duration>,
    },

    /// A retryable failure persisted through every retry and endpoint.
    #[error("{method}: gave up after {attempts} attempts; last error: {last}")]
    RetriesExhausted {
        /// The JSON-RPC method.
        method: &'static str,
        /// How many attempts were made.
        attempts: u32,
        /// The last failure (it names the endpoint).
        #[source]
        last: Box<SourceError>,
    },

    /// The node's answers contradict each other or are incomplete: a log
    /// whose block hash differs from the block's header, headers that do not
    /// link by parent hash, a missing block, a pending log. Usually the node
    /// was reorging under us; retrying later helps.
    #[error("inconsistent answer from {endpoint} to {method}: {detail}")]
    Inconsistent {
        /// The endpoint, with credentials stripped.
        endpoint: String,
        /// The JSON-RPC method whose answer was inconsistent.
        method: &'static str,
        /// What did not fit.
        detail: String,
    },
}

fn code_suffix(code: Option<i64>) -> String {
    code.map(|c| format!(", code {c}")).unwrap_or_default()
}

impl SourceError {
    /// Whether trying the same thing again later may succeed: transport
    /// problems, rate limits, timeouts and inconsistent answers are; bad
    /// settings, rejected requests and reverts are not.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::InvalidSettings { .. } => false,
            Self::Rpc { kind, .. } => kind.is_retryable(),
            Self::RetriesExhausted { last, .. } => last.is_retryable(),
            Self::Inconsistent { .. } => true,
        }
    }

    /// The classification of the underlying request failure, if any.
    pub fn rpc_kind(&self) -> Option<RpcErrorKind> {
        match self {
            Self::Rpc { kind, .. } => Some(*kind),
            Self::RetriesExhausted { last, .. } => last.rpc_kind(),
            _ => None,
        }
    }
}

/// A printable name for an endpoint that leaks no credentials: user info,
/// query and fragment are dropped and path segments that look like API keys
/// are replaced by `***`.
pub fn endpoint_label(url: &url::Url) -> String {
    let mut label = format!("{}://", url.scheme());
    if let Some(host) = url.host_str() {
        label.push_str(host);
    }
    if let Some(port) = url.port() {
        label.push_str(&format!(":{port}"));
    }
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    for segment in segments {
        label.push('/');
        if looks_like_key(segment) {
            label.push_str("***");
        } else {
            label.push_str(segment);
        }
    }
    label
}

fn looks_like_key(segment: &str) -> bool {
    segment.len() >= 16 && segment.bytes().any(|b| b.is_ascii_digit()) || segment.len() >= 24
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_strip_credentials() {
        let url: url::Url =
            "https://user:secret@mainnet.infura.io/v3/0123456789abcdef0123456789abcdef?key=zzz"
                .parse()
                .expect("url");
        let label = endpoint_label(&url);
        assert_eq!(label, "https://mainnet.infura.io/v3/***");

        let url: url::Url = "http://127.0.0.1:8545/".parse().expect("url");
        assert_eq!(endpoint_label(&url), "http://127.0.0.1:8545");
        let url: url::Url = "https://rpc.ankr.com/bsc".parse().expect("url");
        assert_eq!(endpoint_label(&url), "https://rpc.ankr.com/bsc");
    }

    #[test]
    fn display_names_method_endpoint_and_code() {
        let err = SourceError::Rpc {
            endpoint: "http://a:1".into(),
            method: "eth_getLogs",
            kind: RpcErrorKind::RateLimited,
            code: Some(-32005),
            message: "slow down".into(),
            retry_after: None,
        };
        assert_eq!(
            err.to_string(),
            "eth_getLogs to http://a:1 failed (rate_limited, code -32005): slow down"
        );
        assert!(err.is_retryable());
        let exhausted = SourceError::RetriesExhausted {
            method: "eth_getLogs",
            attempts: 3,
            last: Box::new(err),
        };
        assert!(exhausted.to_string().contains("gave up after 3 attempts"));
        assert_eq!(exhausted.rpc_kind(), Some(RpcErrorKind::RateLimited));
    }
}
