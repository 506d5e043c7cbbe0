//! `tributary demo`: a local chain with live token activity, indexed into
//! SQLite and served, so a newcomer sees the API work within a minute.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use alloy::primitives::{Address, U256};
use anyhow::Context;
use metrics_exporter_prometheus::PrometheusHandle;
use rand::{Rng, SeedableRng};
use tributary_testkit::TestChain;

use crate::commands::run::{Parts, run};

/// Runs the demo until Ctrl-C.
pub async fn demo(
    listen: SocketAddr,
    dir: Option<PathBuf>,
    metrics: PrometheusHandle,
) -> anyhow::Result<()> {
    let chain = TestChain::spawn()
        .await
        .context("starting the local chain (anvil); run `npm ci` in the repository first")?;
    let usd = chain.deploy_token("Demo Dollar", "DUSD", 6).await?;
    let eth = chain.deploy_token("Demo Ether", "DETH", 18).await?;
    let factory = chain.deploy_factory().await?;
    let accounts = chain.dev_accounts();
    for (i, a) in accounts.iter().enumerate() {
        chain
            .mint(
                usd,
                *a,
                U256::from(1_000_000u64 * 10u64.pow(6)) * U256::from(i + 1),
            )
            .await?;
        chain
            .mint(
                eth,
                *a,
                U256::from(10u64).pow(U256::from(18)) * U256::from(i + 1),
            )
            .await?;
    }
    let (pair, _) = chain
        .create_pair_and_mint(
            factory,
            usd,
            eth,
            accounts[0],
            U256::from(10u64).pow(U256::from(18)),
        )
        .await?;

    let dir = match dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("tributary-demo-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let config_path = dir.join("tributary.toml");
    std::fs::write(&config_path, demo_config(&chain, listen, usd, eth, factory))
        .with_context(|| format!("writing {}", config_path.display()))?;
    let config = crate::commands::load(&config_path)?;

    let base = format!("http://{listen}");
    println!("tributary demo");
    println!(
        "  local chain  {} (chain id {})",
        chain.rpc_url(),
        chain.chain_id()
    );
    println!("  config       {}", config_path.display());
    println!("  database     {}", config.database.url);
    println!("  API          {base}");
    println!();
    println!("try:");
    println!("  curl -s {base}/v1/status");
    println!("  curl -s '{base}/v1/accounts/{}/balances'", accounts[1]);
    println!("  curl -s '{base}/v1/tokens/{usd}/holders?limit=5'");
    println!("  curl -s '{base}/v1/tokens/{pair}/holders'");
    println!("  curl -s '{base}/v1/events?contract=DemoDollar&limit=3'");
    println!("  curl -s {base}/metrics | grep tributary_");
    println!();
    println!("new transfers arrive every second; Ctrl-C stops everything.");

    let activity = tokio::spawn(activity(chain, usd, eth, accounts));
    let result = run(&config, metrics, Parts::Both, false).await;
    activity.abort();
    result
}

fn demo_config(
    chain: &TestChain,
    listen: SocketAddr,
    usd: Address,
    eth: Address,
    factory: Address,
) -> String {
    format!(
        r#"# Written by `tributary demo`.
[database]
url = "sqlite://demo.db"

[api]
listen = "{listen}"

[[chain]]
name = "local"
chain_id = {chain_id}
rpc = ["{rpc}"]
ws = "{ws}"
confirmations = 2
poll_interval_ms = 250

[[contract]]
name = "DemoDollar"
chain = "local"
kind = "erc20"
address = "{usd}"

[[contract]]
name = "DemoEther"
chain = "local"
kind = "erc20"
address = "{eth}"

[[contract]]
name = "Factory"
chain = "local"
kind = "uniswap_v2_factory"
address = "{factory}"

[[contract]]
name = "Pairs"
chain = "local"
kind = "uniswap_v2_pair"
factory = {{ contract = "Factory", event = "PairCreated", parameter = "pair" }}
"#,
        chain_id = chain.chain_id(),
        rpc = chain.rpc_url(),
        ws = chain.ws_url(),
    )
}

/// Random transfers between the dev accounts, one block a second.
async fn activity(chain: TestChain, usd: Address, eth: Address, accounts: Vec<Address>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let from = rng.random_range(0..accounts.len());
        let to = accounts[rng.random_range(0..accounts.len())];
        let (token, unit) = if rng.random_bool(0.5) {
            (usd, U256::from(10u64).pow(U256::from(6)))
        } else {
            (eth, U256::from(10u64).pow(U256::from(15)))
        };
        let amount = unit * U256::from(rng.random_range(1..1000u64));
        if let Err(e) = chain.transfer(token, Some(from), to, amount).await {
            tracing::warn!(error = %e, "demo transfer failed");
        }
    }
}
