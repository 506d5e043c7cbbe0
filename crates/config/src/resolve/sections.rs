//! `[database]`, `[api]` and `[cache]`.

use std::net::SocketAddr;
use std::path::Path;

use super::values;
use crate::model::{ApiConfig, CacheConfig, DatabaseConfig};
use crate::read::Ctx;
use crate::schema;
use crate::tree::Node;

/// The database URL used when none is configured.
pub(crate) const DEFAULT_DATABASE_URL: &str = "sqlite://tributary.db";
/// The API request timeout used when none is configured.
pub(crate) const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 10_000;
/// The per-client rate used when none is configured (requests per second).
pub(crate) const DEFAULT_RATE_LIMIT_PER_SECOND: u64 = 1000;
/// The in-memory answer cache size used when none is configured.
pub(crate) const DEFAULT_CACHE_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// `[database]` (optional, as is its `url`).
pub(super) fn database(ctx: &mut Ctx, node: Option<&Node>) -> Option<DatabaseConfig> {
    let mut url_node = None;
    if let Some(node) = node {
        let mut fields = ctx.table("database", node, schema::DATABASE)?;
        url_node = fields.get("url");
        fields.finish(ctx);
    }
    let text = match url_node {
        Some(node) => ctx.string("database.url", node)?,
        None => DEFAULT_DATABASE_URL,
    };
    match database_url(text, &ctx.dir) {
        Ok(url) => Some(DatabaseConfig { url }),
        Err(message) => {
            if let Some(node) = url_node {
                ctx.error(&node.origin, "database.url", message);
            }
            None
        }
    }
}

/// Resolves a database URL: a relative SQLite path against `dir` (adding
/// `mode=rwc` unless a mode is given), PostgreSQL URLs unchanged.
pub(crate) fn database_url(url: &str, dir: &Path) -> Result<String, String> {
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        let path = path.strip_prefix("//").unwrap_or(path);
        if path == ":memory:" {
            return Ok(url.to_owned());
        }
        if path.is_empty() {
            return Err(format!(
                "invalid database URL \"{url}\": missing the database file path (e.g. sqlite://tributary.db)"
            ));
        }
        let joined = dir.join(path);
        let absolute = std::path::absolute(&joined).unwrap_or(joined);
        let absolute = absolute
            .to_str()
            .ok_or_else(|| format!("database path {} is not valid UTF-8", absolute.display()))?;
        let query = match query {
            Some(q) if q.split('&').any(|p| p.starts_with("mode=")) => q.to_owned(),
            Some(q) if !q.is_empty() => format!("{q}&mode=rwc"),
            _ => "mode=rwc".to_owned(),
        };
        return Ok(format!("sqlite://{absolute}?{query}"));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        url::Url::parse(url).map_err(|e| format!("invalid database URL \"{url}\": {e}"))?;
        return Ok(url.to_owned());
    }
    Err(format!(
        "unsupported database URL \"{url}\"; expected sqlite://<path> or postgres://<user>@<host>/<db>"
    ))
}

