//! Pure valuation of DeFi positions: turns the exact integer state the indexer
//! reads from its store into the portfolio and pool JSON the API serves.
//!
//! No I/O and no floats where exactness matters: USD values are
//! [`Usd`] fixed-point integers with 18 fractional digits (floor), health
//! factors follow the chain's own integer formula, and only labelled ratios
//! (`share`, `ltv`, `health_factor`, `apr`, `remaining_days`) are `f64`.
//!
//! ```
//! use alloy_primitives::{Address, U256};
//! use tributary_portfolio::{AccountPositions, Price, SavingsInput, TokenInfo, value};
//!
//! let usdc = TokenInfo {
//!     address: Address::repeat_byte(1),
//!     decimals: 6,
//!     price: Some(Price { answer: U256::from(1_00000000u64), decimals: 8 }),
//! };
//! let positions = AccountPositions {
//!     timestamp: 1_700_000_000,
//!     savings: vec![SavingsInput {
//!         contract: Address::repeat_byte(2),
//!         principal: U256::from(1_500_000u64),
//!         accrued_interest: U256::from(250u64),
//!         token: usdc,
//!     }],
//!     lp: vec![], vaults: vec![], locks: vec![], stability: vec![], erc4626: vec![], rewards: vec![],
//! };
//! assert_eq!(value(&positions).totals.net_worth_usd.to_string(), "1.50025");
//! ```

mod deposits;
mod input;
mod lock;
mod lp;
mod math;
mod output;
mod pool;
pub mod serde_fmt;
mod usd;
mod value;
mod vault;

pub use deposits::{convert_to_assets, erc4626_position};
pub use input::{
    AccountPositions, CollateralInput, LockInput, LpInput, PoolInput, Price, RewardsInput,
    SavingsInput, ShareInput, StabilityInput, TokenInfo, VaultInput,
};
pub use lock::{MAX_LOCK_SECONDS, venft_position, voting_power};
pub use lp::lp_position;
pub use output::{
    AlertKind, Erc4626Position, LpPosition, PoolState, Portfolio, RiskAlert, SavingsPosition,
    Severity, StabilityPosition, Totals, VaultPosition, VenftPosition,
};
pub use pool::{SECONDS_PER_YEAR, pool, pool_apr, tvl};
pub use usd::{ParseUsdError, SignedUsd, USD_DECIMALS, Usd};
pub use value::value;
pub use vault::{health_factor, health_factor_scaled, health_term, liquidation_price};
