//! The one error type of the API and how it is answered:
//! `{"error": {"code": "...", "message": "..."}}` with a 4xx status for
//! anything the client sent and a 5xx status only for our own failures.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tributary_store::StoreError;

use crate::cursor::CursorError;
use crate::model::{ErrorBody, ErrorDetail};

/// Longest piece of client input echoed back in an error message.
const ECHO_MAX: usize = 80;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// An address (path segment or query parameter) is not 0x + 40 hex digits.
    #[error("{what} {value:?} is not an address: expected 0x followed by 40 hex digits")]
    InvalidAddress {
        /// Where the address was given (`path`, `query parameter address`).
        what: &'static str,
        /// The value received (clipped).
        value: String,
    },
    /// `limit` is not an integer in 1..=1000.
    #[error("query parameter limit {value:?} is invalid: expected an integer from 1 to {max}")]
    InvalidLimit {
        /// The value received (clipped).
        value: String,
        /// Largest accepted limit.
        max: u32,
    },
    /// `after` is empty, garbled, forged or from another endpoint.
    #[error("query parameter after is not a valid cursor: {reason}")]
    InvalidCursor {
        /// What is wrong with it.
        #[source]
        reason: CursorError,
    },
    /// `from_block` is above `to_block`.
    #[error("from_block {from} is above to_block {to}")]
    InvalidRange {
        /// Lower bound received.
        from: u64,
        /// Upper bound received.
        to: u64,
    },
    /// A query parameter has a value of the wrong form.
    #[error("query parameter {name} {value:?} is invalid: expected {expected}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// The value received (clipped).
        value: String,
        /// What a valid value looks like.
        expected: &'static str,
    },
    /// A query parameter this endpoint does not know.
    #[error("unknown query parameter {name:?}: this endpoint accepts {accepted}")]
    UnknownParameter {
        /// The name received (clipped).
        name: String,
        /// The names it accepts, comma-separated.
        accepted: String,
    },
    /// A query parameter given twice.
    #[error("query parameter {name} is given more than once")]
    DuplicateParameter {
        /// Parameter name.
        name: &'static str,
    },
    /// A path segment is not valid UTF-8 or cannot be read.
    #[error("path is invalid: {reason}")]
    InvalidPath {
        /// What is wrong with it.
        reason: String,
    },
    /// A token is tracked on several chains and no `chain` was given.
    #[error("token {token} is tracked on several chains ({chains}): pass ?chain= to pick one")]
    AmbiguousChain {
        /// Token address, EIP-55.
        token: String,
        /// The chains it is tracked on, comma-separated.
        chains: String,
    },
    /// `chain` names no configured chain.
    #[error("unknown chain {chain:?}: configured chains are {configured}")]
    UnknownChain {
        /// The value received (clipped).
        chain: String,
        /// Configured chains as `name (id)`, comma-separated.
        configured: String,
    },
    /// `contract` names no configured contract.
    #[error("unknown contract {contract:?}: not in the configuration")]
    UnknownContract {
        /// The value received (clipped).
        contract: String,
    },
    /// The token is not tracked (on the requested chain).
    #[error("token {token} is not tracked{}", on_chain(.chain_id))]
    UnknownToken {
        /// Token address, EIP-55.
        token: String,
        /// The chain asked for, if any.
        chain_id: Option<u64>,
    },
    /// No route matches the path.
    #[error("no route for {path:?}")]
    UnknownRoute {
        /// The path received (clipped).
        path: String,
    },
    /// The route exists but not for this method.
    #[error("method {method} is not allowed here: use GET")]
    MethodNotAllowed {
        /// The method received.
        method: String,
    },
    /// `/v1/ws` was asked for without a WebSocket upgrade.
    #[error("this endpoint speaks WebSocket only: {reason}")]
    UpgradeRequired {
        /// Why the upgrade was refused.
        reason: String,
    },
    /// More push topics than one connection may hold.
    #[error("at most {max} subscriptions per connection")]
    TooManySubscriptions {
        /// The cap.
        max: usize,
    },
    /// The client exceeded its request rate.
    #[error("too many requests: retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a request will be accepted (the `Retry-After` header).
        retry_after_secs: u64,
    },
    /// An answer could not be produced for a reason of ours.
    #[error("internal error: {reason}")]
    Internal {
        /// What failed (logged, not shown).
        reason: String,
    },
    /// `/metrics` was asked for but no Prometheus recorder was installed.
    #[error("metrics are not enabled in this process")]
    MetricsDisabled,
    /// The request did not finish within the configured timeout.
    #[error("the request did not complete in time")]
    Timeout,
    /// The database could not be reached.
    #[error("the database is unavailable: {source}")]
    Unavailable {
        /// The store's error.
        #[source]
        source: StoreError,
    },
    /// The database answered with an error.
    #[error("reading the store failed: {source}")]
    Store {
        /// The store's error.
        #[source]
        source: StoreError,
    },
}

