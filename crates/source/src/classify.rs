//! Classification of the many ways JSON-RPC providers say "no".
//!
//! Providers word the same condition differently (Infura, Alchemy, QuickNode,
//! Ankr, geth, erigon, reth, BSC nodes …); this module maps an alloy
//! transport error to one [`RpcErrorKind`] with the code, message and any
//! retry delay the server asked for.

use std::time::Duration;

use alloy::transports::{RpcError, TransportError, TransportErrorKind};

use crate::error::RpcErrorKind;

/// A transport error reduced to what the retry and split logic needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Classified {
    pub kind: RpcErrorKind,
    pub code: Option<i64>,
    pub message: String,
    pub retry_after: Option<Duration>,
}

/// Phrases meaning "the block range or its result is too large".
const RANGE_PHRASES: &[&str] = &[
    "query returned more than",
    "too many results",
    "too many logs",
    "maximum block range",
    "max block range",
    "block range limit",
    "block range exceeded",
    "range too large",
    "range is too large",
    "range too wide",
    "range is too wide",
    "range exceeds",
    "exceeds the range",
    "ranges over",
    "response size exceeded",
    "response size should not",
    "response is too big",
    "response too large",
    "result set too large",
    "exceeds max results",
    "exceeds limit of",
    "is limited to a",
    "are limited to a",
    "too many blocks",
];

const RATE_PHRASES: &[&str] = &[
    "rate limit",
    "too many requests",
    "request limit",
    "exceeded the quota",
    "quota exceeded",
    "credits",
    "throughput",
    "daily limit",
    "rate exceeded",
    "capacity",
    "compute units",
];

const TIMEOUT_PHRASES: &[&str] = &["timeout", "timed out", "deadline exceeded"];

const NOT_FOUND_PHRASES: &[&str] = &[
    "header not found",
    "unknown block",
    "block not found",
    "could not find block",
    "resource not found",
];

const MISSING_STATE_PHRASES: &[&str] = &[
    "missing trie node",
    "state not available",
    "historical state",
    "pruned",
];

const SERVER_PHRASES: &[&str] = &[
    "internal error",
    "upstream",
    "temporarily unavailable",
    "service unavailable",
    "bad gateway",
    "try again",
    "overloaded",
    "busy",
];

fn contains_any(haystack: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| haystack.contains(p))
}

/// Whether `message` (with JSON-RPC `code`) says the requested block range
/// or its result set is too large.
pub(crate) fn is_range_message(code: Option<i64>, message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    if contains_any(&lower, RANGE_PHRASES) {
        return true;
    }
    // "limit exceeded" is how some providers word both a range and a rate
    // limit; only the former does not mention requests or rates.
    if lower.contains("limit exceeded") && !contains_any(&lower, RATE_PHRASES) {
        return true;
    }
    // Invalid params that talk about the range.
    code == Some(-32602) && (lower.contains("range") || lower.contains("block"))
}

/// Classifies a JSON-RPC error object by code and message.
fn classify_payload(code: i64, message: &str) -> RpcErrorKind {
    let lower = message.to_ascii_lowercase();
    if is_range_message(Some(code), message) {
        RpcErrorKind::RangeTooLarge
    } else if matches!(code, 429 | -32005 | -32055 | 1008) || contains_any(&lower, RATE_PHRASES) {
        RpcErrorKind::RateLimited
    } else if contains_any(&lower, TIMEOUT_PHRASES) {
        RpcErrorKind::Timeout
    } else if code == 3 || lower.contains("revert") {
        RpcErrorKind::Reverted
    } else if contains_any(&lower, NOT_FOUND_PHRASES) || code == -32001 {
        RpcErrorKind::BlockNotFound
    } else if contains_any(&lower, MISSING_STATE_PHRASES) {
        RpcErrorKind::MissingState
    } else if matches!(code, -32600 | -32601 | -32602 | -32700) {
        RpcErrorKind::InvalidRequest
    } else if code == -32603 || contains_any(&lower, SERVER_PHRASES) {
        RpcErrorKind::Server
    } else {
        RpcErrorKind::Other
    }
}

