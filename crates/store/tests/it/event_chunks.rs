//! Events stored in chunks read back one by one, in order, exactly once.

use alloy_primitives::{Address, B256, Bytes};
use sqlx::Connection;
use tributary_abi::EventDecoder;
use tributary_store::Store;
use tributary_store::read::{EventPosition, EventQuery, EventRow};
use tributary_store::write::Batch;
use tributary_testkit::Backend;
use tributary_types::{EventArgs, RawLog, StoredEvent};

use super::{CHAIN, batch, header, open};

fn emitted(chain_id: u64, block: u64, log_index: u64, emitter: u8, name: &str) -> StoredEvent {
    StoredEvent {
        chain_id,
        contract: format!("C{emitter}"),
        event: name.into(),
        args: EventArgs::Text(serde_json::json!({ "n": log_index.to_string() }).to_string()),
        log: RawLog {
            block_number: block,
            block_hash: header(block, 1).hash,
            tx_hash: B256::repeat_byte(log_index as u8),
            tx_index: log_index / 4,
            log_index,
            address: Address::repeat_byte(emitter),
            topics: vec![B256::repeat_byte(emitter)],
            data: Bytes::from(log_index.to_be_bytes().to_vec()),
        },
    }
}

/// The text of an event written with its text.
fn text(e: &StoredEvent) -> &str {
    match &e.args {
        EventArgs::Text(text) => text,
        EventArgs::Abi(_) => panic!("an event without text"),
    }
}

/// A replay of stored blocks: events on top of `cursor`, which does not move.
fn replay(cursor: u64, events: Vec<StoredEvent>) -> Batch {
    Batch {
        cursor: None,
        headers: vec![],
        ..batch(Some(cursor), cursor, events, vec![], vec![])
    }
}

/// Every event of `query`, read `page` at a time through the API's cursor.
async fn read_all(store: &Store, query: EventQuery, page: u32) -> Vec<EventRow> {
    let mut out: Vec<EventRow> = Vec::new();
    let mut snap = store.snapshot().await.expect("snapshot");
    loop {
        let after = out.last().map(|e| EventPosition {
            block_number: e.block_number,
            log_index: e.log_index,
            chain_id: e.chain_id,
        });
        let rows = snap
            .events(&EventQuery {
                after,
                limit: page,
                ..query.clone()
            })
            .await
            .expect("events");
        let done = rows.len() < page as usize;
        out.extend(rows);
        if done {
            break;
        }
    }
    snap.finish().await.expect("finish");
    out
}

