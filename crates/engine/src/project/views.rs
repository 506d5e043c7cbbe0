//! Chain reads whose answers are state: values that change between events
//! (accrued interest, pending rewards, a vault's total assets) or that no event
//! carries (a collateral's liquidation threshold). They are read with
//! `eth_call`s pinned to the block a batch ends at.

#![allow(missing_docs)] // the `sol!` call types below document themselves by name

use alloy::primitives::{Address, Bytes};
use alloy::sol;
use tributary_types::StateKey;

sol! {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function liquidationThreshold(address collateral) external view returns (uint256);
    function accruedInterest(address user) external view returns (uint256);
    function pendingRewards(address user) external view returns (uint256);
    function emissionRate() external view returns (uint256);
    function totalAssets() external view returns (uint256);
}

/// One read: call `to` with `data` and store the single 32-byte word it returns under `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// Where the answer goes.
    pub key: StateKey,
    /// Contract called.
    pub to: Address,
    /// ABI-encoded call.
    pub data: Bytes,
}

impl View {
    /// A read of `to` with calldata `data` into `key`.
    pub fn new(key: StateKey, to: Address, data: Vec<u8>) -> Self {
        Self {
            key,
            to,
            data: data.into(),
        }
    }
}