fn classify_http(status: u16, body: &str) -> RpcErrorKind {
    if status == 429 {
        RpcErrorKind::RateLimited
    } else if is_range_message(None, body) {
        RpcErrorKind::RangeTooLarge
    } else {
        // Any HTTP failure is a problem of the endpoint rather than of the
        // request: retry, preferably elsewhere.
        RpcErrorKind::HttpStatus
    }
}

/// Parses hints like "rate limited, try again in 40ms" or "in 2s".
fn retry_hint_in_message(message: &str) -> Option<Duration> {
    let after = message.split_once("try again in ")?.1.trim_start();
    let digits = after.bytes().take_while(u8::is_ascii_digit).count();
    let value: u64 = after[..digits].parse().ok()?;
    let unit = after[digits..].trim_start();
    if unit.starts_with("ms") {
        Some(Duration::from_millis(value))
    } else if unit.starts_with('s') {
        Some(Duration::from_secs(value))
    } else {
        None
    }
}

/// Classifies one transport error.
pub(crate) fn classify(err: &TransportError) -> Classified {
    let message = err.to_string();
    let mut out = Classified {
        kind: RpcErrorKind::Other,
        code: None,
        message,
        retry_after: None,
    };
    match err {
        RpcError::ErrorResp(payload) => {
            out.code = Some(payload.code);
            out.message = payload.message.to_string();
            out.kind = classify_payload(payload.code, &payload.message);
            out.retry_after = retry_hint_in_message(&payload.message);
        }
        RpcError::Transport(kind) => {
            out.retry_after = kind.retry_after();
            out.kind = match kind {
                TransportErrorKind::HttpError(e) => classify_http(e.status, &e.body),
                TransportErrorKind::HttpErrorWithRetryAfter { error, .. } => {
                    classify_http(error.status, &error.body)
                }
                TransportErrorKind::MissingBatchResponse(_) => RpcErrorKind::Server,
                TransportErrorKind::PubsubUnavailable => RpcErrorKind::InvalidRequest,
                TransportErrorKind::NonRetryable(_) => RpcErrorKind::Other,
                _ if contains_any(&out.message.to_ascii_lowercase(), TIMEOUT_PHRASES) => {
                    RpcErrorKind::Timeout
                }
                _ => RpcErrorKind::Transport,
            };
        }
        RpcError::NullResp => out.kind = RpcErrorKind::Server,
        RpcError::DeserError { .. } => out.kind = RpcErrorKind::Decode,
        RpcError::SerError(_) | RpcError::LocalUsageError(_) | RpcError::UnsupportedFeature(_) => {
            out.kind = RpcErrorKind::InvalidRequest;
        }
    }
    out
}

/// The block range a provider suggests in its "too many results" message,
/// e.g. Infura's "Try with this block range [0x1C7D5D0, 0x1C7D8AF]." or
/// Alchemy's "this block range should work: [0x0, 0x1f3f]".
pub(crate) fn suggested_range(message: &str) -> Option<(u64, u64)> {
    let start = message.rfind('[')?;
    let inner = &message[start + 1..];
    let inner = &inner[..inner.find(']')?];
    let (a, b) = inner.split_once(',')?;
    let parse = |s: &str| {
        let s = s.trim();
        let hex = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
        u64::from_str_radix(hex, 16).ok()
    };
    Some((parse(a)?, parse(b)?))
}

#[cfg(test)]
mod tests {
    use alloy::rpc::json_rpc::ErrorPayload;

    use super::*;

    fn payload(code: i64, message: &str) -> TransportError {
        TransportError::ErrorResp(ErrorPayload {
            code,
            message: message.to_owned().into(),
            data: None,
        })
    }

    fn kind(code: i64, message: &str) -> RpcErrorKind {
        classify(&payload(code, message)).kind
    }

