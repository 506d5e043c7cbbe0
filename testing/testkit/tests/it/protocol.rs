//! The demo protocol deploys as configured, its actions do what the views say, and the seeded
//! workload leaves a consistent chain.

use alloy::{
    primitives::{Address, I256, U256, keccak256},
    providers::Provider,
    sol_types::SolEvent,
};
use tributary_testkit::{
    Action, Protocol, TestChain,
    contracts::{
        DemoFactory, DemoPair, DemoVault4626, GaugeController, PriceFeed, RewardDistributor,
        SavingRate, StabilityPool, TestToken, USDPVault, VotingEscrow,
    },
    protocol::{DEAD, MAXTIME, SAVINGS_RATE_PER_SECOND, USD},
};

use crate::TestResult;

const E18: u128 = 1_000_000_000_000_000_000;

fn e18(n: u64) -> U256 {
    U256::from(n) * U256::from(E18)
}

/// The timestamp of block `number`.
pub(crate) async fn timestamp(
    chain: &TestChain,
    number: u64,
) -> Result<u64, Box<dyn std::error::Error + Send + Sync>> {
    let block = chain.provider().get_block_by_number(number.into()).await?;
    Ok(block.ok_or("no such block")?.header.timestamp)
}

/// The health factor recomputed from the vault's own views, term by term like the contract.
pub(crate) async fn health_factor_from_views(
    chain: &TestChain,
    p: &Protocol,
    user: Address,
    block: Option<u64>,
) -> Result<U256, Box<dyn std::error::Error + Send + Sync>> {
    let debt = p.debt_of(chain, user, block).await?;
    if debt.is_zero() {
        return Ok(U256::MAX);
    }
    let mut weighted = U256::ZERO;
    for collateral in p.collaterals(chain, block).await? {
        let amount = p.collateral_of(chain, user, collateral, block).await?;
        let price = p
            .price(chain, p.feed_of(chain, collateral, block).await?, block)
            .await?;
        let decimals = TestToken::new(collateral, chain.provider())
            .decimals()
            .call()
            .await?;
        let lt = p.liquidation_threshold(chain, collateral, block).await?;
        let scale = U256::from(10).pow(U256::from(18 - decimals));
        weighted +=
            amount * price.into_raw() * scale / U256::from(100_000_000) * lt / U256::from(10_000);
    }
    Ok(weighted * U256::from(E18) / debt)
}

#[tokio::test]
async fn deploy_sets_prices_parameters_and_seeded_pools() -> TestResult {
    let chain = TestChain::spawn().await?;
    let p = Protocol::deploy(&chain).await?;

    assert_eq!(p.collaterals(&chain, None).await?, vec![p.weth, p.wbtc]);
    assert_eq!(p.feed_of(&chain, p.wbtc, None).await?, p.wbtc_feed);
    assert_eq!(
        p.liquidation_threshold(&chain, p.weth, None).await?,
        U256::from(8000)
    );
    assert_eq!(
        p.liquidation_threshold(&chain, p.wbtc, None).await?,
        U256::from(7500)
    );
    let price = |usd: i64| I256::try_from(usd * USD).unwrap();
    assert_eq!(p.price(&chain, p.weth_feed, None).await?, price(3000));
    assert_eq!(p.price(&chain, p.wbtc_feed, None).await?, price(60000));
    assert_eq!(p.price(&chain, p.gov_feed, None).await?, price(2));
    assert_eq!(
        p.rate_per_second(&chain, None).await?,
        U256::from(SAVINGS_RATE_PER_SECOND)
    );
    assert_eq!(p.emission_rate(&chain, None).await?, e18(1));
    assert_eq!(
        chain.balance_of(p.gov, p.rewards, None).await?,
        e18(100_000_000)
    );
    assert_eq!(p.escrow_token(&chain).await?, p.gov);
    assert_eq!(p.vault4626_asset(&chain).await?, p.usdp);
    assert!(p.deployed_at >= 1);

    assert_eq!(p.pairs.len(), 2);
    for (k, pair) in p.pairs.iter().enumerate() {
        let (other, usdp) = p.pair_tokens(k);
        let (token0, token1) = p.pair_tokens_of(&chain, *pair).await?;
        assert_eq!(
            (token0, token1),
            if other < usdp {
                (other, usdp)
            } else {
                (usdp, other)
            }
        );
        let r = p.reserves(&chain, *pair, None).await?;
        assert_eq!(r.reserve0, chain.balance_of(token0, *pair, None).await?);
        assert_eq!(r.reserve1, chain.balance_of(token1, *pair, None).await?);
        assert_eq!(chain.balance_of(*pair, DEAD, None).await?, U256::from(1000));
        assert_eq!(
            chain.balance_of(*pair, Address::ZERO, None).await?,
            U256::ZERO
        );
        let supply = chain.total_supply(*pair, None).await?;
        assert_eq!(
            chain.balance_of(*pair, p.owner, None).await? + U256::from(1000),
            supply
        );
    }
    Ok(())
}

