//! The health factor equals an independent reimplementation of the chain's
//! integer formula, written here in plain checked `U256` arithmetic.

use alloy_primitives::U256;
use proptest::prelude::*;
use tributary_portfolio::{
    CollateralInput, Price, TokenInfo, VaultInput, health_factor, health_factor_scaled, value,
};

use crate::common::{addr, empty};

fn pow10(exp: u8) -> U256 {
    U256::from(10u8).pow(U256::from(exp))
}

/// The vault contract's view, step by step; `None` where Solidity would revert.
fn chain_health_factor(v: &VaultInput) -> Option<U256> {
    let mut sum = U256::ZERO;
    for c in &v.collaterals {
        let Some(price) = &c.token.price else {
            continue;
        };
        let dec = c.token.decimals;
        let mut x = c.amount.checked_mul(price.answer)?;
        x = if dec <= 18 {
            x.checked_mul(pow10(18 - dec))?
        } else {
            x / pow10(dec - 18)
        };
        x /= pow10(price.decimals);
        x = x.checked_mul(U256::from(c.lt_bps))? / U256::from(10_000u32);
        sum = sum.checked_add(x)?;
    }
    sum.checked_mul(pow10(18))?.checked_div(v.debt)
}

fn collateral() -> impl Strategy<Value = CollateralInput> {
    (
        1u8..=255,
        0u128..10u128.pow(27),
        0u64..10u64.pow(12),
        0u8..=18,
        0u8..=30,
        0u32..=10_000,
        any::<bool>(),
    )
        .prop_map(
            |(byte, amount, answer, pd, dec, lt, priced)| CollateralInput {
                token: TokenInfo {
                    address: addr(byte),
                    decimals: dec,
                    price: priced.then(|| Price {
                        answer: U256::from(answer),
                        decimals: pd,
                    }),
                },
                amount: U256::from(amount),
                lt_bps: lt,
            },
        )
}

proptest! {
    #[test]
    fn matches_chain_formula(
        collaterals in proptest::collection::vec(collateral(), 0..4),
        debt in 1u128..10u128.pow(30),
    ) {
        let v = VaultInput { vault: addr(0x33), debt: U256::from(debt), collaterals };
        let expected = chain_health_factor(&v);
        prop_assume!(expected.is_some());
        let expected = expected.unwrap();
        prop_assert_eq!(health_factor_scaled(&v).map(U256::saturating_from), Some(expected));
        let expected_f64 = f64::from(expected) / 1e18;
        prop_assert_eq!(health_factor(&v), Some(expected_f64));

        let mut p = empty();
        p.vaults.push(v);
        for row in value(&p).vault_positions {
            prop_assert_eq!(row.health_factor, Some(expected_f64));
        }
    }
}
