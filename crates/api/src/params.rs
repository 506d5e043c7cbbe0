//! Query strings and path segments, parsed by hand into typed values so that
//! every bad input is answered in our JSON error shape with its own code
//! (axum's extractors answer in plain text).

use std::collections::HashSet;

use alloy_primitives::Address;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use tributary_store::read::EventPosition;

use crate::cursor::{self, HolderCursor};
use crate::error::{ApiError, clip};

/// Page size when `limit` is absent.
pub const DEFAULT_LIMIT: u32 = 100;
/// Largest page size.
pub const MAX_LIMIT: u32 = 1000;

/// A query string split into name/value pairs, each name at most once and
/// known to the endpoint.
#[derive(Debug)]
pub(crate) struct QueryPairs {
    pairs: Vec<(&'static str, String)>,
}

impl QueryPairs {
    /// Splits `query`, refusing names not in `accepted` and names given twice.
    pub(crate) fn parse(
        query: Option<&str>,
        accepted: &'static [&'static str],
    ) -> Result<Self, ApiError> {
        let mut pairs = Vec::new();
        let mut seen = HashSet::new();
        for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let Some(known) = accepted.iter().copied().find(|a| *a == name) else {
                return Err(ApiError::UnknownParameter {
                    name: clip(&name),
                    accepted: if accepted.is_empty() {
                        "no parameters".to_string()
                    } else {
                        accepted.join(", ")
                    },
                });
            };
            if !seen.insert(known) {
                return Err(ApiError::DuplicateParameter { name: known });
            }
            pairs.push((known, value.into_owned()));
        }
        Ok(Self { pairs })
    }

    /// The value of `name`, if given.
    fn take(&mut self, name: &str) -> Option<String> {
        let at = self.pairs.iter().position(|(n, _)| *n == name)?;
        Some(self.pairs.swap_remove(at).1)
    }
}

/// Query parameters of one endpoint.
pub(crate) trait FromQuery: Sized {
    /// The parameter names the endpoint accepts.
    const ACCEPTED: &'static [&'static str];
    /// Reads and validates the parameters.
    fn from_query(q: &mut QueryPairs) -> Result<Self, ApiError>;
}

/// Extracts `T` from the query string, answering bad input with a 400.
#[derive(Debug)]
pub(crate) struct Query<T>(pub T);

impl<S: Send + Sync, T: FromQuery> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let mut pairs = QueryPairs::parse(parts.uri.query(), T::ACCEPTED)?;
        T::from_query(&mut pairs).map(Query)
    }
}

/// The `{address}` path segment, as an address.
#[derive(Debug)]
pub(crate) struct AddressPath(pub Address);

impl<S: Send + Sync> FromRequestParts<S> for AddressPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::InvalidPath {
                reason: e.body_text(),
            })?;
        parse_address("path segment", &raw).map(AddressPath)
    }
}

/// No parameters at all.
#[derive(Debug)]
pub(crate) struct NoParams;

impl FromQuery for NoParams {
    const ACCEPTED: &'static [&'static str] = &[];
    fn from_query(_: &mut QueryPairs) -> Result<Self, ApiError> {
        Ok(Self)
    }
}

/// Parameters of `/v1/events`.
#[derive(Debug)]
pub(crate) struct EventsParams {
    pub chain: Option<String>,
    pub contract: Option<String>,
    pub event: Option<String>,
    pub address: Option<Address>,
    pub from_block: Option<u64>,
    pub to_block: Option<u64>,
    pub limit: u32,
    pub after: Option<EventPosition>,
}

impl FromQuery for EventsParams {
    const ACCEPTED: &'static [&'static str] = &[
        "chain",
        "contract",
        "event",
        "address",
        "from_block",
        "to_block",
        "limit",
        "after",
    ];

    fn from_query(q: &mut QueryPairs) -> Result<Self, ApiError> {
        let params = Self {
            chain: q.take("chain").map(|v| chain(&v)).transpose()?,
            contract: q
                .take("contract")
                .map(|v| text("contract", v, "a contract name from the configuration"))
                .transpose()?,
            event: q
                .take("event")
                .map(|v| text("event", v, "an event name"))
                .transpose()?,
            address: q
                .take("address")
                .map(|v| parse_address("query parameter address", &v))
                .transpose()?,
            from_block: q
                .take("from_block")
                .map(|v| block("from_block", &v))
                .transpose()?,
            to_block: q
                .take("to_block")
                .map(|v| block("to_block", &v))
                .transpose()?,
            limit: limit(q.take("limit"))?,
            after: q
                .take("after")
                .map(|v| cursor::decode_events(&v))
                .transpose()?,
        };
        if let (Some(from), Some(to)) = (params.from_block, params.to_block)
            && from > to
        {
            return Err(ApiError::InvalidRange { from, to });
        }
        Ok(params)
    }
}

