//! The serving tunables: `[api] rate_limit_per_second` / `rate_limit_burst`
//! and `[cache] enabled` / `max_bytes` / optional `redis_url`.

use crate::support::{CHAIN, Project, assert_error, assert_single, line_of};

#[test]
fn defaults_apply_when_the_keys_are_absent() {
    let config = Project::new().load(CHAIN).expect("loads");
    assert_eq!(config.api.rate_limit_per_second, 1000);
    assert_eq!(config.api.rate_limit_burst, 2000);
    assert!(config.cache.is_none());
}

#[test]
fn the_keys_are_read_and_the_burst_defaults_to_twice_the_rate() {
    let toml = format!(
        "{CHAIN}[api]\nrate_limit_per_second = 50\n[cache]\nenabled = false\nmax_bytes = 1048576\n"
    );
    let config = Project::new().load(&toml).expect("loads");
    assert_eq!(
        (
            config.api.rate_limit_per_second,
            config.api.rate_limit_burst
        ),
        (50, 100)
    );
    let cache = config.cache.expect("[cache]");
    assert!(!cache.enabled);
    assert_eq!(cache.max_bytes, 1_048_576);
    assert_eq!(cache.redis_url, None);

    let toml = format!(
        "{CHAIN}[api]\nrate_limit_per_second = 0\nrate_limit_burst = 7\n[cache]\nredis_url = \"redis://127.0.0.1:6379\"\n"
    );
    let config = Project::new().load(&toml).expect("loads");
    assert_eq!(
        (
            config.api.rate_limit_per_second,
            config.api.rate_limit_burst
        ),
        (0, 7)
    );
    let cache = config.cache.expect("[cache]");
    assert!(cache.enabled);
    assert_eq!(cache.max_bytes, 256 * 1024 * 1024);
    assert_eq!(
        cache.redis_url.map(|u| u.to_string()).as_deref(),
        Some("redis://127.0.0.1:6379")
    );
}

#[test]
fn bad_values_name_key_and_line() {
    let toml = format!(
        "{CHAIN}[api]\nrate_limit_per_second = -5\nrate_limit_burst = 0\n[cache]\nenabled = \"yes\"\nmax_bytes = 0\n"
    );
    let errors = Project::new().errors(&toml);
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert_error(
        &errors,
        "api.rate_limit_per_second",
        line_of(&toml, "rate_limit_per_second"),
        "must not be negative, found -5",
    );
    assert_error(
        &errors,
        "api.rate_limit_burst",
        line_of(&toml, "rate_limit_burst"),
        "must be between 1 and 4294967295, found 0",
    );
    assert_error(
        &errors,
        "cache.enabled",
        line_of(&toml, "enabled"),
        "boolean",
    );
    assert_error(
        &errors,
        "cache.max_bytes",
        line_of(&toml, "max_bytes"),
        "must be at least 1, found 0",
    );
}

#[test]
fn a_rate_beyond_the_limit_is_rejected() {
    let toml = format!("{CHAIN}[api]\nrate_limit_per_second = 99999999999\n");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "api.rate_limit_per_second",
        line_of(&toml, "rate_limit_per_second"),
        "must be between 0 and 2147483647",
    );
}

#[test]
fn environment_overrides_reach_the_new_keys() {
    let toml = format!("{CHAIN}[cache]\n");
    let config = Project::new()
        .load_env(
            &toml,
            &[
                ("TRIBUTARY_CACHE__ENABLED", "false"),
                ("TRIBUTARY_API__RATE_LIMIT_BURST", "9"),
            ],
        )
        .expect("loads");
    assert!(!config.cache.expect("[cache]").enabled);
    assert_eq!(config.api.rate_limit_burst, 9);
}
