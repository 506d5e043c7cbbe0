//! A decoded event as stored and served.

use alloy_primitives::{Address, B256};
use serde::{Deserialize, Serialize};

use crate::RawLog;

/// A configured event, decoded by its ABI, together with the raw log it came
/// from (kept so that projections can be rebuilt without the RPC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// Chain the log belongs to.
    pub chain_id: u64,
    /// Config name of the contract entry the log matched.
    pub contract: String,
    /// Event name from the ABI.
    pub event: String,
    /// Decoded arguments keyed by ABI name (or zero-based position when
    /// unnamed), encoded per the API rules: integers as decimal strings,
    /// addresses EIP-55, bytes 0x-hex; as JSON text, which is how it is
    /// stored and served (a `serde_json::Value` per event cost a tree of
    /// allocations that nothing read).
    pub args: String,
    /// The raw log.
    pub log: RawLog,
}

impl StoredEvent {
    /// Height of the block holding the event.
    pub fn block_number(&self) -> u64 {
        self.log.block_number
    }

    /// Hash of the block holding the event.
    pub fn block_hash(&self) -> B256 {
        self.log.block_hash
    }

    /// The emitting contract.
    pub fn address(&self) -> Address {
        self.log.address
    }
}
