//! Store conformance: the same cases on SQLite and PostgreSQL.

use alloy_primitives::{Address, B256, Bytes, U256};
use tributary_store::read::{EventPosition, EventQuery, HolderPosition};
use tributary_store::write::Batch;
use tributary_store::{Store, StoreError};
use tributary_testkit::{Backend, TestDb};
use tributary_types::{
    BlockHeader, EventArgs, RawLog, StateKey, StateWrite, StoredEvent, UndoEntry,
};

const CHAIN: u64 = 7;

async fn open(backend: Backend) -> (TestDb, Store) {
    let db = TestDb::new(backend)
        .await
        .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
    let store = Store::connect(&db.url)
        .await
        .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
    store
        .register_chain(CHAIN, "test", 2)
        .await
        .expect("register");
    (db, store)
}

fn hash(n: u64, fork: u8) -> B256 {
    let mut h = B256::repeat_byte(fork);
    h.0[24..].copy_from_slice(&n.to_be_bytes());
    h
}

fn header(n: u64, fork: u8) -> BlockHeader {
    BlockHeader {
        number: n,
        hash: hash(n, fork),
        parent_hash: hash(n.wrapping_sub(1), fork),
        timestamp: 1_700_000_000 + n,
    }
}

fn event(block: u64, log_index: u64, args: serde_json::Value) -> StoredEvent {
    StoredEvent {
        chain_id: CHAIN,
        contract: "T".into(),
        event: "Transfer".into(),
        args: EventArgs::Text(args.to_string()),
        log: RawLog {
            block_number: block,
            block_hash: header(block, 1).hash,
            tx_hash: B256::repeat_byte(9),
            tx_index: 0,
            log_index,
            address: Address::repeat_byte(0xaa),
            topics: vec![B256::repeat_byte(1), B256::repeat_byte(2)],
            data: Bytes::from(vec![0, 1, 2]),
        },
    }
}

fn batch(
    parent: Option<u64>,
    block: u64,
    events: Vec<StoredEvent>,
    state: Vec<StateWrite>,
    undo: Vec<UndoEntry>,
) -> Batch {
    Batch {
        chain_id: CHAIN,
        parent,
        cursor: Some(header(block, 1)),
        events,
        state,
        undo,
        headers: vec![header(block, 1)],
        finalized: 0,
        ..Batch::default()
    }
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(tributary_testkit::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(tributary_testkit::Backend::Postgres).await } )* }
    };
}

mod checksum;
mod event_chunks;
mod open_batch;
mod ops;
mod state_read;

both!(
    commit_applies_once_and_guards_the_cursor,
    uint256_values_are_exact_and_sorted_numerically,
    rollback_restores_state_events_and_cursor,
    log_indexes_past_2_pow_31_and_odd_strings_round_trip,
    state_writes_span_statements_scopes_and_kinds,
    many_undo_entries_roll_back_exactly,
    has_state_sees_only_its_own_chain,
    keys_taken_for_stored_are_written_whether_or_not_they_are,
    undo_rows_of_an_older_database_move_into_chunks
);

/// A batch names the keys whose rows it knows exist (updated in place on
/// PostgreSQL) and those it knows have none (inserted without conflict
/// handling). A key named wrongly either way is still written, with the
/// rest of its batch, a key left out is upserted, and a zero still deletes.
async fn keys_taken_for_stored_are_written_whether_or_not_they_are(backend: Backend) {
    let (_db, store) = open(backend).await;
    let key = |n: u8| StateKey::balance(Address::repeat_byte(0xaa), Address::repeat_byte(n));
    let write = |n: u8, v: u64| StateWrite {
        key: key(n),
        value: U256::from(v),
    };
    let first = batch(None, 1, vec![], vec![write(1, 10), write(2, 20)], vec![]);
    store.commit(&first).await.expect("block 1");
    let mut second = batch(
        Some(1),
        2,
        vec![],
        vec![write(1, 11), write(2, 0), write(3, 30), write(4, 40)],
        vec![],
    );
    // 1 is stored, 3 is not (taken for stored wrongly), 4 is left out.
    second.existing = [key(1), key(3)].into_iter().collect();
    store.commit(&second).await.expect("block 2");
    // Keys taken for new: 1 has a row (wrongly), 5 has none (rightly).
    let mut third = batch(
        Some(2),
        3,
        vec![event(3, 0, serde_json::json!({"n": 1}))],
        vec![write(1, 12), write(5, 50)],
        vec![],
    );
    third.absent = [key(1), key(5)].into_iter().collect();
    assert_eq!(
        store.commit(&third).await.expect("block 3"),
        1,
        "{backend:?}"
    );
    let keys: Vec<StateKey> = (1..=5).map(key).collect();
    let values = store.load_state(CHAIN, &keys).await.expect("state");
    let got: Vec<Option<U256>> = keys.iter().map(|k| values.get(k).copied()).collect();
    assert_eq!(
        got,
        vec![
            Some(U256::from(12)),
            None,
            Some(U256::from(30)),
            Some(U256::from(40)),
            Some(U256::from(50))
        ],
        "{backend:?}"
    );
    let cursor = store.cursor(CHAIN).await.expect("cursor").map(|c| c.number);
    assert_eq!(cursor, Some(3), "{backend:?}: the batch committed whole");
}

