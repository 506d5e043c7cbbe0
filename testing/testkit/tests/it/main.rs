//! Integration tests of the testkit against a real anvil and real databases.

mod chain;
mod db;
mod factory;
mod protocol;
mod protocol_workload;
mod reorg;
mod uniswap;
mod workload;

/// The error type every test returns, so `?` works on any failure.
type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;
