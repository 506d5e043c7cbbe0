//! The portfolio as the API serves it (PRODUCT.md, "Portfolio shape"): token
//! amounts are exact decimal strings, USD values decimal strings, ratios JSON
//! numbers (or `null`), addresses EIP-55.

use alloy_primitives::{Address, U256};
use serde::{Deserialize, Serialize};

use crate::serde_fmt::{checksum, checksum_opt, decimal, decimal_opt};
use crate::usd::{SignedUsd, Usd};

/// Every position of one account, valued, with totals and risk alerts. The
/// API wraps it (`#[serde(flatten)]`) with `address` and `block`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Portfolio {
    /// LP positions, by pair address.
    pub lp_positions: Vec<LpPosition>,
    /// One row per (vault, collateral), by vault then collateral address.
    pub vault_positions: Vec<VaultPosition>,
    /// Vote-escrow locks, by escrow then token id.
    pub venft_positions: Vec<VenftPosition>,
    /// Savings deposits, by contract.
    pub savings: Vec<SavingsPosition>,
    /// Stability-pool deposits, by contract.
    pub stability_pool: Vec<StabilityPosition>,
    /// ERC-4626 holdings, by vault.
    pub erc4626: Vec<Erc4626Position>,
    /// Sums over every position.
    pub totals: Totals,
    /// Warnings, in position order (vaults, then locks).
    pub risk_alerts: Vec<RiskAlert>,
}

/// A stake in a pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LpPosition {
    /// The pair.
    #[serde(with = "checksum")]
    pub pair: Address,
    /// Its `token0`.
    #[serde(with = "checksum")]
    pub token0: Address,
    /// Its `token1`.
    #[serde(with = "checksum")]
    pub token1: Address,
    /// LP tokens held.
    #[serde(with = "decimal")]
    pub lp_balance: U256,
    /// LP token supply.
    #[serde(with = "decimal")]
    pub total_supply: U256,
    /// `lp_balance / total_supply`, in [0, 1].
    pub share: f64,
    /// `floor(lp_balance × reserve0 / total_supply)`.
    #[serde(with = "decimal")]
    pub token0_amount: U256,
    /// `floor(lp_balance × reserve1 / total_supply)`.
    #[serde(with = "decimal")]
    pub token1_amount: U256,
    /// Value of both token amounts (unpriced tokens count 0).
    pub value_usd: Usd,
    /// The pool's APR as a fraction, or `null` when unknown.
    pub apr: Option<f64>,
    /// Unclaimed rewards (reward token base units).
    #[serde(with = "decimal")]
    pub pending_rewards: U256,
}

/// One collateral of a CDP vault; vault-wide figures repeat on each row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VaultPosition {
    /// The vault.
    #[serde(with = "checksum")]
    pub vault: Address,
    /// The collateral token.
    #[serde(with = "checksum")]
    pub collateral: Address,
    /// Deposited amount (base units).
    #[serde(with = "decimal")]
    pub collateral_amount: U256,
    /// Its USD value (`"0"` when unpriced).
    pub collateral_value_usd: Usd,
    /// The vault's debt (stablecoin base units, 18 decimals).
    #[serde(with = "decimal")]
    pub debt: U256,
    /// Debt over the vault's total collateral value; `null` when that is zero.
    pub ltv: Option<f64>,
    /// The chain's health factor; `null` without debt.
    pub health_factor: Option<f64>,
    /// USD price of this collateral at which the health factor would be 1,
    /// the others fixed; `null` when none exists.
    pub liquidation_price: Option<Usd>,
}

/// A vote-escrow lock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenftPosition {
    /// The escrow.
    #[serde(with = "checksum")]
    pub escrow: Address,
    /// The lock's NFT id.
    #[serde(with = "decimal")]
    pub token_id: U256,
    /// Locked amount (base units).
    #[serde(with = "decimal")]
    pub locked_amount: U256,
    /// Unix time the lock ends.
    pub lock_end: u64,
    /// `floor(amount × remaining seconds / 4 years)`, 0 once expired.
    #[serde(with = "decimal")]
    pub voting_power: U256,
    /// Remaining time in (fractional) days, 0 once expired.
    pub remaining_days: f64,
    /// Whether `lock_end` is at or before the block's timestamp.
    pub is_expired: bool,
}

