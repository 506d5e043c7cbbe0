//! Turning a randomly chosen kind of action into a concrete, valid [`Action`] for one user, or
//! `None` when the user cannot do it now (nothing to withdraw, health too low…).

use alloy::primitives::{Address, U256};
use rand::Rng;

use super::{DAY, E18, Planner, Snapshot, UserState, weighted};
use crate::protocol::{Action, MAXTIME, Protocol};

/// How many kinds [`resolve`] knows.
pub(super) const KINDS: u32 = 22;

/// Amounts below this (in base units) are not worth a transaction: they could round to zero.
const DUST: u64 = 1_000_000_000_000;
/// WBTC has 8 decimals: its dust is 10,000 satoshi.
const WBTC_DUST: u64 = 10_000;
/// Health factor (percent) a borrow or withdrawal must leave, above the contract's 100%.
const SAFE_HF_PERCENT: u64 = 110;

/// The action of kind `kind` for user `i`, if it can be done.
pub(super) fn resolve(
    pl: &mut Planner,
    p: &Protocol,
    snap: &Snapshot,
    i: usize,
    kind: u32,
) -> Option<Action> {
    let user = pl.users[i];
    let u = &snap.users[i];
    let dust = U256::from(DUST);
    match kind {
        0 => swap(pl, p, snap, u),
        1 => add_liquidity(pl, p, snap, u),
        2 => {
            let k = pl.rng.random_range(0..2usize);
            let liquidity = pl.part(u.lp[k], 10, 100);
            let (token_a, token_b) = p.pair_tokens(k);
            (liquidity >= U256::from(1_000_000_000u64)).then_some(Action::RemoveLiquidity {
                token_a,
                token_b,
                liquidity,
            })
        }
        3 => {
            let (collateral, held, min) = if pl.rng.random_bool(0.5) {
                (p.weth, u.weth, dust)
            } else {
                (p.wbtc, u.wbtc, U256::from(WBTC_DUST))
            };
            let amount = pl.part(held, 10, 60);
            (amount >= min).then_some(Action::VaultDeposit { collateral, amount })
        }
        4 => vault_withdraw(pl, p, u),
        5 => {
            let max_debt =
                weighted(u.collateral, pl.prices) * U256::from(100) / U256::from(SAFE_HF_PERCENT);
            let headroom = max_debt.saturating_sub(u.debt);
            let amount = pl.part(headroom, 10, 90);
            (amount >= U256::from(E18)).then_some(Action::Borrow { amount })
        }
        6 => {
            let amount = pl.part(u.debt.min(u.usdp), 10, 100);
            (!amount.is_zero()).then_some(Action::Repay { amount })
        }
        7 => {
            let amount = pl.part(u.gov, 10, 50);
            let lock_end = snap.exec_time + pl.lock_duration();
            (amount >= U256::from(E18)).then_some(Action::CreateLock { amount, lock_end })
        }
        8 => {
            let (token_id, lock) = pick_lock(pl, snap, user, |_| true)?;
            let add_amount = if pl.rng.random_bool(0.5) {
                pl.part(u.gov, 5, 30)
            } else {
                U256::ZERO
            };
            let longest = snap.exec_time + MAXTIME;
            let lock_end =
                (lock.end.max(snap.exec_time) + pl.rng.random_range(DAY..=90 * DAY)).min(longest);
            (lock_end >= lock.end && lock_end > snap.exec_time).then_some(Action::IncreaseLock {
                token_id,
                add_amount,
                lock_end,
            })
        }
        9 => {
            let (token_id, _) = pick_lock(pl, snap, user, |lock| lock.end <= snap.exec_time)?;
            Some(Action::WithdrawLock { token_id })
        }
        10 => {
            let (token_id, _) = pick_lock(pl, snap, user, |_| true)?;
            let to = other_user(pl, i)?;
            Some(Action::TransferVeNft { to, token_id })
        }
        11 => Some(Action::MintNft),
        12 => {
            let owned: Vec<U256> = snap
                .nfts
                .iter()
                .filter(|(_, o)| **o == user)
                .map(|(id, _)| *id)
                .collect();
            let token_id = *owned.get(pl.rng.random_range(0..owned.len().max(1)))?;
            let to = other_user(pl, i)?;
            Some(Action::TransferNft { to, token_id })
        }
        13 => {
            let amount = pl.part(u.usdp, 10, 50);
            (amount >= dust).then_some(Action::SavingsDeposit { amount })
        }
        14 => {
            let amount = pl.part(u.principal, 10, 100);
            (!amount.is_zero()).then_some(Action::SavingsWithdraw { amount })
        }
        15 => {
            let amount = pl.part(u.usdp, 10, 50);
            (amount >= dust).then_some(Action::SpProvide { amount })
        }
        16 => {
            let amount = pl.part(u.sp_deposit, 10, 100);
            (!amount.is_zero()).then_some(Action::SpWithdraw { amount })
        }
        17 => {
            let gauge = p.pairs[pl.rng.random_range(0..p.pairs.len())];
            let weight = U256::from(pl.rng.random_range(0..=10_000u64));
            Some(Action::Vote { gauge, weight })
        }
        18 => Some(Action::Claim),
        19 => {
            let assets = pl.part(u.usdp, 10, 50);
            (assets >= dust).then_some(Action::Deposit4626 { assets })
        }
        20 => {
            let shares = pl.part(u.shares, 10, 100);
            (shares >= dust).then_some(Action::Redeem4626 { shares })
        }
        _ => {
            let amount = pl.part(u.usdp, 1, 5);
            (amount >= dust).then_some(Action::Donate4626 { amount })
        }
    }
}