/// The indexer skips loading keys for a chain without stored state, so
/// `has_state` must see any row of the chain, and no other chain's.
async fn has_state_sees_only_its_own_chain(backend: Backend) {
    let (_db, store) = open(backend).await;
    store
        .register_chain(CHAIN + 1, "other", 2)
        .await
        .expect("register");
    assert!(!store.has_state(CHAIN).await.expect("empty"), "{backend:?}");
    let write = StateWrite {
        key: StateKey::balance(Address::repeat_byte(0xaa), Address::repeat_byte(1)),
        value: U256::from(5),
    };
    store
        .commit(&batch(None, 1, vec![], vec![write], vec![]))
        .await
        .expect("commit");
    assert!(
        store.has_state(CHAIN).await.expect("written"),
        "{backend:?}"
    );
    assert!(
        !store.has_state(CHAIN + 1).await.expect("other chain"),
        "{backend:?}"
    );
}

/// Undo entries are written grouped (SQLite) or packed into a few
/// parameters (PostgreSQL): blocks with thousands of keys of one token, a
/// scatter of small tokens, both kinds and uint256 extremes roll back to
/// exactly the values before each block, at two depths.
async fn many_undo_entries_roll_back_exactly(backend: Backend) {
    let (_db, store) = open(backend).await;
    let big = Address::repeat_byte(0xb1);
    let account = |i: u64| Address::left_padding_from(&i.to_be_bytes());
    let keys: Vec<StateKey> = (0..3000u64)
        .map(|i| StateKey::balance(big, account(i)))
        .chain((0..40u64).map(|t| StateKey::balance(account(1000 + t), account(t))))
        .chain((0..40u64).map(|t| StateKey::supply(account(1000 + t))))
        .collect();
    // The value of key i after block b (block 1 writes the first values).
    let value = |i: usize, b: u64| match (i + b as usize) % 4 {
        0 => U256::MAX - U256::from(b),
        1 => U256::from(i as u64 * 1_000 + b),
        2 => U256::from(10u64).pow(U256::from(70u64)) + U256::from(b),
        _ => U256::from(b),
    };
    let writes = |b: u64| -> Vec<StateWrite> {
        let mut w: Vec<StateWrite> = keys
            .iter()
            .enumerate()
            .map(|(i, &key)| StateWrite {
                key,
                value: value(i, b),
            })
            .collect();
        w.sort_by_key(|w| w.key);
        w
    };
    store
        .commit(&batch(None, 1, vec![], writes(1), vec![]))
        .await
        .expect("b1");
    // Blocks 2 to 4 in one batch, each changing every key once.
    let undo: Vec<UndoEntry> = (2..=4u64)
        .flat_map(|b| {
            keys.iter().enumerate().map(move |(i, &key)| UndoEntry {
                block_number: b,
                key,
                previous: value(i, b - 1),
            })
        })
        .collect();
    let mut many = batch(Some(1), 4, vec![], writes(4), undo);
    many.headers = (2..=4).map(|b| header(b, 1)).collect();
    store.commit(&many).await.expect("b2..4");
    for (ancestor, expected_block) in [(3u64, 3u64), (1, 1)] {
        let cursor = store.cursor(CHAIN).await.expect("cursor").expect("some");
        store
            .rollback_to(CHAIN, &header(ancestor, 1), cursor.number, None)
            .await
            .expect("rollback");
        let values = store.load_state(CHAIN, &keys).await.expect("state");
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(
                values.get(key).copied().unwrap_or_default(),
                value(i, expected_block),
                "{backend:?}: key {i} after rolling back to block {ancestor}"
            );
        }
    }
}

