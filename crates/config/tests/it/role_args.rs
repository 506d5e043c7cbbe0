//! Role overrides whose parameters come in another order: matched by name, or
//! listed with `{ event = "..", args = [..] }`; `role_args` records the order.

use crate::support::{ADDR_A, ADDR_B, CHAIN, Project, assert_single, line_of};

const SUPPLY: &str = "event Supply(uint256 amount, address indexed who, address indexed asset)";

fn vault(events: &str) -> String {
    format!(
        "{CHAIN}\n[[contract]]\nname = \"V\"\nchain = \"bsc\"\nkind = \"cdp_vault\"\naddress = \"{ADDR_A}\"\nasset = \"{ADDR_B}\"\n[contract.events]\n{events}\n"
    )
}

#[test]
fn default_roles_have_identity_args() {
    let config = Project::new()
        .load(&vault(""))
        .unwrap_or_else(|e| panic!("{e}"));
    let v = &config.contracts[0];
    assert_eq!(v.role_args.len(), 4);
    assert_eq!(v.role_args["Deposit"], [0, 1, 2]);
    assert_eq!(v.role_args["Borrow"], [0, 1]);
    assert_eq!(
        v.role_args.keys().collect::<Vec<_>>(),
        v.roles.keys().collect::<Vec<_>>()
    );
    assert_eq!(v.role_arg("Deposit", 2), Some(2));
    assert_eq!(v.role_arg("Liquidate", 0), None);
}

#[test]
fn kind_events_has_no_role_args() {
    let toml = format!(
        "{CHAIN}[[contract]]\nname = \"A\"\nchain = \"bsc\"\nkind = \"events\"\nabi = \"abis/Foo.json\"\naddress = \"{ADDR_A}\"\n"
    );
    let config = Project::new().load(&toml).unwrap_or_else(|e| panic!("{e}"));
    assert!(config.contracts[0].role_args.is_empty());
}

#[test]
fn a_reordered_override_binds_by_name() {
    let toml = vault(
        "Deposit = \"event Supply(uint256 amount, address indexed user, address indexed collateral)\"",
    );
    let config = Project::new().load(&toml).unwrap_or_else(|e| panic!("{e}"));
    let v = &config.contracts[0];
    assert_eq!(v.roles["Deposit"].name, "Supply");
    assert_eq!(v.role_args["Deposit"], [1, 2, 0]);
    assert_eq!(v.role_args["Withdraw"], [0, 1, 2]);
}

#[test]
fn the_table_form_lists_the_parameters_in_role_order() {
    let toml = vault(&format!(
        "Deposit = {{ event = \"{SUPPLY}\", args = [\"who\", \"asset\", \"amount\"] }}"
    ));
    let config = Project::new().load(&toml).unwrap_or_else(|e| panic!("{e}"));
    let v = &config.contracts[0];
    assert_eq!(v.roles["Deposit"].full_signature(), SUPPLY);
    assert_eq!(v.role_args["Deposit"], [1, 2, 0]);
    assert_eq!(v.events[0].name, "Supply");
}

#[test]
fn the_table_form_may_name_an_abi_event_and_skip_args() {
    let project = Project::new();
    let toml = format!(
        "{CHAIN}[[contract]]\nname = \"S\"\nchain = \"bsc\"\nkind = \"savings\"\nabi = \"abis/Foo.json\"\naddress = \"{ADDR_A}\"\n\
         [contract.events]\nDeposit = {{ event = \"Foo\" }}\n"
    );
    let config = project.load(&toml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.contracts[0].roles["Deposit"].name, "Foo");
    assert_eq!(config.contracts[0].role_args["Deposit"], [0, 1]);
}

#[test]
fn an_unmatched_args_entry_is_reported_at_its_position() {
    let toml = vault(&format!(
        "Deposit = {{ event = \"{SUPPLY}\", args = [\"who\", \"token\", \"amount\"] }}"
    ));
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].events.Deposit.args[1]",
        line_of(&toml, "Deposit ="),
        "\"token\" is not a parameter of Supply(uint256,address,address) (parameters: amount, who, asset)",
    );

    let toml = vault(&format!(
        "Deposit = {{ event = \"{SUPPLY}\", args = [\"who\", \"amount\", \"asset\"] }}"
    ));
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].events.Deposit.args[1]",
        line_of(&toml, "Deposit ="),
        "parameter \"amount\" of Supply is uint256, but role parameter collateral of Deposit is address",
    );

    let toml = vault(&format!(
        "Deposit = {{ event = \"{SUPPLY}\", args = [\"who\", \"asset\"] }}"
    ));
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].events.Deposit.args",
        line_of(&toml, "Deposit ="),
        "lists 2 parameters, but role Deposit has 3: one name of Supply for each of (address user, address collateral, uint256 amount)",
    );
}

#[test]
fn the_table_form_rejects_unknown_and_missing_keys() {
    let toml = vault(&format!(
        "[contract.events.Deposit]\nsignature = \"{SUPPLY}\"\nargs = [\"who\", \"asset\", \"amount\"]"
    ));
    let errors = Project::new().errors(&toml);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    crate::support::assert_error(
        &errors,
        "contract[0].events.Deposit.signature",
        line_of(&toml, "signature ="),
        "unknown key \"signature\"; expected one of: event, args",
    );
    crate::support::assert_error(
        &errors,
        "contract[0].events.Deposit.event",
        line_of(&toml, "[contract.events.Deposit]"),
        "missing required key",
    );

    let toml = vault(&format!(
        "Deposit = {{ event = \"{SUPPLY}\", args = \"who\" }}"
    ));
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].events.Deposit.args",
        line_of(&toml, "Deposit ="),
        "expected an array of strings, found a string",
    );
}

#[test]
fn a_bad_signature_in_the_table_form_is_reported_at_event() {
    let toml = vault("Deposit = { event = \"event Supply(uint256\", args = [] }");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].events.Deposit.event",
        line_of(&toml, "Deposit ="),
        "cannot parse event signature",
    );
}

#[test]
fn names_that_contradict_a_fitting_order_are_refused() {
    let toml = vault(
        "Deposit = \"event Deposit(address indexed collateral, address indexed user, uint256 amount)\"",
    );
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].events.Deposit",
        line_of(&toml, "Deposit ="),
        "its parameters are named like the role's in another order (collateral, user, amount)",
    );
}

#[test]
fn role_args_are_part_of_the_fingerprint() {
    let fingerprint = |events: &str| {
        let config = Project::new()
            .load(&vault(events))
            .unwrap_or_else(|e| panic!("{e}"));
        config.contracts[0].fingerprint.clone()
    };
    // Two address parameters: the same event with either mapping.
    let as_listed = fingerprint(&format!(
        "Deposit = {{ event = \"{SUPPLY}\", args = [\"who\", \"asset\", \"amount\"] }}"
    ));
    let swapped = fingerprint(&format!(
        "Deposit = {{ event = \"{SUPPLY}\", args = [\"asset\", \"who\", \"amount\"] }}"
    ));
    assert_ne!(as_listed, swapped);
    // An explicit identity mapping is the plain binding.
    let default = fingerprint("");
    let identity = fingerprint(
        "Deposit = { event = \"event Deposit(address indexed user, address indexed collateral, uint256 amount)\", args = [\"user\", \"collateral\", \"amount\"] }",
    );
    assert_eq!(default, identity);
}
