//! Change notices: what a commit or rollback changed, for caches and pushes.

/// Sent after every commit and rollback, in commit order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeNotice {
    /// Blocks `from..=to` were committed.
    Committed {
        /// Chain.
        chain_id: u64,
        /// First block of the batch.
        from: u64,
        /// The new cursor.
        to: u64,
        /// Events stored.
        events: usize,
    },
    /// Every block above `to` was undone.
    Reorg {
        /// Chain.
        chain_id: u64,
        /// First block undone (`ancestor + 1`).
        from_block: u64,
    },
}
