//! Raw EVM logs as a node returns them, before any decoding.

use alloy_primitives::{Address, B256, Bytes};
use serde::{Deserialize, Serialize};

/// One log, with its position in the chain.
///
/// `log_index` is the block-level index (as `eth_getLogs` reports it), kept
/// as `u64` end to end: one peer corrupted data when indexes passed 2^31.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawLog {
    /// Height of the block holding the log.
    pub block_number: u64,
    /// Hash of the block holding the log.
    pub block_hash: B256,
    /// Hash of the transaction that emitted it.
    pub tx_hash: B256,
    /// Position of that transaction in the block.
    pub tx_index: u64,
    /// Block-level log index.
    pub log_index: u64,
    /// The emitting contract.
    pub address: Address,
    /// Topics; `topics[0]` is the event selector for non-anonymous events.
    pub topics: Vec<B256>,
    /// Non-indexed data.
    pub data: Bytes,
}

impl RawLog {
    /// The event selector, if the log has topics.
    pub fn topic0(&self) -> Option<B256> {
        self.topics.first().copied()
    }

    /// The (block, log index) position that orders logs within a chain.
    pub fn position(&self) -> (u64, u64) {
        (self.block_number, self.log_index)
    }
}