async fn events_come_back_in_order_across_chunks_emitters_and_chains(backend: Backend) {
    let (_db, store) = open(backend).await;
    store
        .register_chain(CHAIN + 1, "other", 2)
        .await
        .expect("register");
    // Two emitters interleaved in each block, one of them past the chunk
    // size in block 2, and a second chain at the same heights.
    let mut events = Vec::new();
    for block in 1..=3u64 {
        let count = if block == 2 { 700 } else { 9 };
        for i in 0..count {
            let emitter = if i % 3 == 0 { 1 } else { 2 };
            let name = if i % 5 == 0 { "Sync" } else { "Transfer" };
            events.push(emitted(CHAIN, block, i, emitter, name));
        }
    }
    let mut first = batch(None, 3, events.clone(), vec![], vec![]);
    first.events.reverse();
    assert_eq!(
        store.commit(&first).await.expect("commit"),
        events.len() as u64
    );
    let other: Vec<StoredEvent> = (0..5)
        .map(|i| emitted(CHAIN + 1, 2, i * 2, 1, "Transfer"))
        .collect();
    store
        .commit(&Batch {
            chain_id: CHAIN + 1,
            ..batch(None, 3, other.clone(), vec![], vec![])
        })
        .await
        .expect("commit other chain");

    let mut expected: Vec<(u64, u64, u64)> = events
        .iter()
        .chain(&other)
        .map(|e| (e.log.block_number, e.log.log_index, e.chain_id))
        .collect();
    expected.sort();
    for page in [1, 7, 1000] {
        let got: Vec<(u64, u64, u64)> = read_all(&store, EventQuery::default(), page)
            .await
            .iter()
            .map(|e| (e.block_number, e.log_index, e.chain_id))
            .collect();
        assert_eq!(got, expected, "{backend:?}: page size {page}");
    }

    // Filters select exactly their events, still in order.
    let by_address = read_all(
        &store,
        EventQuery {
            chain_id: Some(CHAIN),
            address: Some(Address::repeat_byte(1)),
            event: Some("Sync".into()),
            from_block: Some(2),
            ..EventQuery::default()
        },
        13,
    )
    .await;
    let want: Vec<(u64, u64)> = events
        .iter()
        .filter(|e| e.log.block_number >= 2 && e.contract == "C1" && e.event == "Sync")
        .map(|e| e.log.position())
        .collect();
    let got: Vec<(u64, u64)> = by_address
        .iter()
        .map(|e| (e.block_number, e.log_index))
        .collect();
    assert_eq!(got, want, "{backend:?}: address + event + block filter");
    let row = &by_address[0];
    let source = events
        .iter()
        .find(|e| e.log.position() == (row.block_number, row.log_index))
        .expect("source");
    assert_eq!(row.args.to_string(), text(source), "{backend:?}");
    assert_eq!(row.tx_hash, source.log.tx_hash, "{backend:?}");
    assert_eq!(row.block_hash, source.log.block_hash, "{backend:?}");
    assert_eq!(row.contract, "C1", "{backend:?}");

    let by_contract = read_all(
        &store,
        EventQuery {
            contract: Some("C2".into()),
            to_block: Some(2),
            ..EventQuery::default()
        },
        50,
    )
    .await;
    assert_eq!(
        by_contract.len(),
        events
            .iter()
            .filter(|e| e.contract == "C2" && e.log.block_number <= 2)
            .count(),
        "{backend:?}: contract filter"
    );

    // Rebuild reads the raw logs of one chain the same way.
    let raw = store
        .raw_logs(CHAIN, Some((2, 698)), 10)
        .await
        .expect("raw");
    let positions: Vec<(u64, u64)> = raw.iter().map(RawLog::position).collect();
    assert_eq!(positions[..2], [(2, 699), (3, 0)], "{backend:?}");
    assert_eq!(
        raw[0],
        events
            .iter()
            .find(|e| e.log.position() == (2, 699))
            .unwrap()
            .log
    );
}

async fn a_replayed_range_stores_only_the_missing_events(backend: Backend) {
    let (_db, store) = open(backend).await;
    let all: Vec<StoredEvent> = (0..6)
        .map(|i| emitted(CHAIN, 1, i, 1, "Transfer"))
        .collect();
    let kept: Vec<StoredEvent> = all
        .iter()
        .filter(|e| e.log.log_index % 2 == 0)
        .cloned()
        .collect();
    assert_eq!(
        store
            .commit(&batch(None, 1, kept, vec![], vec![]))
            .await
            .expect("commit"),
        3
    );
    // A replay batch (no cursor move) carrying the whole block adds the
    // three the node had dropped, and a second replay adds nothing.
    let replay = replay(1, all.clone());
    assert_eq!(
        store.commit(&replay).await.expect("replay"),
        3,
        "{backend:?}"
    );
    assert_eq!(
        store.commit(&replay).await.expect("replay again"),
        0,
        "{backend:?}"
    );
    let got = read_all(&store, EventQuery::default(), 4).await;
    let positions: Vec<u64> = got.iter().map(|e| e.log_index).collect();
    assert_eq!(positions, vec![0, 1, 2, 3, 4, 5], "{backend:?}");
    let mut snap = store.snapshot().await.expect("snapshot");
    let chains = snap.chains().await.expect("chains");
    snap.finish().await.expect("finish");
    assert_eq!(chains[0].events, 6, "{backend:?}: event count");
}

