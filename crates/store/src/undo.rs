//! The undo journal: for every block above the finality depth, what each
//! key it changed held before it, so a reorg can restore the state of any
//! block in the window.
//!
//! Entries are stored in chunks, one row per block, kind and scope with up
//! to [`CHUNK_ENTRIES`] keys: a format byte, then the RLP list of
//! (subject, previous value). A busy token's 12-block window holds about
//! 87k entries; as rows of their own they took 220-270 ms to insert on
//! PostgreSQL (a heap tuple, a primary key entry and their WAL each), as
//! 85 chunks about 10 ms. Entries are only ever read all at once, by a
//! rollback, and deleted by block or by (kind, scope), which chunks keep.

use std::collections::{BTreeMap, HashMap};

use alloy_primitives::{Address, B256, U256};
use alloy_rlp::{Decodable, RlpDecodable, RlpEncodable};
use sqlx::{Any, AnyPool, Row, Transaction};
use tributary_types::{ChainId, StateKey, StateKind, StateWrite, UndoEntry};

use crate::sql::{MAX_BINDS, Sql, get_u64};
use crate::{Dialect, StoreError};

/// Most entries one chunk holds: about 45 KB of body, which PostgreSQL
/// stores out of line in 2 KB pieces without compressing (the column's
/// storage is `EXTERNAL`).
const CHUNK_ENTRIES: usize = 1024;

/// The only body format so far. A reader meeting another one stops with
/// [`StoreError::Corrupt`] instead of guessing.
const FORMAT_RLP_V1: u8 = 1;

/// One entry inside a chunk: what it does not share with the chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, RlpEncodable, RlpDecodable)]
struct Item {
    subject: B256,
    previous: U256,
}

/// A chunk's body.
fn encode(entries: &[&UndoEntry]) -> Vec<u8> {
    let items: Vec<Item> = entries
        .iter()
        .map(|u| Item {
            subject: u.key.subject,
            previous: u.previous,
        })
        .collect();
    let mut body = Vec::with_capacity(1 + alloy_rlp::Encodable::length(&items));
    body.push(FORMAT_RLP_V1);
    alloy_rlp::Encodable::encode(&items, &mut body);
    body
}

/// The entries of a chunk body.
fn decode(body: &[u8]) -> Result<Vec<Item>, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt { what };
    let Some((&format, mut rlp)) = body.split_first() else {
        return Err(corrupt("empty undo chunk".into()));
    };
    if format != FORMAT_RLP_V1 {
        return Err(corrupt(format!("undo chunk format {format}")));
    }
    let items =
        Vec::<Item>::decode(&mut rlp).map_err(|e| corrupt(format!("undo chunk body: {e}")))?;
    if !rlp.is_empty() {
        return Err(corrupt(format!(
            "undo chunk body: {} bytes after the entries",
            rlp.len()
        )));
    }
    Ok(items)
}

