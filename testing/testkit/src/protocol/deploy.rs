//! [`Protocol::deploy`]: every contract, its parameters, and two seeded pools.

use alloy::{
    contract::{CallBuilder, CallDecoder},
    primitives::{Address, I256, U256},
    providers::{DynProvider, Provider},
};

use super::{
    EMISSION_RATE, GOV_PRICE, Protocol, REWARDS_FUNDING, SAVINGS_RATE_PER_SECOND, WBTC_LT_BPS,
    WBTC_PRICE, WETH_LT_BPS, WETH_PRICE,
};
use crate::{
    TestChain, TestkitError,
    contracts::{
        DemoFactory, DemoNFT, DemoRouter, DemoVault4626, GaugeController, PriceFeed,
        RewardDistributor, SavingRate, StabilityPool, TestToken, USDP, USDPVault, VotingEscrow,
    },
};

/// One ether (or any 18-decimal token) in base units.
const E18: u128 = 1_000_000_000_000_000_000;
/// WETH and USDP seeded into the WETH/USDP pool: 10,000 WETH at 3,000 USD.
const SEED_WETH: u128 = 10_000 * E18;
/// USDP of the WETH/USDP pool.
const SEED_WETH_USDP: u128 = 30_000_000 * E18;
/// GOV seeded into the GOV/USDP pool: 5,000,000 GOV at 2 USD.
const SEED_GOV: u128 = 5_000_000 * E18;
/// USDP of the GOV/USDP pool.
const SEED_GOV_USDP: u128 = 10_000_000 * E18;

impl Protocol {
    /// Deploys the whole demo protocol from dev account 0 (automine must be on) and sets it
    /// up: prices WETH 3000, WBTC 60000, GOV 2 USD; vault collaterals WETH (LT 80%) and WBTC
    /// (LT 75%); savings rate 5% a year; emission rate 1 GOV/s; 100M GOV minted to the reward
    /// distributor; pairs WETH/USDP and GOV/USDP created and seeded at those prices (the LP
    /// tokens go to the owner).
    pub async fn deploy(chain: &TestChain) -> Result<Self, TestkitError> {
        let p = chain.provider().clone();
        let owner = chain.dev_account(None)?;
        let deployed_at = chain.head().await? + 1;

        let weth = token(&p, "Wrapped Ether", "WETH", 18).await?;
        let wbtc = token(&p, "Wrapped BTC", "WBTC", 8).await?;
        let gov = token(&p, "Governance", "GOV", 18).await?;
        let usdp = *USDP::deploy(p.clone())
            .await
            .map_err(TestkitError::contract("deploy USDP", Address::ZERO))?
            .address();
        let weth_feed = feed(&p, "WETH / USD", WETH_PRICE).await?;
        let wbtc_feed = feed(&p, "WBTC / USD", WBTC_PRICE).await?;
        let gov_feed = feed(&p, "GOV / USD", GOV_PRICE).await?;

        let factory = *DemoFactory::deploy(p.clone())
            .await
            .map_err(TestkitError::contract("deploy DemoFactory", Address::ZERO))?
            .address();
        let router = *DemoRouter::deploy(p.clone(), factory)
            .await
            .map_err(TestkitError::contract("deploy DemoRouter", Address::ZERO))?
            .address();

        let vault = *USDPVault::deploy(p.clone(), usdp)
            .await
            .map_err(TestkitError::contract("deploy USDPVault", Address::ZERO))?
            .address();
        send("setVault", usdp, USDP::new(usdp, &p).setVault(vault)).await?;
        let vault_instance = USDPVault::new(vault, &p);
        for (collateral, feed, lt) in [
            (weth, weth_feed, WETH_LT_BPS),
            (wbtc, wbtc_feed, WBTC_LT_BPS),
        ] {
            let call = vault_instance.addCollateral(collateral, feed, U256::from(lt));
            send("addCollateral", vault, call).await?;
        }

        let escrow = *VotingEscrow::deploy(p.clone(), gov)
            .await
            .map_err(TestkitError::contract("deploy VotingEscrow", Address::ZERO))?
            .address();
        let savings = *SavingRate::deploy(p.clone(), usdp, U256::from(SAVINGS_RATE_PER_SECOND))
            .await
            .map_err(TestkitError::contract("deploy SavingRate", Address::ZERO))?
            .address();
        let stability_pool = *StabilityPool::deploy(p.clone(), usdp)
            .await
            .map_err(TestkitError::contract(
                "deploy StabilityPool",
                Address::ZERO,
            ))?
            .address();
        let gauges = *GaugeController::deploy(p.clone())
            .await
            .map_err(TestkitError::contract(
                "deploy GaugeController",
                Address::ZERO,
            ))?
            .address();
        let controller = GaugeController::new(gauges, &p);
        let rate = controller.setEmissionRate(U256::from(EMISSION_RATE));
        send("setEmissionRate", gauges, rate).await?;
        let rewards = *RewardDistributor::deploy(p.clone(), gov)
            .await
            .map_err(TestkitError::contract(
                "deploy RewardDistributor",
                Address::ZERO,
            ))?
            .address();
        chain
            .mint(gov, rewards, U256::from(REWARDS_FUNDING))
            .await?;
        let vault4626 = *DemoVault4626::deploy(p.clone(), usdp)
            .await
            .map_err(TestkitError::contract(
                "deploy DemoVault4626",
                Address::ZERO,
            ))?
            .address();
        let nft = *DemoNFT::deploy(p.clone())
            .await
            .map_err(TestkitError::contract("deploy DemoNFT", Address::ZERO))?
            .address();

        let factory_instance = DemoFactory::new(factory, &p);
        let mut pairs = Vec::new();
        for (other, other_amount, usdp_amount) in [
            (weth, SEED_WETH, SEED_WETH_USDP),
            (gov, SEED_GOV, SEED_GOV_USDP),
        ] {
            send(
                "createPair",
                factory,
                factory_instance.createPair(other, usdp),
            )
            .await?;
            let pair = factory_instance
                .getPair(other, usdp)
                .call()
                .await
                .map_err(TestkitError::contract("getPair", factory))?;
            pairs.push(pair);
            seed_pool(
                chain,
                owner,
                router,
                (other, other_amount),
                (usdp, usdp_amount),
            )
            .await?;
        }

        Ok(Self {
            owner,
            usdp,
            weth,
            wbtc,
            gov,
            weth_feed,
            wbtc_feed,
            gov_feed,
            factory,
            router,
            pairs,
            vault,
            escrow,
            savings,
            stability_pool,
            gauges,
            rewards,
            vault4626,
            nft,
            deployed_at,
        })
    }
}

