//! Run log, dead letters and leases on both engines.

use tributary_store::StoreError;
use tributary_store::ops::{DeadLetter, RunStatus};
use tributary_testkit::Backend;

use super::{CHAIN, batch, event, open};

both!(
    runs_are_recorded_and_listed_newest_first,
    dead_letters_commit_with_the_batch_and_go_with_a_reorg,
    retried_dead_letters_are_resolved_and_reopened_by_a_new_failure,
    a_lease_is_exclusive_and_fences_stale_commits
);

async fn runs_are_recorded_and_listed_newest_first(backend: Backend) {
    let (_db, store) = open(backend).await;
    let first = store
        .start_run("index", CHAIN, Some(10), None)
        .await
        .expect("start");
    let second = store
        .start_run("replay", CHAIN, Some(1), Some(5))
        .await
        .expect("start");
    assert!(second > first);
    let stats = serde_json::json!({"events": 12, "batches": 3});
    store
        .finish_run(first, RunStatus::Ok, Some(40), &stats, None)
        .await
        .expect("finish");
    store
        .finish_run(
            second,
            RunStatus::Failed,
            None,
            &serde_json::json!({}),
            Some("boom"),
        )
        .await
        .expect("finish");
    let runs = store.runs(Some(CHAIN), 10).await.expect("runs");
    assert_eq!(runs.len(), 2);
    assert_eq!(
        (runs[0].job.as_str(), runs[0].status),
        ("replay", RunStatus::Failed)
    );
    assert_eq!(
        runs[0].to_block,
        Some(5),
        "a failed run keeps the range it was given"
    );
    assert_eq!(runs[0].error.as_deref(), Some("boom"));
    assert_eq!((runs[1].from_block, runs[1].to_block), (Some(10), Some(40)));
    assert_eq!(runs[1].stats, stats);
    assert!(runs[1].ended_at.is_some_and(|e| e >= runs[1].started_at));
    assert!(
        store
            .runs(Some(CHAIN + 1), 10)
            .await
            .expect("runs")
            .is_empty()
    );
}

fn letter(block: u64, index: u64, error: &str) -> DeadLetter {
    DeadLetter {
        chain_id: CHAIN,
        log: event(block, index, serde_json::json!({})).log,
        contract: "T".into(),
        event: Some("Transfer".into()),
        error: error.into(),
    }
}

async fn dead_letters_commit_with_the_batch_and_go_with_a_reorg(backend: Backend) {
    let (_db, store) = open(backend).await;
    let mut b1 = batch(None, 1, vec![], vec![], vec![]);
    b1.dead_letters = vec![letter(1, 3, "bad data")];
    store.commit(&b1).await.expect("commit 1");
    // A batch refused by the cursor guard writes no dead letter either.
    let mut stale = batch(None, 2, vec![], vec![], vec![]);
    stale.dead_letters = vec![letter(2, 0, "never written")];
    assert!(store.commit(&stale).await.is_err());
    let mut b2 = batch(Some(1), 2, vec![], vec![], vec![]);
    b2.dead_letters = vec![letter(2, 1, "overflow")];
    store.commit(&b2).await.expect("commit 2");

    let open_letters = store
        .dead_letters(Some(CHAIN), false, 100)
        .await
        .expect("list");
    let positions: Vec<(u64, u64)> = open_letters
        .iter()
        .map(|l| (l.block_number, l.log_index))
        .collect();
    assert_eq!(positions, vec![(1, 3), (2, 1)]);
    assert_eq!(open_letters[0].error, "bad data");
    assert_eq!(open_letters[0].payload["log_index"], serde_json::json!(3));
    assert_eq!(open_letters[0].tx_hash, letter(1, 3, "").log.tx_hash);
    assert_eq!(store.open_dead_letters(CHAIN).await.expect("count"), 2);

    // Block 2 is reorged away: its dead letter goes with it.
    store
        .rollback_to(CHAIN, &super::header(1, 1), 2, None)
        .await
        .expect("rollback");
    assert_eq!(store.open_dead_letters(CHAIN).await.expect("count"), 1);
}

async fn retried_dead_letters_are_resolved_and_reopened_by_a_new_failure(backend: Backend) {
    let (_db, store) = open(backend).await;
    let mut b1 = batch(None, 1, vec![], vec![], vec![]);
    b1.dead_letters = vec![letter(1, 0, "first")];
    store.commit(&b1).await.expect("commit");
    let id = store.dead_letters(None, false, 10).await.expect("list")[0].id;
    assert_eq!(store.mark_retried(&[id]).await.expect("retry"), 1);
    assert!(
        store
            .dead_letters(None, false, 10)
            .await
            .expect("list")
            .is_empty()
    );
    let all = store.dead_letters(None, true, 10).await.expect("list");
    assert_eq!(
        (all[0].retry_count, all[0].resolved_at.is_some()),
        (1, true)
    );
    // The same log fails again (a replay): one row, reopened, new error.
    let mut b2 = batch(Some(1), 2, vec![], vec![], vec![]);
    b2.dead_letters = vec![letter(1, 0, "second")];
    store.commit(&b2).await.expect("commit");
    let open_letters = store.dead_letters(None, false, 10).await.expect("list");
    assert_eq!(open_letters.len(), 1);
    assert_eq!(
        (open_letters[0].id, open_letters[0].error.as_str()),
        (id, "second")
    );
    assert_eq!(open_letters[0].retry_count, 1);
    store.reopen_dead_letter(id, "third").await.expect("reopen");
    assert_eq!(
        store.dead_letters(None, false, 10).await.expect("list")[0].error,
        "third"
    );
}

async fn a_lease_is_exclusive_and_fences_stale_commits(backend: Backend) {
    let (db, store) = open(backend).await;
    // A second process: its own pools on the same database.
    let other = tributary_store::Store::connect(&db.url)
        .await
        .expect("second store");
    let mut a = store.lease(CHAIN, "a");
    let mut b = other.lease(CHAIN, "b");
    let epoch_a = a
        .try_acquire()
        .await
        .expect("a")
        .expect("a gets the free lease");
    assert_eq!(b.try_acquire().await.expect("b"), None, "held by a");
    assert_eq!(a.check().await.expect("a still holds"), epoch_a);

    let mut b1 = batch(
        None,
        1,
        vec![event(1, 0, serde_json::json!({}))],
        vec![],
        vec![],
    );
    b1.lease_epoch = Some(epoch_a);
    store.commit(&b1).await.expect("the holder commits");

    a.release().await;
    let epoch_b = b.try_acquire().await.expect("b").expect("b takes over");
    assert!(epoch_b > epoch_a);
    assert_eq!(
        store.lease_holder(CHAIN).await.expect("holder"),
        Some((epoch_b, "b".to_string()))
    );
    // a's next batch carries the old epoch: refused, nothing written.
    let mut stale = batch(
        Some(1),
        2,
        vec![event(2, 0, serde_json::json!({}))],
        vec![],
        vec![],
    );
    stale.lease_epoch = Some(epoch_a);
    let err = store.commit(&stale).await.expect_err("fenced");
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err}");
    assert_eq!(
        store.cursor(CHAIN).await.expect("cursor").map(|c| c.number),
        Some(1)
    );
    stale.lease_epoch = Some(epoch_b);
    other.commit(&stale).await.expect("the new holder commits");
    // a's lease check notices too.
    let mut a_again = store.lease(CHAIN, "a");
    assert_eq!(a_again.try_acquire().await.expect("a"), None);
    assert!(matches!(a.check().await, Err(StoreError::LeaseLost { .. })));
    other.close().await;
}
