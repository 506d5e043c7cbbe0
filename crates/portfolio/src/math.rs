//! Exact integer helpers. Products of two `U256` values are taken in `U512` so
//! nothing wraps; results that do not fit back into `U256` saturate, because a
//! portfolio must always answer and such values only arise from absurd inputs.

use alloy_primitives::{U256, U512};

/// `10^exp` in `U512`, or `None` when it does not fit (exp > 154).
pub(crate) fn pow10(exp: u32) -> Option<U512> {
    U512::from(10u8).checked_pow(U512::from(exp))
}

/// `x` narrowed to `U256`, saturating at `U256::MAX`.
pub(crate) fn narrow(x: U512) -> U256 {
    U256::saturating_from(x)
}

/// `U512` of a `U256`.
pub(crate) fn wide(x: U256) -> U512 {
    U512::from(x)
}

/// `floor(a × b / d)` exactly (saturating); zero when `d` is zero, which is
/// what every caller wants for an empty supply.
pub(crate) fn mul_div(a: U256, b: U256, d: U256) -> U256 {
    if d.is_zero() {
        return U256::ZERO;
    }
    narrow(wide(a) * wide(b) / wide(d))
}

/// `x × 10^exp`, saturating.
pub(crate) fn mul_pow10(x: U512, exp: u32) -> U512 {
    match pow10(exp) {
        Some(p) => x.saturating_mul(p),
        None if x.is_zero() => U512::ZERO,
        None => U512::MAX,
    }
}

/// `floor(x / 10^exp)`; zero when `10^exp` exceeds `U512` (and so `x`).
pub(crate) fn div_pow10(x: U512, exp: u32) -> U512 {
    match pow10(exp) {
        Some(p) => x / p,
        None => U512::ZERO,
    }
}

/// `num / den` as the nearest `f64` to each side's value; `None` when `den`
/// is zero, so callers never emit NaN or infinity (JSON has neither).
pub(crate) fn ratio(num: U512, den: U512) -> Option<f64> {
    if den.is_zero() {
        return None;
    }
    let r = f64::from(num) / f64::from(den);
    r.is_finite().then_some(r)
}
