//! tributary's test harness: a real local chain and real throw-away databases.
//!
//! - [`TestChain`] starts a private anvil node on a free port (killed on drop) with a provider
//!   that signs with anvil's dev keys, and wraps what tests do to a chain: deploy and drive the
//!   test contracts, mine, snapshot/revert and reorg.
//! - [`contracts`] holds the `sol!` bindings of the Solidity test contracts in
//!   `testing/contracts` (ERC-20 [`TestToken`](contracts::TestToken), Uniswap-V2-shaped
//!   [`TestFactory`](contracts::TestFactory) and its child [`TestPair`](contracts::TestPair)).
//! - [`TestChain::transfer_workload`] generates up to millions of `Transfer` events,
//!   deterministically for a seed, and reports the balances the chain must end up with.
//! - [`Protocol`] deploys the demo DeFi protocol (`testing/contracts`: AMM, CDP vault,
//!   vote-escrow, savings, stability pool, gauges, rewards, ERC-4626, NFT), acts as any user,
//!   reads its views, and runs a seeded multi-user workload ([`Protocol::run_workload`]).
//! - [`uniswap`] deploys and drives the canonical Uniswap V2 core from its npm bytecode.
//! - [`TestDb`] creates an empty SQLite or PostgreSQL database and removes it on drop.
//!
//! anvil is found by [`anvil_path`]: `TRIBUTARY_ANVIL`, then the copy `npm ci` installs in the
//! repo's `node_modules`, then `PATH`. PostgreSQL is the server in `TRIBUTARY_TEST_PG`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`); when it is down, [`TestDb`] fails
//! instead of skipping.

mod anvil;
mod chain;
pub mod contracts;
mod db;
mod error;
pub mod protocol;
pub mod proxy;
mod tokens;
pub mod uniswap;
pub mod verify;
mod workload;

pub use anvil::{ANVIL_ENV, anvil_path, bundled_anvil_path};
pub use chain::{Mined, ReorgTx, TestChain};
pub use db::{Backend, DEFAULT_PG_URL, PG_ENV, TestDb, postgres_admin_url};
pub use error::TestkitError;
pub use protocol::{Action, Protocol, ProtocolWorkload, WorkloadRun};
pub use workload::{WorkloadSpec, WorkloadSummary};