    #[test]
    fn range_errors_of_common_providers() {
        for (code, message) in [
            (
                -32005,
                "query returned more than 10000 results. Try with this block range [0x1, 0x2].",
            ),
            (
                -32602,
                "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range",
            ),
            (-32000, "exceed maximum block range: 5000"),
            (-32600, "eth_getLogs is limited to a 10,000 range"),
            (-32000, "block range is too large"),
            (-32602, "invalid block range params, 10 blocks max"),
            (-32005, "limit exceeded"),
            (-32000, "ranges over 10000 blocks are not supported"),
            (
                -32000,
                "query exceeds max results 20000, retry with the range 1-2",
            ),
            (-32008, "Response is too big"),
        ] {
            assert_eq!(
                kind(code, message),
                RpcErrorKind::RangeTooLarge,
                "{code} {message}"
            );
        }
    }

    #[test]
    fn rate_limits_are_not_range_errors() {
        assert_eq!(
            kind(-32005, "project ID request rate exceeded"),
            RpcErrorKind::RateLimited
        );
        assert_eq!(
            kind(-32005, "daily request count exceeded, request rate limited"),
            RpcErrorKind::RateLimited
        );
        assert_eq!(kind(429, "Too Many Requests"), RpcErrorKind::RateLimited);
        assert_eq!(
            kind(-32000, "rate limit exceeded"),
            RpcErrorKind::RateLimited
        );
    }

    #[test]
    fn other_payloads() {
        assert_eq!(
            kind(-32000, "header not found"),
            RpcErrorKind::BlockNotFound
        );
        assert_eq!(kind(3, "execution reverted"), RpcErrorKind::Reverted);
        assert_eq!(
            kind(-32602, "invalid argument 0: hex string without 0x prefix"),
            RpcErrorKind::InvalidRequest
        );
        assert_eq!(
            kind(-32601, "the method foo does not exist"),
            RpcErrorKind::InvalidRequest
        );
        assert_eq!(
            kind(-32000, "missing trie node abc"),
            RpcErrorKind::MissingState
        );
        assert_eq!(kind(-32603, "boom"), RpcErrorKind::Server);
        assert_eq!(
            kind(-32000, "query timeout exceeded"),
            RpcErrorKind::Timeout
        );
        assert_eq!(kind(-32000, "nonce too low"), RpcErrorKind::Other);
    }

    #[test]
    fn http_errors() {
        let c = classify(&TransportErrorKind::http_error_with_retry_after(
            429,
            "slow".into(),
            Some(Duration::from_secs(2)),
        ));
        assert_eq!(c.kind, RpcErrorKind::RateLimited);
        assert_eq!(c.retry_after, Some(Duration::from_secs(2)));
        let c = classify(&TransportErrorKind::http_error(500, "oops".into()));
        assert_eq!(c.kind, RpcErrorKind::HttpStatus);
        assert!(c.kind.is_retryable());
        let c = classify(&TransportErrorKind::http_error(
            400,
            "block range too large".into(),
        ));
        assert_eq!(c.kind, RpcErrorKind::RangeTooLarge);
        assert_eq!(
            classify(&TransportErrorKind::backend_gone()).kind,
            RpcErrorKind::Transport
        );
    }

    #[test]
    fn retry_hints() {
        let c = classify(&payload(-32005, "rate limited, try again in 40ms"));
        assert_eq!(c.retry_after, Some(Duration::from_millis(40)));
        assert_eq!(
            retry_hint_in_message("try again in 3s."),
            Some(Duration::from_secs(3))
        );
        assert_eq!(retry_hint_in_message("try again later"), None);
    }

    #[test]
    fn suggested_ranges() {
        assert_eq!(
            suggested_range("Try with this block range [0x1C7D5D0, 0x1C7D8AF]."),
            Some((0x1C7D5D0, 0x1C7D8AF))
        );
        assert_eq!(
            suggested_range("this block range should work: [0x0, 0x1f3f]"),
            Some((0, 0x1f3f))
        );
        assert_eq!(suggested_range("no range here"), None);
        assert_eq!(suggested_range("[12, 13]"), None);
    }
}
