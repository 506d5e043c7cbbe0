//! Engine errors.

use tributary_source::SourceError;
use tributary_store::StoreError;

/// Why indexing a chain stopped or a step failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The RPC failed after its retries.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An event's ABI cannot be used for decoding.
    #[error("contract {contract:?}: event {event:?} cannot be decoded: {reason}")]
    Abi {
        /// Contract entry.
        contract: String,
        /// Event name.
        event: String,
        /// Why.
        reason: String,
    },
    /// The configuration is inconsistent with what the engine needs.
    #[error("config: {0}")]
    Config(String),
    /// The task committing a batch panicked (a bug: the batch rolled back).
    #[error("the commit task failed: {0}")]
    Task(String),
    /// The node answers for another chain than configured.
    #[error("chain {name:?}: configured chain_id {configured} but the node reports {reported}")]
    WrongChain {
        /// Chain name.
        name: String,
        /// Configured id.
        configured: u64,
        /// The node's id.
        reported: u64,
    },
    /// A log failed to decode or project and the chain is configured with
    /// `on_error = "halt"`: the chain stops with the batch unwritten.
    #[error(
        "chain {chain:?}: contract {contract:?}, block {block} log {log_index}: {error}; halting (on_error = \"halt\"). Fix the ABI or projection, or set on_error = \"dead_letter\""
    )]
    Halted {
        /// Chain name.
        chain: String,
        /// Contract entry.
        contract: String,
        /// Block of the log.
        block: u64,
        /// Log index.
        log_index: u64,
        /// What failed.
        error: String,
    },
    /// A reorg replaced every block of the kept window: tributary cannot tell
    /// what to undo, so the chain halts with nothing written.
    #[error(
        "chain {chain:?}: reorg deeper than the kept window (stored headers from block {lowest} to {highest} all differ from the node); halting with nothing written. Raise `confirmations` or re-index with `tributary rebuild`/`replay` after checking the node"
    )]
    DeepReorg {
        /// Chain name.
        chain: String,
        /// Lowest stored header.
        lowest: u64,
        /// Highest stored header (the cursor).
        highest: u64,
    },
}

impl EngineError {
    /// Whether retrying later may succeed (the loop retries these itself).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Source(_) | Self::Store(StoreError::CursorConflict { .. }) => true,
            Self::Store(e @ StoreError::Sql(_)) => !e.is_deterministic(),
            _ => false,
        }
    }
}
