//! Checks of single values shared by every section: names, URLs, bounded numbers.

use std::ops::RangeInclusive;

use url::Url;

use crate::read::{Ctx, Fields};
use crate::tree::Node;

/// A chain or contract name: non-empty, no whitespace or control characters.
pub(super) fn name(ctx: &mut Ctx, key: &str, node: &Node) -> Option<String> {
    let name = ctx.string(key, node)?;
    let problem = if name.is_empty() {
        Some("must not be empty".to_owned())
    } else if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some(format!(
            "invalid name \"{name}\": must not contain whitespace or control characters"
        ))
    } else {
        None
    };
    match problem {
        Some(message) => {
            ctx.error(&node.origin, key, message);
            None
        }
        None => Some(name.to_owned()),
    }
}

/// An absolute URL whose scheme is one of `schemes` and that has a host.
pub(super) fn url(ctx: &mut Ctx, key: &str, node: &Node, schemes: &[&str]) -> Option<Url> {
    let text = ctx.string(key, node)?;
    match check_url(text, schemes) {
        Ok(url) => Some(url),
        Err(message) => {
            ctx.error(&node.origin, key, message);
            None
        }
    }
}

/// Parses `text` as a URL with one of `schemes` and a host.
pub(super) fn check_url(text: &str, schemes: &[&str]) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("invalid URL \"{text}\": {e}"))?;
    if !schemes.contains(&url.scheme()) {
        return Err(format!(
            "unsupported scheme \"{}\" in \"{text}\"; expected {}",
            url.scheme(),
            schemes.join(" or ")
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("invalid URL \"{text}\": missing host"));
    }
    Ok(url)
}

/// The optional unsigned integer `key` of `fields`, within `range`, or `default`.
/// Returns `None` (after recording the problem) when present but invalid.
pub(super) fn bounded(
    ctx: &mut Ctx,
    fields: &mut Fields<'_>,
    key: &str,
    range: RangeInclusive<u64>,
    default: u64,
) -> Option<u64> {
    let Some(node) = fields.get(key) else {
        return Some(default);
    };
    let full = fields.key(key);
    let value = ctx.uint(&full, node)?;
    if range.contains(&value) {
        return Some(value);
    }
    let message = if *range.end() == u64::MAX {
        format!("must be at least {}, found {value}", range.start())
    } else {
        format!(
            "must be between {} and {}, found {value}",
            range.start(),
            range.end()
        )
    };
    ctx.error(&node.origin, full, message);
    None
}

/// `bounded` converted to `usize`.
pub(super) fn bounded_usize(
    ctx: &mut Ctx,
    fields: &mut Fields<'_>,
    key: &str,
    range: RangeInclusive<u64>,
    default: u64,
) -> Option<usize> {
    let value = bounded(ctx, fields, key, range, default)?;
    match usize::try_from(value) {
        Ok(v) => Some(v),
        Err(_) => {
            if let Some(node) = fields.get(key) {
                ctx.error(
                    &node.origin,
                    fields.key(key),
                    format!("{value} is too large"),
                );
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_need_an_allowed_scheme_and_a_host() {
        assert!(check_url("https://a.example", &["http", "https"]).is_ok());
        let err = check_url("ftp://a.example", &["http", "https"]).expect_err("scheme");
        assert_eq!(
            err,
            "unsupported scheme \"ftp\" in \"ftp://a.example\"; expected http or https"
        );
        let err = check_url("not a url", &["http"]).expect_err("relative");
        assert!(err.starts_with("invalid URL \"not a url\""), "{err}");
        assert!(check_url("redis://127.0.0.1:6379", &["redis"]).is_ok());
    }
}
