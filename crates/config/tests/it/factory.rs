//! Contracts discovered through a factory's event.

use tributary_config::AddressSource;

use crate::support::{ADDR_A, CHAIN, Project, assert_single, line_of};

fn with_pairs(factory: &str) -> String {
    format!(
        "{CHAIN}\n[[chain]]\nname = \"eth\"\nchain_id = 1\nrpc = \"https://eth.example\"\n\
         [[contract]]\nname = \"Factory\"\nchain = \"bsc\"\nkind = \"uniswap_v2_factory\"\naddress = \"{ADDR_A}\"\n\
         [[contract]]\nname = \"Pairs\"\nchain = \"bsc\"\nkind = \"uniswap_v2_pair\"\nfactory = {factory}\n"
    )
}

#[test]
fn a_factory_reference_resolves() {
    let toml =
        with_pairs("{ contract = \"Factory\", event = \"PairCreated\", parameter = \"pair\" }");
    let config = Project::new().load(&toml).unwrap_or_else(|e| panic!("{e}"));
    let pairs = config.contract("Pairs").expect("Pairs");
    assert_eq!(
        pairs.addresses,
        AddressSource::Factory {
            contract: "Factory".into(),
            event: "PairCreated".into(),
            parameter: "pair".into()
        }
    );
    assert_eq!(pairs.roles.len(), 5);
    assert_eq!(config.contracts_on("bsc").count(), 2);
}

#[test]
fn an_unknown_factory_contract_is_rejected() {
    let toml =
        with_pairs("{ contract = \"Factroy\", event = \"PairCreated\", parameter = \"pair\" }");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[1].factory.contract",
        line_of(&toml, "Factroy"),
        "no contract named \"Factroy\"; contracts: Factory, Pairs",
    );
}

#[test]
fn a_factory_on_another_chain_is_rejected() {
    let toml =
        with_pairs("{ contract = \"Factory\", event = \"PairCreated\", parameter = \"pair\" }")
            .replace(
                "name = \"Pairs\"\nchain = \"bsc\"",
                "name = \"Pairs\"\nchain = \"eth\"",
            );
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[1].factory.contract",
        line_of(&toml, "factory ="),
        "contract \"Factory\" is on chain \"bsc\", not \"eth\"",
    );
}

#[test]
fn the_factory_event_must_be_indexed_for_the_factory() {
    let toml =
        with_pairs("{ contract = \"Factory\", event = \"PairCreatd\", parameter = \"pair\" }");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[1].factory.event",
        line_of(&toml, "factory ="),
        "\"PairCreatd\" is not an event indexed for contract \"Factory\" (its events: PairCreated)",
    );
}

#[test]
fn the_factory_parameter_must_be_an_address() {
    let toml = with_pairs("{ contract = \"Factory\", event = \"PairCreated\", parameter = \"3\" }");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[1].factory.parameter",
        line_of(&toml, "factory ="),
        "parameter \"3\" of PairCreated(address,address,address,uint256) is uint256, not an address",
    );

    let toml =
        with_pairs("{ contract = \"Factory\", event = \"PairCreated\", parameter = \"pool\" }");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[1].factory.parameter",
        line_of(&toml, "factory ="),
        "(address parameters: token0, token1, pair)",
    );
}

#[test]
fn factory_cycles_and_self_references_are_rejected() {
    let toml = with_pairs("{ contract = \"Pairs\", event = \"Transfer\", parameter = \"to\" }");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[1].factory.contract",
        line_of(&toml, "factory ="),
        "a contract cannot be its own factory",
    );

    let toml = format!(
        "{CHAIN}[[contract]]\nname = \"A\"\nchain = \"bsc\"\nkind = \"erc20\"\nfactory = {{ contract = \"B\", event = \"Transfer\", parameter = \"to\" }}\n\
         [[contract]]\nname = \"B\"\nchain = \"bsc\"\nkind = \"erc20\"\nfactory = {{ contract = \"A\", event = \"Transfer\", parameter = \"to\" }}\n"
    );
    let errors = Project::new().errors(&toml);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0]
            .message
            .contains("factories form a cycle: A -> B -> A"),
        "{}",
        errors[0]
    );
}

#[test]
fn factory_keys_are_required_and_checked() {
    let toml = with_pairs("{ contract = \"Factory\", event = \"PairCreated\", param = \"pair\" }");
    let errors = Project::new().errors(&toml);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let line = line_of(&toml, "factory =");
    crate::support::assert_error(
        &errors,
        "contract[1].factory.parameter",
        line,
        "missing required key",
    );
    crate::support::assert_error(
        &errors,
        "contract[1].factory.param",
        line,
        "unknown key \"param\"",
    );
}