async fn event_rows_of_an_older_database_move_into_chunks(backend: Backend) {
    let (db, store) = open(backend).await;
    store.close().await;
    // The events table as migrations 0001-0004 left it, renamed by 0005.
    let (blob, int) = match backend {
        Backend::Sqlite => ("BLOB", "INTEGER"),
        Backend::Postgres => ("BYTEA", "BIGINT"),
    };
    let mut conn = sqlx::AnyConnection::connect(&db.url)
        .await
        .expect("connect");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TABLE events_v1 (chain_id {int} NOT NULL, block_number {int} NOT NULL, log_index {int} NOT NULL, block_hash {blob} NOT NULL, tx_hash {blob} NOT NULL, tx_index {int} NOT NULL, address {blob} NOT NULL, contract TEXT NOT NULL, event TEXT NOT NULL, args TEXT NOT NULL, topics {blob} NOT NULL, data {blob} NOT NULL, PRIMARY KEY (chain_id, block_number, log_index))"
    )))
    .execute(&mut conn)
    .await
    .expect("old table");
    let old: Vec<StoredEvent> = (1..=3u64)
        .flat_map(|b| (0..4).map(move |i| emitted(CHAIN, b, i, 1 + (i % 2) as u8, "Transfer")))
        .collect();
    for e in &old {
        let p = |n: usize| match backend {
            Backend::Sqlite => "?".to_string(),
            Backend::Postgres => format!("${n}"),
        };
        let sql = format!(
            "INSERT INTO events_v1 VALUES ({})",
            (1..=12).map(p).collect::<Vec<_>>().join(", ")
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(CHAIN as i64)
            .bind(e.log.block_number as i64)
            .bind(e.log.log_index as i64)
            .bind(e.log.block_hash.to_vec())
            .bind(e.log.tx_hash.to_vec())
            .bind(e.log.tx_index as i64)
            .bind(e.log.address.to_vec())
            .bind(e.contract.clone())
            .bind(e.event.clone())
            .bind(text(e).to_string())
            .bind(e.log.topics.iter().flat_map(|t| t.0).collect::<Vec<u8>>())
            .bind(e.log.data.to_vec())
            .execute(&mut conn)
            .await
            .expect("old row");
    }
    conn.close().await.expect("close");

    let store = Store::connect(&db.url).await.expect("reconnect upgrades");
    let got = read_all(&store, EventQuery::default(), 5).await;
    assert_eq!(got.len(), old.len(), "{backend:?}: every old row moved");
    for (g, e) in got.iter().zip(&old) {
        assert_eq!(
            (g.block_number, g.log_index),
            e.log.position(),
            "{backend:?}"
        );
        assert_eq!(g.args.to_string(), text(e), "{backend:?}");
        assert_eq!(g.address, e.log.address, "{backend:?}");
        assert_eq!(g.contract, e.contract, "{backend:?}");
    }
    let raw = store.raw_logs(CHAIN, None, 100).await.expect("raw");
    assert_eq!(
        raw,
        old.iter().map(|e| e.log.clone()).collect::<Vec<_>>(),
        "{backend:?}"
    );
    // The old table is gone, so a second connect has nothing to move.
    store.close().await;
    Store::connect(&db.url).await.expect("third connect");
}

