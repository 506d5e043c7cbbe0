//! `tributary demo`: the whole demo DeFi protocol on a local chain, a few dozen users
//! with positions everywhere and live activity, indexed into SQLite and served, so a
//! newcomer sees a portfolio with a risk alert within a minute.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use alloy::primitives::{Address, B256, I256, U256};
use alloy::providers::Provider;
use alloy::rpc::types::Filter;
use alloy::sol_types::SolEvent;
use anyhow::Context;
use metrics_exporter_prometheus::PrometheusHandle;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tributary_testkit::TestChain;
use tributary_testkit::contracts::VotingEscrow;
use tributary_testkit::protocol::{Action, MAXTIME, Protocol, ProtocolWorkload};

use crate::commands::run::{Parts, run};

/// Users the workload onboards: each gets a position in every contract.
const USERS: usize = 20;
/// Workload rounds after onboarding. At `STEPS / 3` WETH drops 20%, which takes the
/// workload's risky fifth of the users close to liquidation.
const STEPS: usize = 4;
/// One whole 18-decimal token.
const E18: u128 = 1_000_000_000_000_000_000;
/// One day in seconds.
const DAY: u64 = 86_400;
/// The health factor (percent) the featured user is brought to: under the 1.2 alert line
/// even after the background price moves (±3% around the starting price).
const FEATURED_HF_PERCENT: u64 = 110;

/// Runs the demo until Ctrl-C.
pub async fn demo(
    listen: SocketAddr,
    dir: Option<PathBuf>,
    metrics: PrometheusHandle,
) -> anyhow::Result<()> {
    let chain = TestChain::spawn()
        .await
        .context("starting the local chain (anvil); run `npm ci` in the repository first")?;
    println!("deploying the demo protocol and onboarding {USERS} users…");
    let protocol = Protocol::deploy(&chain)
        .await
        .context("deploying the protocol")?;
    let workload = ProtocolWorkload {
        seed: 7,
        users: USERS,
        steps: STEPS,
    };
    let onboarded = protocol
        .run_workload(&chain, workload)
        .await
        .context("onboarding the demo users")?;
    // Prefer a user the price drop already put at risk: its collateral is WETH only, so
    // the WETH price moves keep it near the line.
    let featured = onboarded
        .at_risk
        .first()
        .copied()
        .unwrap_or(onboarded.users[0]);
    open_everything(&chain, &protocol, featured).await?;
    near_liquidation(&chain, &protocol, featured).await?;
    let dusd = chain.deploy_token("Demo Dollar", "DUSD", 6).await?;
    let accounts = chain.dev_accounts();
    for (i, a) in accounts.iter().enumerate() {
        let amount = U256::from(1_000_000u64 * 10u64.pow(6)) * U256::from(i + 1);
        chain.mint(dusd, *a, amount).await?;
    }

    let dir = match dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("tributary-demo-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let config_path = dir.join("tributary.toml");
    std::fs::write(&config_path, demo_config(&chain, listen, &protocol, dusd))
        .with_context(|| format!("writing {}", config_path.display()))?;
    let config = crate::commands::load(&config_path)?;

    let base = format!("http://{listen}");
    let (pool, user) = (protocol.pairs[0], featured);
    println!("tributary demo");
    println!(
        "  local chain  {} (chain id {})",
        chain.rpc_url(),
        chain.chain_id()
    );
    println!("  config       {}", config_path.display());
    println!("  database     {}", config.database.url);
    println!("  API          {base}");
    println!("  featured     {user} (close to liquidation)");
    println!();
    println!("try:");
    println!("  curl -s {base}/v1/status");
    println!("  curl -s {base}/v1/accounts/{user}/portfolio");
    println!("  curl -s {base}/v1/accounts/{user}/nfts");
    println!("  curl -s {base}/v1/accounts/{user}/balances");
    println!("  curl -s {base}/v1/pools/{pool}");
    println!("  curl -s '{base}/v1/tokens/{pool}/holders?limit=5'");
    println!("  curl -s '{base}/v1/events?contract=Vault&limit=3'");
    println!("  curl -s {base}/metrics | grep tributary_");
    println!();
    println!("random users act every second or two; Ctrl-C stops everything.");

    let activity = tokio::spawn(activity(chain, protocol, onboarded.users, dusd));
    let result = run(&config, metrics, Parts::Both, false).await;
    activity.abort();
    result
}

fn demo_config(
    chain: &TestChain,
    listen: SocketAddr,
    protocol: &Protocol,
    dusd: Address,
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
# Interest and pending rewards accrue between events: re-read them often.
refresh_blocks = 5

[[contract]]
name = "DemoDollar"
chain = "local"
kind = "erc20"
address = "{dusd}"

{contracts}"#,
        chain_id = chain.chain_id(),
        rpc = chain.rpc_url(),
        ws = chain.ws_url(),
        contracts = protocol.tributary_contracts("local"),
    )
}

