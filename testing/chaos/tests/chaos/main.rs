//! The chaos suite: seeded cases that each end with indexed state == chain
//! state, on SQLite and PostgreSQL, and a summary table.
//!
//! Run with `cargo test -p tributary-chaos --test chaos -- --nocapture` to see
//! the table; `CHAOS_SCALE=5` runs five times the rounds, `CHAOS_SEED=n`
//! moves every seed, `CHAOS_ONLY=reorgs,odd_data` runs only the cases whose
//! names contain one of those words. Seeds that ever failed are pinned in
//! [`pinned`].

mod cases;
mod determinism;
mod errors;
mod heads;
mod odd;
mod odd_api;
mod pg_restart;
mod pinned;

use tributary_chaos::{Outcome, print_summary, scale, seed_base, selected};
use tributary_testkit::Backend;

/// Runs a case when [`selected`], noting its wall time in its row.
macro_rules! timed {
    ($rows:ident, $name:literal, $case:expr) => {
        if selected($name) {
            let started = std::time::Instant::now();
            let mut row = $case.await;
            row.secs = started.elapsed().as_secs_f64();
            $rows.push(row);
        }
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_suite() {
    let s = scale();
    let seed = seed_base();
    let mut rows: Vec<Outcome> = Vec::new();
    for (i, backend) in [Backend::Sqlite, Backend::Postgres].into_iter().enumerate() {
        let b = seed + 100 * i as u64;
        timed!(rows, "rpc_faults", cases::rpc_faults(backend, b + 1, s));
        timed!(
            rows,
            "dropping_endpoint",
            cases::dropping_endpoint(backend, b + 2, s)
        );
        timed!(rows, "reorgs", cases::reorgs(backend, b + 3, 50 * s));
        timed!(rows, "dead_letters", errors::dead_letters(backend, b + 4));
        timed!(
            rows,
            "undecodable_then_fixed",
            errors::undecodable_then_fixed(backend)
        );
        timed!(
            rows,
            "head_backwards",
            heads::head_backwards(backend, b + 6, 3 * s)
        );
        timed!(rows, "syncing_node", heads::syncing_node(backend, b + 7));
        timed!(rows, "odd_data", odd::odd_data(backend, b + 8));
        if backend == Backend::Postgres {
            // The NUL symbol alone breaks PostgreSQL (see `pinned`); the
            // rest of the odd data is checked there without it.
            timed!(
                rows,
                "odd_data",
                odd::odd_data_without_nul_symbol(backend, b + 8)
            );
        }
    }
    timed!(rows, "connection_loss", cases::connection_loss(seed + 5, s));
    timed!(rows, "pg_restart", pg_restart::pg_restart(seed + 9, s));
    timed!(rows, "determinism", determinism::determinism(seed + 10, s));
    timed!(
        rows,
        "determinism_defi",
        determinism::determinism_defi(seed + 11)
    );
    print_summary(&rows);
    let bad: Vec<&Outcome> = rows.iter().filter(|r| r.mismatches > 0).collect();
    assert!(bad.is_empty(), "cases with mismatches: {bad:#?}");
}