#[tokio::test]
async fn events_have_the_exact_signatures_indexers_bind() -> TestResult {
    let cases = [
        (
            DemoFactory::PairCreated::SIGNATURE_HASH,
            "PairCreated(address,address,address,uint256)",
        ),
        (
            DemoPair::Mint::SIGNATURE_HASH,
            "Mint(address,uint256,uint256)",
        ),
        (
            DemoPair::Burn::SIGNATURE_HASH,
            "Burn(address,uint256,uint256,address)",
        ),
        (
            DemoPair::Swap::SIGNATURE_HASH,
            "Swap(address,uint256,uint256,uint256,uint256,address)",
        ),
        (DemoPair::Sync::SIGNATURE_HASH, "Sync(uint112,uint112)"),
        (
            PriceFeed::AnswerUpdated::SIGNATURE_HASH,
            "AnswerUpdated(int256,uint256,uint256)",
        ),
        (
            USDPVault::Deposit::SIGNATURE_HASH,
            "Deposit(address,address,uint256)",
        ),
        (
            USDPVault::Withdraw::SIGNATURE_HASH,
            "Withdraw(address,address,uint256)",
        ),
        (USDPVault::Borrow::SIGNATURE_HASH, "Borrow(address,uint256)"),
        (USDPVault::Repay::SIGNATURE_HASH, "Repay(address,uint256)"),
        (
            VotingEscrow::Transfer::SIGNATURE_HASH,
            "Transfer(address,address,uint256)",
        ),
        (
            VotingEscrow::LockCreated::SIGNATURE_HASH,
            "LockCreated(address,uint256,uint256,uint256)",
        ),
        (
            VotingEscrow::LockIncreased::SIGNATURE_HASH,
            "LockIncreased(uint256,uint256,uint256)",
        ),
        (
            VotingEscrow::Withdraw::SIGNATURE_HASH,
            "Withdraw(uint256,uint256)",
        ),
        (
            SavingRate::Deposit::SIGNATURE_HASH,
            "Deposit(address,uint256)",
        ),
        (
            SavingRate::Withdraw::SIGNATURE_HASH,
            "Withdraw(address,uint256)",
        ),
        (
            StabilityPool::UserDepositChanged::SIGNATURE_HASH,
            "UserDepositChanged(address,uint256)",
        ),
        (
            GaugeController::VoteForGauge::SIGNATURE_HASH,
            "VoteForGauge(uint256,address,address,uint256)",
        ),
        (
            RewardDistributor::RewardsClaimed::SIGNATURE_HASH,
            "RewardsClaimed(address,uint256)",
        ),
        (
            DemoVault4626::Deposit::SIGNATURE_HASH,
            "Deposit(address,address,uint256,uint256)",
        ),
        (
            DemoVault4626::Withdraw::SIGNATURE_HASH,
            "Withdraw(address,address,address,uint256,uint256)",
        ),
    ];
    for (hash, signature) in cases {
        assert_eq!(hash, keccak256(signature), "{signature}");
    }
    Ok(())
}

