//! Totals: sums across kinds, pending rewards, negative net worth.

use tributary_portfolio::{CollateralInput, LpInput, RewardsInput, VaultInput, value};

use crate::common::{addr, e, empty, token, u, usdc, weth};

#[test]
fn sums_every_kind_and_subtracts_debt() {
    let mut p = empty();
    p.lp.push(LpInput {
        pair: addr(0x11),
        token0: weth(),
        token1: usdc(),
        lp_balance: e(1, 18),
        total_supply: e(10, 18),
        reserve0: e(10, 18),
        reserve1: e(30000, 6),
        apr: None,
        pending_rewards: e(3, 18),
    });
    p.vaults.push(VaultInput {
        vault: addr(0x33),
        debt: e(7000, 18) + u(1),
        collaterals: vec![CollateralInput {
            token: weth(),
            amount: e(2, 18),
            lt_bps: 8000,
        }],
    });
    p.rewards = vec![
        RewardsInput {
            contract: addr(0x44),
            pending: e(4, 18),
            token: token(0x45, 18, Some((25_000_000, 8))),
        },
        RewardsInput {
            contract: addr(0x46),
            pending: u(9),
            token: token(0x47, 18, None),
        },
    ];
    let totals = value(&p).totals;
    // LP: 1 WETH + 3000 USDC.
    assert_eq!(totals.lp_value_usd.to_string(), "6000");
    assert_eq!(totals.collateral_value_usd.to_string(), "6000");
    assert_eq!(totals.debt_usd.to_string(), "7000.000000000000000001");
    assert_eq!(totals.locked_value_usd.to_string(), "0");
    // 4e18 + 9 from rewards contracts, 3e18 from the LP row, in base units.
    assert_eq!(totals.pending_rewards, e(7, 18) + u(9));
    // 6000 + 6000 + 4 × $0.25 − 7000.000000000000000001.
    assert_eq!(totals.net_worth_usd.to_string(), "5000.999999999999999999");
}

#[test]
fn net_worth_goes_negative() {
    let mut p = empty();
    p.vaults.push(VaultInput {
        vault: addr(0x33),
        debt: e(7000, 18),
        collaterals: vec![CollateralInput {
            token: weth(),
            amount: e(2, 18),
            lt_bps: 8000,
        }],
    });
    let totals = value(&p).totals;
    assert_eq!(totals.net_worth_usd.to_string(), "-1000");
    assert!(totals.net_worth_usd.is_negative());
    assert_eq!(
        serde_json::to_value(&totals).unwrap()["net_worth_usd"],
        "-1000"
    );
}

#[test]
fn empty_account_is_all_zero_strings() {
    let json = serde_json::to_value(value(&empty())).unwrap();
    assert_eq!(
        json["totals"],
        serde_json::json!({
            "net_worth_usd": "0", "lp_value_usd": "0", "collateral_value_usd": "0",
            "debt_usd": "0", "locked_value_usd": "0", "pending_rewards": "0"
        })
    );
    assert_eq!(json["lp_positions"], serde_json::json!([]));
}
