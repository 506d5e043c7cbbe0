//! Vault rule: rows, LTV, chain health factor, liquidation prices, alerts.

use tributary_portfolio::{
    AlertKind, CollateralInput, Severity, TokenInfo, VaultInput, health_term, value,
};

use crate::common::{addr, e, empty, token, u, wbtc, weth};

fn collateral(token: TokenInfo, amount: alloy_primitives::U256, lt_bps: u32) -> CollateralInput {
    CollateralInput {
        token,
        amount,
        lt_bps,
    }
}

/// 2 WETH ($6000, LT 80 %) and 0.5 WBTC ($30000, LT 75 %) against `debt`.
fn vault(debt: alloy_primitives::U256) -> VaultInput {
    VaultInput {
        vault: addr(0x33),
        debt,
        collaterals: vec![
            collateral(wbtc(), e(5, 7), 7500),
            collateral(weth(), e(2, 18), 8000),
        ],
    }
}

#[test]
fn computes_chain_terms() {
    // 2e18 × 3000e8 × 10^0 / 10^8 × 8000 / 10000 = 4800e18.
    assert_eq!(
        health_term(&collateral(weth(), e(2, 18), 8000)),
        e(4800, 18)
    );
    // 0.5e8 × 60000e8 × 10^10 / 10^8 × 7500 / 10000 = 22500e18.
    assert_eq!(
        health_term(&collateral(wbtc(), e(5, 7), 7500)),
        e(22500, 18)
    );
    // 24 decimals: 3e24 × 2e8 / 10^6 / 10^8 × 5000 / 10000 = 3e18.
    let wide = token(0x24, 24, Some((2_00000000, 8)));
    assert_eq!(health_term(&collateral(wide, e(3, 24), 5000)), e(3, 18));
    // Each division floors in turn: 1 unit of a 0-decimal token at $1.5e-16 is
    // 15 × 10^18 / 10^17 = 150, then × 3333 / 10000 = 49.995 → 49.
    let cheap = token(0x25, 0, Some((15, 17)));
    assert_eq!(health_term(&collateral(cheap, u(1), 3333)), u(49));
    assert_eq!(
        health_term(&collateral(token(0x26, 18, None), e(1, 18), 8000)),
        u(0)
    );
}

#[test]
fn risky_vault_rows_and_alerts() {
    let mut p = empty();
    p.vaults.push(vault(e(30000, 18)));
    let portfolio = value(&p);
    let rows = &portfolio.vault_positions;
    // Ordered by collateral address: WBTC (0xbb…) before WETH (0xee…).
    assert_eq!(rows[0].collateral, wbtc().address);
    assert_eq!(rows[0].collateral_value_usd.to_string(), "30000");
    assert_eq!(rows[1].collateral_value_usd.to_string(), "6000");
    for row in rows {
        assert_eq!(row.debt, e(30000, 18));
        // 30000 / 36000.
        assert_eq!(row.ltv, Some(30000.0 / 36000.0));
        // (4800 + 22500) / 30000.
        assert_eq!(row.health_factor, Some(0.91));
    }
    // WBTC: (30000 − 4800) / (0.5 × 0.75) = 67200; WETH: (30000 − 22500) / (2 × 0.8).
    assert_eq!(rows[0].liquidation_price.unwrap().to_string(), "67200");
    assert_eq!(rows[1].liquidation_price.unwrap().to_string(), "4687.5");

    let alerts = &portfolio.risk_alerts;
    assert_eq!(alerts.len(), 2);
    assert_eq!(
        (alerts[0].kind, alerts[0].severity),
        (AlertKind::Liquidation, Severity::High)
    );
    assert_eq!(alerts[0].vault, Some(addr(0x33)));
    assert!(
        alerts[0].message.contains("0.9100"),
        "{}",
        alerts[0].message
    );
    assert_eq!(
        (alerts[1].kind, alerts[1].severity),
        (AlertKind::Ltv, Severity::Medium)
    );
    // Weighted LT = 27300 / 36000 = 75.83 %; LTV 83.33 %.
    assert!(alerts[1].message.contains("83.33%") && alerts[1].message.contains("75.83%"));
    assert_eq!(portfolio.totals.collateral_value_usd.to_string(), "36000");
    assert_eq!(portfolio.totals.debt_usd.to_string(), "30000");
}

