//! The chaos suite: seeded cases that each end with indexed state == chain
//! state, on SQLite and PostgreSQL, and a summary table.
//!
//! Run with `cargo test -p tributary-chaos --test chaos -- --nocapture` to see
//! the table; `CHAOS_SCALE=5` runs five times the rounds, `CHAOS_SEED=n`
//! moves every seed. Seeds that ever failed are pinned in [`pinned`].

mod cases;
mod errors;
mod pinned;

use tributary_chaos::{Outcome, print_summary, scale, seed_base};
use tributary_testkit::Backend;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_suite() {
    let s = scale();
    let seed = seed_base();
    let mut rows: Vec<Outcome> = Vec::new();
    for (i, backend) in [Backend::Sqlite, Backend::Postgres].into_iter().enumerate() {
        let b = seed + 100 * i as u64;
        rows.push(cases::rpc_faults(backend, b + 1, s).await);
        rows.push(cases::dropping_endpoint(backend, b + 2, s).await);
        rows.push(cases::reorgs(backend, b + 3, 6 * s).await);
        rows.push(errors::dead_letters(backend, b + 4).await);
        rows.push(errors::undecodable_then_fixed(backend).await);
    }
    rows.push(cases::connection_loss(seed + 5, s).await);
    print_summary(&rows);
    let bad: Vec<&Outcome> = rows.iter().filter(|r| r.mismatches > 0).collect();
    assert!(bad.is_empty(), "cases with mismatches: {bad:#?}");
}
