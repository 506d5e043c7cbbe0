//! Every validation rule reports its own problem at the right key and line.

use std::path::Path;

use crate::support::{ADDR_A, ADDR_B, CHAIN, Project, assert_error, assert_single, line_of};

fn contract(body: &str) -> String {
    format!("{CHAIN}\n[[contract]]\n{body}\n")
}

#[test]
fn syntax_errors_have_a_line_and_no_key() {
    let toml = "[api]\nlisten = \n";
    let errors = Project::new().errors(toml);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].key, "");
    assert_eq!(errors[0].line, Some(2));
    assert!(
        errors[0].message.starts_with("invalid TOML"),
        "{}",
        errors[0]
    );
}

#[test]
fn unknown_keys_are_rejected_everywhere() {
    let toml = format!(
        "databse = 1\n[api]\nlisen = \"x\"\n{CHAIN}confirmation = 3\n[[contract]]\nname = \"A\"\nchain = \"bsc\"\nkind = \"erc20\"\naddress = \"{ADDR_A}\"\nstart = 1\n"
    );
    let errors = Project::new().errors(&toml);
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert_error(
        &errors,
        "databse",
        1,
        "unknown key \"databse\"; expected one of: database, api",
    );
    assert_error(&errors, "api.lisen", 3, "unknown key \"lisen\"");
    assert_error(
        &errors,
        "chain[0].confirmation",
        line_of(&toml, "confirmation ="),
        "unknown key",
    );
    assert_error(
        &errors,
        "contract[0].start",
        line_of(&toml, "start = 1"),
        "unknown key",
    );
}

#[test]
fn wrong_types_name_expected_and_found() {
    let toml = CHAIN.replace("chain_id = 56", "chain_id = \"56\"");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "chain[0].chain_id",
        line_of(&toml, "chain_id"),
        "expected a non-negative integer, found a string",
    );
    assert_eq!(errors[0].column, Some(12));
}

#[test]
fn missing_required_keys_point_at_their_table() {
    let toml = "[[chain]]\nchain_id = 1\nrpc = \"http://x\"\n";
    let errors = Project::new().errors(toml);
    assert_single(&errors, "chain[0].name", 1, "missing required key");
}

#[test]
fn a_configuration_needs_a_chain() {
    let errors = Project::new().errors("[api]\n");
    assert_single(&errors, "chain", 1, "at least one [[chain]] is required");
    let errors = Project::new().errors("[chain]\nname = \"x\"\n");
    assert_single(&errors, "chain", 1, "write [[chain]], not [chain]");
}

#[test]
fn bad_addresses_are_rejected() {
    let toml = contract("name = \"A\"\nchain = \"bsc\"\nkind = \"erc20\"\naddress = \"0x12\"");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].address",
        line_of(&toml, "0x12"),
        "invalid address \"0x12\"",
    );

    let bad_checksum = ADDR_A.replace("5FbDB", "5fBDB");
    let toml = contract(&format!(
        "name = \"A\"\nchain = \"bsc\"\nkind = \"erc20\"\naddress = [\"{ADDR_B}\", \"{bad_checksum}\"]"
    ));
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].address[1]",
        line_of(&toml, "address ="),
        "wrong EIP-55 checksum",
    );
}

#[test]
fn addresses_in_any_single_case_are_accepted() {
    let toml = contract(&format!(
        "name = \"A\"\nchain = \"bsc\"\nkind = \"erc20\"\naddress = [\"{}\", \"0x{}\"]",
        ADDR_A.to_lowercase(),
        ADDR_B[2..].to_uppercase()
    ));
    let config = Project::new().load(&toml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        config.contracts[0].fixed_addresses().map(<[_]>::len),
        Some(2)
    );
}

#[test]
fn bad_urls_and_schemes_are_rejected() {
    let toml = "[[chain]]\nname = \"x\"\nchain_id = 1\nrpc = [\"https://ok.example\", \"ftp://a.example\"]\nws = \"https://a.example\"\n[cache]\nredis_url = \"not a url\"\n";
    let errors = Project::new().errors(toml);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert_error(
        &errors,
        "chain[0].rpc[1]",
        4,
        "unsupported scheme \"ftp\" in \"ftp://a.example\"; expected http or https",
    );
    assert_error(&errors, "chain[0].ws", 5, "expected ws or wss");
    assert_error(&errors, "cache.redis_url", 7, "invalid URL \"not a url\"");
}

#[test]
fn duplicate_chain_names_and_ids_are_rejected() {
    let toml = format!("{CHAIN}{}", CHAIN.replace("\"bsc\"", "\"BSC\""));
    let errors = Project::new().errors(&toml);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let second_name = toml
        .lines()
        .position(|l| l.contains("\"BSC\""))
        .map(|i| i + 1);
    assert_error(
        &errors,
        "chain[1].name",
        second_name.unwrap_or(0),
        "duplicate chain name \"BSC\" (also chain[0])",
    );
    let second_id = toml
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("chain_id"))
        .nth(1)
        .map(|(i, _)| i + 1);
    assert_error(
        &errors,
        "chain[1].chain_id",
        second_id.unwrap_or(0),
        "duplicate chain_id 56",
    );
}

#[test]
fn duplicate_contract_names_are_rejected() {
    let body = format!("name = \"A\"\nchain = \"bsc\"\nkind = \"erc20\"\naddress = \"{ADDR_A}\"\n");
    let toml = format!("{CHAIN}[[contract]]\n{body}[[contract]]\n{body}");
    let errors = Project::new().errors(&toml);
    let line = toml
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("name = \"A\""))
        .nth(1)
        .map_or(0, |(i, _)| i + 1);
    assert_single(
        &errors,
        "contract[1].name",
        line,
        "duplicate contract name \"A\" (also contract[0])",
    );
}

