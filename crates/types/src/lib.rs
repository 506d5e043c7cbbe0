//! Shared vocabulary of tributary: block headers, raw logs, decoded events and
//! the key/value model of derived state.
//!
//! Every other crate speaks in these types, so this crate depends on nothing of
//! ours and on as little else as possible.

pub mod block;
pub mod checksum;
pub mod event;
pub mod log;
pub mod notice;
pub mod state;

pub use alloy_primitives::{Address, B256, Bytes, U256};
pub use block::BlockHeader;
pub use checksum::{checksummed, push_checksummed};
pub use event::{EventAbi, EventArgs, StoredEvent};
pub use log::RawLog;
pub use notice::{ChangeNotice, Touched};
pub use state::{StateKey, StateKind, StateWrite, UndoEntry};

/// An EIP-155 chain id.
pub type ChainId = u64;
