//! Pool state and APR: a gauge's share of the emissions over a year, valued
//! at the reward token's price, over the value of the pool's reserves.

use alloy_primitives::U512;

use crate::input::PoolInput;
use crate::math::{narrow, ratio, wide};
use crate::output::PoolState;
use crate::usd::Usd;

/// Seconds in a 365-day year.
pub const SECONDS_PER_YEAR: u64 = 31_536_000;

/// Value of both reserves; unpriced tokens count 0.
pub fn tvl(p: &PoolInput) -> Usd {
    p.token0
        .usd(p.reserve0)
        .saturating_add(p.token1.usd(p.reserve1))
}

/// `floor(emission_rate × 31_536_000 × gauge_weight / total_weight)` valued at
/// the reward token's price, divided by the pool's TVL. `None` when the TVL
/// or the total weight is zero, or the reward token is missing or unpriced.
pub fn pool_apr(p: &PoolInput) -> Option<f64> {
    let reward = p.reward_token.as_ref().filter(|t| t.price.is_some())?;
    if p.total_weight.is_zero() {
        return None;
    }
    let tvl = tvl(p);
    if tvl == Usd::ZERO {
        return None;
    }
    let yearly = (wide(p.emission_rate) * U512::from(SECONDS_PER_YEAR))
        .saturating_mul(wide(p.gauge_weight))
        / wide(p.total_weight);
    let yearly_usd = reward.usd(narrow(yearly));
    ratio(wide(yearly_usd.scaled()), wide(tvl.scaled()))
}

/// The pool as the API serves it. `timestamp` is the answered block's time;
/// today's emissions do not depend on it, but the signature keeps room for
/// schedules that end.
pub fn pool(p: &PoolInput, timestamp: u64) -> PoolState {
    let _ = timestamp;
    PoolState {
        pair: p.pair,
        token0: p.token0.address,
        token1: p.token1.address,
        reserve0: p.reserve0,
        reserve1: p.reserve1,
        total_supply: p.total_supply,
        tvl_usd: tvl(p),
        apr: pool_apr(p),
    }
}
