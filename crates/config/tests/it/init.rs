//! The files `tributary init` writes load as they are.

use tributary_config::{
    AddressSource, ContractKind, INIT_EXAMPLE_ABI_PATH, OnError, init_example_abi, init_template,
};

use crate::support::Project;

#[test]
fn init_template_loads_with_its_example_abi() {
    let project = Project::new();
    project.write(INIT_EXAMPLE_ABI_PATH, init_example_abi());
    let config = project
        .load(init_template())
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(config.chains.len(), 1);
    let chain = &config.chains[0];
    assert_eq!((chain.name.as_str(), chain.chain_id), ("local", 31337));
    assert_eq!(chain.confirmations, 12);
    assert_eq!(chain.max_block_range, 10_000);
    assert_eq!(chain.fetch_concurrency, 4);
    assert_eq!(chain.batch_events, 20_000);
    assert_eq!(chain.commit_interval_ms, 3_000);
    assert_eq!(chain.refresh_blocks, 100);
    assert_eq!(chain.on_error, OnError::DeadLetter);
    assert_eq!(config.api.listen.to_string(), "127.0.0.1:8080");
    assert!(config.cache.is_none());

    let db = project.dir.path().join("tributary.db");
    assert_eq!(
        config.database.url,
        format!("sqlite://{}?mode=rwc", db.display())
    );

    let token = config.contract("Token").expect("Token");
    assert_eq!(token.kind, ContractKind::Erc20);
    assert_eq!(token.roles.len(), 1);
    assert_eq!(token.events[0].name, "Transfer");
    assert!(!token.stable);
    assert_eq!(token.asset, None);

    let example = config.contract("Example").expect("Example");
    assert_eq!(example.kind, ContractKind::Events);
    let names: Vec<&str> = example.events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["Note", "ValueChanged"]);
    assert!(matches!(&example.addresses, AddressSource::Fixed(a) if a.len() == 1));
}

#[test]
fn init_template_without_its_abi_names_the_missing_file() {
    let project = Project::new();
    let errors = project.errors(init_template());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].key, "contract[1].abi");
    let expected = project.dir.path().join("abis/Example.json");
    assert!(
        errors[0].message.contains(&expected.display().to_string()),
        "{}",
        errors[0]
    );
}

#[test]
fn init_template_mentions_every_optional_key() {
    let template = init_template();
    for key in [
        "max_block_range",
        "fetch_concurrency",
        "batch_events",
        "commit_interval_ms",
        "refresh_blocks",
        "on_error",
        "stable",
        "asset",
        "args",
        "factory",
        "redis_url",
    ] {
        assert!(template.contains(&format!("{key} =")), "{key}");
    }
}

#[test]
fn the_commented_examples_of_the_init_template_load() {
    // Uncomment the examples of the Token contract: the reordered override must bind.
    let uncommented = init_template()
        .replace("# stable = true", "stable = true")
        .replace("# [contract.events]", "[contract.events]")
        .replace("# Transfer = { event", "Transfer = { event");
    let project = Project::new();
    project.write(INIT_EXAMPLE_ABI_PATH, init_example_abi());
    let config = project.load(&uncommented).unwrap_or_else(|e| panic!("{e}"));
    let token = config.contract("Token").expect("Token");
    assert!(token.stable);
    assert_eq!(token.roles["Transfer"].name, "Moved");
    assert_eq!(token.role_args["Transfer"], [2, 1, 0]);
}