#[test]
fn healthy_vault_has_no_alerts() {
    let mut p = empty();
    p.vaults.push(vault(e(10000, 18)));
    let portfolio = value(&p);
    let rows = &portfolio.vault_positions;
    assert_eq!(rows[0].health_factor, Some(2.73));
    // WBTC: (10000 − 4800) / 0.375, floored at 18 digits.
    assert_eq!(
        rows[0].liquidation_price.unwrap().to_string(),
        "13866.666666666666666666"
    );
    // WETH alone cannot be liquidated: WBTC's 22500 already covers the debt.
    assert_eq!(rows[1].liquidation_price, None);
    assert!(portfolio.risk_alerts.is_empty());
}

#[test]
fn alert_thresholds_are_exact() {
    let weth_only = |debt| VaultInput {
        vault: addr(0x40),
        debt,
        collaterals: vec![collateral(weth(), e(2, 18), 8000)],
    };
    let kinds = |debt| {
        let mut p = empty();
        p.vaults.push(weth_only(debt));
        value(&p)
            .risk_alerts
            .iter()
            .map(|a| a.kind)
            .collect::<Vec<_>>()
    };
    // Terms 4800: HF is exactly 1.2 at debt 4000.
    assert_eq!(kinds(e(4000, 18)), vec![]);
    assert_eq!(kinds(e(4000, 18) + u(1)), vec![AlertKind::Liquidation]);
    // Threshold 80 % − 5 points: LTV 75 % of $6000 is debt 4500.
    assert_eq!(kinds(e(4500, 18)), vec![AlertKind::Liquidation]);
    assert_eq!(
        kinds(e(4500, 18) + u(1)),
        vec![AlertKind::Liquidation, AlertKind::Ltv]
    );
}

#[test]
fn debt_free_and_collateral_free_vaults() {
    let mut p = empty();
    p.vaults = vec![
        VaultInput {
            vault: addr(0x50),
            debt: e(100, 18),
            collaterals: vec![],
        },
        VaultInput {
            vault: addr(0x10),
            debt: u(0),
            collaterals: vec![
                collateral(weth(), e(1, 18), 8000),
                collateral(wbtc(), u(0), 7500),
            ],
        },
        VaultInput {
            vault: addr(0x20),
            debt: e(1, 18),
            collaterals: vec![collateral(token(0x27, 18, None), e(1, 18), 8000)],
        },
    ];
    let portfolio = value(&p);
    let rows = &portfolio.vault_positions;
    // The zero WBTC amount is not listed; the collateral-free vault has no row.
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].vault, addr(0x10));
    assert_eq!(
        (
            rows[0].ltv,
            rows[0].health_factor,
            rows[0].liquidation_price
        ),
        (Some(0.0), None, None)
    );
    // Unpriced collateral: worth "0", LTV undefined, HF 0.
    assert_eq!(rows[1].vault, addr(0x20));
    assert_eq!(rows[1].collateral_value_usd.to_string(), "0");
    assert_eq!((rows[1].ltv, rows[1].health_factor), (None, Some(0.0)));
    // Debt of the row-less vault still counts.
    assert_eq!(portfolio.totals.debt_usd.to_string(), "101");
    assert_eq!(portfolio.totals.net_worth_usd.to_string(), "2899");
    let alerted: Vec<_> = portfolio
        .risk_alerts
        .iter()
        .map(|a| (a.vault, a.kind))
        .collect();
    assert_eq!(
        alerted,
        vec![
            (Some(addr(0x20)), AlertKind::Liquidation),
            (Some(addr(0x50)), AlertKind::Liquidation)
        ]
    );
}