fn on_chain(chain_id: &Option<u64>) -> String {
    chain_id
        .map(|c| format!(" on chain {c}"))
        .unwrap_or_default()
}

impl From<StoreError> for ApiError {
    fn from(source: StoreError) -> Self {
        let unavailable = matches!(
            &source,
            StoreError::Sql(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
            ) | StoreError::Connect { .. }
        );
        if unavailable {
            Self::Unavailable { source }
        } else {
            Self::Store { source }
        }
    }
}

impl From<CursorError> for ApiError {
    fn from(reason: CursorError) -> Self {
        Self::InvalidCursor { reason }
    }
}

impl ApiError {
    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidAddress { .. }
            | Self::InvalidLimit { .. }
            | Self::InvalidCursor { .. }
            | Self::InvalidRange { .. }
            | Self::InvalidParameter { .. }
            | Self::UnknownParameter { .. }
            | Self::DuplicateParameter { .. }
            | Self::InvalidPath { .. }
            | Self::AmbiguousChain { .. }
            | Self::TooManySubscriptions { .. } => StatusCode::BAD_REQUEST,
            Self::UpgradeRequired { .. } => StatusCode::UPGRADE_REQUIRED,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::UnknownChain { .. }
            | Self::UnknownContract { .. }
            | Self::UnknownToken { .. }
            | Self::UnknownRoute { .. }
            | Self::MetricsDisabled => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Timeout | Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Store { .. } | Self::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code of the answer.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidAddress { .. } => "invalid_address",
            Self::InvalidLimit { .. } => "invalid_limit",
            Self::InvalidCursor { .. } => "invalid_cursor",
            Self::InvalidRange { .. } => "invalid_range",
            Self::InvalidParameter { .. } => "invalid_parameter",
            Self::UnknownParameter { .. } => "unknown_parameter",
            Self::DuplicateParameter { .. } => "duplicate_parameter",
            Self::InvalidPath { .. } => "invalid_path",
            Self::AmbiguousChain { .. } => "ambiguous_chain",
            Self::UnknownChain { .. } => "unknown_chain",
            Self::UnknownContract { .. } => "unknown_contract",
            Self::UnknownToken { .. } => "unknown_token",
            Self::UnknownRoute { .. } => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::MetricsDisabled => "metrics_disabled",
            Self::Timeout => "timeout",
            Self::Unavailable { .. } => "unavailable",
            Self::Store { .. } | Self::Internal { .. } => "internal",
            Self::UpgradeRequired { .. } => "upgrade_required",
            Self::TooManySubscriptions { .. } => "too_many_subscriptions",
            Self::RateLimited { .. } => "rate_limited",
        }
    }

    /// The message the client sees: the whole story for its own mistakes,
    /// nothing of our internals for ours (those go to the log).
    fn public_message(&self) -> String {
        match self {
            Self::Unavailable { .. } => "the database is unavailable; retry later".to_string(),
            Self::Store { .. } => "internal error while reading the store".to_string(),
            Self::Internal { .. } => "internal error".to_string(),
            other => other.to_string(),
        }
    }

    /// The JSON body of the answer.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message: self.public_message(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(code = self.code(), error = %self, "request failed");
        } else {
            tracing::debug!(code = self.code(), error = %self, "request rejected");
        }
        let mut response = (status, Json(self.body())).into_response();
        if let Self::RateLimited { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

/// `value` cut to a length safe to echo back in a message.
pub(crate) fn clip(value: &str) -> String {
    match value.char_indices().nth(ECHO_MAX) {
        Some((at, _)) => format!("{}…", &value[..at]),
        None => value.to_string(),
    }
}
