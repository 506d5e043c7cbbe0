//! The one error type of the testkit.

use std::path::PathBuf;

use alloy::primitives::{Address, B256};

/// Everything that can go wrong while setting up or driving a test chain or database.
///
/// Every variant names what was being done and where, so a failing test says why.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestkitError {
    /// No anvil binary was found anywhere we looked.
    #[error(
        "anvil binary not found: TRIBUTARY_ANVIL is not set, {bundled} does not exist and no \
         `anvil` is on PATH; run `npm ci` in the repo root"
    )]
    AnvilNotFound {
        /// The bundled npm location that was checked.
        bundled: PathBuf,
    },
    /// `TRIBUTARY_ANVIL` names a file that does not exist.
    #[error("TRIBUTARY_ANVIL is set to {path}, which is not a file; fix it or unset it")]
    AnvilEnvInvalid {
        /// The path the variable holds.
        path: PathBuf,
    },
    /// The anvil process could not be started or did not report its address.
    #[error("could not start anvil at {path}: {source}")]
    AnvilSpawn {
        /// The binary that was started.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: alloy::node_bindings::NodeError,
    },
    /// anvil started but printed no dev keys, so no wallet can be built.
    #[error("anvil at {path} reported no dev accounts")]
    NoDevAccounts {
        /// The binary that was started.
        path: PathBuf,
    },
    /// A JSON-RPC call to the node failed.
    #[error("RPC call {method} failed: {source}")]
    Rpc {
        /// The JSON-RPC method.
        method: &'static str,
        /// The transport or node error.
        #[source]
        source: alloy::transports::TransportError,
    },
    /// A contract call, deployment or transaction submission failed.
    #[error("{call} on contract {contract} failed: {source}")]
    Contract {
        /// The function (or `deploy`) that was called.
        call: &'static str,
        /// The contract address (zero for a deployment).
        contract: Address,
        /// The contract-layer error (often a revert with its reason); boxed, it is large.
        #[source]
        source: Box<alloy::contract::Error>,
    },
    /// Waiting for a transaction's receipt failed.
    #[error("waiting for the receipt of {call} (tx {tx_hash}) failed: {source}")]
    Receipt {
        /// The function that was called.
        call: &'static str,
        /// The transaction hash.
        tx_hash: B256,
        /// Why the wait failed.
        #[source]
        source: alloy::providers::PendingTransactionError,
    },
    /// A transaction was mined but reverted.
    #[error("{call} (tx {tx_hash}) reverted in block {block}")]
    Reverted {
        /// The function that was called.
        call: &'static str,
        /// The transaction hash.
        tx_hash: B256,
        /// The block it was mined in.
        block: u64,
    },
    /// A receipt or block lacked a field anvil always fills in.
    #[error("{what} is missing from the node's answer")]
    MissingField {
        /// Which field was missing.
        what: &'static str,
    },
    /// A block that should exist was not returned by the node.
    #[error("block {number} does not exist on the test chain")]
    BlockNotFound {
        /// The block number asked for.
        number: u64,
    },
    /// A dev-account index is out of range.
    #[error("dev account #{index} does not exist: anvil has {available} dev accounts")]
    NoSuchDevAccount {
        /// The index asked for.
        index: usize,
        /// How many dev accounts exist.
        available: usize,
    },
    /// Two slices that must have the same length do not.
    #[error("{what}: {left} recipients but {right} amounts")]
    LengthMismatch {
        /// The call that received them.
        what: &'static str,
        /// Length of the recipients.
        left: usize,
        /// Length of the amounts.
        right: usize,
    },
    /// `evm_revert` answered `false` (the snapshot id is unknown or already used).
    #[error("evm_revert to snapshot {id} was refused by anvil")]
    RevertRefused {
        /// The snapshot id.
        id: alloy::primitives::U256,
    },
    /// A workload specification cannot be run.
    #[error("invalid workload spec: {reason}")]
    InvalidWorkload {
        /// What is wrong with it.
        reason: String,
    },
    /// The workload ran but the chain does not hold what it should.
    #[error("workload check failed: {detail}")]
    WorkloadMismatch {
        /// What differed.
        detail: String,
    },
    /// PostgreSQL could not be reached.
    #[error(
        "PostgreSQL is not reachable at {url} (set TRIBUTARY_TEST_PG to a reachable server): \
         {source}"
    )]
    PostgresUnreachable {
        /// The admin URL, password removed.
        url: String,
        /// The connection error.
        #[source]
        source: sqlx::Error,
    },
    /// A database statement failed.
    #[error("{action} on {url} failed: {source}")]
    Database {
        /// What was being done.
        action: String,
        /// The database URL, password removed.
        url: String,
        /// The database error.
        #[source]
        source: sqlx::Error,
    },
    /// A database URL could not be parsed.
    #[error("invalid database URL {url}: {reason}")]
    InvalidDatabaseUrl {
        /// The URL, password removed where possible.
        url: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A compiled-contract artifact (JSON with a `bytecode` field) could not be read.
    #[error("contract artifact {path}: {reason}")]
    Artifact {
        /// The artifact file.
        path: PathBuf,
        /// What went wrong (missing file, bad JSON, no bytecode).
        reason: String,
    },
    /// A temporary directory could not be created.
    #[error("could not create a temporary directory for a SQLite test database: {source}")]
    TempDir {
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl TestkitError {
    /// Wraps a transport error with the JSON-RPC method that failed.
    pub(crate) fn rpc(
        method: &'static str,
    ) -> impl FnOnce(alloy::transports::TransportError) -> Self {
        move |source| Self::Rpc { method, source }
    }

    /// Wraps a contract error with the call and the contract address.
    pub(crate) fn contract(
        call: &'static str,
        contract: Address,
    ) -> impl FnOnce(alloy::contract::Error) -> Self {
        move |source| Self::Contract {
            call,
            contract,
            source: Box::new(source),
        }
    }
}
