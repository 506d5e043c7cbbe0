//! The demo DeFi protocol on a [`TestChain`]: deployment, user actions, views and a seeded
//! workload.
//!
//! [`Protocol::deploy`] deploys every contract of `testing/contracts` that makes up the demo
//! (Uniswap-V2-style AMM, price feeds, the USDP stablecoin and its CDP vault, vote-escrow,
//! savings, stability pool, gauges, rewards, an ERC-4626 vault and a plain NFT), sets the
//! prices and parameters, and seeds two pools. [`Protocol::act`] sends any [`Action`] as any
//! account (impersonated, so fresh addresses work: fund them with [`Protocol::fund_eth`]);
//! the view helpers return the chain's own answers at a chosen block; and
//! [`Protocol::run_workload`] drives hundreds of users through every contract.

mod action;
mod config;
mod deploy;
mod send;
mod views;
mod workload;

use alloy::primitives::Address;

pub use action::Action;
pub use send::BatchOutcome;
pub use views::Reserves;
pub use workload::{ProtocolWorkload, WorkloadRun};

/// One US dollar as a feed answer (8 decimals).
pub const USD: i64 = 100_000_000;
/// Price of WETH at deployment, in USD with 8 decimals.
pub const WETH_PRICE: i64 = 3_000 * USD;
/// Price of WBTC at deployment, in USD with 8 decimals.
pub const WBTC_PRICE: i64 = 60_000 * USD;
/// Price of GOV at deployment, in USD with 8 decimals.
pub const GOV_PRICE: i64 = 2 * USD;
/// Liquidation threshold of WETH in the vault, in basis points.
pub const WETH_LT_BPS: u64 = 8_000;
/// Liquidation threshold of WBTC in the vault, in basis points.
pub const WBTC_LT_BPS: u64 = 7_500;
/// The savings rate: 5% a year as a 1e18-scaled rate per second (365-day year, floored).
pub const SAVINGS_RATE_PER_SECOND: u128 = 50_000_000_000_000_000 / 31_536_000;
/// The gauge controller's emission rate: 1 GOV per second.
pub const EMISSION_RATE: u128 = 1_000_000_000_000_000_000;
/// GOV minted to the reward distributor at deployment (100 million GOV).
pub const REWARDS_FUNDING: u128 = 100_000_000 * 1_000_000_000_000_000_000;
/// The vote-escrow's maximum lock time: four 365-day years, in seconds.
pub const MAXTIME: u64 = 4 * 365 * 86_400;
/// Where the pairs lock their first MINIMUM_LIQUIDITY LP tokens.
pub const DEAD: Address = alloy::primitives::address!("0x000000000000000000000000000000000000dEaD");

/// The deployed demo protocol: every contract address, in one value that is cheap to clone.
///
/// Build it with [`Protocol::deploy`]. All methods take the [`TestChain`](crate::TestChain)
/// it was deployed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protocol {
    /// The account that deployed everything and owns the owner-only functions (dev account 0).
    pub owner: Address,
    /// The USDP stablecoin (18 decimals), minted by the vault.
    pub usdp: Address,
    /// Wrapped ether, a `TestToken` with 18 decimals.
    pub weth: Address,
    /// Wrapped bitcoin, a `TestToken` with 8 decimals.
    pub wbtc: Address,
    /// The governance token locked in the vote-escrow, a `TestToken` with 18 decimals.
    pub gov: Address,
    /// WETH/USD feed (8 decimals).
    pub weth_feed: Address,
    /// WBTC/USD feed (8 decimals).
    pub wbtc_feed: Address,
    /// GOV/USD feed (8 decimals).
    pub gov_feed: Address,
    /// The `DemoFactory`.
    pub factory: Address,
    /// The `DemoRouter`.
    pub router: Address,
    /// The seeded pairs: `[WETH/USDP, GOV/USDP]`. They double as the gauges.
    pub pairs: Vec<Address>,
    /// The `USDPVault` CDP.
    pub vault: Address,
    /// The `VotingEscrow` (veGOV NFTs).
    pub escrow: Address,
    /// The `SavingRate` contract.
    pub savings: Address,
    /// The `StabilityPool`.
    pub stability_pool: Address,
    /// The `GaugeController`.
    pub gauges: Address,
    /// The `RewardDistributor` (pays GOV).
    pub rewards: Address,
    /// The `DemoVault4626` over USDP.
    pub vault4626: Address,
    /// The `DemoNFT`.
    pub nft: Address,
    /// The block of the first deployment transaction.
    pub deployed_at: u64,
}

impl Protocol {
    /// The two tokens of `pairs[index]` as `(other token, USDP)`: `(WETH, USDP)` for 0 and
    /// `(GOV, USDP)` for 1. Not sorted like `token0`/`token1`.
    pub fn pair_tokens(&self, index: usize) -> (Address, Address) {
        if index == 0 {
            (self.weth, self.usdp)
        } else {
            (self.gov, self.usdp)
        }
    }

    /// Every contract address, e.g. to configure an indexer: tokens, feeds, AMM, then the rest.
    pub fn addresses(&self) -> Vec<(&'static str, Address)> {
        let mut all = vec![
            ("USDP", self.usdp),
            ("WETH", self.weth),
            ("WBTC", self.wbtc),
            ("GOV", self.gov),
            ("WETH/USD feed", self.weth_feed),
            ("WBTC/USD feed", self.wbtc_feed),
            ("GOV/USD feed", self.gov_feed),
            ("DemoFactory", self.factory),
            ("DemoRouter", self.router),
        ];
        all.extend(self.pairs.iter().map(|pair| ("DemoPair", *pair)));
        all.extend([
            ("USDPVault", self.vault),
            ("VotingEscrow", self.escrow),
            ("SavingRate", self.savings),
            ("StabilityPool", self.stability_pool),
            ("GaugeController", self.gauges),
            ("RewardDistributor", self.rewards),
            ("DemoVault4626", self.vault4626),
            ("DemoNFT", self.nft),
        ]);
        all
    }
}