/// Mints both amounts to `owner`, approves the router and adds the liquidity.
async fn seed_pool(
    chain: &TestChain,
    owner: Address,
    router: Address,
    (token_a, amount_a): (Address, u128),
    (token_b, amount_b): (Address, u128),
) -> Result<(), TestkitError> {
    let p = chain.provider();
    for (token, amount) in [(token_a, amount_a), (token_b, amount_b)] {
        chain.mint(token, owner, U256::from(amount)).await?;
        let instance = TestToken::new(token, p);
        send("approve", token, instance.approve(router, U256::MAX)).await?;
    }
    let instance = DemoRouter::new(router, p);
    let add = instance.addLiquidity(
        token_a,
        token_b,
        U256::from(amount_a),
        U256::from(amount_b),
        owner,
    );
    send("addLiquidity", router, add).await
}

async fn token(
    p: &DynProvider,
    name: &str,
    symbol: &str,
    decimals: u8,
) -> Result<Address, TestkitError> {
    let deployed = TestToken::deploy(p.clone(), name.to_owned(), symbol.to_owned(), decimals)
        .await
        .map_err(TestkitError::contract("deploy TestToken", Address::ZERO))?;
    Ok(*deployed.address())
}

async fn feed(p: &DynProvider, description: &str, answer: i64) -> Result<Address, TestkitError> {
    let deployed = PriceFeed::deploy(
        p.clone(),
        description.to_owned(),
        I256::try_from(answer).unwrap_or_default(),
    )
    .await
    .map_err(TestkitError::contract("deploy PriceFeed", Address::ZERO))?;
    Ok(*deployed.address())
}

/// Sends a call from dev account 0 and waits for its successful receipt.
async fn send<P: Provider, D: CallDecoder>(
    what: &'static str,
    contract: Address,
    call: CallBuilder<P, D>,
) -> Result<(), TestkitError> {
    let pending = call
        .send()
        .await
        .map_err(TestkitError::contract(what, contract))?;
    TestChain::confirm(what, pending).await.map(|_| ())
}
