//! LP rule: pro-rata token amounts (floor), value, share, apr, listing.

use tributary_portfolio::{LpInput, value};

use crate::common::{addr, e, empty, u, usdc, weth};

fn lp(pair: u8, lp_balance: u128, total_supply: u128) -> LpInput {
    LpInput {
        pair: addr(pair),
        token0: weth(),
        token1: usdc(),
        lp_balance: e(lp_balance, 18),
        total_supply: e(total_supply, 18),
        reserve0: e(100, 18),
        reserve1: e(300_000, 6),
        apr: Some(0.12),
        pending_rewards: e(5, 18),
    }
}

#[test]
fn takes_floor_of_pro_rata_reserves() {
    let mut p = empty();
    p.lp.push(lp(0x11, 3, 7));
    let row = &value(&p).lp_positions[0];
    // 3/7 of 100 WETH and of 300000 USDC, floored.
    assert_eq!(row.token0_amount, u(42_857_142_857_142_857_142));
    assert_eq!(row.token1_amount, u(128_571_428_571));
    // 42.857142857142857142 × 3000 + 128571.428571 × 1.
    assert_eq!(row.value_usd.to_string(), "257142.857142428571426");
    assert_eq!(row.share, 3.0 / 7.0);
    assert_eq!(row.apr, Some(0.12));
    assert_eq!(row.pending_rewards, e(5, 18));
    assert_eq!(row.token0, weth().address);
}

#[test]
fn empty_supply_yields_zero_amounts() {
    let mut input = lp(0x11, 0, 0);
    input.lp_balance = u(5);
    let mut p = empty();
    p.lp.push(input);
    let row = &value(&p).lp_positions[0];
    assert_eq!((row.token0_amount, row.token1_amount), (u(0), u(0)));
    assert_eq!(row.share, 0.0);
    assert_eq!(row.value_usd.to_string(), "0");
}

#[test]
fn unpriced_token_counts_zero() {
    let mut input = lp(0x11, 1, 1);
    input.token0.price = None;
    let mut p = empty();
    p.lp.push(input);
    let portfolio = value(&p);
    assert_eq!(portfolio.lp_positions[0].value_usd.to_string(), "300000");
    assert_eq!(portfolio.totals.lp_value_usd.to_string(), "300000");
}

#[test]
fn lists_held_positions_by_pair() {
    let mut idle = lp(0x05, 0, 7);
    idle.pending_rewards = u(0);
    let mut rewards_only = lp(0x07, 0, 7);
    rewards_only.pending_rewards = u(1);
    let mut nan_apr = lp(0x01, 1, 7);
    nan_apr.apr = Some(f64::NAN);
    let mut p = empty();
    p.lp = vec![lp(0x22, 1, 7), idle, rewards_only, nan_apr];
    let rows = value(&p).lp_positions;
    let pairs: Vec<_> = rows.iter().map(|r| r.pair).collect();
    assert_eq!(pairs, vec![addr(0x01), addr(0x07), addr(0x22)]);
    assert_eq!(rows[0].apr, None);
}