/// State writes are grouped per (kind, scope) into statements of a few
/// thousand rows, and scopes with few keys share statements: a batch with
/// more keys of one token than one statement holds, a hundred small
/// tokens, balances and supplies, updates and deletes, reads back exactly.
async fn state_writes_span_statements_scopes_and_kinds(backend: Backend) {
    let (_db, store) = open(backend).await;
    let (a, b) = (Address::repeat_byte(0xa1), Address::repeat_byte(0xb2));
    let account = |i: u64| Address::left_padding_from(&i.to_be_bytes());
    let round = |r: u64| -> Vec<StateWrite> {
        let mut w: Vec<StateWrite> = (0..20_000u64)
            .map(|i| StateWrite {
                key: StateKey::balance(a, account(i)),
                // Every tenth balance is emptied in round 2 (a delete).
                value: if r == 2 && i % 10 == 0 {
                    U256::ZERO
                } else {
                    (U256::from(i + 1) * U256::from(r)) << (i % 200)
                },
            })
            .collect();
        w.extend((0..5u64).map(|i| StateWrite {
            key: StateKey::balance(b, account(i)),
            value: U256::MAX - U256::from(i + r),
        }));
        // 100 more tokens with 3 holders each: scopes too small for
        // statements of their own share them.
        w.extend((0..300u64).map(|i| StateWrite {
            key: StateKey::balance(account(1_000_000 + i / 3), account(i % 3)),
            value: if r == 2 && i % 7 == 0 {
                U256::ZERO
            } else {
                U256::from(i * 31 + r)
            },
        }));
        w.push(StateWrite {
            key: StateKey::supply(a),
            value: U256::from(r),
        });
        w.push(StateWrite {
            key: StateKey::supply(b),
            value: U256::MAX,
        });
        w
    };
    store
        .commit(&batch(None, 1, vec![], round(1), vec![]))
        .await
        .expect("round 1");
    store
        .commit(&batch(Some(1), 2, vec![], round(2), vec![]))
        .await
        .expect("round 2");
    let want = round(2);
    let keys: Vec<StateKey> = want.iter().map(|w| w.key).collect();
    let got = store.load_state(CHAIN, &keys).await.expect("load");
    for w in &want {
        let stored = got.get(&w.key).copied();
        let expected = (!w.value.is_zero()).then_some(w.value);
        assert_eq!(stored, expected, "{backend:?}: {:?}", w.key);
    }
    let deleted = want.iter().filter(|w| w.value.is_zero()).count();
    assert!(deleted > 2_000, "{backend:?}");
    assert_eq!(
        got.len(),
        want.len() - deleted,
        "{backend:?}: deleted keys are gone"
    );
}

async fn commit_applies_once_and_guards_the_cursor(backend: Backend) {
    let (_db, store) = open(backend).await;
    let b = batch(
        None,
        1,
        vec![event(1, 0, serde_json::json!({}))],
        vec![],
        vec![],
    );
    assert_eq!(store.commit(&b).await.expect("first commit"), 1);
    // The same batch again: built on a cursor that has moved, so nothing is written.
    let err = store
        .commit(&b)
        .await
        .expect_err("replayed batch must be refused");
    assert!(
        matches!(
            err,
            StoreError::CursorConflict {
                expected: None,
                found: Some(1),
                ..
            }
        ),
        "{err}"
    );
    // A batch on the right parent whose events are already stored inserts none of them twice.
    let again = batch(
        Some(1),
        2,
        vec![
            event(1, 0, serde_json::json!({})),
            event(2, 0, serde_json::json!({})),
        ],
        vec![],
        vec![],
    );
    assert_eq!(store.commit(&again).await.expect("commit"), 1);
    let mut snap = store.snapshot().await.expect("snap");
    assert_eq!(snap.chains().await.expect("chains")[0].events, 2);
    snap.finish().await.expect("finish");
}

