//! Plain deposits: savings, stability pools and ERC-4626 shares. Each is
//! listed while non-zero and valued at its token's price.

use alloy_primitives::{U256, U512};

use crate::input::{SavingsInput, ShareInput, StabilityInput};
use crate::math::{mul_pow10, narrow, wide};
use crate::output::{Erc4626Position, SavingsPosition, StabilityPosition};
use crate::usd::Usd;

/// Rows of one kind of deposit and their total USD value.
pub(crate) struct Deposits<T> {
    /// Rows in address order.
    pub rows: Vec<T>,
    /// Σ values of the listed rows.
    pub value: Usd,
}

/// OpenZeppelin's `convertToAssets` with a zero decimals offset, rounding
/// down: `shares × (total_assets + 1) / (total_supply + 1)`.
pub fn convert_to_assets(shares: U256, total_assets: U256, total_supply: U256) -> U256 {
    let one = U512::from(1u8);
    narrow(wide(shares) * (wide(total_assets) + one) / (wide(total_supply) + one))
}

/// Savings deposits with principal or interest, by contract then token; each
/// valued as `principal + accrued_interest` at the token's price.
pub(crate) fn savings(inputs: &[SavingsInput]) -> Deposits<SavingsPosition> {
    let mut held: Vec<&SavingsInput> = inputs
        .iter()
        .filter(|s| !s.principal.is_zero() || !s.accrued_interest.is_zero())
        .collect();
    held.sort_by_key(|s| (s.contract, s.token.address));
    Deposits {
        value: held
            .iter()
            .map(|s| s.token.usd(s.principal.saturating_add(s.accrued_interest)))
            .sum(),
        rows: held
            .iter()
            .map(|s| SavingsPosition {
                contract: s.contract,
                principal: s.principal,
                accrued_interest: s.accrued_interest,
            })
            .collect(),
    }
}

/// Non-zero stability-pool deposits, by contract then token.
pub(crate) fn stability(inputs: &[StabilityInput]) -> Deposits<StabilityPosition> {
    let mut held: Vec<&StabilityInput> = inputs.iter().filter(|s| !s.deposit.is_zero()).collect();
    held.sort_by_key(|s| (s.contract, s.token.address));
    Deposits {
        value: held.iter().map(|s| s.token.usd(s.deposit)).sum(),
        rows: held
            .iter()
            .map(|s| StabilityPosition {
                contract: s.contract,
                deposit: s.deposit,
            })
            .collect(),
    }
}

/// The valued share holding.
pub fn erc4626_position(s: &ShareInput) -> Erc4626Position {
    let one_share = narrow(mul_pow10(U512::from(1u8), u32::from(s.decimals)));
    Erc4626Position {
        vault: s.vault,
        shares: s.shares,
        assets: convert_to_assets(s.shares, s.total_assets, s.total_supply),
        share_price: convert_to_assets(one_share, s.total_assets, s.total_supply),
    }
}

/// Non-zero share holdings by vault, their assets valued at the asset price.
pub(crate) fn erc4626(inputs: &[ShareInput]) -> Deposits<Erc4626Position> {
    let mut held: Vec<&ShareInput> = inputs.iter().filter(|s| !s.shares.is_zero()).collect();
    held.sort_by_key(|s| (s.vault, s.asset.address));
    let rows: Vec<Erc4626Position> = held.iter().map(|s| erc4626_position(s)).collect();
    let value = held
        .iter()
        .zip(&rows)
        .map(|(s, row)| s.asset.usd(row.assets))
        .sum();
    Deposits { rows, value }
}
