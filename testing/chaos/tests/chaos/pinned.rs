//! Seeds that once failed, kept as regression tests. Add a line here with
//! the case and seed the suite printed whenever it finds a failure.

use tributary_testkit::Backend;

use crate::cases;

/// (case, backend, seed) triples to replay on every run.
///
/// - `odd_data` on PostgreSQL (seed 108, any seed): a token whose `symbol()`
///   holds a NUL byte makes every commit fail with `invalid byte sequence for
///   encoding "UTF8": 0x00` (the `tokens.symbol` TEXT column), retried
///   forever: the chain never indexes a block.
const PINNED: &[(&str, Backend, u64)] = &[("odd_data", Backend::Postgres, 108)];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pinned_seeds() {
    for (case, backend, seed) in PINNED {
        let outcome = match *case {
            "rpc_faults" => cases::rpc_faults(*backend, *seed, 1).await,
            "dropping_endpoint" => cases::dropping_endpoint(*backend, *seed, 1).await,
            "reorgs" => cases::reorgs(*backend, *seed, 50).await,
            "head_backwards" => crate::heads::head_backwards(*backend, *seed, 3).await,
            "syncing_node" => crate::heads::syncing_node(*backend, *seed).await,
            "odd_data" => crate::odd::odd_data(*backend, *seed).await,
            other => panic!("unknown pinned case {other}"),
        };
        assert_eq!(
            outcome.mismatches, 0,
            "{case} {backend:?} seed {seed}: {outcome:?}"
        );
    }
}
