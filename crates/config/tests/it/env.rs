//! Environment overrides: `TRIBUTARY_<SECTION>__<KEY>`.

use tributary_config::{OnError, parse_address};

use crate::support::{ADDR_A, ADDR_B, CHAIN, Project};

fn base() -> String {
    format!(
        "{CHAIN}[[contract]]\nname = \"Usdc-Token\"\nchain = \"bsc\"\nkind = \"erc20\"\naddress = \"{ADDR_A}\"\n"
    )
}

#[test]
fn section_keys_are_overridden_and_missing_sections_created() {
    let project = Project::new();
    let config = project
        .load_env(
            &base(),
            &[
                ("TRIBUTARY_API__LISTEN", "0.0.0.0:9000"),
                ("tributary_database__url", "postgres://u@db.internal/t"),
                ("TRIBUTARY_CACHE__REDIS_URL", "redis://cache:6379"),
                ("TRIBUTARY_API__REQUEST_TIMEOUT_MS", "2500"),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.api.listen.to_string(), "0.0.0.0:9000");
    assert_eq!(config.api.request_timeout_ms, 2500);
    assert_eq!(config.database.url, "postgres://u@db.internal/t");
    assert_eq!(
        config
            .cache
            .and_then(|c| c.redis_url)
            .map(|u| u.to_string())
            .as_deref(),
        Some("redis://cache:6379")
    );
}

#[test]
fn chains_are_chosen_by_name_or_index() {
    let project = Project::new();
    let config = project
        .load_env(
            &base(),
            &[
                (
                    "TRIBUTARY_CHAIN__BSC__RPC",
                    "[\"http://a.local\", \"http://b.local\"]",
                ),
                ("TRIBUTARY_CHAIN__0__CONFIRMATIONS", "3"),
                ("TRIBUTARY_CHAIN__bsc__WS", "wss://ws.local"),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let chain = &config.chains[0];
    let rpc: Vec<&str> = chain.rpc.iter().map(url::Url::as_str).collect();
    assert_eq!(rpc, ["http://a.local/", "http://b.local/"]);
    assert_eq!(chain.confirmations, 3);
    assert_eq!(
        chain.ws.as_ref().map(url::Url::as_str),
        Some("wss://ws.local/")
    );
}

#[test]
fn contracts_are_chosen_by_name_with_dashes_as_underscores() {
    let project = Project::new();
    let config = project
        .load_env(
            &base(),
            &[
                ("TRIBUTARY_CONTRACT__USDC_TOKEN__ADDRESS", ADDR_B),
                ("TRIBUTARY_CONTRACT__USDC_TOKEN__START_BLOCK", "42"),
                (
                    "TRIBUTARY_CONTRACT__0__EVENTS__TRANSFER",
                    "event Transfer(address indexed src, address indexed dst, uint256 wad)",
                ),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let token = &config.contracts[0];
    assert_eq!(token.start_block, 42);
    assert_eq!(
        token
            .fixed_addresses()
            .map(|a| a[0].to_checksum(None))
            .as_deref(),
        Some(ADDR_B)
    );
    assert_eq!(token.roles["Transfer"].inputs[2].name, "wad");
}

#[test]
fn variables_without_a_path_are_not_overrides() {
    let project = Project::new();
    let config = project.load_env(
        &base(),
        &[("TRIBUTARY_CONFIG", "other.toml"), ("HOME", "/root")],
    );
    assert!(config.is_ok(), "{config:?}");
}

#[test]
fn overrides_of_unknown_keys_name_the_variable() {
    let project = Project::new();
    let errors = project
        .load_env(
            &base(),
            &[
                ("TRIBUTARY_API__LISTN", "x"),
                ("TRIBUTARY_CHAIN__ETH__RPC", "http://x"),
                ("TRIBUTARY_CHAIN__5__RPC", "http://x"),
                ("TRIBUTARY_LOGS__LEVEL", "debug"),
            ],
        )
        .expect_err("unknown keys");
    let by_var = |var: &str| {
        errors
            .0
            .iter()
            .find(|e| e.source_env.as_deref() == Some(var))
            .unwrap_or_else(|| panic!("no error for {var}: {errors}"))
    };
    assert_eq!(errors.0.len(), 4, "{errors}");
    let e = by_var("TRIBUTARY_API__LISTN");
    assert_eq!((e.key.as_str(), e.line), ("api.listn", None));
    assert!(
        e.message.starts_with("unknown key \"listn\" in [api]"),
        "{e}"
    );
    assert!(
        by_var("TRIBUTARY_CHAIN__ETH__RPC")
            .message
            .contains("no chain named \"eth\" (configured: bsc)")
    );
    assert!(
        by_var("TRIBUTARY_CHAIN__5__RPC")
            .message
            .contains("no chain[5]")
    );
    assert!(
        by_var("TRIBUTARY_LOGS__LEVEL")
            .message
            .contains("unknown section \"logs\"")
    );
}

#[test]
fn bad_overridden_values_name_the_variable_instead_of_a_line() {
    let project = Project::new();
    let errors = project
        .load_env(
            &base(),
            &[
                ("TRIBUTARY_CHAIN__BSC__RPC", "ftp://x"),
                ("TRIBUTARY_CHAIN__BSC__CHAIN_ID", "abc"),
            ],
        )
        .expect_err("bad values");
    assert_eq!(errors.0.len(), 2, "{errors}");
    let rpc = errors.for_key("chain[0].rpc").expect("rpc error");
    assert_eq!(rpc.source_env.as_deref(), Some("TRIBUTARY_CHAIN__BSC__RPC"));
    assert_eq!((rpc.line, rpc.column), (None, None));
    assert!(
        rpc.to_string()
            .ends_with("(from environment variable TRIBUTARY_CHAIN__BSC__RPC)"),
        "{rpc}"
    );
    let id = errors.for_key("chain[0].chain_id").expect("chain_id error");
    assert_eq!(
        id.source_env.as_deref(),
        Some("TRIBUTARY_CHAIN__BSC__CHAIN_ID")
    );
    assert!(id.message.contains("found a string"), "{id}");
}

#[test]
fn defi_keys_are_overridden() {
    let project = Project::new();
    let toml = format!(
        "{}[[contract]]\nname = \"Vault\"\nchain = \"bsc\"\nkind = \"cdp_vault\"\naddress = \"{ADDR_B}\"\n",
        base()
    );
    let supply = "{ event = \"event Supply(uint256 amount, address indexed who, address indexed asset)\", \
                  args = [\"who\", \"asset\", \"amount\"] }";
    let config = project
        .load_env(
            &toml,
            &[
                ("TRIBUTARY_CHAIN__BSC__REFRESH_BLOCKS", "25"),
                ("TRIBUTARY_CHAIN__0__ON_ERROR", "halt"),
                ("TRIBUTARY_CONTRACT__USDC_TOKEN__STABLE", "true"),
                ("TRIBUTARY_CONTRACT__VAULT__ASSET", ADDR_A),
                ("TRIBUTARY_CONTRACT__VAULT__EVENTS__DEPOSIT", supply),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.chains[0].refresh_blocks, 25);
    assert_eq!(config.chains[0].on_error, OnError::Halt);
    assert!(config.contracts[0].stable);
    let vault = &config.contracts[1];
    assert_eq!(vault.asset, parse_address(ADDR_A).ok());
    assert_eq!(vault.roles["Deposit"].name, "Supply");
    assert_eq!(vault.role_args["Deposit"], [1, 2, 0]);
}

#[test]
fn bad_overrides_of_defi_keys_name_the_variable() {
    let project = Project::new();
    let errors = project
        .load_env(
            &base(),
            &[
                ("TRIBUTARY_CHAIN__BSC__REFRESH_BLOCKS", "0"),
                ("TRIBUTARY_CHAIN__BSC__ON_ERROR", "panic"),
                ("TRIBUTARY_CONTRACT__0__ASSET", ADDR_B),
                ("TRIBUTARY_CONTRACT__0__STABLE", "yes"),
            ],
        )
        .expect_err("bad values");
    assert_eq!(errors.0.len(), 4, "{errors}");
    let check = |key: &str, var: &str, message: &str| {
        let e = errors
            .for_key(key)
            .unwrap_or_else(|| panic!("no error for {key}: {errors}"));
        assert_eq!(e.source_env.as_deref(), Some(var), "{e}");
        assert_eq!(e.line, None, "{e}");
        assert!(e.message.contains(message), "{e}");
    };
    check(
        "chain[0].refresh_blocks",
        "TRIBUTARY_CHAIN__BSC__REFRESH_BLOCKS",
        "must be at least 1, found 0",
    );
    check(
        "chain[0].on_error",
        "TRIBUTARY_CHAIN__BSC__ON_ERROR",
        "unknown on_error \"panic\"",
    );
    check(
        "contract[0].asset",
        "TRIBUTARY_CONTRACT__0__ASSET",
        "asset is not used by kind \"erc20\"",
    );
    check(
        "contract[0].stable",
        "TRIBUTARY_CONTRACT__0__STABLE",
        "expected a boolean, found a string",
    );
}
