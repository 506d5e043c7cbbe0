//! The indexing pipeline of tributary: decode, project and commit.
//!
//! Data flows one way: a chain source hands ordered block ranges of logs to a
//! per-chain [`ChainIndexer`], which decodes them by ABI (`tributary-abi`), routes
//! them to contract entries ([`registry`]), applies projections ([`project`])
//! in a write-behind [`overlay`], and commits each range as one store batch.
//! Reorgs are detected by parent hash and undone through the store's undo
//! journal.

mod error;
mod indexer;
pub mod notice;
mod ops;
pub mod overlay;
pub mod project;
mod range;
pub mod rebuild;
mod refresh;
pub mod registry;
mod reorg;
pub mod setup;
mod statelog;
mod tokens;
pub mod verify;

pub use error::EngineError;
pub use indexer::{ChainIndexer, IndexerOptions, OnError, Progress};
pub use notice::ChangeNotice;
pub use reorg::Ancestry;
