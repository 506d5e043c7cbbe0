//! Fixtures shared by the tests: tokens with round prices, empty accounts.

use alloy_primitives::{Address, U256};
use tributary_portfolio::{AccountPositions, Price, TokenInfo};

/// A block timestamp used throughout.
pub const TS: u64 = 1_700_000_000;
/// Seconds in a day.
pub const DAY: u64 = 86_400;

pub fn addr(byte: u8) -> Address {
    Address::repeat_byte(byte)
}

pub fn u(x: u128) -> U256 {
    U256::from(x)
}

/// `x × 10^exp`.
pub fn e(x: u128, exp: u32) -> U256 {
    U256::from(x) * U256::from(10u8).pow(U256::from(exp))
}

pub fn token(byte: u8, decimals: u8, price: Option<(u128, u8)>) -> TokenInfo {
    TokenInfo {
        address: addr(byte),
        decimals,
        price: price.map(|(answer, decimals)| Price {
            answer: u(answer),
            decimals,
        }),
    }
}

/// WETH: 18 decimals at $3000 (8-decimal oracle).
pub fn weth() -> TokenInfo {
    token(0xee, 18, Some((3000_00000000, 8)))
}

/// USDC: 6 decimals at $1.
pub fn usdc() -> TokenInfo {
    token(0xcc, 6, Some((1_00000000, 8)))
}

/// WBTC: 8 decimals at $60000.
pub fn wbtc() -> TokenInfo {
    token(0xbb, 8, Some((60000_00000000, 8)))
}

/// An account holding nothing at [`TS`].
pub fn empty() -> AccountPositions {
    AccountPositions {
        timestamp: TS,
        lp: vec![],
        vaults: vec![],
        locks: vec![],
        savings: vec![],
        stability: vec![],
        erc4626: vec![],
        rewards: vec![],
    }
}