/// `[api]` (optional; every key has a default).
pub(super) fn api(ctx: &mut Ctx, node: Option<&Node>) -> Option<ApiConfig> {
    let Some(node) = node else {
        return Some(ApiConfig {
            listen: default_listen(),
            cors_origins: Vec::new(),
            request_timeout_ms: DEFAULT_REQUEST_TIMEOUT_MS,
            rate_limit_per_second: DEFAULT_RATE_LIMIT_PER_SECOND as u32,
            rate_limit_burst: 2 * DEFAULT_RATE_LIMIT_PER_SECOND as u32,
        });
    };
    let mut fields = ctx.table("api", node, schema::API)?;
    let listen = match fields.get("listen") {
        None => Some(default_listen()),
        Some(node) => ctx.string("api.listen", node).and_then(|text| {
            let parsed = text.parse::<SocketAddr>();
            if parsed.is_err() {
                let message = format!(
                    "invalid listen address \"{text}\": expected ip:port such as 127.0.0.1:8080"
                );
                ctx.error(&node.origin, "api.listen", message);
            }
            parsed.ok()
        }),
    };
    let cors_origins = match fields.get("cors_origins") {
        None => Some(Vec::new()),
        Some(node) => cors_origins(ctx, node),
    };
    let request_timeout_ms = values::bounded(
        ctx,
        &mut fields,
        "request_timeout_ms",
        1..=u64::MAX,
        DEFAULT_REQUEST_TIMEOUT_MS,
    );
    let per_second = values::bounded(
        ctx,
        &mut fields,
        "rate_limit_per_second",
        0..=u64::from(u32::MAX / 2),
        DEFAULT_RATE_LIMIT_PER_SECOND,
    );
    // A burst of 0 would refuse every request: at least 1 when given.
    let burst = values::bounded(
        ctx,
        &mut fields,
        "rate_limit_burst",
        1..=u64::from(u32::MAX),
        0,
    );
    fields.finish(ctx);
    let per_second = per_second?;
    let burst = match burst? {
        0 => 2 * per_second,
        b => b,
    };
    Some(ApiConfig {
        listen: listen?,
        cors_origins: cors_origins?,
        request_timeout_ms: request_timeout_ms?,
        rate_limit_per_second: u32::try_from(per_second).ok()?,
        rate_limit_burst: u32::try_from(burst).ok()?,
    })
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn cors_origins(ctx: &mut Ctx, node: &Node) -> Option<Vec<String>> {
    let items = ctx.strings("api.cors_origins", node, false)?;
    let mut ok = true;
    for (key, text, node) in &items {
        if *text == "*" {
            continue;
        }
        let problem = match values::check_url(text, &["http", "https"]) {
            Err(message) => Some(message),
            Ok(url) if url.path() != "/" || url.query().is_some() => Some(format!(
                "invalid origin \"{text}\": expected scheme://host[:port] without a path, or \"*\""
            )),
            Ok(_) => None,
        };
        if let Some(message) = problem {
            ctx.error(&node.origin, key.as_str(), message);
            ok = false;
        }
    }
    ok.then(|| {
        items
            .into_iter()
            .map(|(_, text, _)| text.to_owned())
            .collect()
    })
}

/// `[cache]`, present only when the section is (every key is optional).
pub(super) fn cache(ctx: &mut Ctx, node: &Node) -> Option<CacheConfig> {
    let mut fields = ctx.table("cache", node, schema::CACHE)?;
    let redis_url = match fields.get("redis_url") {
        None => Some(None),
        Some(node) => values::url(ctx, "cache.redis_url", node, &["redis", "rediss"]).map(Some),
    };
    let enabled = match fields.get("enabled") {
        None => Some(true),
        Some(node) => ctx.boolean("cache.enabled", node),
    };
    let max_bytes = values::bounded(
        ctx,
        &mut fields,
        "max_bytes",
        1..=u64::MAX,
        DEFAULT_CACHE_MAX_BYTES,
    );
    fields.finish(ctx);
    Some(CacheConfig {
        redis_url: redis_url?,
        enabled: enabled?,
        max_bytes: max_bytes?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_sqlite_paths_resolve_against_the_config_directory() {
        let dir = Path::new("/srv/app");
        assert_eq!(
            database_url("sqlite://tributary.db", dir).as_deref(),
            Ok("sqlite:///srv/app/tributary.db?mode=rwc")
        );
        assert_eq!(
            database_url("sqlite://./data/t.db?mode=ro", dir).as_deref(),
            Ok("sqlite:///srv/app/data/t.db?mode=ro")
        );
        assert_eq!(
            database_url("sqlite:///var/t.db?cache=shared", dir).as_deref(),
            Ok("sqlite:///var/t.db?cache=shared&mode=rwc")
        );
        assert_eq!(
            database_url("sqlite::memory:", dir).as_deref(),
            Ok("sqlite::memory:")
        );
    }

    #[test]
    fn postgres_urls_are_kept_and_other_schemes_rejected() {
        let dir = Path::new("/srv/app");
        let pg = "postgres://user:pw@db.internal:5432/tributary";
        assert_eq!(database_url(pg, dir).as_deref(), Ok(pg));
        let err = database_url("mysql://x/y", dir).expect_err("mysql");
        assert!(
            err.starts_with("unsupported database URL \"mysql://x/y\""),
            "{err}"
        );
        assert!(database_url("sqlite://", dir).is_err());
    }
}
