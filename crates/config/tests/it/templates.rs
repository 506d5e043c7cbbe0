//! Template contracts: role overrides by signature or by ABI name, and their errors.

use tributary_config::ContractKind;

use crate::support::{ADDR_A, CHAIN, Project, assert_single, line_of};

fn erc20(extra: &str) -> String {
    format!(
        "{CHAIN}\n[[contract]]\nname = \"T\"\nchain = \"bsc\"\nkind = \"erc20\"\naddress = \"{ADDR_A}\"\n{extra}\n"
    )
}

#[test]
fn a_template_binds_its_built_in_roles() {
    let config = Project::new()
        .load(&erc20(""))
        .unwrap_or_else(|e| panic!("{e}"));
    let token = &config.contracts[0];
    assert_eq!(
        token.roles["Transfer"].full_signature(),
        "event Transfer(address indexed from, address indexed to, uint256 value)"
    );
    assert_eq!(token.events, vec![token.roles["Transfer"].clone()]);
    assert!(token.abi.event("Transfer").is_some());
}

#[test]
fn a_role_can_be_overridden_by_signature() {
    let toml = erc20(
        "[contract.events]\nTransfer = \"event Transfer(address indexed src, address indexed dst, uint256 wad)\"",
    );
    let config = Project::new().load(&toml).unwrap_or_else(|e| panic!("{e}"));
    let transfer = &config.contracts[0].roles["Transfer"];
    assert_eq!(transfer.inputs[2].name, "wad");
    assert_eq!(config.contracts[0].events[0], *transfer);
}

#[test]
fn a_role_can_name_an_event_of_the_contracts_abi() {
    let project = Project::new();
    let toml = format!(
        "{CHAIN}[[contract]]\nname = \"S\"\nchain = \"bsc\"\nkind = \"savings\"\nabi = \"abis/Foo.json\"\naddress = \"{ADDR_A}\"\n\
         [contract.events]\nDeposit = \"Foo\"\n"
    );
    let config = project.load(&toml).unwrap_or_else(|e| panic!("{e}"));
    let savings = &config.contracts[0];
    assert_eq!(savings.kind, ContractKind::Savings);
    assert_eq!(savings.roles["Deposit"].name, "Foo");
    assert_eq!(savings.roles["Withdraw"].name, "Withdraw");
    assert_eq!(savings.events.len(), 2);
    assert!(
        savings.abi.event("Bar").is_some(),
        "the contract's own ABI is kept"
    );
}

#[test]
fn an_optional_role_can_be_switched_off() {
    let toml = format!(
        "{CHAIN}[[contract]]\nname = \"N\"\nchain = \"bsc\"\nkind = \"erc721\"\naddress = \"{ADDR_A}\"\nevents = {{ Approval = false }}\n"
    );
    let config = Project::new().load(&toml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.contracts[0].roles.len(), 1);
    assert_eq!(config.contracts[0].events.len(), 1);
}

#[test]
fn an_unknown_role_is_rejected() {
    let toml =
        erc20("[contract.events]\nTransferr = \"event Transfer(address a, address b, uint256 c)\"");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].events.Transferr",
        line_of(&toml, "Transferr ="),
        "unknown role \"Transferr\" for kind \"erc20\"; roles: Transfer",
    );
}

#[test]
fn an_unparsable_signature_is_rejected() {
    let toml =
        erc20("[contract.events]\nTransfer = \"event Transfer(address a, address b, uint256 c\"");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].events.Transfer",
        line_of(&toml, "Transfer ="),
        "cannot parse event signature",
    );
}

#[test]
fn an_incompatible_override_is_rejected() {
    let toml = erc20(
        "[contract.events]\nTransfer = \"event Transfer(address indexed src, uint256 wad, address indexed dst)\"",
    );
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].events.Transfer",
        line_of(&toml, "Transfer ="),
        "event Transfer(address,uint256,address) does not fit role Transfer of kind \"erc20\": \
         expected parameter types (address,address,uint256) in this order, or parameters named \
         from, to, value with those types, but no parameter is named \"from\" (parameters: src, wad, dst)",
    );
}

#[test]
fn a_bare_name_needs_an_abi() {
    let toml = erc20("[contract.events]\nTransfer = \"Move\"");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].events.Transfer",
        line_of(&toml, "Transfer ="),
        "set `abi`",
    );
}

#[test]
fn the_events_shape_must_match_the_kind() {
    let toml = erc20("events = [\"Transfer\"]");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].events",
        line_of(&toml, "events ="),
        "must be a table mapping roles to event signatures",
    );

    let toml = format!(
        "{CHAIN}[[contract]]\nname = \"A\"\nchain = \"bsc\"\nkind = \"events\"\nabi = \"abis/Foo.json\"\naddress = \"{ADDR_A}\"\n[contract.events]\nFoo = \"Foo\"\n"
    );
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].events",
        line_of(&toml, "[contract.events]"),
        "must be an array of event names",
    );
}

#[test]
fn an_unknown_kind_lists_the_kinds() {
    let toml = erc20("").replace("\"erc20\"", "\"erc21\"");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].kind",
        line_of(&toml, "erc21"),
        "unknown kind \"erc21\"; expected one of: events, erc20, erc721",
    );
}