async fn uint256_values_are_exact_and_sorted_numerically(backend: Backend) {
    let (_db, store) = open(backend).await;
    let token = Address::repeat_byte(0xaa);
    let values = [
        U256::MAX,
        U256::from(999u64),
        U256::from(1000u64),
        U256::from(10u64).pow(U256::from(30)),
        U256::from(1000u64),
        U256::from(1u64),
    ];
    let state: Vec<StateWrite> = values
        .iter()
        .enumerate()
        .map(|(i, v)| StateWrite {
            key: StateKey::balance(token, Address::with_last_byte(i as u8 + 1)),
            value: *v,
        })
        .collect();
    // Written during a bulk load (value index suspended), read both
    // without the index and after it is rebuilt.
    store.suspend_value_index().await.expect("suspend");
    store.suspend_value_index().await.expect("suspend twice");
    assert!(
        !store.has_value_index().await.expect("index?"),
        "{backend:?}"
    );
    store
        .commit(&batch(None, 1, vec![], state, vec![]))
        .await
        .expect("commit");
    let mut want: Vec<(U256, Address)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (*v, Address::with_last_byte(i as u8 + 1)))
        .collect();
    want.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for indexed in [false, true] {
        if indexed {
            store.restore_value_index().await.expect("restore");
            store.restore_value_index().await.expect("restore twice");
            assert!(
                store.has_value_index().await.expect("index?"),
                "{backend:?}"
            );
        }
        let mut snap = store.snapshot().await.expect("snap");
        let mut got = Vec::new();
        let mut after = None;
        loop {
            let page = snap.holders(CHAIN, token, after, 2).await.expect("holders");
            let Some(last) = page.last() else { break };
            after = Some(HolderPosition {
                balance: last.balance,
                account: last.account,
            });
            got.extend(page.iter().map(|h| (h.balance, h.account)));
        }
        snap.finish().await.expect("finish");
        assert_eq!(
            got, want,
            "{backend:?} (value index: {indexed}): balance desc, ties by address asc, exact values, pages of 2"
        );
    }
}

async fn rollback_restores_state_events_and_cursor(backend: Backend) {
    let (_db, store) = open(backend).await;
    let key = StateKey::balance(Address::repeat_byte(0xaa), Address::repeat_byte(1));
    let other = StateKey::balance(Address::repeat_byte(0xaa), Address::repeat_byte(2));
    store
        .commit(&batch(
            None,
            1,
            vec![event(1, 0, serde_json::json!({}))],
            vec![StateWrite {
                key,
                value: U256::from(5u64),
            }],
            vec![],
        ))
        .await
        .expect("b1");
    let undo2 = vec![
        UndoEntry {
            block_number: 2,
            key,
            previous: U256::from(5u64),
        },
        UndoEntry {
            block_number: 2,
            key: other,
            previous: U256::ZERO,
        },
    ];
    store
        .commit(&batch(
            Some(1),
            2,
            vec![event(2, 0, serde_json::json!({}))],
            vec![
                StateWrite {
                    key,
                    value: U256::from(7u64),
                },
                StateWrite {
                    key: other,
                    value: U256::from(3u64),
                },
            ],
            undo2,
        ))
        .await
        .expect("b2");
    let undo3 = vec![UndoEntry {
        block_number: 3,
        key,
        previous: U256::from(7u64),
    }];
    store
        .commit(&batch(
            Some(2),
            3,
            vec![event(3, 4, serde_json::json!({}))],
            vec![StateWrite {
                key,
                value: U256::ZERO,
            }],
            undo3,
        ))
        .await
        .expect("b3");

    let report = store
        .rollback_to(CHAIN, &header(1, 1), 3, None)
        .await
        .expect("rollback");
    assert_eq!(report.deleted_events, 2);
    assert_eq!(
        store.cursor(CHAIN).await.expect("cursor"),
        Some(header(1, 1))
    );
    let values = store.load_state(CHAIN, &[key, other]).await.expect("state");
    assert_eq!(
        values.get(&key),
        Some(&U256::from(5u64)),
        "{backend:?}: value before block 2"
    );
    assert_eq!(
        values.get(&other),
        None,
        "{backend:?}: created in block 2, gone"
    );
    // A stale writer that still believes the cursor is at 3 cannot commit.
    let stale = batch(Some(3), 4, vec![], vec![], vec![]);
    assert!(matches!(
        store.commit(&stale).await,
        Err(StoreError::CursorConflict { .. })
    ));
    let mut snap = store.snapshot().await.expect("snap");
    let events = snap
        .events(&EventQuery {
            limit: 10,
            ..EventQuery::default()
        })
        .await
        .expect("events");
    snap.finish().await.expect("finish");
    assert_eq!(events.len(), 1);
}

