//! A batch whose events are written ahead of its commit: nothing shows
//! before the commit, and a batch dropped, rolled back or refused leaves
//! nothing behind.

use tributary_store::read::{EventQuery, EventRow};
use tributary_store::{Store, StoreError};
use tributary_testkit::Backend;
use tributary_types::StoredEvent;

use super::{CHAIN, batch, event, open};

fn events(block: u64, log_indexes: std::ops::Range<u64>) -> Vec<StoredEvent> {
    log_indexes
        .map(|i| event(block, i, serde_json::json!({ "i": i.to_string() })))
        .collect()
}

/// Every stored event (block, log index) and the chain's event count and
/// cursor, as a reader sees them.
async fn seen(store: &Store) -> (Vec<(u64, u64)>, u64, Option<u64>) {
    let mut snap = store.snapshot().await.expect("snapshot");
    let rows: Vec<EventRow> = snap
        .events(&EventQuery {
            limit: 1000,
            ..EventQuery::default()
        })
        .await
        .expect("events");
    let chains = snap.chains().await.expect("chains");
    snap.finish().await.expect("finish");
    (
        rows.iter().map(|e| (e.block_number, e.log_index)).collect(),
        chains[0].events,
        chains[0].indexed.as_ref().map(|b| b.number),
    )
}

async fn events_written_ahead_appear_only_with_their_commit(backend: Backend) {
    let (_db, store) = open(backend).await;
    store
        .commit(&batch(None, 1, events(1, 0..2), vec![], vec![]))
        .await
        .expect("block 1");
    let before = seen(&store).await;
    assert_eq!(before, (vec![(1, 0), (1, 1)], 2, Some(1)), "{backend:?}");

    let mut ahead = store.open_batch().await.expect("open");
    let n = ahead.write_events(CHAIN, &events(2, 0..3)).await;
    assert_eq!(n.expect("block 2"), 3, "{backend:?}");
    // Block 2 again (a replayed range): the batch's own rows are skipped.
    let mut more = events(2, 2..3);
    more.extend(events(3, 0..2));
    let n = ahead.write_events(CHAIN, &more).await;
    assert_eq!(n.expect("blocks 2 and 3"), 2, "{backend:?}");
    assert_eq!(
        seen(&store).await,
        before,
        "{backend:?}: visible before the commit"
    );

    let rest = batch(Some(1), 3, events(3, 2..3), vec![], vec![]);
    assert_eq!(ahead.commit(&rest).await.expect("commit"), 6, "{backend:?}");
    let (positions, count, cursor) = seen(&store).await;
    assert_eq!(
        positions,
        vec![
            (1, 0),
            (1, 1),
            (2, 0),
            (2, 1),
            (2, 2),
            (3, 0),
            (3, 1),
            (3, 2)
        ],
        "{backend:?}"
    );
    assert_eq!((count, cursor), (8, Some(3)), "{backend:?}");
}

async fn an_open_batch_dropped_or_refused_leaves_nothing(backend: Backend) {
    let (_db, store) = open(backend).await;
    store
        .commit(&batch(None, 1, events(1, 0..2), vec![], vec![]))
        .await
        .expect("block 1");
    let before = seen(&store).await;

    let mut rolled_back = store.open_batch().await.expect("open");
    rolled_back
        .write_events(CHAIN, &events(2, 0..4))
        .await
        .expect("write");
    rolled_back.rollback().await.expect("rollback");
    assert_eq!(seen(&store).await, before, "{backend:?}: rolled back");

    // Built on a cursor that is not the stored one: refused as a whole.
    let mut stale = store.open_batch().await.expect("open");
    stale
        .write_events(CHAIN, &events(2, 0..4))
        .await
        .expect("write");
    let refused = stale
        .commit(&batch(Some(0), 2, vec![], vec![], vec![]))
        .await;
    assert!(
        matches!(refused, Err(StoreError::CursorConflict { .. })),
        "{backend:?}: {refused:?}"
    );
    assert_eq!(seen(&store).await, before, "{backend:?}: refused");

    let mut dropped = store.open_batch().await.expect("open");
    dropped
        .write_events(CHAIN, &events(2, 0..4))
        .await
        .expect("write");
    drop(dropped);
    assert_eq!(seen(&store).await, before, "{backend:?}: dropped");

    // The write connection is free again, and every event of block 2 new.
    let n = store
        .commit(&batch(Some(1), 2, events(2, 0..4), vec![], vec![]))
        .await
        .expect("block 2");
    assert_eq!(n, 4, "{backend:?}");
    assert_eq!(seen(&store).await.1, 6, "{backend:?}");
}

both!(
    events_written_ahead_appear_only_with_their_commit,
    an_open_batch_dropped_or_refused_leaves_nothing
);