#[tokio::test]
async fn actions_of_a_fresh_user_match_the_views() -> TestResult {
    let chain = TestChain::spawn().await?;
    let p = Protocol::deploy(&chain).await?;
    let user = Address::repeat_byte(0x77);
    Protocol::fund_eth(&chain, user, e18(100)).await?;
    for (token, amount) in [(p.weth, e18(10)), (p.gov, e18(1000)), (p.usdp, e18(5000))] {
        p.act(
            &chain,
            user,
            &Action::Mint {
                token,
                to: user,
                amount,
            },
        )
        .await?;
    }
    for (token, spender) in [
        (p.weth, p.vault),
        (p.gov, p.escrow),
        (p.usdp, p.savings),
        (p.usdp, p.vault4626),
    ] {
        p.act(
            &chain,
            user,
            &Action::Approve {
                token,
                spender,
                amount: U256::MAX,
            },
        )
        .await?;
    }

    // Vault: 10 WETH at 3000 with LT 80% is 24,000 USD of borrowing power.
    p.act(
        &chain,
        user,
        &Action::VaultDeposit {
            collateral: p.weth,
            amount: e18(10),
        },
    )
    .await?;
    p.act(
        &chain,
        user,
        &Action::Borrow {
            amount: e18(12_000),
        },
    )
    .await?;
    assert_eq!(p.collateral_value(&chain, user, None).await?, e18(30_000));
    assert_eq!(p.health_factor(&chain, user, None).await?, e18(2));
    assert!(
        p.act(
            &chain,
            user,
            &Action::Borrow {
                amount: e18(12_001)
            }
        )
        .await
        .is_err(),
        "HF would be < 1"
    );
    let answer = I256::try_from(1_500 * USD)?;
    p.act(
        &chain,
        user,
        &Action::SetPrice {
            feed: p.weth_feed,
            answer,
        },
    )
    .await?;
    assert_eq!(p.health_factor(&chain, user, None).await?, e18(1));
    assert_eq!(
        p.health_factor(&chain, user, None).await?,
        health_factor_from_views(&chain, &p, user, None).await?
    );
    p.act(&chain, user, &Action::Repay { amount: e18(2_000) })
        .await?;
    assert_eq!(p.debt_of(&chain, user, None).await?, e18(10_000));

    // Lock: voting power decays, the lock can be withdrawn once expired.
    let now = timestamp(&chain, chain.head().await?).await?;
    let lock_end = now + 7 * 86_400;
    p.act(
        &chain,
        user,
        &Action::CreateLock {
            amount: e18(100),
            lock_end,
        },
    )
    .await?;
    let id = U256::from(1);
    assert_eq!(
        p.locked(&chain, id, None).await?,
        (e18(100), U256::from(lock_end))
    );
    assert_eq!(p.ve_owner_of(&chain, id, None).await?, user);
    let block = chain.head().await?;
    let ts = timestamp(&chain, block).await?;
    let expected = e18(100) * U256::from(lock_end - ts) / U256::from(MAXTIME);
    assert_eq!(p.voting_power(&chain, id, Some(block)).await?, expected);
    p.act(
        &chain,
        user,
        &Action::IncreaseLock {
            token_id: id,
            add_amount: e18(50),
            lock_end: lock_end + 86_400,
        },
    )
    .await?;
    assert_eq!(
        p.locked(&chain, id, None).await?,
        (e18(150), U256::from(lock_end + 86_400))
    );
    assert!(
        p.act(&chain, user, &Action::WithdrawLock { token_id: id })
            .await
            .is_err(),
        "not expired"
    );
    Protocol::increase_time(&chain, 9 * 86_400).await?;
    p.act(&chain, user, &Action::WithdrawLock { token_id: id })
        .await?;
    assert_eq!(p.locked(&chain, id, None).await?, (U256::ZERO, U256::ZERO));
    assert_eq!(chain.balance_of(p.gov, user, None).await?, e18(1000));

    // Savings: simple interest on the principal since the deposit.
    p.act(&chain, user, &Action::SavingsDeposit { amount: e18(1000) })
        .await?;
    let from = chain.head().await?;
    Protocol::increase_time(&chain, 3_600).await?;
    chain.mine_one().await?;
    let to = chain.head().await?;
    let elapsed = timestamp(&chain, to).await? - timestamp(&chain, from).await?;
    let interest =
        e18(1000) * U256::from(SAVINGS_RATE_PER_SECOND) * U256::from(elapsed) / U256::from(E18);
    assert_eq!(p.accrued_interest(&chain, user, Some(to)).await?, interest);

    // 4626: a donation raises the value of each share.
    p.act(&chain, user, &Action::Deposit4626 { assets: e18(1000) })
        .await?;
    let shares = chain.balance_of(p.vault4626, user, None).await?;
    assert_eq!(shares, e18(1000));
    p.act(&chain, user, &Action::Donate4626 { amount: e18(100) })
        .await?;
    assert_eq!(p.total_assets(&chain, None).await?, e18(1100));
    let assets = shares * (e18(1100) + U256::ONE) / (e18(1000) + U256::ONE);
    assert_eq!(p.convert_to_assets(&chain, shares, None).await?, assets);
    p.act(&chain, user, &Action::Redeem4626 { shares }).await?;
    assert_eq!(p.total_assets(&chain, None).await?, e18(1100) - assets);

    // Rewards: the owner sets a rate, the user claims what accrued.
    p.act(
        &chain,
        p.owner,
        &Action::SetRewardRate {
            user,
            rate: U256::from(1000),
        },
    )
    .await?;
    Protocol::increase_time(&chain, 100).await?;
    chain.mine_one().await?;
    let before = chain.balance_of(p.gov, user, None).await?;
    let pending = p
        .pending_rewards(&chain, user, Some(chain.head().await?))
        .await?;
    assert!(pending >= U256::from(100_000));
    p.act(&chain, user, &Action::Claim).await?;
    assert!(chain.balance_of(p.gov, user, None).await? - before >= pending);
    assert_eq!(p.pending_rewards(&chain, user, None).await?, U256::ZERO);
    Ok(())
}
