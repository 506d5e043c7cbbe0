//! Fingerprints change with what affects projection output, and only with that.

use crate::support::{ADDR_A, CHAIN, Project};

fn config(name: &str, start_block: u64, extra: &str) -> String {
    // The child names the recipient by position so that overrides may rename it.
    format!(
        "{CHAIN}[[contract]]\nname = \"{name}\"\nchain = \"bsc\"\nkind = \"erc20\"\naddress = \"{ADDR_A}\"\nstart_block = {start_block}\n{extra}\n\
         [[contract]]\nname = \"Pairs\"\nchain = \"bsc\"\nkind = \"uniswap_v2_pair\"\n\
         factory = {{ contract = \"{name}\", event = \"Transfer\", parameter = \"1\" }}\n"
    )
}

fn fingerprints(toml: &str) -> (String, String) {
    let config = Project::new().load(toml).unwrap_or_else(|e| panic!("{e}"));
    (
        config.contracts[0].fingerprint.clone(),
        config.contracts[1].fingerprint.clone(),
    )
}

#[test]
fn fingerprint_ignores_names_and_comments() {
    let (token, pairs) = fingerprints(&config("Token", 0, ""));
    assert_eq!(token.len(), 64);
    assert_eq!(
        fingerprints(&config("Renamed", 0, "# a comment\n")),
        (token, pairs)
    );
}

#[test]
fn fingerprint_changes_with_start_block_and_flows_to_factory_children() {
    let (token, pairs) = fingerprints(&config("Token", 0, ""));
    let (token2, pairs2) = fingerprints(&config("Token", 1, ""));
    assert_ne!(token, token2);
    assert_ne!(pairs, pairs2);
}

#[test]
fn fingerprint_changes_with_a_role_override() {
    let (token, _) = fingerprints(&config("Token", 0, ""));
    let renamed_params = "[contract.events]\nTransfer = \"event Transfer(address indexed src, address indexed dst, uint256 wad)\"";
    let (token2, _) = fingerprints(&config("Token", 0, renamed_params));
    assert_ne!(token, token2);
    let same_as_default = "[contract.events]\nTransfer = \"event Transfer(address indexed from, address indexed to, uint256 value)\"";
    let (token3, _) = fingerprints(&config("Token", 0, same_as_default));
    assert_eq!(token, token3);
}

#[test]
fn fingerprint_changes_with_stable_only_when_set() {
    let (token, pairs) = fingerprints(&config("Token", 0, ""));
    let (stable, stable_pairs) = fingerprints(&config("Token", 0, "stable = true"));
    assert_ne!(token, stable);
    assert_ne!(
        pairs, stable_pairs,
        "a factory's change flows to its children"
    );
    assert_eq!(
        fingerprints(&config("Token", 0, "stable = false")),
        (token, pairs)
    );
}

#[test]
fn fingerprint_changes_with_the_asset() {
    let vault = |asset: &str| {
        let toml = format!(
            "{CHAIN}[[contract]]\nname = \"V\"\nchain = \"bsc\"\nkind = \"savings\"\naddress = \"{ADDR_A}\"\n{asset}\n"
        );
        let config = Project::new().load(&toml).unwrap_or_else(|e| panic!("{e}"));
        config.contracts[0].fingerprint.clone()
    };
    let none = vault("");
    let one = vault("asset = \"0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512\"");
    let same = vault("asset = \"0xe7f1725e7734ce288f8367e1bb143e90bb3f0512\"");
    let other = vault("asset = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"");
    assert_ne!(none, one);
    assert_eq!(one, same, "the spelling of an address does not matter");
    assert_ne!(one, other);
}
