//! Consistent reads: every API answer is served from one [`Snapshot`], so it
//! reflects exactly one committed state and names the block it reflects.

use alloy_primitives::{Address, B256, U256};
use tributary_types::ChainId;

/// A chain's indexing status as recorded by the indexer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainRow {
    /// Chain id.
    pub chain_id: ChainId,
    /// Config name of the chain.
    pub name: String,
    /// Latest head the indexer saw on the node, if any.
    pub head: Option<BlockRef>,
    /// Latest block whose data is committed, if any.
    pub indexed: Option<BlockRef>,
    /// Finality depth configured for the chain.
    pub confirmations: u64,
    /// Number of stored events.
    pub events: u64,
    /// Last error the indexer recorded for this chain, cleared on progress.
    pub last_error: Option<String>,
}

/// A block as answers reference it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockRef {
    /// Chain id.
    pub chain_id: ChainId,
    /// Height.
    pub number: u64,
    /// Hash.
    pub hash: B256,
    /// Unix timestamp in seconds.
    pub timestamp: u64,
}

/// Filter and page of an events query. Bounds are inclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// Only this chain.
    pub chain_id: Option<ChainId>,
    /// Only this contract config name.
    pub contract: Option<String>,
    /// Only this event name.
    pub event: Option<String>,
    /// Only events emitted by this address.
    pub address: Option<Address>,
    /// Lowest block, inclusive.
    pub from_block: Option<u64>,
    /// Highest block, inclusive.
    pub to_block: Option<u64>,
    /// Start strictly after this (block_number, log_index, chain_id) position.
    pub after: Option<EventPosition>,
    /// Page size.
    pub limit: u32,
}

/// The sort position of an event: (block_number, log_index, chain_id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventPosition {
    /// Block height.
    pub block_number: u64,
    /// Block-level log index.
    pub log_index: u64,
    /// Chain id, the last tie-breaker across chains.
    pub chain_id: ChainId,
}

/// A stored event as served.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// Chain id.
    pub chain_id: ChainId,
    /// Block height.
    pub block_number: u64,
    /// Block hash.
    pub block_hash: B256,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Block-level log index.
    pub log_index: u64,
    /// Contract config name.
    pub contract: String,
    /// Emitting address.
    pub address: Address,
    /// Event name.
    pub event: String,
    /// Decoded arguments (already in API encoding).
    pub args: serde_json::Value,
}

/// Metadata of a token tributary tracks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// Chain id.
    pub chain_id: ChainId,
    /// Token address.
    pub address: Address,
    /// Contract config name that tracks it.
    pub contract: String,
    /// Template kind (`erc20`, `uniswap_v2_pair`, ...).
    pub kind: String,
    /// `symbol()` if the token answered one.
    pub symbol: Option<String>,
    /// `decimals()` if the token answered one.
    pub decimals: Option<u8>,
}

/// One non-zero balance of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceRow {
    /// The token and its metadata.
    pub token: TokenRow,
    /// Exact balance in base units.
    pub balance: U256,
}

/// One holder of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HolderRow {
    /// Holder.
    pub account: Address,
    /// Exact balance in base units.
    pub balance: U256,
}

/// Sort position of a holder: balance descending, then account ascending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HolderPosition {
    /// Balance of the last holder served.
    pub balance: U256,
    /// Account of the last holder served.
    pub account: Address,
}