/// Gives `user` a fresh position in every contract (whatever the workload's random steps
/// left it): liquidity, a two-year lock, savings, stability pool, 4626 shares and an NFT.
async fn open_everything(chain: &TestChain, p: &Protocol, user: Address) -> anyhow::Result<()> {
    let e18 = |n: u64| U256::from(n) * U256::from(E18);
    let now = latest_timestamp(chain).await?;
    let mut actions = Vec::new();
    for (token, amount) in [
        (p.weth, e18(10)),
        (p.gov, e18(5_000)),
        (p.usdp, e18(20_000)),
    ] {
        let to = user;
        actions.push((p.owner, Action::Mint { token, to, amount }));
    }
    for (token, spender) in [
        (p.weth, p.router),
        (p.weth, p.vault),
        (p.gov, p.escrow),
        (p.usdp, p.router),
        (p.usdp, p.savings),
        (p.usdp, p.stability_pool),
        (p.usdp, p.vault4626),
    ] {
        let amount = U256::MAX;
        actions.push((
            user,
            Action::Approve {
                token,
                spender,
                amount,
            },
        ));
    }
    // At most 4,000 USDP for 1 WETH: the router takes what the pool's ratio asks for.
    let (token_a, token_b) = p.pair_tokens(0);
    let (amount_a, amount_b) = (e18(1), e18(4_000));
    let lock_end = now + MAXTIME / 2;
    actions.extend(
        [
            Action::AddLiquidity {
                token_a,
                token_b,
                amount_a,
                amount_b,
            },
            Action::CreateLock {
                amount: e18(1_000),
                lock_end,
            },
            Action::SavingsDeposit { amount: e18(2_000) },
            Action::SpProvide { amount: e18(2_000) },
            Action::Deposit4626 { assets: e18(2_000) },
            Action::MintNft,
        ]
        .map(|a| (user, a)),
    );
    for (from, action) in actions {
        act(chain, p, from, action).await.context("featured user")?;
    }
    Ok(())
}

/// Borrows (or repays) until `user`'s health factor is [`FEATURED_HF_PERCENT`], so the
/// portfolio raises a liquidation alert (health factor under 1.2).
async fn near_liquidation(chain: &TestChain, p: &Protocol, user: Address) -> anyhow::Result<()> {
    let e18 = U256::from(E18);
    if p.debt_of(chain, user, None).await?.is_zero() {
        // A debt of one USDP makes the health factor tell the weighted collateral value.
        let (collateral, amount) = (p.weth, U256::from(5) * e18);
        act(chain, p, user, Action::VaultDeposit { collateral, amount }).await?;
        act(chain, p, user, Action::Borrow { amount: e18 }).await?;
    }
    let debt = p.debt_of(chain, user, None).await?;
    let hf = p.health_factor(chain, user, None).await?;
    // healthFactor = weighted × 1e18 / debt, so weighted ≈ hf × debt / 1e18.
    let weighted = hf * debt / e18;
    let target = weighted * U256::from(100) / U256::from(FEATURED_HF_PERCENT);
    if target > debt {
        act(
            chain,
            p,
            user,
            Action::Borrow {
                amount: target - debt,
            },
        )
        .await?;
    } else if debt > target {
        let (token, to, amount) = (p.usdp, user, debt - target);
        act(chain, p, p.owner, Action::Mint { token, to, amount }).await?;
        act(chain, p, user, Action::Repay { amount }).await?;
    }
    Ok(())
}

/// Every second or two one random user does one random, usually valid thing; a failure
/// (a revert found while estimating gas) is logged at debug and forgotten.
async fn activity(chain: TestChain, p: Protocol, users: Vec<Address>, dusd: Address) {
    let mut rng = StdRng::seed_from_u64(7);
    let feeds = [p.weth_feed, p.wbtc_feed, p.gov_feed];
    let mut anchors = [I256::ZERO; 3];
    for (anchor, feed) in anchors.iter_mut().zip(feeds) {
        *anchor = p.price(&chain, feed, None).await.unwrap_or(I256::ZERO);
    }
    loop {
        tokio::time::sleep(Duration::from_millis(rng.random_range(1_000..=2_000))).await;
        let user = users[rng.random_range(0..users.len())];
        let result = match rng.random_range(0..9u32) {
            0 => {
                // Around the starting price, so the featured user stays near liquidation.
                let k = rng.random_range(0..feeds.len());
                let percent = I256::try_from(rng.random_range(97..=103i64)).unwrap_or(I256::ONE);
                let answer = anchors[k] * percent / I256::try_from(100).unwrap_or(I256::ONE);
                act(
                    &chain,
                    &p,
                    p.owner,
                    Action::SetPrice {
                        feed: feeds[k],
                        answer,
                    },
                )
                .await
            }
            1 => {
                let from = rng.random_range(0..chain.dev_accounts().len());
                let to = chain.dev_accounts()[rng.random_range(0..chain.dev_accounts().len())];
                let amount = U256::from(rng.random_range(1..1_000u64) * 1_000_000);
                chain
                    .transfer(dusd, Some(from), to, amount)
                    .await
                    .map(|_| ())
                    .map_err(Into::into)
            }
            kind => user_action(&chain, &p, &mut rng, user, kind).await,
        };
        if let Err(e) = result {
            tracing::debug!(%user, error = %e, "demo action failed");
        }
    }
}

