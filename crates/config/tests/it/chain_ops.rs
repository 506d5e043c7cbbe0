//! `[[chain]]` operations keys: `bloom_check` and `max_lag_blocks`.

use tributary_config::BloomCheck;

use crate::support::{CHAIN, Project, assert_error, assert_single, line_of};

#[test]
fn bloom_check_and_max_lag_blocks_default_and_parse() {
    let config = Project::new().load(CHAIN).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.chains[0].bloom_check, BloomCheck::Tail);
    assert_eq!(config.chains[0].max_lag_blocks, 5);
    for mode in BloomCheck::ALL {
        let toml = format!("{CHAIN}bloom_check = \"{mode}\"\nmax_lag_blocks = 0\n");
        let config = Project::new().load(&toml).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.chains[0].bloom_check, mode);
        assert_eq!(config.chains[0].max_lag_blocks, 0);
    }
}

#[test]
fn environment_overrides_reach_the_new_keys() {
    let config = Project::new()
        .load_env(
            CHAIN,
            &[
                ("TRIBUTARY_CHAIN__BSC__BLOOM_CHECK", "always"),
                ("TRIBUTARY_CHAIN__0__MAX_LAG_BLOCKS", "40"),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.chains[0].bloom_check, BloomCheck::Always);
    assert_eq!(config.chains[0].max_lag_blocks, 40);
}

#[test]
fn bad_values_name_file_line_and_key() {
    let toml = format!("{CHAIN}bloom_check = \"sometimes\"\nmax_lag_blocks = -1\n");
    let errors = Project::new().errors(&toml);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_error(
        &errors,
        "chain[0].bloom_check",
        line_of(&toml, "bloom_check"),
        "unknown bloom_check \"sometimes\"; expected one of: off, tail, always",
    );
    assert_error(
        &errors,
        "chain[0].max_lag_blocks",
        line_of(&toml, "max_lag_blocks"),
        "must not be negative, found -1",
    );
    assert!(
        errors[0].to_string().contains("tributary.toml:"),
        "{}",
        errors[0]
    );
    let toml = format!("{CHAIN}bloom_check = false\n");
    assert_single(
        &Project::new().errors(&toml),
        "chain[0].bloom_check",
        line_of(&toml, "bloom_check"),
        "expected a string, found a boolean",
    );
    let toml = format!("{CHAIN}max_lag_blocks = \"5\"\n");
    assert_single(
        &Project::new().errors(&toml),
        "chain[0].max_lag_blocks",
        line_of(&toml, "max_lag_blocks"),
        "found a string",
    );
}