/// Parameters of `/v1/accounts/{address}/balances`.
#[derive(Debug)]
pub(crate) struct BalancesParams {
    pub chain: Option<String>,
}

impl FromQuery for BalancesParams {
    const ACCEPTED: &'static [&'static str] = &["chain"];

    fn from_query(q: &mut QueryPairs) -> Result<Self, ApiError> {
        Ok(Self {
            chain: q.take("chain").map(|v| chain(&v)).transpose()?,
        })
    }
}

/// Parameters of `/v1/sse`.
#[derive(Debug)]
pub(crate) struct SseParams {
    /// Comma-separated topics, as given.
    pub topics: String,
}

impl FromQuery for SseParams {
    const ACCEPTED: &'static [&'static str] = &["topics"];

    fn from_query(q: &mut QueryPairs) -> Result<Self, ApiError> {
        let topics = q.take("topics").unwrap_or_default();
        if topics.split(',').all(|t| t.trim().is_empty()) {
            return Err(ApiError::InvalidParameter {
                name: "topics",
                value: clip(&topics),
                expected: "a comma-separated list of blocks, account:<address>, events:<contract>",
            });
        }
        Ok(Self { topics })
    }
}

/// Parameters of `/v1/tokens/{address}/holders`.
#[derive(Debug)]
pub(crate) struct HoldersParams {
    pub chain: Option<String>,
    pub limit: u32,
    pub after: Option<HolderCursor>,
}

impl FromQuery for HoldersParams {
    const ACCEPTED: &'static [&'static str] = &["chain", "limit", "after"];

    fn from_query(q: &mut QueryPairs) -> Result<Self, ApiError> {
        Ok(Self {
            chain: q.take("chain").map(|v| chain(&v)).transpose()?,
            limit: limit(q.take("limit"))?,
            after: q
                .take("after")
                .map(|v| cursor::decode_holders(&v))
                .transpose()?,
        })
    }
}

/// Parameters of the history endpoints.
#[derive(Debug)]
pub(crate) struct HistoryParams {
    pub chain: Option<String>,
    /// The window, in seconds, and its name.
    pub timeframe: (u64, &'static str),
}

/// The history windows, by name.
const TIMEFRAMES: &[(&str, u64)] = &[
    ("1d", 86_400),
    ("7d", 7 * 86_400),
    ("30d", 30 * 86_400),
    ("90d", 90 * 86_400),
    ("1y", 365 * 86_400),
];

impl FromQuery for HistoryParams {
    const ACCEPTED: &'static [&'static str] = &["chain", "timeframe"];

    fn from_query(q: &mut QueryPairs) -> Result<Self, ApiError> {
        let timeframe = match q.take("timeframe") {
            None => ("7d", 7 * 86_400),
            Some(v) => TIMEFRAMES
                .iter()
                .find(|(name, _)| *name == v)
                .copied()
                .ok_or_else(|| ApiError::InvalidParameter {
                    name: "timeframe",
                    value: clip(&v),
                    expected: "one of 1d, 7d, 30d, 90d, 1y",
                })?,
        };
        Ok(Self {
            chain: q.take("chain").map(|v| chain(&v)).transpose()?,
            timeframe: (timeframe.1, timeframe.0),
        })
    }
}

/// Parameters of `/v1/accounts/{address}/nfts`.
#[derive(Debug)]
pub(crate) struct NftsParams {
    pub collection: Option<Address>,
    pub limit: u32,
    pub after: Option<(u64, Address, alloy_primitives::U256)>,
}

impl FromQuery for NftsParams {
    const ACCEPTED: &'static [&'static str] = &["collection", "limit", "after"];

    fn from_query(q: &mut QueryPairs) -> Result<Self, ApiError> {
        Ok(Self {
            collection: q
                .take("collection")
                .map(|v| parse_address("collection", &v))
                .transpose()?,
            limit: limit(q.take("limit"))?,
            after: q
                .take("after")
                .map(|v| cursor::decode_nfts(&v))
                .transpose()?,
        })
    }
}

/// An address in any case: `0x` (or `0X`) followed by exactly 40 hex digits.
pub(crate) fn parse_address(what: &'static str, value: &str) -> Result<Address, ApiError> {
    let invalid = || ApiError::InvalidAddress {
        what,
        value: clip(value),
    };
    let digits = value
        .strip_prefix("0x")
        .or_else(|| value.strip_prefix("0X"))
        .ok_or_else(invalid)?;
    if digits.len() != 40 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    let mut bytes = [0u8; 20];
    for (i, pair) in digits.as_bytes().chunks_exact(2).enumerate() {
        let hex = std::str::from_utf8(pair).map_err(|_| invalid())?;
        bytes[i] = u8::from_str_radix(hex, 16).map_err(|_| invalid())?;
    }
    Ok(Address::from(bytes))
}

