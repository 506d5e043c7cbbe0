//! The keys every table of `tributary.toml` accepts, shared by the reader
//! (unknown-key checks) and the environment overrides (which keys exist).

/// Top-level keys.
pub(crate) const ROOT: &[&str] = &["database", "api", "cache", "chain", "contract"];
/// `[database]`.
pub(crate) const DATABASE: &[&str] = &["url"];
/// `[api]`.
pub(crate) const API: &[&str] = &[
    "listen",
    "cors_origins",
    "request_timeout_ms",
    "rate_limit_per_second",
    "rate_limit_burst",
];
/// `[cache]`.
pub(crate) const CACHE: &[&str] = &["redis_url", "enabled", "max_bytes"];
/// `[[chain]]`.
pub(crate) const CHAIN: &[&str] = &[
    "name",
    "chain_id",
    "rpc",
    "ws",
    "confirmations",
    "poll_interval_ms",
    "max_block_range",
    "fetch_concurrency",
    "batch_events",
    "commit_interval_ms",
    "refresh_blocks",
    "on_error",
    "max_lag_blocks",
    "bloom_check",
];
/// `[[contract]]`.
pub(crate) const CONTRACT: &[&str] = &[
    "name",
    "chain",
    "kind",
    "address",
    "factory",
    "start_block",
    "abi",
    "events",
    "asset",
    "stable",
];
/// `factory = { .. }` of a contract.
pub(crate) const FACTORY: &[&str] = &["contract", "event", "parameter"];
/// The table form of a role override: `Role = { event = "..", args = [..] }`.
pub(crate) const ROLE_BINDING: &[&str] = &["event", "args"];

/// How an environment override's text becomes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Always a string (a TOML-quoted value is unquoted).
    Str,
    /// A TOML value when it parses (numbers, booleans), else a string.
    Scalar,
    /// A TOML array when written `[..]`, else a single string (addresses and
    /// URLs are never read as numbers).
    List,
    /// A TOML inline table `{..}` as a whole, or one sub-key with the given keys.
    Table(&'static [&'static str]),
    /// A contract's `events`: an array of names, a table of role overrides, or
    /// one role (any name; roles depend on the kind).
    Events,
}

/// The shape of `key` in the table `table` (one of the section names, or
/// `factory`), or `None` when the key does not exist.
pub(crate) fn shape(table: &str, key: &str) -> Option<Shape> {
    let keys = match table {
        "database" => DATABASE,
        "api" => API,
        "cache" => CACHE,
        "chain" => CHAIN,
        "contract" => CONTRACT,
        "factory" => FACTORY,
        _ => return None,
    };
    if !keys.contains(&key) {
        return None;
    }
    Some(match key {
        "cors_origins" | "rpc" | "address" => Shape::List,
        "factory" => Shape::Table(FACTORY),
        "events" => Shape::Events,
        "request_timeout_ms" | "chain_id" | "confirmations" | "poll_interval_ms"
        | "max_block_range" | "fetch_concurrency" | "batch_events" | "commit_interval_ms"
        | "start_block" | "refresh_blocks" | "stable" | "max_lag_blocks" => Shape::Scalar,
        "rate_limit_per_second" | "rate_limit_burst" | "enabled" | "max_bytes" => Shape::Scalar,
        _ => Shape::Str,
    })
}

/// The keys of `table`, for messages.
pub(crate) fn keys(table: &str) -> &'static [&'static str] {
    match table {
        "database" => DATABASE,
        "api" => API,
        "cache" => CACHE,
        "chain" => CHAIN,
        "contract" => CONTRACT,
        "factory" => FACTORY,
        _ => ROOT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_a_shape() {
        for table in ["database", "api", "cache", "chain", "contract", "factory"] {
            for key in keys(table) {
                assert!(shape(table, key).is_some(), "{table}.{key}");
            }
        }
        assert_eq!(shape("chain", "nope"), None);
    }
}
