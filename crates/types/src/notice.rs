//! Change notices: what a commit or rollback changed, for caches and pushes.
//!
//! The engine sends one per commit and rollback, in commit order. Readers
//! (caches, WebSocket pushes, other processes over Redis) use them to drop
//! exactly the answers that changed, so notices are serializable.

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

use crate::ChainId;

/// Most accounts a notice lists one by one; a bigger batch sets
/// [`Touched::all`] instead, which tells readers to drop the whole chain.
pub const MAX_TOUCHED_ACCOUNTS: usize = 4096;

/// What a commit changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Touched {
    /// Accounts whose derived state changed (sorted, unique).
    pub accounts: Vec<Address>,
    /// Contracts whose state changed or that emitted a stored event (sorted, unique).
    pub contracts: Vec<Address>,
    /// Too many accounts to list: treat every account of the chain as touched.
    pub all: bool,
}

/// Sent after every commit and rollback, in commit order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChangeNotice {
    /// Blocks `from..=to` were committed.
    Committed {
        /// Chain.
        chain_id: ChainId,
        /// First block of the batch.
        from: u64,
        /// The new cursor.
        to: u64,
        /// Events stored.
        events: usize,
        /// What the batch changed.
        touched: Touched,
    },
    /// Every block from `from_block` on was undone.
    Reorg {
        /// Chain.
        chain_id: ChainId,
        /// First block undone (`ancestor + 1`).
        from_block: u64,
    },
}

impl ChangeNotice {
    /// The chain the notice is about.
    pub fn chain_id(&self) -> ChainId {
        match self {
            Self::Committed { chain_id, .. } | Self::Reorg { chain_id, .. } => *chain_id,
        }
    }
}
