//! Every operations metric, described once (the `# HELP` lines of
//! `/metrics`), and the per-chain series that only move on rare events
//! (reorgs, dead letters, errors, verify differences) started at zero, so
//! dashboards and alerts see them from the first scrape rather than after
//! the first incident.
//!
//! events/s is `rate(tributary_events_total[1m])`, the cache hit rate
//! `rate(tributary_cache_hits_total[5m]) / (rate(hits) + rate(misses))`.

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use tributary_config::Config;

/// Describes every metric and, in a process that indexes, starts the rare
/// per-chain ones at zero.
pub fn install(config: &Config, indexing: bool) {
    describe_gauge!(
        "tributary_head_block",
        "Latest head seen on the node, per chain"
    );
    describe_gauge!(
        "tributary_indexed_block",
        "Latest committed block, per chain"
    );
    describe_gauge!(
        "tributary_finalized_block",
        "Head minus the chain's confirmations, per chain"
    );
    describe_gauge!(
        "tributary_lag_blocks",
        "Head minus indexed block, per chain"
    );
    describe_counter!(
        "tributary_events_total",
        "Events stored, per chain (events/s: its rate)"
    );
    describe_histogram!(
        "tributary_batch_seconds",
        Unit::Seconds,
        "Time from fetching a range to its commit, per batch"
    );
    describe_counter!(
        "tributary_rpc_requests_total",
        "JSON-RPC requests by method and endpoint"
    );
    describe_counter!(
        "tributary_rpc_errors_total",
        "Failed JSON-RPC requests by method and error kind"
    );
    describe_counter!("tributary_rpc_retries_total", "JSON-RPC retries by method");
    describe_counter!(
        "tributary_rpc_inconsistent_total",
        "RPC answers rejected as inconsistent (hash mismatch, gaps, dropped logs) by kind"
    );
    describe_counter!("tributary_reorgs_total", "Reorgs undone, per chain");
    describe_histogram!(
        "tributary_reorg_depth",
        "Blocks undone per reorg, per chain"
    );
    describe_counter!(
        "tributary_dead_letters_total",
        "Logs recorded as dead letters (failed to decode or project), per chain"
    );
    describe_counter!(
        "tributary_indexer_errors_total",
        "Indexing errors (retried or fatal), per chain"
    );
    describe_counter!(
        "tributary_cache_hits_total",
        "API answers served from the cache, by route"
    );
    describe_counter!(
        "tributary_cache_misses_total",
        "API answers computed, by route"
    );
    describe_gauge!(
        "tributary_verify_mismatches",
        "Indexed values that differed from the chain at the latest periodic verify (0 until the first)"
    );
    for chain in config.chains.iter().filter(|_| indexing) {
        let name = chain.name.clone();
        metrics::counter!("tributary_reorgs_total", "chain" => name.clone()).absolute(0);
        metrics::counter!("tributary_dead_letters_total", "chain" => name.clone()).absolute(0);
        metrics::counter!("tributary_indexer_errors_total", "chain" => name.clone()).absolute(0);
        metrics::counter!("tributary_events_total", "chain" => name).absolute(0);
        metrics::gauge!("tributary_verify_mismatches", "chain_id" => chain.chain_id.to_string())
            .set(0.0);
    }
}
