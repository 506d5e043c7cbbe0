//! What the indexer hands over: exact integer state read from its store, one
//! struct per kind of position. Nothing here is rounded or converted yet.

use alloy_primitives::{Address, U256};

use crate::usd::Usd;

/// A USD price as an oracle reports it: `answer / 10^decimals` dollars per
/// whole token (e.g. `3000_00000000` with 8 decimals is $3000).
#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    /// The raw oracle answer.
    pub answer: U256,
    /// How many decimals `answer` carries.
    pub decimals: u8,
}

/// A token as the valuation needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenInfo {
    /// The token contract.
    pub address: Address,
    /// ERC-20 decimals of the token's base units.
    pub decimals: u8,
    /// Its USD price; `None` when the token is unpriced, in which case every
    /// amount of it is worth `"0"` USD.
    pub price: Option<Price>,
}

impl TokenInfo {
    /// USD value of `amount` base units of this token, exact to 18 fractional
    /// digits (floor); zero when the token is unpriced.
    pub fn usd(&self, amount: U256) -> Usd {
        match &self.price {
            Some(price) => Usd::of(amount, self.decimals, price),
            None => Usd::ZERO,
        }
    }
}

/// The account's stake in a Uniswap-V2-style pair.
#[derive(Debug, Clone, PartialEq)]
pub struct LpInput {
    /// The pair (LP token) contract.
    pub pair: Address,
    /// The pair's `token0`.
    pub token0: TokenInfo,
    /// The pair's `token1`.
    pub token1: TokenInfo,
    /// LP tokens the account holds (base units).
    pub lp_balance: U256,
    /// Total supply of the LP token.
    pub total_supply: U256,
    /// Pair reserve of `token0`.
    pub reserve0: U256,
    /// Pair reserve of `token1`.
    pub reserve1: U256,
    /// The pool's APR as a fraction (0.12 = 12 %), if known; see [`crate::pool_apr`].
    pub apr: Option<f64>,
    /// Unclaimed gauge rewards for this position (reward token base units).
    pub pending_rewards: U256,
}

/// One collateral token deposited in a CDP vault.
#[derive(Debug, Clone, PartialEq)]
pub struct CollateralInput {
    /// The collateral token.
    pub token: TokenInfo,
    /// Deposited amount (base units).
    pub amount: U256,
    /// Liquidation threshold in basis points (8000 = 80 %).
    pub lt_bps: u32,
}

/// The account's position in a CDP vault.
#[derive(Debug, Clone, PartialEq)]
pub struct VaultInput {
    /// The vault contract.
    pub vault: Address,
    /// Minted stablecoin owed: 18 decimals, worth exactly 1 USD each.
    pub debt: U256,
    /// Every collateral the vault holds for the account.
    pub collaterals: Vec<CollateralInput>,
}

/// A vote-escrow lock (veNFT).
#[derive(Debug, Clone, PartialEq)]
pub struct LockInput {
    /// The voting-escrow contract.
    pub escrow: Address,
    /// The lock's NFT id.
    pub token_id: U256,
    /// Locked amount (base units of `token`).
    pub amount: U256,
    /// Unix time the lock ends.
    pub lock_end: u64,
    /// The locked token.
    pub token: TokenInfo,
}

/// A deposit in a savings (interest-bearing) contract.
#[derive(Debug, Clone, PartialEq)]
pub struct SavingsInput {
    /// The savings contract.
    pub contract: Address,
    /// Deposited principal (base units of `token`).
    pub principal: U256,
    /// Interest accrued so far (base units of `token`).
    pub accrued_interest: U256,
    /// The deposited token.
    pub token: TokenInfo,
}

/// A deposit in a stability pool.
#[derive(Debug, Clone, PartialEq)]
pub struct StabilityInput {
    /// The stability-pool contract.
    pub contract: Address,
    /// Deposited amount (base units of `token`).
    pub deposit: U256,
    /// The deposited token.
    pub token: TokenInfo,
}

/// Shares of an ERC-4626 vault (OpenZeppelin implementation, offset 0).
#[derive(Debug, Clone, PartialEq)]
pub struct ShareInput {
    /// The vault (share token) contract.
    pub vault: Address,
    /// Shares the account holds.
    pub shares: U256,
    /// `totalSupply()` of shares.
    pub total_supply: U256,
    /// `totalAssets()` of the vault.
    pub total_assets: U256,
    /// Decimals of the share token.
    pub decimals: u8,
    /// The underlying asset.
    pub asset: TokenInfo,
}

/// Unclaimed rewards in a rewards (gauge, distributor) contract.
#[derive(Debug, Clone, PartialEq)]
pub struct RewardsInput {
    /// The rewards contract.
    pub contract: Address,
    /// Pending rewards (base units of `token`).
    pub pending: U256,
    /// The reward token.
    pub token: TokenInfo,
}

/// Everything one account holds at one block.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountPositions {
    /// Unix timestamp of the answered block (locks are judged against it).
    pub timestamp: u64,
    /// LP positions.
    pub lp: Vec<LpInput>,
    /// CDP vault positions.
    pub vaults: Vec<VaultInput>,
    /// Vote-escrow locks.
    pub locks: Vec<LockInput>,
    /// Savings deposits.
    pub savings: Vec<SavingsInput>,
    /// Stability-pool deposits.
    pub stability: Vec<StabilityInput>,
    /// ERC-4626 share holdings.
    pub erc4626: Vec<ShareInput>,
    /// Unclaimed rewards.
    pub rewards: Vec<RewardsInput>,
}

/// A pool as `GET /v1/pools/{address}` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolInput {
    /// The pair contract.
    pub pair: Address,
    /// The pair's `token0`.
    pub token0: TokenInfo,
    /// The pair's `token1`.
    pub token1: TokenInfo,
    /// Pair reserve of `token0`.
    pub reserve0: U256,
    /// Pair reserve of `token1`.
    pub reserve1: U256,
    /// Total supply of the LP token.
    pub total_supply: U256,
    /// The pool gauge's vote weight.
    pub gauge_weight: U256,
    /// Total vote weight of all gauges.
    pub total_weight: U256,
    /// Emission of all gauges together: reward tokens per second, base units.
    pub emission_rate: U256,
    /// The emitted reward token; `None` when there is none.
    pub reward_token: Option<TokenInfo>,
}
