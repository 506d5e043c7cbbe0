//! LP positions in Uniswap-V2-style pairs: the account's pro-rata share of
//! the reserves, as the pair's `burn` would pay it out.

use alloy_primitives::U256;

use crate::input::LpInput;
use crate::math::{mul_div, ratio, wide};
use crate::output::LpPosition;

/// The valued position. `apr` passes through when finite (JSON has no NaN).
pub fn lp_position(lp: &LpInput) -> LpPosition {
    let token0_amount = mul_div(lp.lp_balance, lp.reserve0, lp.total_supply);
    let token1_amount = mul_div(lp.lp_balance, lp.reserve1, lp.total_supply);
    let share = ratio(wide(lp.lp_balance), wide(lp.total_supply))
        .unwrap_or(0.0)
        .min(1.0);
    LpPosition {
        pair: lp.pair,
        token0: lp.token0.address,
        token1: lp.token1.address,
        lp_balance: lp.lp_balance,
        total_supply: lp.total_supply,
        share,
        token0_amount,
        token1_amount,
        value_usd: lp
            .token0
            .usd(token0_amount)
            .saturating_add(lp.token1.usd(token1_amount)),
        apr: lp.apr.filter(|apr| apr.is_finite()),
        pending_rewards: lp.pending_rewards,
    }
}

/// Positions by pair address. A row is listed while it holds LP tokens or
/// unclaimed rewards.
pub(crate) fn lp_positions(inputs: &[LpInput]) -> Vec<LpPosition> {
    let mut rows: Vec<LpPosition> = inputs
        .iter()
        .filter(|lp| lp.lp_balance != U256::ZERO || lp.pending_rewards != U256::ZERO)
        .map(lp_position)
        .collect();
    rows.sort_by_key(|row| row.pair);
    rows
}
