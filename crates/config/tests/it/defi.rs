//! Keys for DeFi positions and operations: `asset`, `stable`,
//! `refresh_blocks` and `on_error`.

use tributary_config::{ContractKind, OnError, parse_address, templates};

use crate::support::{ADDR_A, ADDR_B, CHAIN, Project, assert_single, line_of};

fn contract(kind: &str, extra: &str) -> String {
    format!(
        "{CHAIN}\n[[contract]]\nname = \"C\"\nchain = \"bsc\"\nkind = \"{kind}\"\naddress = \"{ADDR_A}\"\n{extra}\n"
    )
}

#[test]
fn every_kind_that_takes_an_asset_accepts_one() {
    let expected = parse_address(ADDR_B).ok();
    let kinds: Vec<ContractKind> = ContractKind::ALL
        .into_iter()
        .filter(|k| templates::asset_meaning(*k).is_some())
        .collect();
    assert_eq!(
        kinds,
        [
            ContractKind::Erc4626,
            ContractKind::CdpVault,
            ContractKind::VoteEscrow,
            ContractKind::Savings,
            ContractKind::StabilityPool,
            ContractKind::Gauge,
            ContractKind::Rewards,
            ContractKind::PriceFeed,
        ]
    );
    for kind in kinds {
        let toml = contract(kind.as_str(), &format!("asset = \"{ADDR_B}\""));
        let config = Project::new()
            .load(&toml)
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(config.contracts[0].asset, expected, "{kind}");
        assert!(!config.contracts[0].stable, "{kind}");
    }
}

#[test]
fn asset_is_optional_except_for_price_feeds() {
    let config = Project::new()
        .load(&contract("savings", ""))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.contracts[0].asset, None);

    let toml = contract("price_feed", "");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].asset",
        line_of(&toml, "[[contract]]"),
        "missing required key: kind \"price_feed\" needs `asset`, the token whose USD price the feed gives",
    );
}

#[test]
fn asset_is_rejected_for_kinds_that_do_not_use_it() {
    for kind in ["erc20", "erc721", "uniswap_v2_pair"] {
        let toml = contract(kind, &format!("asset = \"{ADDR_B}\""));
        let errors = Project::new().errors(&toml);
        assert_single(
            &errors,
            "contract[0].asset",
            line_of(&toml, "asset ="),
            &format!("asset is not used by kind \"{kind}\"; it is for kinds erc4626, cdp_vault"),
        );
    }
}

#[test]
fn a_bad_asset_is_reported_at_its_key() {
    let toml = contract("savings", "asset = \"0x12\"");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].asset",
        line_of(&toml, "asset ="),
        "invalid address \"0x12\"",
    );
    let toml = contract("price_feed", "asset = 12");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].asset",
        line_of(&toml, "asset ="),
        "expected a string, found an integer",
    );
}

#[test]
fn stable_marks_an_erc20_worth_one_dollar() {
    let config = Project::new()
        .load(&contract("erc20", "stable = true"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(config.contracts[0].stable);
    let config = Project::new()
        .load(&contract("erc20", ""))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!config.contracts[0].stable);
}

#[test]
fn stable_is_only_for_erc20_and_must_be_a_boolean() {
    let toml = contract("savings", "stable = false");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].stable",
        line_of(&toml, "stable ="),
        "stable is not used by kind \"savings\"",
    );
    let toml = contract("erc20", "stable = \"yes\"");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].stable",
        line_of(&toml, "stable ="),
        "expected a boolean, found a string",
    );
}

#[test]
fn chains_default_refresh_blocks_and_on_error() {
    let config = Project::new()
        .load(&contract("erc20", ""))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.chains[0].refresh_blocks, 100);
    assert_eq!(config.chains[0].on_error, OnError::DeadLetter);

    let toml = format!("{CHAIN}refresh_blocks = 5\non_error = \"halt\"\n");
    let config = Project::new().load(&toml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.chains[0].refresh_blocks, 5);
    assert_eq!(config.chains[0].on_error, OnError::Halt);
    let toml = format!("{CHAIN}on_error = \"dead_letter\"\n");
    let config = Project::new().load(&toml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.chains[0].on_error, OnError::DeadLetter);
}

#[test]
fn bad_refresh_blocks_and_on_error_are_reported() {
    let toml = format!("{CHAIN}refresh_blocks = 0\non_error = \"stop\"\n");
    let errors = Project::new().errors(&toml);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    crate::support::assert_error(
        &errors,
        "chain[0].refresh_blocks",
        line_of(&toml, "refresh_blocks"),
        "must be at least 1, found 0",
    );
    crate::support::assert_error(
        &errors,
        "chain[0].on_error",
        line_of(&toml, "on_error"),
        "unknown on_error \"stop\"; expected one of: dead_letter, halt",
    );
    let toml = format!("{CHAIN}on_error = true\n");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "chain[0].on_error",
        line_of(&toml, "on_error"),
        "expected a string, found a boolean",
    );
}

#[test]
fn the_new_keys_are_rejected_in_the_wrong_table() {
    let toml = format!("{CHAIN}stable = true\n");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "chain[0].stable",
        line_of(&toml, "stable"),
        "batch_events, commit_interval_ms, refresh_blocks, on_error",
    );
    let toml = contract("erc20", "on_error = \"halt\"");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].on_error",
        line_of(&toml, "on_error"),
        "unknown key \"on_error\"",
    );
}
