//! Table checksums (the same data gives the same digests whatever the batch
//! boundaries and the engine) and the epoch fence of rollbacks.

use alloy_primitives::{Address, U256};
use tributary_store::checksum::TableChecksum;
use tributary_store::read::TokenRow;
use tributary_store::write::Discovered;
use tributary_store::{Store, StoreError};
use tributary_testkit::Backend;
use tributary_types::{StateKey, StateWrite, StoredEvent};

use super::{CHAIN, batch, event, open};

both!(
    checksums_ignore_batch_boundaries_and_see_every_change,
    a_stale_epoch_rolls_nothing_back
);

fn token() -> Address {
    Address::repeat_byte(0xaa)
}

fn events(block: u64) -> Vec<StoredEvent> {
    (0..3)
        .map(|i| {
            event(
                block,
                i + (1u64 << 31),
                serde_json::json!({"v": format!("{block}-{i}"), "s": "nul\u{0}é"}),
            )
        })
        .collect()
}

fn balance(account: u8, value: U256) -> StateWrite {
    StateWrite {
        key: StateKey::balance(token(), Address::repeat_byte(account)),
        value,
    }
}

fn digests(sums: &[TableChecksum]) -> Vec<(String, u64, String)> {
    sums.iter()
        .map(|s| (s.table.to_string(), s.rows, s.hex()))
        .collect()
}

/// Blocks 1..=4 committed as `splits` batches (the last block of each).
async fn fill(store: &Store, splits: &[u64]) {
    let mut parent = None;
    let mut from = 1;
    for &to in splits {
        let mut b = batch(
            parent,
            to,
            (from..=to).flat_map(events).collect(),
            // Intermediate values of a key are overwritten by later batches.
            vec![balance(1, U256::from(to)), balance(2, U256::MAX)],
            vec![],
        );
        if to == 4 {
            b.discovered = vec![
                Discovered {
                    contract: "b".into(),
                    address: Address::repeat_byte(3),
                    block_number: 4,
                    log_index: 0,
                },
                Discovered {
                    contract: "B".into(),
                    address: Address::repeat_byte(4),
                    block_number: 4,
                    log_index: 1,
                },
            ];
        }
        store.commit(&b).await.expect("commit");
        parent = Some(to);
        from = to + 1;
    }
    store
        .record_tokens(&[TokenRow {
            chain_id: CHAIN,
            address: token(),
            contract: "T".into(),
            kind: "erc20".into(),
            symbol: Some(String::new()),
            decimals: Some(18),
        }])
        .await
        .expect("tokens");
}

async fn checksums_ignore_batch_boundaries_and_see_every_change(backend: Backend) {
    let (_db_a, a) = open(backend).await;
    let (_db_b, b) = open(backend).await;
    fill(&a, &[1, 2, 3, 4]).await;
    fill(&b, &[2, 4]).await;
    let sums_a = digests(&a.checksums(CHAIN).await.expect("checksums"));
    let sums_b = digests(&b.checksums(CHAIN).await.expect("checksums"));
    assert_eq!(sums_a, sums_b, "{backend:?}: same data, other batches");
    let rows: Vec<(&str, u64)> = sums_a.iter().map(|(t, n, _)| (t.as_str(), *n)).collect();
    assert_eq!(
        rows,
        vec![
            ("chains", 1),
            ("events", 12),
            ("state", 2),
            ("tokens", 1),
            ("discovered", 2),
            ("dead_letters", 0),
            ("state_log", 0)
        ]
    );
    // Bookkeeping does not count: a run record, a lease, another head.
    b.start_run("index", CHAIN, None, None).await.expect("run");
    let mut lease = b.lease(CHAIN, "x");
    lease.try_acquire().await.expect("lease").expect("free");
    b.record_head(CHAIN, &super::header(9, 1))
        .await
        .expect("head");
    assert_eq!(
        digests(&b.checksums(CHAIN).await.expect("checksums")),
        sums_a
    );
    lease.release().await;

    // One state value differs by one: only the state digest moves.
    let mut more = batch(Some(4), 5, vec![], vec![balance(1, U256::from(5))], vec![]);
    more.headers = vec![];
    a.commit(&more).await.expect("commit");
    let mut other = batch(Some(4), 5, vec![], vec![balance(1, U256::from(6))], vec![]);
    other.headers = vec![];
    b.commit(&other).await.expect("commit");
    let (sa, sb) = (
        digests(&a.checksums(CHAIN).await.expect("checksums")),
        digests(&b.checksums(CHAIN).await.expect("checksums")),
    );
    let differ: Vec<&str> = sa
        .iter()
        .zip(&sb)
        .filter(|(x, y)| x != y)
        .map(|(x, _)| x.0.as_str())
        .collect();
    assert_eq!(differ, vec!["state"], "{backend:?}");
    a.close().await;
    b.close().await;
}