async fn log_indexes_past_2_pow_31_and_odd_strings_round_trip(backend: Backend) {
    let (_db, store) = open(backend).await;
    let odd = serde_json::json!({"name": "nul\u{0}byte and \u{fffd} replaced", "value": U256::MAX.to_string()});
    let big = (1u64 << 31) + 5;
    store
        .commit(&batch(
            None,
            1,
            vec![
                event(1, big, odd.clone()),
                event(1, big + 1, serde_json::json!({})),
            ],
            vec![],
            vec![],
        ))
        .await
        .expect("commit");
    let mut snap = store.snapshot().await.expect("snap");
    let q = EventQuery {
        after: Some(EventPosition {
            block_number: 1,
            log_index: big,
            chain_id: CHAIN,
        }),
        limit: 10,
        ..EventQuery::default()
    };
    let after = snap.events(&q).await.expect("events");
    let all = snap
        .events(&EventQuery {
            limit: 10,
            ..EventQuery::default()
        })
        .await
        .expect("events");
    snap.finish().await.expect("finish");
    assert_eq!(all[0].log_index, big);
    assert_eq!(all[0].args, odd, "{backend:?}: args stored exactly");
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].log_index, big + 1);
    let raw = store.raw_logs(CHAIN, None, 10).await.expect("raw");
    assert_eq!(
        raw[0].topics,
        vec![B256::repeat_byte(1), B256::repeat_byte(2)]
    );
    assert_eq!(raw[0].data, Bytes::from(vec![0, 1, 2]));
}

/// During a bulk load (value index suspended) a batch rewrites most
/// balances the batch before wrote. PostgreSQL keeps a row's new version on
/// its page (a heap-only update, no index touched) only while the page has
/// room for it: at fillfactor 70 more than half of 20k rewrites moved to
/// other pages and cost 3.5x as much. The first rewrite of every row must
/// stay on its page. Later ones find room only where the old versions were
/// pruned, which a transaction still running in any database of the server
/// can hold back (it did, with the other tests running), so they are only
/// checked for their values.
#[tokio::test]
async fn postgres_balance_rewrites_stay_on_their_pages() {
    use sqlx::Connection;
    let (db, store) = open(Backend::Postgres).await;
    store.suspend_value_index().await.expect("suspend");
    let token = Address::repeat_byte(0xaa);
    let key = |n: u32| {
        let mut holder = [0u8; 20];
        holder[..4].copy_from_slice(&n.to_be_bytes());
        StateKey::balance(token, Address::from(holder))
    };
    // Balances of an 18-decimals token, 20 to 25 digits long.
    let round = |r: u64| -> Vec<StateWrite> {
        (0..5_000u32)
            .map(|n| StateWrite {
                key: key(n),
                value: U256::from(10u64).pow(U256::from(19 + n % 6)) + U256::from(r * 7 + n as u64),
            })
            .collect()
    };
    store
        .commit(&batch(None, 1, vec![], round(0), vec![]))
        .await
        .expect("round 0");
    let mut conn = sqlx::AnyConnection::connect(&db.url)
        .await
        .expect("connect");
    let before = row_pages(&mut conn).await;
    assert_eq!(before.len(), 5_000);
    for r in 1..=2u64 {
        let mut next = batch(Some(r), r + 1, vec![], round(r), vec![]);
        next.existing = next.state.iter().map(|w| w.key).collect();
        store.commit(&next).await.expect("rewrite");
        if r == 1 {
            let after = row_pages(&mut conn).await;
            let moved = before.iter().zip(&after).filter(|(b, a)| b != a).count();
            assert_eq!(moved, 0, "{moved} of 5000 rows left their page");
        }
    }
    let values = store
        .load_state(CHAIN, &(0..5_000).map(key).collect::<Vec<_>>())
        .await
        .expect("state");
    assert!(
        round(2)
            .iter()
            .all(|w| values.get(&w.key) == Some(&w.value))
    );
}

