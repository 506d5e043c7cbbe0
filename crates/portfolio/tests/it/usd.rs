//! USD fixed-point: valuation, formatting (negative, tiny, huge), parsing.

use alloy_primitives::U256;
use proptest::prelude::*;
use tributary_portfolio::{Price, SignedUsd, Usd};

use crate::common::{e, u};

fn price(answer: u128, decimals: u8) -> Price {
    Price {
        answer: u(answer),
        decimals,
    }
}

#[test]
fn formats_trimmed_decimal_strings() {
    assert_eq!(Usd::ZERO.to_string(), "0");
    assert_eq!(Usd(u(1)).to_string(), "0.000000000000000001");
    assert_eq!(Usd(e(12345, 17)).to_string(), "1234.5");
    assert_eq!(Usd(e(7, 18)).to_string(), "7");
    assert_eq!(Usd(e(1, 18) + u(1)).to_string(), "1.000000000000000001");
    assert_eq!(
        Usd(U256::MAX).to_string(),
        "115792089237316195423570985008687907853269984665640564039457.584007913129639935"
    );
}

#[test]
fn formats_negative_amounts() {
    assert_eq!(Usd(e(1, 18)).minus(Usd(e(25, 17))).to_string(), "-1.5");
    assert_eq!(
        Usd::ZERO.minus(Usd(u(1))).to_string(),
        "-0.000000000000000001"
    );
    assert_eq!(Usd(u(5)).minus(Usd(u(5))).to_string(), "0");
    assert!(!Usd(u(5)).minus(Usd(u(5))).is_negative());
    assert_eq!(
        Usd::ZERO.minus(Usd(U256::MAX)).to_string(),
        "-115792089237316195423570985008687907853269984665640564039457.584007913129639935"
    );
    assert_eq!(Usd(e(3, 18)).minus(Usd(e(1, 18))).to_string(), "2");
}

#[test]
fn serializes_as_json_strings() {
    assert_eq!(
        serde_json::to_string(&Usd(e(12345, 17))).unwrap(),
        r#""1234.5""#
    );
    let negative = Usd::ZERO.minus(Usd(e(2, 18)));
    assert_eq!(serde_json::to_string(&negative).unwrap(), r#""-2""#);
    assert_eq!(
        serde_json::from_str::<SignedUsd>(r#""-2""#).unwrap(),
        negative
    );
    assert_eq!(
        serde_json::from_str::<Usd>(r#""0.5""#).unwrap(),
        Usd(e(5, 17))
    );
}

#[test]
fn rejects_malformed_text() {
    for bad in [
        "",
        "1.",
        ".5",
        "-1",
        "1e3",
        "abc",
        "1.0000000000000000001",
        "--1",
        "+1",
    ] {
        assert!(bad.parse::<Usd>().is_err(), "{bad:?} parsed");
    }
    assert!("-0.5".parse::<SignedUsd>().unwrap().is_negative());
    assert!(
        "1157920892373161954235709850086879078532699846656405640394575.0"
            .parse::<Usd>()
            .is_err()
    );
}

#[test]
fn values_amounts_exactly() {
    // 1.5 WETH at $3000.
    assert_eq!(
        Usd::of(e(15, 17), 18, &price(3000_00000000, 8)).to_string(),
        "4500"
    );
    // 1.234567 USDC at $0.9999: 1234567 × 99990000 × 10^(18−14).
    assert_eq!(
        Usd::of(u(1_234_567), 6, &price(99_990_000, 8)).to_string(),
        "1.2344435433"
    );
    // One wei at $1 is the smallest representable value; at $0.5 it floors to 0.
    assert_eq!(
        Usd::of(u(1), 18, &price(1_00000000, 8)).to_string(),
        "0.000000000000000001"
    );
    assert_eq!(Usd::of(u(1), 18, &price(50_000_000, 8)), Usd::ZERO);
    // 24-decimal token: 3 tokens at $2.
    assert_eq!(
        Usd::of(e(3, 24), 24, &price(2_00000000, 8)).to_string(),
        "6"
    );
    // Price with 0 decimals and a 0-decimal token: multiply only.
    assert_eq!(Usd::of(u(7), 0, &price(3, 0)).to_string(), "21");
    // Absurd magnitudes saturate instead of wrapping.
    assert_eq!(Usd::of(U256::MAX, 0, &price(u128::MAX, 0)), Usd(U256::MAX));
}

#[test]
fn sums_saturate() {
    let total: Usd = [Usd(U256::MAX), Usd(u(1))].into_iter().sum();
    assert_eq!(total, Usd(U256::MAX));
}

proptest! {
    #[test]
    fn display_and_parse_round_trip(limbs in any::<[u64; 4]>(), negative in any::<bool>()) {
        let usd = Usd(U256::from_limbs(limbs));
        prop_assert_eq!(usd.to_string().parse::<Usd>().unwrap(), usd);
        let signed = SignedUsd::new(negative, usd);
        prop_assert_eq!(signed.to_string().parse::<SignedUsd>().unwrap(), signed);
    }
}