/// Events as the indexer writes them (their ABI, not their text) read back
/// exactly as if their text had been stored: the same rows, raw logs and
/// events checksum as a store given the rendered text, also past 2^31 log
/// indexes, with a replay of the range and with both kinds in one block.
async fn events_written_with_their_abi_read_back_rendered(backend: Backend) {
    let transfer = EventDecoder::from_json(
        r#"{"type":"event","name":"Transfer","anonymous":false,"inputs":[
            {"name":"from","type":"address","indexed":true},
            {"name":"to","type":"address","indexed":true},
            {"name":"value","type":"uint256","indexed":false}]}"#,
    )
    .expect("abi");
    let unrendered: Vec<StoredEvent> = (0..600u64)
        .map(|i| {
            let mut e = emitted(
                CHAIN,
                1 + i / 300,
                (1 << 31) + i,
                1 + (i % 3 == 0) as u8,
                "Transfer",
            );
            e.log.topics = vec![
                transfer.selector(),
                Address::repeat_byte(i as u8).into_word(),
                Address::repeat_byte(0xfe).into_word(),
            ];
            e.log.data =
                Bytes::from(alloy_primitives::U256::from(i * 1_000_000_007).to_be_bytes_vec());
            e.log.tx_hash = B256::repeat_byte((i / 7) as u8);
            e.args = EventArgs::Abi(transfer.stored().clone());
            e
        })
        .collect();
    let rendered: Vec<StoredEvent> = unrendered
        .iter()
        .map(|e| StoredEvent {
            args: EventArgs::Text(transfer.render(&e.log).expect("render")),
            ..e.clone()
        })
        .collect();
    let (_db, abi_store) = open(backend).await;
    let (_db2, text_store) = open(backend).await;
    // Block 1 unrendered, block 2 half and half: separate chunks, one order.
    let mixed: Vec<StoredEvent> = unrendered[300..]
        .iter()
        .zip(&rendered[300..])
        .map(|(u, r)| {
            if u.log.log_index % 2 == 0 {
                u.clone()
            } else {
                r.clone()
            }
        })
        .collect();
    for (store, first, second) in [
        (&abi_store, &unrendered[..300], mixed),
        (&text_store, &rendered[..300], rendered[300..].to_vec()),
    ] {
        let block_1 = batch(None, 1, first.to_vec(), vec![], vec![]);
        store.commit(&block_1).await.expect("block 1");
        let block_2 = batch(Some(1), 2, second, vec![], vec![]);
        store.commit(&block_2).await.expect("block 2");
    }
    let replay = replay(2, unrendered.clone());
    assert_eq!(
        abi_store.commit(&replay).await.expect("replay"),
        0,
        "{backend:?}"
    );

    let got = read_all(&abi_store, EventQuery::default(), 128).await;
    let want = read_all(&text_store, EventQuery::default(), 128).await;
    assert_eq!(got.len(), 600, "{backend:?}");
    assert_eq!(got, want, "{backend:?}");
    assert_eq!(
        got[3].args["value"],
        (3u64 * 1_000_000_007).to_string(),
        "{backend:?}"
    );
    assert_eq!(got[3].event, "Transfer", "{backend:?}");
    let raw = abi_store.raw_logs(CHAIN, None, 1000).await.expect("raw");
    let mut logs: Vec<RawLog> = unrendered.iter().map(|e| e.log.clone()).collect();
    logs.sort_by_key(RawLog::position);
    assert_eq!(raw, logs, "{backend:?}");
    let sums = |sums: Vec<tributary_store::checksum::TableChecksum>| {
        sums.into_iter()
            .find(|s| s.table == "events")
            .map(|s| (s.rows, s.hex()))
    };
    assert_eq!(
        sums(abi_store.checksums(CHAIN).await.expect("checksums")),
        sums(text_store.checksums(CHAIN).await.expect("checksums")),
        "{backend:?}"
    );
}

both!(
    events_come_back_in_order_across_chunks_emitters_and_chains,
    a_replayed_range_stores_only_the_missing_events,
    event_rows_of_an_older_database_move_into_chunks,
    events_written_with_their_abi_read_back_rendered
);

// PostgreSQL only: sqlx's SQLite migrator does not lock against a second
// process migrating the same new file (it fails in migration 1 already,
// before this store's own upgrade step); see the closing note.
#[tokio::test]
async fn postgres_processes_opening_a_fresh_database_at_once_all_succeed() {
    processes_opening_a_fresh_database_at_once_all_succeed(Backend::Postgres).await;
}

async fn processes_opening_a_fresh_database_at_once_all_succeed(backend: Backend) {
    // `index` and two `serve` processes started together on a new database:
    // each runs the migrations and the move of old event rows.
    let db = tributary_testkit::TestDb::new(backend)
        .await
        .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
    let (a, b, c) = tokio::join!(
        Store::connect(&db.url),
        Store::connect(&db.url),
        Store::connect(&db.url)
    );
    for store in [a, b, c] {
        let store = store.unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert!(read_all(&store, EventQuery::default(), 10).await.is_empty());
    }
}
