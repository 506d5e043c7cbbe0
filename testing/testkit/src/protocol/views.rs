//! The protocol's view functions, answered by the chain at `block` (latest when `None`).
//!
//! ERC-20 balances and supplies of every token (LP tokens and vault shares included) are
//! [`TestChain::balance_of`] and [`TestChain::total_supply`].

use alloy::{
    eips::BlockId,
    primitives::{Address, I256, U256},
};

use super::Protocol;
use crate::{
    TestChain, TestkitError,
    contracts::{DemoPair, PriceFeed, USDPVault},
};

/// `Some(n)` is block `n`, `None` the latest block.
fn at(block: Option<u64>) -> BlockId {
    block.map_or(BlockId::latest(), BlockId::number)
}

/// Calls a view on a `sol!` instance at a block and names it in the error.
// Defined before `mod positions` so the child module can use it.
macro_rules! view {
    ($chain:expr, $contract:ident, $address:expr, $block:expr, $name:literal, $method:ident($($arg:expr),*)) => {
        $contract::new($address, $chain.provider())
            .$method($($arg),*)
            .block(at($block))
            .call()
            .await
            .map_err(TestkitError::contract($name, $address))
    };
}

mod positions;

/// A pair's `getReserves()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reserves {
    /// Reserve of `token0`.
    pub reserve0: U256,
    /// Reserve of `token1`.
    pub reserve1: U256,
    /// Timestamp (mod 2^32) of the last update.
    pub block_timestamp_last: u32,
}

impl Protocol {
    /// `feed.latestAnswer()` (8 decimals).
    pub async fn price(
        &self,
        chain: &TestChain,
        feed: Address,
        block: Option<u64>,
    ) -> Result<I256, TestkitError> {
        view!(
            chain,
            PriceFeed,
            feed,
            block,
            "latestAnswer",
            latestAnswer()
        )
    }

    /// `feed.latestRound()`.
    pub async fn latest_round(
        &self,
        chain: &TestChain,
        feed: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(chain, PriceFeed, feed, block, "latestRound", latestRound())
    }

    /// `pair.getReserves()`.
    pub async fn reserves(
        &self,
        chain: &TestChain,
        pair: Address,
        block: Option<u64>,
    ) -> Result<Reserves, TestkitError> {
        let r = view!(chain, DemoPair, pair, block, "getReserves", getReserves())?;
        Ok(Reserves {
            reserve0: U256::from(r._reserve0),
            reserve1: U256::from(r._reserve1),
            block_timestamp_last: r._blockTimestampLast,
        })
    }

    /// `(pair.token0(), pair.token1())`.
    pub async fn pair_tokens_of(
        &self,
        chain: &TestChain,
        pair: Address,
    ) -> Result<(Address, Address), TestkitError> {
        let token0 = view!(chain, DemoPair, pair, None, "token0", token0())?;
        let token1 = view!(chain, DemoPair, pair, None, "token1", token1())?;
        Ok((token0, token1))
    }

    /// `vault.debtOf(user)` (USDP, 18 decimals).
    pub async fn debt_of(
        &self,
        chain: &TestChain,
        user: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(chain, USDPVault, self.vault, block, "debtOf", debtOf(user))
    }

    /// `vault.collateralOf(user, collateral)`.
    pub async fn collateral_of(
        &self,
        chain: &TestChain,
        user: Address,
        collateral: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            USDPVault,
            self.vault,
            block,
            "collateralOf",
            collateralOf(user, collateral)
        )
    }

    /// `vault.liquidationThreshold(collateral)` in basis points.
    pub async fn liquidation_threshold(
        &self,
        chain: &TestChain,
        collateral: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            USDPVault,
            self.vault,
            block,
            "liquidationThreshold",
            liquidationThreshold(collateral)
        )
    }

    /// `vault.collaterals()`: the accepted collateral tokens in the order they were added.
    pub async fn collaterals(
        &self,
        chain: &TestChain,
        block: Option<u64>,
    ) -> Result<Vec<Address>, TestkitError> {
        view!(
            chain,
            USDPVault,
            self.vault,
            block,
            "collaterals",
            collaterals()
        )
    }

    /// `vault.feedOf(collateral)`.
    pub async fn feed_of(
        &self,
        chain: &TestChain,
        collateral: Address,
        block: Option<u64>,
    ) -> Result<Address, TestkitError> {
        view!(
            chain,
            USDPVault,
            self.vault,
            block,
            "feedOf",
            feedOf(collateral)
        )
    }

    /// `vault.collateralValue(user)`: USD, 18 decimals.
    pub async fn collateral_value(
        &self,
        chain: &TestChain,
        user: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            USDPVault,
            self.vault,
            block,
            "collateralValue",
            collateralValue(user)
        )
    }

    /// `vault.healthFactor(user)`: 1e18-scaled, `U256::MAX` without debt.
    pub async fn health_factor(
        &self,
        chain: &TestChain,
        user: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            USDPVault,
            self.vault,
            block,
            "healthFactor",
            healthFactor(user)
        )
    }
}
