//! A decoded event as stored and served.

use std::sync::Arc;

use alloy_primitives::{Address, B256};

use crate::RawLog;

/// A configured event, decoded by its ABI, together with the raw log it came
/// from (kept so that projections can be rebuilt without the RPC).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Chain the log belongs to.
    pub chain_id: u64,
    /// Config name of the contract entry the log matched.
    pub contract: String,
    /// Event name from the ABI.
    pub event: String,
    /// The decoded arguments, rendered or to be rendered from the log.
    pub args: EventArgs,
    /// The raw log.
    pub log: RawLog,
}

/// The arguments of a stored event: keyed by ABI name (or zero-based
/// position when unnamed) and encoded per the API rules, integers as
/// decimal strings, addresses EIP-55, bytes 0x-hex.
#[derive(Debug, Clone, PartialEq)]
pub enum EventArgs {
    /// As JSON text, which is how they are served (a `serde_json::Value`
    /// per event cost a tree of allocations that nothing read).
    Text(String),
    /// Not rendered: the text follows from the raw log and this ABI, and is
    /// rendered when the event is read. The indexer writes events this way:
    /// rendering every argument at ingest took a fifth of a backfill's CPU,
    /// and the text was 40% of a stored event's bytes, for events most of
    /// which are never read one by one.
    Abi(Arc<EventAbi>),
}

/// An event's ABI in the form stored events carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventAbi {
    /// The event's JSON ABI item, as alloy serializes it.
    pub json: Box<str>,
    /// Topic 0 of every log of this event, unless the event is anonymous.
    pub selector: Option<B256>,
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