#[test]
fn a_contract_on_an_unknown_chain_is_rejected() {
    let toml = contract(&format!(
        "name = \"A\"\nchain = \"bnb\"\nkind = \"erc20\"\naddress = \"{ADDR_A}\""
    ));
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].chain",
        line_of(&toml, "\"bnb\""),
        "unknown chain \"bnb\"; configured chains: bsc",
    );
}

#[test]
fn missing_and_invalid_abi_files_name_the_resolved_path() {
    let project = Project::new();
    project.write("abis/Broken.json", "{ not json");
    let toml = format!(
        "{CHAIN}[[contract]]\nname = \"A\"\nchain = \"bsc\"\nkind = \"events\"\nabi = \"abis/Missing.json\"\naddress = \"{ADDR_A}\"\n\
         [[contract]]\nname = \"B\"\nchain = \"bsc\"\nkind = \"events\"\nabi = \"abis/Broken.json\"\naddress = \"{ADDR_A}\"\n"
    );
    let errors = project.errors(&toml);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let missing = project
        .dir
        .path()
        .join("abis/Missing.json")
        .display()
        .to_string();
    assert_error(
        &errors,
        "contract[0].abi",
        line_of(&toml, "Missing.json"),
        &format!("cannot read ABI file {missing}"),
    );
    let broken = project
        .dir
        .path()
        .join("abis/Broken.json")
        .display()
        .to_string();
    assert_error(
        &errors,
        "contract[1].abi",
        line_of(&toml, "Broken.json"),
        &format!("{broken} is not a valid JSON ABI"),
    );
}

#[test]
fn events_must_be_in_the_abi() {
    let toml = contract(&format!(
        "name = \"A\"\nchain = \"bsc\"\nkind = \"events\"\nabi = \"abis/Foo.json\"\naddress = \"{ADDR_A}\"\nevents = [\"Foo\", \"Transfr\"]"
    ));
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].events[1]",
        line_of(&toml, "Transfr"),
        "\"Transfr\" is not an event of abis/Foo.json (events: Bar, Foo)",
    );
}

#[test]
fn events_default_to_every_event_and_accept_signatures() {
    let base = format!(
        "name = \"A\"\nchain = \"bsc\"\nkind = \"events\"\nabi = \"abis/Foo.json\"\naddress = \"{ADDR_A}\""
    );
    let config = Project::new()
        .load(&contract(&base))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.contracts[0].events.len(), 2);
    assert!(config.contracts[0].roles.is_empty());

    let toml = contract(&format!("{base}\nevents = [\"Bar(uint256)\"]"));
    let config = Project::new().load(&toml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.contracts[0].events.len(), 1);
    assert_eq!(
        config.contracts[0].events[0].full_signature(),
        "event Bar(uint256 id)"
    );
}

#[test]
fn kind_events_requires_an_abi() {
    let toml = contract(&format!(
        "name = \"A\"\nchain = \"bsc\"\nkind = \"events\"\naddress = \"{ADDR_A}\""
    ));
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].abi",
        line_of(&toml, "[[contract]]"),
        "kind \"events\" requires `abi`",
    );
}

#[test]
fn exactly_one_of_address_and_factory() {
    let toml = contract("name = \"A\"\nchain = \"bsc\"\nkind = \"erc20\"");
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].address",
        line_of(&toml, "[[contract]]"),
        "give `address` (one or a list) or `factory`",
    );

    let toml = contract(&format!(
        "name = \"A\"\nchain = \"bsc\"\nkind = \"erc20\"\naddress = \"{ADDR_A}\"\nfactory = {{ contract = \"F\", event = \"E\", parameter = \"p\" }}"
    ));
    let errors = Project::new().errors(&toml);
    assert_single(
        &errors,
        "contract[0].factory",
        line_of(&toml, "factory ="),
        "either `address` or `factory`, not both",
    );
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let toml = format!(
        "[database]\nurl = \"mysql://x/y\"\n[api]\nlisten = \"localhost\"\n{CHAIN}fetch_concurrency = 65\npoll_interval_ms = 0\ncommit_interval_ms = 0\n"
    );
    let errors = Project::new().errors(&toml);
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert_error(
        &errors,
        "database.url",
        2,
        "unsupported database URL \"mysql://x/y\"",
    );
    assert_error(
        &errors,
        "api.listen",
        4,
        "invalid listen address \"localhost\"",
    );
    assert_error(
        &errors,
        "chain[0].fetch_concurrency",
        line_of(&toml, "fetch_concurrency"),
        "must be between 1 and 64, found 65",
    );
    assert_error(
        &errors,
        "chain[0].poll_interval_ms",
        line_of(&toml, "poll_interval_ms"),
        "must be at least 1, found 0",
    );
    assert_error(
        &errors,
        "chain[0].commit_interval_ms",
        line_of(&toml, "commit_interval_ms"),
        "must be at least 1, found 0",
    );
}

#[test]
fn error_list_display() {
    let toml = "[api]\nlisten = 8080\n\n[[chain]]\nname = \"bsc\"\nchain_id = -1\nrpc = []\n";
    let errors =
        tributary_config::parse_str(toml, Path::new("tributary.toml"), &[]).expect_err("invalid");
    insta::assert_snapshot!(errors.to_string(), @r"
    tributary.toml:2:10: api.listen: expected a string, found an integer
    tributary.toml:6:12: chain[0].chain_id: must not be negative, found -1
    tributary.toml:7:7: chain[0].rpc: at least one RPC URL is required
    ");
}
