//! End-to-end tests of the pipeline against a real anvil node and both
//! stores. Every case compares indexed state with the chain's own views.

mod backfill;
mod factory;
mod harness;
mod rebuild;
mod reorg;
mod restart_state;
