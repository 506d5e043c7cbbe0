//! The JSON bodies the API answers with. Every type here is both what is
//! serialized and what the OpenAPI document describes, so the two agree.

use alloy_primitives::{Address, B256};
use serde::Serialize;
use tributary_store::read::BlockRef;
use utoipa::ToSchema;

/// The error body: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// Code and message of an error.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid_address`.
    #[schema(example = "invalid_address")]
    pub code: String,
    /// Human-readable explanation naming the offending value.
    pub message: String,
}

/// The block an answer reflects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BlockJson {
    /// Chain id.
    pub chain_id: u64,
    /// Block height.
    pub number: u64,
    /// Block hash, 0x-hex.
    pub hash: String,
    /// Unix timestamp in seconds.
    pub timestamp: u64,
}

impl From<BlockRef> for BlockJson {
    fn from(b: BlockRef) -> Self {
        Self {
            chain_id: b.chain_id,
            number: b.number,
            hash: hex_b256(&b.hash),
            timestamp: b.timestamp,
        }
    }
}

/// The block(s) an answer reflects: `"block"` when it covers one chain
/// (null while that chain has nothing indexed), `"blocks"` (one per indexed
/// chain) when it spans several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub enum BlockAt {
    /// One chain.
    #[serde(rename = "block")]
    Block(Option<BlockJson>),
    /// Several chains.
    #[serde(rename = "blocks")]
    Blocks(Vec<BlockJson>),
}

/// One page of `/v1/events`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventsPage {
    /// Events in (block_number, log_index, chain_id) order.
    pub items: Vec<EventItem>,
    /// Cursor of the next page, or null on the last one.
    #[schema(required = true)]
    pub next: Option<String>,
    /// The block(s) the page reflects.
    #[serde(flatten)]
    pub at: BlockAt,
}

/// A decoded event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventItem {
    /// Chain id.
    pub chain_id: u64,
    /// Block height.
    pub block_number: u64,
    /// Block hash, 0x-hex.
    pub block_hash: String,
    /// Transaction hash, 0x-hex.
    pub tx_hash: String,
    /// Block-level log index.
    pub log_index: u64,
    /// Contract config name.
    pub contract: String,
    /// Emitting contract, EIP-55.
    pub address: String,
    /// Event name.
    pub event: String,
    /// Decoded arguments keyed by ABI name (or position when unnamed).
    #[schema(value_type = Object)]
    pub args: serde_json::Value,
}

/// Answer of `/v1/accounts/{address}/balances`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BalancesAnswer {
    /// The account, EIP-55.
    pub address: String,
    /// Every non-zero balance, by chain then token address.
    pub balances: Vec<BalanceItem>,
    /// The block(s) the answer reflects.
    #[serde(flatten)]
    pub at: BlockAt,
}

/// One non-zero balance.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BalanceItem {
    /// Chain id.
    pub chain_id: u64,
    /// Token address, EIP-55.
    pub token: String,
    /// Token symbol, null if the token has none.
    #[schema(required = true)]
    pub symbol: Option<String>,
    /// Token decimals, null if the token has none.
    #[schema(required = true)]
    pub decimals: Option<u8>,
    /// Balance in base units, decimal string.
    #[schema(example = "1000000000000000000")]
    pub balance: String,
}

/// One page of `/v1/tokens/{address}/holders`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HoldersPage {
    /// Holders by balance descending, ties by address ascending.
    pub items: Vec<HolderItem>,
    /// Cursor of the next page, or null on the last one.
    #[schema(required = true)]
    pub next: Option<String>,
    /// The block the page reflects.
    #[serde(flatten)]
    pub at: BlockAt,
    /// Total supply in base units, decimal string.
    pub total_supply: String,
}

/// One holder of a token.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HolderItem {
    /// Holder, EIP-55.
    pub account: String,
    /// Balance in base units, decimal string (fungible tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<String>,
    /// Tokens owned (`erc721` and `vote_escrow` collections).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// Answer of `/v1/status` (and of `/readyz`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusAnswer {
    /// One entry per configured chain, in configuration order.
    pub chains: Vec<ChainStatus>,
}

/// Indexing progress of one chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChainStatus {
    /// Config name.
    pub name: String,
    /// Chain id.
    pub chain_id: u64,
    /// Latest head seen on the node, null before the first.
    #[schema(required = true)]
    pub head_block: Option<u64>,
    /// Hash of that head.
    #[schema(required = true)]
    pub head_hash: Option<String>,
    /// Latest block whose data is committed, null before the first.
    #[schema(required = true)]
    pub indexed_block: Option<u64>,
    /// Hash of that block.
    #[schema(required = true)]
    pub indexed_hash: Option<String>,
    /// `max(0, head_block - confirmations)`, null while the head is unknown.
    #[schema(required = true)]
    pub finalized_block: Option<u64>,
    /// `head_block - indexed_block`, 0 when either is unknown.
    pub lag_blocks: u64,
    /// Whether the chain is indexed to (within one block of) the head.
    pub synced: bool,
}

/// Answer of `/healthz`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    #[schema(example = "ok")]
    pub status: String,
}

/// An address as answers show it: EIP-55 checksummed.
pub(crate) fn checksum(address: &Address) -> String {
    tributary_types::checksummed(address)
}

/// A hash as answers show it: 0x + 64 lowercase hex digits.
pub(crate) fn hex_b256(hash: &B256) -> String {
    format!("{hash:#x}")
}