/// The same data on SQLite and PostgreSQL gives the same digests (uint256
/// stored as blobs there and NUMERIC here; text keys ordered bytewise).
#[tokio::test]
async fn sqlite_and_postgres_digests_are_equal() {
    let (_lite_db, lite) = open(Backend::Sqlite).await;
    let (_pg_db, pg) = open(Backend::Postgres).await;
    fill(&lite, &[1, 2, 3, 4]).await;
    fill(&pg, &[3, 4]).await;
    let a = digests(&lite.checksums(CHAIN).await.expect("sqlite"));
    let b = digests(&pg.checksums(CHAIN).await.expect("postgres"));
    assert_eq!(a, b);
    assert_eq!(
        digests(&lite.checksums(CHAIN + 1).await.expect("empty"))[1].1,
        0,
        "an unknown chain has no rows"
    );
}

async fn a_stale_epoch_rolls_nothing_back(backend: Backend) {
    let (db, store) = open(backend).await;
    let other = Store::connect(&db.url).await.expect("second store");
    let mut a = store.lease(CHAIN, "a");
    let epoch_a = a.try_acquire().await.expect("a").expect("free");
    let mut parent = None;
    for n in 1..=3 {
        let mut b = batch(
            parent,
            n,
            events(n),
            vec![balance(1, U256::from(n))],
            vec![tributary_types::UndoEntry {
                block_number: n,
                key: balance(1, U256::ZERO).key,
                previous: U256::from(n - 1),
            }],
        );
        b.lease_epoch = Some(epoch_a);
        store.commit(&b).await.expect("commit");
        parent = Some(n);
    }
    let before = digests(&store.checksums(CHAIN).await.expect("checksums"));

    // b takes over; a, not knowing, finds a reorg and rolls back to block 1.
    a.release().await;
    let mut b = other.lease(CHAIN, "b");
    let epoch_b = b.try_acquire().await.expect("b").expect("b takes over");
    let err = store
        .rollback_to(CHAIN, &super::header(1, 1), 3, Some(epoch_a))
        .await
        .expect_err("fenced");
    assert!(
        matches!(err, StoreError::LeaseLost { epoch: Some(e), current: Some(c), .. } if e == epoch_a && c == epoch_b),
        "{err}"
    );
    assert_eq!(
        digests(&store.checksums(CHAIN).await.expect("checksums")),
        before,
        "{backend:?}: the stale rollback wrote nothing"
    );
    assert_eq!(
        store.cursor(CHAIN).await.expect("cursor").map(|c| c.number),
        Some(3)
    );
    // The current holder's rollback goes through.
    let report = other
        .rollback_to(CHAIN, &super::header(1, 1), 3, Some(epoch_b))
        .await
        .expect("current epoch");
    assert_eq!(report.deleted_events, 6);
    assert_eq!(
        store.cursor(CHAIN).await.expect("cursor").map(|c| c.number),
        Some(1)
    );
    b.release().await;
    other.close().await;
}