/// One user action of `kind` (2..=8) sized from the user's balances: a swap, a savings or
/// stability-pool deposit, a vote, a claim, or a lock increase (a new lock when none runs).
async fn user_action(
    chain: &TestChain,
    p: &Protocol,
    rng: &mut StdRng,
    user: Address,
    kind: u32,
) -> anyhow::Result<()> {
    let usdp = chain.balance_of(p.usdp, user, None).await?;
    let part =
        |rng: &mut StdRng, of: U256| of * U256::from(rng.random_range(1..=10u64)) / U256::from(100);
    let action = match kind {
        2 | 3 => {
            let (other, usdp_token) = p.pair_tokens(rng.random_range(0..p.pairs.len()));
            let (token_in, token_out) = if rng.random_bool(0.5) {
                (other, usdp_token)
            } else {
                (usdp_token, other)
            };
            let amount_in = part(rng, chain.balance_of(token_in, user, None).await?);
            Action::Swap {
                token_in,
                token_out,
                amount_in,
                min_out: U256::ZERO,
            }
        }
        4 => Action::SavingsDeposit {
            amount: part(rng, usdp),
        },
        5 => Action::SpProvide {
            amount: part(rng, usdp),
        },
        6 => {
            let gauge = p.pairs[rng.random_range(0..p.pairs.len())];
            let weight = U256::from(rng.random_range(1..=10_000u64));
            Action::Vote { gauge, weight }
        }
        7 => Action::Claim,
        _ => {
            let now = latest_timestamp(chain).await?;
            let gov = part(rng, chain.balance_of(p.gov, user, None).await?);
            let extra = rng.random_range(1..=30u64) * DAY;
            match live_lock(chain, p, user, now).await? {
                Some((token_id, end)) => Action::IncreaseLock {
                    token_id,
                    add_amount: gov,
                    lock_end: (end.max(now) + extra).min(now + MAXTIME - DAY),
                },
                // Its locks have all ended (the workload jumps 35 days): a new one.
                None => Action::CreateLock {
                    amount: gov,
                    lock_end: now + 30 * DAY + extra,
                },
            }
        }
    };
    act(chain, p, user, action).await
}

/// Sends `action` as `from` and waits for it; the error names the action.
async fn act(chain: &TestChain, p: &Protocol, from: Address, action: Action) -> anyhow::Result<()> {
    p.act(chain, from, &action)
        .await
        .map(|_| ())
        .with_context(|| action.name())
}

/// A veNFT of `user` whose lock has not ended, as `(token id, lock end)`, found through the
/// escrow's `LockCreated` events.
async fn live_lock(
    chain: &TestChain,
    p: &Protocol,
    user: Address,
    now: u64,
) -> anyhow::Result<Option<(U256, u64)>> {
    let filter = Filter::new()
        .address(p.escrow)
        .event_signature(VotingEscrow::LockCreated::SIGNATURE_HASH)
        .topic1(B256::from(user.into_word()))
        .from_block(p.deployed_at);
    for log in chain.provider().get_logs(&filter).await? {
        let Some(id) = log.topics().get(2).map(|t| U256::from_be_bytes(t.0)) else {
            continue;
        };
        let (amount, end) = p.locked(chain, id, None).await?;
        let end = u64::try_from(end).unwrap_or(u64::MAX);
        if !amount.is_zero() && end > now && p.ve_owner_of(chain, id, None).await? == user {
            return Ok(Some((id, end)));
        }
    }
    Ok(None)
}

/// The timestamp of the latest block (ahead of the wall clock after the workload's jump).
async fn latest_timestamp(chain: &TestChain) -> anyhow::Result<u64> {
    let block = chain
        .provider()
        .get_block_by_number(Default::default())
        .await?
        .context("no latest block")?;
    Ok(block.header.timestamp)
}
