//! USD amounts as exact fixed-point integers with 18 fractional digits.
//!
//! Values are never floats: sums of many positions must match the chain's
//! views to the last digit, and the API serves them as decimal strings.

use std::fmt;
use std::str::FromStr;

use alloy_primitives::U256;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::input::Price;
use crate::math::{div_pow10, mul_pow10, narrow, wide};

/// Fractional digits of a [`Usd`].
pub const USD_DECIMALS: u32 = 18;

/// `10^18`, one dollar in [`Usd`] units.
const ONE: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);

/// A non-negative USD amount scaled by `10^18` (floor). Arithmetic saturates
/// at `U256::MAX` (≈ 1.16 × 10^59 dollars) rather than wrap.
///
/// Serialized as a decimal string with trailing zeros trimmed: `"1234.5"`,
/// `"0"`, `"0.000000000000000001"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Usd(pub U256);

impl Usd {
    /// Zero dollars.
    pub const ZERO: Self = Self(U256::ZERO);

    /// USD value of `amount` base units of a token with `decimals`, at
    /// `price`: `floor(amount × answer × 10^18 / 10^(decimals + price.decimals))`,
    /// computed exactly.
    pub fn of(amount: U256, decimals: u8, price: &Price) -> Self {
        let product = wide(amount) * wide(price.answer);
        let scale = u32::from(decimals) + u32::from(price.decimals);
        let scaled = if scale <= USD_DECIMALS {
            mul_pow10(product, USD_DECIMALS - scale)
        } else {
            div_pow10(product, scale - USD_DECIMALS)
        };
        Self(narrow(scaled))
    }

    /// The value as a `10^18`-scaled integer.
    pub fn scaled(self) -> U256 {
        self.0
    }

    /// `self + rhs`, saturating.
    #[must_use]
    pub fn saturating_add(self, rhs: Self) -> Self {
        Self(self.0.saturating_add(rhs.0))
    }

    /// `self − rhs`, which may be negative.
    pub fn minus(self, rhs: Self) -> SignedUsd {
        if self.0 >= rhs.0 {
            SignedUsd::new(false, Self(self.0 - rhs.0))
        } else {
            SignedUsd::new(true, Self(rhs.0 - self.0))
        }
    }

    /// The value in dollars as the nearest `f64` (for ratios only).
    pub fn to_f64(self) -> f64 {
        f64::from(self.0) / 1e18
    }
}

impl std::iter::Sum for Usd {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::ZERO, Self::saturating_add)
    }
}

impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = self.0.div_rem(ONE);
        if frac.is_zero() {
            return write!(f, "{whole}");
        }
        let digits = format!("{:0>18}", frac.to_string());
        write!(f, "{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// Why a string is not a USD amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseUsdError {
    /// Not of the form `digits[.digits]` (with a leading `-` only where signed
    /// amounts are allowed).
    #[error("{input:?} is not a decimal USD amount")]
    Malformed {
        /// The rejected text.
        input: String,
    },
    /// More than 18 fractional digits: the value cannot be held exactly.
    #[error("{input:?} has more than 18 fractional digits")]
    TooPrecise {
        /// The rejected text.
        input: String,
    },
    /// Larger than `U256::MAX / 10^18` dollars.
    #[error("{input:?} is too large")]
    Overflow {
        /// The rejected text.
        input: String,
    },
}

impl FromStr for Usd {
    type Err = ParseUsdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let malformed = || ParseUsdError::Malformed {
            input: s.to_owned(),
        };
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || s.ends_with('.') {
            return Err(malformed());
        }
        if frac.len() > USD_DECIMALS as usize {
            return Err(ParseUsdError::TooPrecise {
                input: s.to_owned(),
            });
        }
        let overflow = || ParseUsdError::Overflow {
            input: s.to_owned(),
        };
        let whole = U256::from_str_radix(whole, 10).map_err(|_| overflow())?;
        let frac = format!("{frac:0<18}");
        let frac = U256::from_str_radix(&frac, 10).map_err(|_| malformed())?;
        whole
            .checked_mul(ONE)
            .and_then(|w| w.checked_add(frac))
            .map(Self)
            .ok_or_else(overflow)
    }
}

impl Serialize for Usd {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Usd {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A USD amount that may be negative (net worth with more debt than assets).
/// Serialized like [`Usd`] with a leading `"-"` when negative; zero is never
/// negative.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SignedUsd {
    negative: bool,
    magnitude: Usd,
}

impl SignedUsd {
    /// `±magnitude`; a zero magnitude is always non-negative.
    pub fn new(negative: bool, magnitude: Usd) -> Self {
        Self {
            negative: negative && magnitude != Usd::ZERO,
            magnitude,
        }
    }

    /// Whether the amount is below zero.
    pub fn is_negative(self) -> bool {
        self.negative
    }

    /// The absolute value.
    pub fn magnitude(self) -> Usd {
        self.magnitude
    }
}

impl From<Usd> for SignedUsd {
    fn from(value: Usd) -> Self {
        Self::new(false, value)
    }
}

impl fmt::Display for SignedUsd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        self.magnitude.fmt(f)
    }
}

impl FromStr for SignedUsd {
    type Err = ParseUsdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.strip_prefix('-') {
            Some(rest) => rest
                .parse::<Usd>()
                .map(|m| Self::new(true, m))
                .map_err(|e| match e {
                    ParseUsdError::Malformed { .. } => ParseUsdError::Malformed {
                        input: s.to_owned(),
                    },
                    other => other,
                }),
            None => s.parse::<Usd>().map(Self::from),
        }
    }
}

impl Serialize for SignedUsd {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SignedUsd {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
