//! Cache keys: the request path and query, normalized so that requests the
//! handlers treat alike share one entry.

/// `path?query` with hex addresses in the path lowercased (they are accepted
/// in any case) and query pairs sorted by name (their order means nothing;
/// a name given twice is rejected by the handlers, so never cached).
pub(crate) fn key(path: &str, query: Option<&str>) -> String {
    let mut key = String::with_capacity(path.len() + query.map_or(0, str::len) + 1);
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            key.push('/');
        }
        if is_address(segment) {
            key.push_str(&segment.to_ascii_lowercase());
        } else {
            key.push_str(segment);
        }
    }
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return key;
    };
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    key.push('?');
    key.push_str(
        &url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish(),
    );
    key
}

fn is_address(segment: &str) -> bool {
    segment.len() == 42
        && (segment.starts_with("0x") || segment.starts_with("0X"))
        && segment[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn address_case_and_parameter_order_do_not_matter() {
        let a = key(
            "/v1/accounts/0xAbCdEf0123456789aBcDeF0123456789AbCdEf01/balances",
            Some("chain=eth&x=1"),
        );
        let b = key(
            "/v1/accounts/0xabcdef0123456789abcdef0123456789abcdef01/balances",
            Some("x=1&chain=eth"),
        );
        assert_eq!(a, b);
    }

    #[test]
    fn values_keep_their_case_and_encoding_is_canonical() {
        assert_ne!(
            key("/v1/events", Some("contract=Usdc")),
            key("/v1/events", Some("contract=USDC"))
        );
        assert_eq!(
            key("/v1/events", Some("contract=A%20B")),
            key("/v1/events", Some("contract=A+B"))
        );
        assert_eq!(key("/v1/events", Some("")), "/v1/events");
    }
}