/// An expired lock of the user, if it has one (the workload prefers withdrawing those).
pub(super) fn expired_lock(pl: &mut Planner, snap: &Snapshot, i: usize) -> Option<Action> {
    let user = pl.users[i];
    let (token_id, _) = pick_lock(pl, snap, user, |lock| lock.end <= snap.exec_time)?;
    Some(Action::WithdrawLock { token_id })
}

fn swap(pl: &mut Planner, p: &Protocol, snap: &Snapshot, u: &UserState) -> Option<Action> {
    let k = pl.rng.random_range(0..2usize);
    let (other, usdp) = p.pair_tokens(k);
    let (reserve_other, reserve_usdp) = snap.reserves[k];
    let other_balance = if k == 0 { u.weth } else { u.gov };
    let (token_in, token_out, balance, reserve_in) = if pl.rng.random_bool(0.5) {
        (other, usdp, other_balance, reserve_other)
    } else {
        (usdp, other, u.usdp, reserve_usdp)
    };
    // At most 1% of the pool, so prices drift but never run away.
    let amount_in = pl.part(balance, 5, 50).min(reserve_in / U256::from(100));
    (amount_in >= U256::from(DUST)).then_some(Action::Swap {
        token_in,
        token_out,
        amount_in,
        min_out: U256::ZERO,
    })
}

fn add_liquidity(pl: &mut Planner, p: &Protocol, snap: &Snapshot, u: &UserState) -> Option<Action> {
    let k = pl.rng.random_range(0..2usize);
    let (token_a, token_b) = p.pair_tokens(k);
    let (reserve_other, reserve_usdp) = snap.reserves[k];
    if reserve_other.is_zero() {
        return None;
    }
    let other_balance = if k == 0 { u.weth } else { u.gov };
    let mut amount_a = pl.part(other_balance, 10, 40);
    // USDP for it at the pre-round ratio plus 3% for swaps in the same block; scale down
    // when the user has less.
    let mut amount_b = amount_a * reserve_usdp / reserve_other * U256::from(103) / U256::from(100);
    if amount_b > u.usdp {
        amount_a = amount_a * u.usdp / amount_b;
        amount_b = u.usdp;
    }
    (amount_a >= U256::from(DUST) && amount_b >= U256::from(DUST)).then_some(Action::AddLiquidity {
        token_a,
        token_b,
        amount_a,
        amount_b,
    })
}

/// Withdraws part of one collateral, keeping the health factor at least 1.1 at the current
/// prices (halving the amount up to four times to get there).
fn vault_withdraw(pl: &mut Planner, p: &Protocol, u: &UserState) -> Option<Action> {
    let k = pl.rng.random_range(0..2usize);
    let mut amount = pl.part(u.collateral[k], 10, 100);
    for _ in 0..5 {
        if amount.is_zero() {
            return None;
        }
        let mut left = u.collateral;
        left[k] -= amount;
        let safe = u.debt.is_zero()
            || weighted(left, pl.prices) * U256::from(100) >= u.debt * U256::from(SAFE_HF_PERCENT);
        if safe {
            let collateral = if k == 0 { p.weth } else { p.wbtc };
            return Some(Action::VaultWithdraw { collateral, amount });
        }
        amount /= U256::from(2);
    }
    None
}

/// A random lock of `user` matching `wanted`.
fn pick_lock(
    pl: &mut Planner,
    snap: &Snapshot,
    user: Address,
    wanted: impl Fn(&super::Lock) -> bool,
) -> Option<(U256, super::Lock)> {
    let owned: Vec<(U256, super::Lock)> = snap
        .locks
        .iter()
        .filter(|(_, lock)| lock.owner == user && wanted(lock))
        .map(|(id, lock)| (*id, *lock))
        .collect();
    if owned.is_empty() {
        return None;
    }
    Some(owned[pl.rng.random_range(0..owned.len())])
}

/// A random user other than user `i`.
fn other_user(pl: &mut Planner, i: usize) -> Option<Address> {
    let n = pl.users.len();
    if n < 2 {
        return None;
    }
    let j = pl.rng.random_range(0..n - 1);
    Some(pl.users[if j >= i { j + 1 } else { j }])
}
