//! The whole portfolio: every kind of position valued, then the totals.

use alloy_primitives::U256;

use crate::deposits::{erc4626, savings, stability};
use crate::input::AccountPositions;
use crate::lock::locks;
use crate::lp::lp_positions;
use crate::output::{Portfolio, Totals};
use crate::usd::Usd;
use crate::vault::vaults;

/// Values every position of one account at one block.
///
/// Lists hold only non-zero positions, ordered by contract address then by
/// token / collateral address or token id. Unpriced tokens are worth `"0"`.
/// Net worth counts LP, collateral, locks, savings (principal + interest),
/// stability deposits, ERC-4626 assets and rewards-contract pending rewards at
/// their token prices, minus debt. LP `pending_rewards` are added to
/// `totals.pending_rewards` but not to net worth: [`crate::LpInput`] does not
/// say which token they are paid in.
///
/// A vault with debt but no listed collateral has no row; its debt still
/// counts and, its health factor being 0, it raises a liquidation alert. LTV
/// alerts need a priced collateral and non-zero debt.
pub fn value(p: &AccountPositions) -> Portfolio {
    let lp_positions = lp_positions(&p.lp);
    let vaults = vaults(&p.vaults);
    let locks = locks(&p.locks, p.timestamp);
    let savings = savings(&p.savings);
    let stability = stability(&p.stability);
    let erc4626 = erc4626(&p.erc4626);

    let lp_value: Usd = lp_positions.iter().map(|row| row.value_usd).sum();
    let rewards_value: Usd = p.rewards.iter().map(|r| r.token.usd(r.pending)).sum();
    let pending_rewards = p
        .rewards
        .iter()
        .map(|r| r.pending)
        .chain(p.lp.iter().map(|lp| lp.pending_rewards))
        .fold(U256::ZERO, U256::saturating_add);
    let assets: Usd = [
        lp_value,
        vaults.collateral,
        locks.value,
        savings.value,
        stability.value,
        erc4626.value,
        rewards_value,
    ]
    .into_iter()
    .sum();

    let mut risk_alerts = vaults.alerts;
    risk_alerts.extend(locks.alerts);
    Portfolio {
        lp_positions,
        vault_positions: vaults.rows,
        venft_positions: locks.rows,
        savings: savings.rows,
        stability_pool: stability.rows,
        erc4626: erc4626.rows,
        totals: Totals {
            net_worth_usd: assets.minus(vaults.debt),
            lp_value_usd: lp_value,
            collateral_value_usd: vaults.collateral,
            debt_usd: vaults.debt,
            locked_value_usd: locks.value,
            pending_rewards,
        },
        risk_alerts,
    }
}