/// A savings deposit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavingsPosition {
    /// The savings contract.
    #[serde(with = "checksum")]
    pub contract: Address,
    /// Principal (base units).
    #[serde(with = "decimal")]
    pub principal: U256,
    /// Interest accrued (base units).
    #[serde(with = "decimal")]
    pub accrued_interest: U256,
}

/// A stability-pool deposit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StabilityPosition {
    /// The stability pool.
    #[serde(with = "checksum")]
    pub contract: Address,
    /// Deposit (base units).
    #[serde(with = "decimal")]
    pub deposit: U256,
}

/// ERC-4626 shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Erc4626Position {
    /// The vault.
    #[serde(with = "checksum")]
    pub vault: Address,
    /// Shares held.
    #[serde(with = "decimal")]
    pub shares: U256,
    /// `convertToAssets(shares)` (asset base units).
    #[serde(with = "decimal")]
    pub assets: U256,
    /// `convertToAssets(10^decimals)` (asset base units).
    #[serde(with = "decimal")]
    pub share_price: U256,
}

/// Sums over the whole portfolio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Everything held (LP, collateral, locks, savings, stability deposits,
    /// ERC-4626 assets, priced pending rewards) minus debt; may be negative.
    pub net_worth_usd: SignedUsd,
    /// Σ LP values.
    pub lp_value_usd: Usd,
    /// Σ collateral values.
    pub collateral_value_usd: Usd,
    /// Σ debt, at 1 USD per stablecoin.
    pub debt_usd: Usd,
    /// Σ locked amounts at the locked token's price (expired locks included).
    pub locked_value_usd: Usd,
    /// Σ pending rewards in base units, over rewards contracts and LP rows.
    #[serde(with = "decimal")]
    pub pending_rewards: U256,
}

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A vault's health factor is below 1.2.
    Liquidation,
    /// A vault's LTV is within 5 points of its liquidation threshold.
    Ltv,
    /// A lock ends within 7 days.
    LockExpiry,
}

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Act now.
    High,
    /// Watch closely.
    Medium,
    /// For information.
    Info,
}

/// A warning about one position. Exactly one of `vault` / `escrow` is set;
/// unset keys are omitted from the JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskAlert {
    /// What the alert is about.
    #[serde(rename = "type")]
    pub kind: AlertKind,
    /// How urgent it is.
    pub severity: Severity,
    /// The vault concerned.
    #[serde(
        with = "checksum_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub vault: Option<Address>,
    /// The escrow concerned.
    #[serde(
        with = "checksum_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub escrow: Option<Address>,
    /// The lock concerned, with `escrow`.
    #[serde(with = "decimal_opt", default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<U256>,
    /// A human-readable explanation with the numbers.
    pub message: String,
}

/// A pool as `GET /v1/pools/{address}` serves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolState {
    /// The pair.
    #[serde(with = "checksum")]
    pub pair: Address,
    /// Its `token0`.
    #[serde(with = "checksum")]
    pub token0: Address,
    /// Its `token1`.
    #[serde(with = "checksum")]
    pub token1: Address,
    /// Reserve of `token0`.
    #[serde(with = "decimal")]
    pub reserve0: U256,
    /// Reserve of `token1`.
    #[serde(with = "decimal")]
    pub reserve1: U256,
    /// LP token supply.
    #[serde(with = "decimal")]
    pub total_supply: U256,
    /// Value of both reserves (unpriced tokens count 0).
    pub tvl_usd: Usd,
    /// Yearly emissions to the pool over its TVL, as a fraction; `null` when
    /// not computable.
    pub apr: Option<f64>,
}