fn limit(value: Option<String>) -> Result<u32, ApiError> {
    let Some(value) = value else {
        return Ok(DEFAULT_LIMIT);
    };
    match digits_u64(&value) {
        Some(n) if (1..=u64::from(MAX_LIMIT)).contains(&n) => Ok(n as u32),
        _ => Err(ApiError::InvalidLimit {
            value: clip(&value),
            max: MAX_LIMIT,
        }),
    }
}

/// Highest block number a query accepts: the stores keep heights as signed
/// 64-bit integers.
pub(crate) const MAX_BLOCK: u64 = i64::MAX as u64;

fn block(name: &'static str, value: &str) -> Result<u64, ApiError> {
    digits_u64(value)
        .filter(|b| *b <= MAX_BLOCK)
        .ok_or_else(|| ApiError::InvalidParameter {
            name,
            value: clip(value),
            expected: "a block number (decimal integer up to 2^63-1)",
        })
}

fn chain(value: &str) -> Result<String, ApiError> {
    text(
        "chain",
        value.to_string(),
        "a chain name or chain id from the configuration",
    )
}

fn text(name: &'static str, value: String, expected: &'static str) -> Result<String, ApiError> {
    if value.is_empty() {
        Err(ApiError::InvalidParameter {
            name,
            value,
            expected,
        })
    } else {
        Ok(value)
    }
}

/// A non-negative decimal integer: digits only (no sign, no spaces), fitting u64.
fn digits_u64(value: &str) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(query: &str) -> Result<EventsParams, ApiError> {
        let mut q = QueryPairs::parse(Some(query), EventsParams::ACCEPTED)?;
        EventsParams::from_query(&mut q)
    }

    fn code(r: Result<EventsParams, ApiError>) -> &'static str {
        r.err().map(|e| e.code()).unwrap_or("ok")
    }

    #[test]
    fn addresses_in_any_case_parse_to_the_same_value() {
        let lower = parse_address("x", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").ok();
        let upper = parse_address("x", "0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED").ok();
        let mixed = parse_address("x", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").ok();
        assert!(lower.is_some());
        assert_eq!(lower, upper);
        assert_eq!(lower, mixed);
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "0x",
            "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaedd",
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg",
            "0x+aaeb6053f3e94c9b9a09f33669435e7ef1beae",
            "0xé5aeb6053f3e94c9b9a09f33669435e7ef1beae",
        ] {
            assert!(parse_address("x", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn limits_outside_1_to_1000_are_refused() {
        assert_eq!(events("").map(|p| p.limit).ok(), Some(DEFAULT_LIMIT));
        assert_eq!(events("limit=1000").map(|p| p.limit).ok(), Some(1000));
        for bad in [
            "0",
            "1001",
            "abc",
            "-1",
            "+5",
            " 5",
            "",
            "99999999999999999999999",
        ] {
            assert_eq!(
                code(events(&format!("limit={bad}"))),
                "invalid_limit",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn every_bad_query_has_its_code() {
        assert_eq!(code(events("foo=1")), "unknown_parameter");
        assert_eq!(code(events("limit=5&limit=6")), "duplicate_parameter");
        assert_eq!(code(events("after=")), "invalid_cursor");
        assert_eq!(code(events("after=xyz")), "invalid_cursor");
        assert_eq!(code(events("from_block=abc")), "invalid_parameter");
        assert_eq!(code(events("to_block=1.5")), "invalid_parameter");
        assert_eq!(
            code(events("to_block=9223372036854775808")),
            "invalid_parameter"
        );
        assert_eq!(code(events("to_block=9223372036854775807")), "ok");
        assert_eq!(code(events("from_block=5&to_block=4")), "invalid_range");
        assert_eq!(code(events("address=0x12")), "invalid_address");
        assert_eq!(code(events("chain=")), "invalid_parameter");
        assert_eq!(code(events("from_block=4&to_block=4")), "ok");
    }

    #[test]
    fn values_are_percent_decoded() {
        let p = events("contract=My%20Token&event=Transfer").ok();
        assert_eq!(
            p.as_ref().and_then(|p| p.contract.as_deref()),
            Some("My Token")
        );
        assert_eq!(
            p.as_ref().and_then(|p| p.event.as_deref()),
            Some("Transfer")
        );
    }
}
