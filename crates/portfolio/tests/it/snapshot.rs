//! The JSON of a fixed portfolio holding one of everything.

use tributary_portfolio::{
    CollateralInput, LockInput, LpInput, RewardsInput, SavingsInput, ShareInput, StabilityInput,
    VaultInput, value,
};

use crate::common::{DAY, TS, addr, e, empty, token, u, usdc, wbtc, weth};

fn fixture() -> tributary_portfolio::AccountPositions {
    let mut p = empty();
    p.lp.push(LpInput {
        pair: addr(0x1a),
        token0: weth(),
        token1: usdc(),
        lp_balance: e(3, 18),
        total_supply: e(7, 18),
        reserve0: e(100, 18),
        reserve1: e(300_000, 6),
        apr: Some(0.125),
        pending_rewards: e(2, 18),
    });
    p.vaults.push(VaultInput {
        vault: addr(0x3c),
        debt: e(30000, 18),
        collaterals: vec![
            CollateralInput {
                token: weth(),
                amount: e(2, 18),
                lt_bps: 8000,
            },
            CollateralInput {
                token: wbtc(),
                amount: e(5, 7),
                lt_bps: 7500,
            },
        ],
    });
    p.locks = vec![
        LockInput {
            escrow: addr(0x5e),
            token_id: u(42),
            amount: e(1000, 18),
            lock_end: TS + 3 * DAY,
            token: token(0x77, 18, Some((2_00000000, 8))),
        },
        LockInput {
            escrow: addr(0x5e),
            token_id: u(7),
            amount: e(10, 18),
            lock_end: TS - DAY,
            token: token(0x77, 18, Some((2_00000000, 8))),
        },
    ];
    p.savings.push(SavingsInput {
        contract: addr(0x5a),
        principal: e(1000, 6),
        accrued_interest: e(25, 5),
        token: usdc(),
    });
    p.stability.push(StabilityInput {
        contract: addr(0x5b),
        deposit: e(500, 18),
        token: token(0x99, 18, Some((1_00000000, 8))),
    });
    p.erc4626.push(ShareInput {
        vault: addr(0xa4),
        shares: e(100, 6),
        total_supply: e(1000, 6),
        total_assets: e(1100, 6),
        decimals: 6,
        asset: usdc(),
    });
    p.rewards.push(RewardsInput {
        contract: addr(0x4d),
        pending: e(4, 18),
        token: token(0x45, 18, Some((25_000_000, 8))),
    });
    p
}

#[test]
fn portfolio_json() {
    let portfolio = value(&fixture());
    insta::assert_json_snapshot!(portfolio);
    let back: tributary_portfolio::Portfolio =
        serde_json::from_value(serde_json::to_value(&portfolio).unwrap()).unwrap();
    assert_eq!(back, portfolio);
}
