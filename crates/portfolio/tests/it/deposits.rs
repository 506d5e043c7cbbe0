//! Savings, stability-pool and ERC-4626 rules.

use tributary_portfolio::{
    SavingsInput, ShareInput, StabilityInput, convert_to_assets, erc4626_position, value,
};

use crate::common::{addr, e, empty, token, u, usdc};

#[test]
fn savings_and_stability_rows() {
    let mut p = empty();
    p.savings = vec![
        SavingsInput {
            contract: addr(0x81),
            principal: e(1000, 6),
            accrued_interest: e(25, 5),
            token: usdc(),
        },
        SavingsInput {
            contract: addr(0x80),
            principal: u(0),
            accrued_interest: u(0),
            token: usdc(),
        },
        SavingsInput {
            contract: addr(0x79),
            principal: u(0),
            accrued_interest: u(7),
            token: usdc(),
        },
    ];
    p.stability = vec![
        StabilityInput {
            contract: addr(0x91),
            deposit: e(500, 18),
            token: token(0x99, 18, Some((1_00000000, 8))),
        },
        StabilityInput {
            contract: addr(0x90),
            deposit: u(0),
            token: usdc(),
        },
    ];
    let portfolio = value(&p);
    let savings: Vec<_> = portfolio
        .savings
        .iter()
        .map(|s| (s.contract, s.principal, s.accrued_interest))
        .collect();
    assert_eq!(
        savings,
        vec![(addr(0x79), u(0), u(7)), (addr(0x81), e(1000, 6), e(25, 5))]
    );
    assert_eq!(portfolio.stability_pool.len(), 1);
    assert_eq!(portfolio.stability_pool[0].deposit, e(500, 18));
    // 1002.5 + 0.000007 + 500.
    assert_eq!(portfolio.totals.net_worth_usd.to_string(), "1502.500007");
}

#[test]
fn erc4626_follows_openzeppelin_rounding() {
    // 100 of 1000 shares over 1100 assets (6 decimals), virtual share and asset of 1.
    assert_eq!(
        convert_to_assets(e(100, 6), e(1100, 6), e(1000, 6)),
        u(109_999_999)
    );
    assert_eq!(convert_to_assets(u(5), u(0), u(0)), u(5));
    let input = ShareInput {
        vault: addr(0xa0),
        shares: e(100, 6),
        total_supply: e(1000, 6),
        total_assets: e(1100, 6),
        decimals: 6,
        asset: usdc(),
    };
    let row = erc4626_position(&input);
    assert_eq!(
        (row.assets, row.share_price),
        (u(109_999_999), u(1_099_999))
    );

    let mut p = empty();
    p.erc4626 = vec![
        input.clone(),
        ShareInput {
            vault: addr(0x01),
            shares: u(0),
            ..input
        },
    ];
    let portfolio = value(&p);
    assert_eq!(portfolio.erc4626.len(), 1);
    assert_eq!(portfolio.totals.net_worth_usd.to_string(), "109.999999");
}