/// Each `state` row's subject and the heap page its live version is on.
async fn row_pages(conn: &mut sqlx::AnyConnection) -> Vec<String> {
    let sql = "SELECT encode(subject, 'hex') || ':' || split_part(trim(both '()' from ctid::text), ',', 1) FROM state ORDER BY subject";
    sqlx::query_scalar::<_, String>(sql)
        .fetch_all(conn)
        .await
        .expect("pages")
}

/// A database written before undo chunks keeps its window's entries, one
/// row each, in the table migration 0008 renamed `undo_v1`; connecting
/// moves them into chunks, and a rollback then restores from them.
async fn undo_rows_of_an_older_database_move_into_chunks(backend: Backend) {
    use sqlx::Connection;
    let (db, store) = open(backend).await;
    let key = |n: u8| StateKey::balance(Address::repeat_byte(0xaa), Address::repeat_byte(n));
    let before = |n: u8| U256::from(10u64).pow(U256::from(n)) + U256::from(n);
    let writes = |f: &dyn Fn(u8) -> U256| -> Vec<StateWrite> {
        (1..=3)
            .map(|n| StateWrite {
                key: key(n),
                value: f(n),
            })
            .collect()
    };
    store
        .commit(&batch(None, 1, vec![], writes(&before), vec![]))
        .await
        .expect("block 1");
    // Block 2's entries are left out here and written the old way below.
    store
        .commit(&batch(
            Some(1),
            2,
            vec![],
            writes(&|n| U256::from(n)),
            vec![],
        ))
        .await
        .expect("block 2");
    store.close().await;
    let (blob, int, numeric) = match backend {
        Backend::Sqlite => ("BLOB", "INTEGER", "BLOB"),
        Backend::Postgres => ("BYTEA", "BIGINT", "NUMERIC(78,0)"),
    };
    let mut conn = sqlx::AnyConnection::connect(&db.url)
        .await
        .expect("connect");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TABLE undo_v1 (chain_id {int} NOT NULL, block_number {int} NOT NULL, seq {int} NOT NULL, kind {int} NOT NULL, scope {blob} NOT NULL, subject {blob} NOT NULL, previous {numeric} NOT NULL, PRIMARY KEY (chain_id, block_number, seq))"
    )))
    .execute(&mut conn)
    .await
    .expect("old table");
    for n in 1..=3u8 {
        let k = key(n);
        let sql = match backend {
            Backend::Sqlite => "INSERT INTO undo_v1 VALUES (?, ?, ?, ?, ?, ?, ?)",
            Backend::Postgres => {
                "INSERT INTO undo_v1 VALUES ($1, $2, $3, $4, $5, $6, CAST($7 AS NUMERIC(78,0)))"
            }
        };
        let q = sqlx::query(sql)
            .bind(CHAIN as i64)
            .bind(2i64)
            .bind(i64::from(n))
            .bind(k.kind.code())
            .bind(k.scope.to_vec())
            .bind(k.subject.to_vec());
        let q = match backend {
            Backend::Sqlite => q.bind(before(n).to_be_bytes_vec()),
            Backend::Postgres => q.bind(before(n).to_string()),
        };
        q.execute(&mut conn).await.expect("old row");
    }
    let store = Store::connect(&db.url).await.expect("reconnect");
    let gone = sqlx::query("SELECT COUNT(*) FROM undo_v1")
        .fetch_one(&mut conn)
        .await;
    assert!(gone.is_err(), "{backend:?}: the old table is dropped");
    store
        .rollback_to(CHAIN, &header(1, 1), 2, None)
        .await
        .expect("rollback");
    let keys: Vec<StateKey> = (1..=3).map(key).collect();
    let values = store.load_state(CHAIN, &keys).await.expect("state");
    for n in 1..=3u8 {
        assert_eq!(
            values.get(&key(n)),
            Some(&before(n)),
            "{backend:?}: key {n}"
        );
    }
}
