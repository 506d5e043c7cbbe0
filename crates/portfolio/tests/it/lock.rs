//! veNFT rule: linear voting power, remaining days, expiry and its alert.

use tributary_portfolio::{AlertKind, LockInput, MAX_LOCK_SECONDS, Severity, value, voting_power};

use crate::common::{DAY, TS, addr, e, empty, token, u};

fn lock(escrow: u8, token_id: u128, amount: alloy_primitives::U256, lock_end: u64) -> LockInput {
    LockInput {
        escrow: addr(escrow),
        token_id: u(token_id),
        amount,
        lock_end,
        token: token(0x77, 18, Some((2_00000000, 8))),
    }
}

#[test]
fn voting_power_decays_linearly() {
    assert_eq!(MAX_LOCK_SECONDS, 126_144_000);
    // Half of the maximum lock left: half the amount.
    assert_eq!(
        voting_power(e(1000, 18), TS + 2 * 365 * DAY, TS),
        e(500, 18)
    );
    // 3.5 days left: floor(1000e18 × 302400 / 126144000).
    assert_eq!(
        voting_power(e(1000, 18), TS + 302_400, TS),
        u(2_397_260_273_972_602_739)
    );
    assert_eq!(voting_power(e(1000, 18), TS, TS), u(0));
    assert_eq!(voting_power(e(1000, 18), TS - 1, TS), u(0));
}

#[test]
fn rows_values_and_expiry_alerts() {
    let mut p = empty();
    p.locks = vec![
        lock(0x60, 9, e(1000, 18), TS + 2 * 365 * DAY),
        lock(0x60, 2, e(1000, 18), TS + 302_400),
        lock(0x50, 1, e(5, 18), TS - 1),
        lock(0x50, 3, u(0), TS + DAY),
        lock(0x70, 4, e(1, 18), TS),
    ];
    let portfolio = value(&p);
    let rows = &portfolio.venft_positions;
    let keys: Vec<_> = rows.iter().map(|r| (r.escrow, r.token_id)).collect();
    assert_eq!(
        keys,
        vec![
            (addr(0x50), u(1)),
            (addr(0x60), u(2)),
            (addr(0x60), u(9)),
            (addr(0x70), u(4))
        ]
    );

    // Expired but still holding 5 tokens.
    assert!(rows[0].is_expired);
    assert_eq!((rows[0].voting_power, rows[0].remaining_days), (u(0), 0.0));
    assert_eq!(rows[1].remaining_days, 3.5);
    assert!(!rows[1].is_expired);
    assert_eq!(rows[2].voting_power, e(500, 18));
    assert_eq!(rows[2].remaining_days, 730.0);
    assert_eq!(rows[2].lock_end, TS + 2 * 365 * DAY);
    // Ending exactly now counts as expired.
    assert!(rows[3].is_expired);

    // (5 + 1000 + 1000 + 1) tokens at $2, expired locks included.
    assert_eq!(portfolio.totals.locked_value_usd.to_string(), "4012");
    assert_eq!(portfolio.totals.net_worth_usd.to_string(), "4012");

    let alerts = &portfolio.risk_alerts;
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        (alerts[0].kind, alerts[0].severity),
        (AlertKind::LockExpiry, Severity::Info)
    );
    assert_eq!(
        (alerts[0].escrow, alerts[0].token_id, alerts[0].vault),
        (Some(addr(0x60)), Some(u(2)), None)
    );
    assert!(
        alerts[0].message.contains("3.50 days"),
        "{}",
        alerts[0].message
    );
}

#[test]
fn expiry_window_is_seven_days_inclusive() {
    let alerts = |lock_end| {
        let mut p = empty();
        p.locks.push(lock(0x60, 1, e(1, 18), lock_end));
        value(&p).risk_alerts.len()
    };
    assert_eq!(alerts(TS + 7 * DAY), 1);
    assert_eq!(alerts(TS + 1), 1);
    assert_eq!(alerts(TS + 7 * DAY + 1), 0);
    assert_eq!(alerts(TS), 0);
}
