//! Block headers: the part of a block the pipeline needs to order data and
//! detect reorgs.

use alloy_primitives::B256;
use serde::{Deserialize, Serialize};

/// The fields of a block header that indexing relies on.
///
/// `parent_hash` links a header to its predecessor; a stored header whose hash
/// differs from the chain's header at the same height means a reorg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockHeader {
    /// Block height.
    pub number: u64,
    /// Block hash.
    pub hash: B256,
    /// Hash of the block at `number - 1`.
    pub parent_hash: B256,
    /// Unix timestamp in seconds, as the block states it.
    pub timestamp: u64,
}

impl BlockHeader {
    /// Whether `child` claims this header as its parent.
    pub fn is_parent_of(&self, child: &BlockHeader) -> bool {
        child.number == self.number.wrapping_add(1) && child.parent_hash == self.hash
    }
}
