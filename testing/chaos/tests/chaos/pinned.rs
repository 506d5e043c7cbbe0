//! Seeds that once failed, kept as regression tests. Add a line here with
//! the case and seed the suite printed whenever it finds a failure.

use tributary_testkit::Backend;

use crate::cases;

/// (case, backend, seed) triples to replay on every run.
const PINNED: &[(&str, Backend, u64)] = &[];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pinned_seeds() {
    for (case, backend, seed) in PINNED {
        let outcome = match *case {
            "rpc_faults" => cases::rpc_faults(*backend, *seed, 1).await,
            "dropping_endpoint" => cases::dropping_endpoint(*backend, *seed, 1).await,
            "reorgs" => cases::reorgs(*backend, *seed, 6).await,
            other => panic!("unknown pinned case {other}"),
        };
        assert_eq!(
            outcome.mismatches, 0,
            "{case} {backend:?} seed {seed}: {outcome:?}"
        );
    }
}