/// Writes undo entries (any blocks, kinds and scopes) as chunks.
pub(crate) async fn insert(
    tx: &mut Transaction<'static, Any>,
    d: Dialect,
    chain_id: ChainId,
    undo: &[UndoEntry],
) -> Result<(), StoreError> {
    if undo.is_empty() {
        return Ok(());
    }
    // seq continues after what earlier batches wrote for the same blocks
    // (replacing a projection adds entries to blocks that have some).
    let mut q = Sql::new(
        d,
        "SELECT COALESCE(MAX(seq), -1) FROM undo WHERE chain_id = ",
    );
    q.bind_u64("chain_id", chain_id)?;
    let row = q.fetch_optional(&mut **tx).await?;
    let mut seq: i64 = match row {
        Some(r) => r.try_get::<i64, _>(0)? + 1,
        None => 0,
    };
    // A block holds one entry per key, so the order within it is free.
    let mut groups: BTreeMap<(u64, StateKind, Address), Vec<&UndoEntry>> = BTreeMap::new();
    for u in undo {
        groups
            .entry((u.block_number, u.key.kind, u.key.scope))
            .or_default()
            .push(u);
    }
    let mut rows = Vec::new();
    for ((block, kind, scope), group) in groups {
        for chunk in group.chunks(CHUNK_ENTRIES) {
            rows.push((block, seq, kind, scope, encode(chunk)));
            seq += 1;
        }
    }
    for statement in rows.chunks_mut((MAX_BINDS / 6).max(1)) {
        let mut q = Sql::new(
            d,
            "INSERT INTO undo (chain_id, block_number, seq, kind, scope, entries) VALUES ",
        );
        q.cache(false);
        for (i, (block, seq, kind, scope, body)) in statement.iter_mut().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind_u64("chain_id", chain_id)?
                .push(", ")
                .bind_u64("block", *block)?
                .push(", ")
                .bind(*seq)
                .push(", ")
                .bind(kind.code())
                .push(", ")
                .bind(scope.to_vec())
                .push(", ")
                .bind(std::mem::take(body))
                .push(")");
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Values every key changed above `block` held before its earliest change:
/// exactly what rolling back to `block` must restore.
pub(crate) async fn above(
    tx: &mut Transaction<'static, Any>,
    d: Dialect,
    chain_id: ChainId,
    block: u64,
) -> Result<Vec<StateWrite>, StoreError> {
    let mut q = Sql::new(d, "SELECT kind, scope, entries FROM undo WHERE chain_id = ");
    q.bind_u64("chain_id", chain_id)?
        .push(" AND block_number > ")
        .bind_u64("block", block)?;
    // Newest first, so that the earliest entry of each key is the last one seen.
    q.push(" ORDER BY block_number DESC, seq DESC");
    let mut restore: HashMap<StateKey, U256> = HashMap::new();
    for row in q.fetch_all(&mut **tx).await? {
        let (kind, scope) = crate::state::kind_scope_from_row(&row)?;
        let body: Vec<u8> = row.try_get(2)?;
        for item in decode(&body)? {
            let key = StateKey {
                kind,
                scope,
                subject: item.subject,
            };
            restore.insert(key, item.previous);
        }
    }
    let mut writes: Vec<StateWrite> = restore
        .into_iter()
        .map(|(key, value)| StateWrite { key, value })
        .collect();
    writes.sort_by_key(|w| w.key);
    Ok(writes)
}

/// Moves the entries of a database written before undo chunks (one row per
/// entry, the table migration 0008 renamed `undo_v1`) into chunks and drops
/// the old table. It only holds the unfinalized window, so this is one
/// transaction. Returns how many entries were moved.
pub(crate) async fn upgrade_rows(writer: &AnyPool, d: Dialect) -> Result<u64, StoreError> {
    let Some(mut tx) = crate::upgrade::begin_step(writer, d, "undo_v1").await? else {
        return Ok(0);
    };
    let mut q = Sql::new(d, "SELECT kind, scope, subject, ");
    q.push(d.u256_select("previous"));
    q.push(", chain_id, block_number FROM undo_v1 ORDER BY chain_id, block_number, seq");
    let mut chains: BTreeMap<ChainId, Vec<UndoEntry>> = BTreeMap::new();
    for row in q.fetch_all(&mut *tx).await? {
        let (key, previous) = crate::state::key_value_from_row(d, &row)?;
        chains
            .entry(get_u64(&row, 4)?)
            .or_default()
            .push(UndoEntry {
                block_number: get_u64(&row, 5)?,
                key,
                previous,
            });
    }
    let mut moved = 0;
    for (chain_id, entries) in &chains {
        insert(&mut tx, d, *chain_id, entries).await?;
        moved += entries.len() as u64;
    }
    sqlx::query("DROP TABLE undo_v1").execute(&mut *tx).await?;
    tx.commit().await?;
    if moved > 0 {
        tracing::info!(entries = moved, "moved undo entries to chunked storage");
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u8, previous: U256) -> UndoEntry {
        UndoEntry {
            block_number: 5,
            key: StateKey::balance(Address::repeat_byte(1), Address::repeat_byte(n)),
            previous,
        }
    }

    #[test]
    fn bodies_round_trip_and_refuse_what_they_do_not_know() {
        let entries = [
            entry(1, U256::ZERO),
            entry(2, U256::MAX),
            entry(3, U256::from(7)),
        ];
        let refs: Vec<&UndoEntry> = entries.iter().collect();
        let body = encode(&refs);
        let items = decode(&body).expect("decodes");
        assert_eq!(items.len(), 3);
        for (item, e) in items.iter().zip(&entries) {
            assert_eq!((item.subject, item.previous), (e.key.subject, e.previous));
        }
        let mut other = body.clone();
        other[0] = 2;
        assert!(matches!(decode(&other), Err(StoreError::Corrupt { .. })));
        let mut longer = body.clone();
        longer.push(0);
        assert!(matches!(decode(&longer), Err(StoreError::Corrupt { .. })));
        assert!(matches!(
            decode(&body[..body.len() - 1]),
            Err(StoreError::Corrupt { .. })
        ));
        assert!(matches!(decode(&[]), Err(StoreError::Corrupt { .. })));
    }
}
