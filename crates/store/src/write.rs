//! The write side: one transaction per batch, and rollback for reorgs.
//!
//! Every commit is guarded by the cursor it was built on: if the stored
//! cursor is not the batch's `parent`, nothing is written. This is what makes
//! a batch apply exactly once even when a crashed or stale writer retries.

use std::collections::BTreeMap;

use alloy_primitives::Address;
use alloy_primitives::map::HashSet;
use sqlx::{Any, Transaction};
use tributary_types::{
    BlockHeader, ChainId, StateKey, StateKind, StateWrite, StoredEvent, UndoEntry,
};

use crate::read::TokenRow;
use crate::sql::{MAX_BINDS, Sql, get_b256, get_u64};
use crate::{Dialect, Store, StoreError};

/// An address a factory event revealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// Config name of the contract entry the address belongs to.
    pub contract: String,
    /// The new address.
    pub address: Address,
    /// Block of the factory event.
    pub block_number: u64,
    /// Log index of the factory event.
    pub log_index: u64,
}

/// Everything one batch of blocks changes, written in one transaction.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// Chain written.
    pub chain_id: ChainId,
    /// The cursor this batch was built on (`None`: nothing indexed yet).
    pub parent: Option<u64>,
    /// The block the cursor moves to.
    pub cursor: Option<BlockHeader>,
    /// Decoded events to store (already-stored positions are skipped).
    pub events: Vec<StoredEvent>,
    /// Final state values, one per key; a zero value deletes the key.
    pub state: Vec<StateWrite>,
    /// Keys of `state` whose rows the writer knows the store holds (its
    /// last value there was not zero). PostgreSQL updates those in place,
    /// at about half an upsert's cost, and upserts any it finds missing
    /// after all; leaving a key out only costs that saving.
    pub existing: HashSet<StateKey>,
    /// Keys of `state` the writer knows the store holds no row for (it
    /// loaded them as absent, or holds every stored key). PostgreSQL
    /// inserts those without conflict handling, at about half an upsert's
    /// cost, and upserts them after all if one turns out to exist; leaving
    /// a key out only costs that saving.
    pub absent: HashSet<StateKey>,
    /// Undo entries for blocks above the finality depth.
    pub undo: Vec<UndoEntry>,
    /// Headers of blocks above the finality depth (and the cursor's).
    pub headers: Vec<BlockHeader>,
    /// Addresses discovered by factories in this batch.
    pub discovered: Vec<Discovered>,
    /// Token metadata to record.
    pub tokens: Vec<TokenRow>,
    /// Blocks at or below this are final: undo entries and headers below it are dropped.
    pub finalized: u64,
    /// Logs that failed to decode or project, recorded with the batch.
    pub dead_letters: Vec<crate::ops::DeadLetter>,
    /// The lease epoch this batch was built under: the commit is refused
    /// unless it is still current (`None`: no lease, no check).
    pub lease_epoch: Option<u64>,
    /// State change log rows of the batch's blocks (see [`crate::history`]).
    pub log: Vec<crate::history::LogRow>,
}

impl Store {
    /// Records a chain (name and finality depth); keeps its progress if known.
    pub async fn register_chain(
        &self,
        chain_id: ChainId,
        name: &str,
        confirmations: u64,
    ) -> Result<(), StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "INSERT INTO chains (chain_id, name, confirmations) VALUES (",
        );
        q.bind_u64("chain_id", chain_id)?
            .push(", ")
            .bind(name.to_string())
            .push(", ");
        q.bind_u64("confirmations", confirmations)?;
        q.push(") ON CONFLICT (chain_id) DO UPDATE SET name = excluded.name, confirmations = excluded.confirmations");
        q.execute(self.writer()).await?;
        Ok(())
    }

    /// Records the node's latest head for `/v1/status`.
    pub async fn record_head(
        &self,
        chain_id: ChainId,
        head: &BlockHeader,
    ) -> Result<(), StoreError> {
        let mut q = Sql::new(self.dialect, "UPDATE chains SET head_number = ");
        q.bind_u64("head", head.number)?
            .push(", head_hash = ")
            .bind(head.hash.to_vec());
        q.push(", head_timestamp = ")
            .bind_u64("timestamp", head.timestamp)?;
        q.push(" WHERE chain_id = ")
            .bind_u64("chain_id", chain_id)?;
        q.execute(self.writer()).await?;
        Ok(())
    }

    /// Records (or with `None` clears) the chain's last error.
    pub async fn record_error(
        &self,
        chain_id: ChainId,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut q = Sql::new(self.dialect, "UPDATE chains SET last_error = ");
        q.bind(error.map(str::to_string))
            .push(" WHERE chain_id = ")
            .bind_u64("chain_id", chain_id)?;
        q.execute(self.writer()).await?;
        Ok(())
    }

    /// The chain's committed cursor.
    pub async fn cursor(&self, chain_id: ChainId) -> Result<Option<BlockHeader>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let number = read_cursor(&mut conn, self.dialect, chain_id).await?;
        match number {
            None => Ok(None),
            Some(n) => self.header(chain_id, n).await,
        }
    }

    /// A stored header (only the unfinalized window and the cursor are kept).
    pub async fn header(
        &self,
        chain_id: ChainId,
        number: u64,
    ) -> Result<Option<BlockHeader>, StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "SELECT number, hash, parent_hash, timestamp FROM headers WHERE chain_id = ",
        );
        q.bind_u64("chain_id", chain_id)?
            .push(" AND number = ")
            .bind_u64("block", number)?;
        q.fetch_optional(self.pool())
            .await?
            .map(|r| header_from_row(&r))
            .transpose()
    }

    /// Every stored header of the chain, highest first.
    pub async fn headers_desc(&self, chain_id: ChainId) -> Result<Vec<BlockHeader>, StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "SELECT number, hash, parent_hash, timestamp FROM headers WHERE chain_id = ",
        );
        q.bind_u64("chain_id", chain_id)?
            .push(" ORDER BY number DESC");
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(header_from_row)
            .collect()
    }

    /// Writes a batch in one transaction, if the stored cursor is still
    /// `batch.parent`. Returns how many events were new.
    pub async fn commit(&self, batch: &Batch) -> Result<u64, StoreError> {
        self.open_batch().await?.commit(batch).await
    }

    /// Undoes every block above `ancestor` in one transaction: state goes back
    /// through the undo journal, events, headers and discoveries above it are
    /// deleted, and the cursor moves to `ancestor`. Only if the stored cursor
    /// is still `expected` and, with `lease_epoch`, that epoch is still the
    /// chain's current lease epoch (else [`StoreError::LeaseLost`], nothing
    /// written): a stale holder must not undo blocks its successor indexed.
    pub async fn rollback_to(
        &self,
        chain_id: ChainId,
        ancestor: &BlockHeader,
        expected: u64,
        lease_epoch: Option<u64>,
    ) -> Result<RollbackReport, StoreError> {
        let d = self.dialect;
        let mut tx = self.writer().begin().await?;
        let found = read_cursor(&mut tx, d, chain_id).await?;
        if found != Some(expected) {
            return Err(StoreError::CursorConflict {
                chain_id,
                expected: Some(expected),
                found,
            });
        }
        if let Some(epoch) = lease_epoch {
            crate::lease::check_fence(&mut tx, d, chain_id, epoch).await?;
        }
        let restored = crate::undo::above(&mut tx, d, chain_id, ancestor.number).await?;
        write_state(
            &mut tx,
            d,
            chain_id,
            &restored,
            KnownRows::none(&HashSet::default()),
        )
        .await?;
        let deleted_events =
            crate::events::delete_above(&mut tx, d, chain_id, ancestor.number).await?;
        for (delete, column) in [
            ("DELETE FROM undo WHERE chain_id = ", " AND block_number > "),
            ("DELETE FROM headers WHERE chain_id = ", " AND number > "),
            (
                "DELETE FROM discovered WHERE chain_id = ",
                " AND block_number > ",
            ),
        ] {
            let mut q = Sql::new(d, delete);
            q.bind_u64("chain_id", chain_id)?
                .push(column)
                .bind_u64("block", ancestor.number)?;
            q.execute(&mut *tx).await?;
        }
        crate::ops::delete_dead_letters_above(&mut tx, d, chain_id, ancestor.number).await?;
        crate::history::delete_log_above(&mut tx, d, chain_id, ancestor.number).await?;
        insert_headers(&mut tx, d, chain_id, std::slice::from_ref(ancestor)).await?;
        move_cursor(
            &mut tx,
            d,
            chain_id,
            ancestor,
            CursorMove::Back {
                deleted: deleted_events,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(RollbackReport {
            restored_keys: restored.len(),
            deleted_events,
        })
    }

    /// Addresses discovered for `contract` so far, in discovery order.
    pub async fn discovered(
        &self,
        chain_id: ChainId,
        contract: &str,
    ) -> Result<Vec<Address>, StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "SELECT address FROM discovered WHERE chain_id = ",
        );
        q.bind_u64("chain_id", chain_id)?
            .push(" AND contract = ")
            .bind(contract.to_string());
        q.push(" ORDER BY block_number, log_index");
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| crate::sql::get_address(r, 0))
            .collect()
    }
}

/// What a rollback undid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollbackReport {
    /// State keys restored.
    pub restored_keys: usize,
    /// Events deleted.
    pub deleted_events: u64,
}

/// Which way [`move_cursor`] moves, and the events that came or went with it.
pub(crate) enum CursorMove {
    /// A committed batch: its new events are counted, and the chain's last
    /// error cleared.
    Forward {
        /// Events the batch stored.
        inserted: u64,
    },
    /// A rollback: the deleted events no longer count.
    Back {
        /// Events deleted above the new cursor.
        deleted: u64,
    },
}

/// Sets the chain's cursor to `to` and its event count per `how`.
pub(crate) async fn move_cursor(
    tx: &mut Transaction<'static, Any>,
    d: Dialect,
    chain_id: ChainId,
    to: &BlockHeader,
    how: CursorMove,
) -> Result<(), StoreError> {
    let mut q = Sql::new(d, "UPDATE chains SET indexed_number = ");
    q.bind_u64("block", to.number)?
        .push(", indexed_hash = ")
        .bind(to.hash.to_vec());
    q.push(", indexed_timestamp = ")
        .bind_u64("timestamp", to.timestamp)?;
    match how {
        CursorMove::Forward { inserted } => {
            q.push(", event_count = event_count + ")
                .bind_u64("count", inserted)?
                .push(", last_error = NULL");
        }
        CursorMove::Back { deleted } => {
            q.push(", event_count = event_count - ")
                .bind_u64("count", deleted)?;
        }
    }
    q.push(" WHERE chain_id = ")
        .bind_u64("chain_id", chain_id)?;
    q.execute(&mut **tx).await?;
    Ok(())
}

pub(crate) fn header_from_row(r: &sqlx::any::AnyRow) -> Result<BlockHeader, StoreError> {
    Ok(BlockHeader {
        number: get_u64(r, 0)?,
        hash: get_b256(r, 1)?,
        parent_hash: get_b256(r, 2)?,
        timestamp: get_u64(r, 3)?,
    })
}

pub(crate) async fn read_cursor(
    conn: &mut sqlx::AnyConnection,
    d: Dialect,
    chain_id: ChainId,
) -> Result<Option<u64>, StoreError> {
    let mut q = Sql::new(d, "SELECT indexed_number FROM chains WHERE chain_id = ");
    q.bind_u64("chain_id", chain_id)?;
    if d == Dialect::Postgres {
        // Serialise writers of one chain: the row lock is held to commit.
        q.push(" FOR UPDATE");
    }
    match q.fetch_optional(&mut *conn).await? {
        None => Ok(None),
        Some(row) => {
            use sqlx::Row;
            let v: Option<i64> = row.try_get(0)?;
            v.map(|v| {
                u64::try_from(v).map_err(|_| StoreError::Corrupt {
                    what: format!("cursor {v}"),
                })
            })
            .transpose()
        }
    }
}

/// Rows per state upsert statement of one scope (two binds each; twice as
/// many as of mixed scopes, four binds each).
const STATE_ROWS: usize = 8192;

/// Fewest keys of one (kind, scope) in a batch that get statements of their own.
const SCOPE_ROWS_MIN: usize = 64;

/// Rows per statement for a table of `columns` columns.
fn chunk_rows(columns: usize) -> usize {
    (MAX_BINDS / columns).max(1)
}

/// What a writer knows of the stored rows of the keys it writes (see
/// [`Batch::existing`] and [`Batch::absent`]).
#[derive(Clone, Copy)]
pub(crate) struct KnownRows<'a> {
    pub(crate) existing: &'a HashSet<StateKey>,
    pub(crate) absent: &'a HashSet<StateKey>,
}

impl<'a> KnownRows<'a> {
    /// Nothing known: every key is upserted.
    pub(crate) fn none(empty: &'a HashSet<StateKey>) -> Self {
        Self {
            existing: empty,
            absent: empty,
        }
    }
}

/// Writes `writes`; on PostgreSQL the rows `known` to exist are updated in
/// place and the keys known to have none inserted.
pub(crate) async fn write_state(
    tx: &mut Transaction<'static, Any>,
    d: Dialect,
    chain_id: ChainId,
    writes: &[StateWrite],
    known: KnownRows<'_>,
) -> Result<(), StoreError> {
    let (zero, nonzero): (Vec<&StateWrite>, Vec<&StateWrite>) =
        writes.iter().partition(|w| w.value.is_zero());
    // PostgreSQL takes the rows packed into a few parameters; SQLite, where
    // binding is an in-process call, per scope.
    if d == Dialect::Postgres {
        let (update, rest): (Vec<&StateWrite>, Vec<&StateWrite>) = nonzero
            .into_iter()
            .partition(|w| known.existing.contains(&w.key));
        let (insert, upsert): (Vec<&StateWrite>, Vec<&StateWrite>) = rest
            .into_iter()
            .partition(|w| known.absent.contains(&w.key));
        for chunk in update.chunks(crate::packed::ROWS) {
            let updated = crate::packed::update_state(tx, chain_id, chunk).await?;
            if updated != chunk.len() as u64 {
                // A row the writer took for stored is not: upserting the
                // whole chunk again is idempotent for the rows updated.
                tracing::warn!(
                    chain_id,
                    expected = chunk.len(),
                    updated,
                    "state rows taken for stored were missing; upserting them"
                );
                crate::packed::upsert_state(tx, chain_id, chunk).await?;
            }
        }
        for chunk in insert.chunks(crate::packed::ROWS) {
            crate::packed::insert_new_state(tx, chain_id, chunk).await?;
        }
        for chunk in upsert.chunks(crate::packed::ROWS) {
            crate::packed::upsert_state(tx, chain_id, chunk).await?;
        }
    } else {
        upsert_state_grouped(tx, chain_id, nonzero).await?;
    }
    for ((kind, scope), subjects) in crate::state::group_by_scope(zero.iter().map(|w| &w.key)) {
        for chunk in subjects.chunks(MAX_BINDS - 3) {
            let mut q = Sql::new(d, "DELETE");
            crate::state::push_scope_filter(
                &mut q,
                " FROM state WHERE chain_id = ",
                chain_id,
                kind,
                scope,
                chunk,
            )?;
            q.execute(&mut **tx).await?;
        }
    }
    Ok(())
}

/// SQLite's state upserts: per (kind, scope), since a batch's keys mostly
/// share a few of them (a token's balances), each row binds only its
/// subject and value; scopes with few keys (many pairs of a factory, say)
/// share statements, four binds a row, rather than taking one each.
async fn upsert_state_grouped(
    tx: &mut Transaction<'static, Any>,
    chain_id: ChainId,
    nonzero: Vec<&StateWrite>,
) -> Result<(), StoreError> {
    let mut groups: BTreeMap<(StateKind, Address), Vec<&StateWrite>> = BTreeMap::new();
    for w in nonzero {
        groups.entry((w.key.kind, w.key.scope)).or_default().push(w);
    }
    let mut mixed = Vec::new();
    for (scope, group) in groups {
        if group.len() < SCOPE_ROWS_MIN {
            mixed.extend(group);
            continue;
        }
        for chunk in group.chunks(STATE_ROWS) {
            upsert_state(tx, chain_id, Some(scope), chunk).await?;
        }
    }
    for chunk in mixed.chunks(STATE_ROWS / 2) {
        upsert_state(tx, chain_id, None, chunk).await?;
    }
    Ok(())
}

/// One SQLite state upsert of `rows`: with `scope`, all of that kind and
/// scope, which are bound once; else each row binds its kind and scope too.
/// A statement of the full size is prepared once and reused.
async fn upsert_state(
    tx: &mut Transaction<'static, Any>,
    chain_id: ChainId,
    scope: Option<(StateKind, Address)>,
    rows: &[&StateWrite],
) -> Result<(), StoreError> {
    let mut q = Sql::new(
        Dialect::Sqlite,
        "INSERT INTO state (chain_id, kind, scope, subject, value) SELECT ",
    );
    q.bind_u64("chain_id", chain_id)?.push(", ");
    match scope {
        Some((kind, scope)) => {
            q.cache(rows.len() == STATE_ROWS);
            q.bind(kind.code())
                .push(", ")
                .bind(scope.to_vec())
                .push(", column1, column2");
        }
        None => {
            q.cache(rows.len() == STATE_ROWS / 2);
            q.push("column1, column2, column3, column4");
        }
    }
    q.push(" FROM (VALUES ");
    for (i, w) in rows.iter().enumerate() {
        q.push(if i == 0 { "(" } else { ", (" });
        if scope.is_none() {
            q.bind(w.key.kind.code())
                .push(", ")
                .bind(w.key.scope.to_vec())
                .push(", ");
        }
        q.bind(w.key.subject.to_vec())
            .push(", ")
            .bind(w.value.to_be_bytes_vec())
            .push(")");
    }
    // `WHERE true`: SQLite reads an upsert's SELECT without a WHERE as a
    // join whose ON clause is the ON CONFLICT.
    q.push(
        ") AS v WHERE true ON CONFLICT (chain_id, kind, scope, subject) DO UPDATE SET value = excluded.value",
    );
    q.execute(&mut **tx).await?;
    Ok(())
}

pub(crate) async fn insert_headers(
    tx: &mut Transaction<'static, Any>,
    d: Dialect,
    chain_id: ChainId,
    headers: &[BlockHeader],
) -> Result<(), StoreError> {
    for chunk in headers.chunks(chunk_rows(5)) {
        let mut q = Sql::new(
            d,
            "INSERT INTO headers (chain_id, number, hash, parent_hash, timestamp) VALUES ",
        );
        q.cache(chunk.len() == chunk_rows(5));
        for (i, h) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind_u64("chain_id", chain_id)?
                .push(", ")
                .bind_u64("block", h.number)?
                .push(", ");
            q.bind(h.hash.to_vec())
                .push(", ")
                .bind(h.parent_hash.to_vec())
                .push(", ");
            q.bind_u64("timestamp", h.timestamp)?.push(")");
        }
        q.push(" ON CONFLICT (chain_id, number) DO UPDATE SET hash = excluded.hash, parent_hash = excluded.parent_hash, timestamp = excluded.timestamp");
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

pub(crate) async fn insert_discovered(
    tx: &mut Transaction<'static, Any>,
    d: Dialect,
    chain_id: ChainId,
    found: &[Discovered],
) -> Result<(), StoreError> {
    for chunk in found.chunks(chunk_rows(5)) {
        let mut q = Sql::new(
            d,
            "INSERT INTO discovered (chain_id, contract, address, block_number, log_index) VALUES ",
        );
        q.cache(chunk.len() == chunk_rows(5));
        for (i, f) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind_u64("chain_id", chain_id)?
                .push(", ")
                .bind(f.contract.clone())
                .push(", ");
            q.bind(f.address.to_vec())
                .push(", ")
                .bind_u64("block", f.block_number)?
                .push(", ");
            q.bind_u64("log_index", f.log_index)?.push(")");
        }
        q.push(" ON CONFLICT (chain_id, contract, address) DO NOTHING");
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

pub(crate) async fn upsert_tokens(
    tx: &mut Transaction<'static, Any>,
    d: Dialect,
    tokens: &[TokenRow],
) -> Result<(), StoreError> {
    for chunk in tokens.chunks(chunk_rows(6)) {
        let mut q = Sql::new(
            d,
            "INSERT INTO tokens (chain_id, address, contract, kind, symbol, decimals) VALUES ",
        );
        q.cache(chunk.len() == chunk_rows(6));
        for (i, t) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind_u64("chain_id", t.chain_id)?
                .push(", ")
                .bind(t.address.to_vec())
                .push(", ");
            q.bind(t.contract.clone())
                .push(", ")
                .bind(t.kind.clone())
                .push(", ");
            q.bind(t.symbol.clone())
                .push(", ")
                .bind(t.decimals.map(i16::from))
                .push(")");
        }
        q.push(" ON CONFLICT (chain_id, address) DO UPDATE SET contract = excluded.contract, kind = excluded.kind, symbol = excluded.symbol, decimals = excluded.decimals");
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Drops undo entries at or below `finalized` and headers below it: those
/// blocks can no longer be reorged, so backfill pays nothing for reorg safety.
pub(crate) async fn prune(
    tx: &mut Transaction<'static, Any>,
    d: Dialect,
    chain_id: ChainId,
    finalized: u64,
) -> Result<(), StoreError> {
    let mut q = Sql::new(d, "DELETE FROM undo WHERE chain_id = ");
    q.bind_u64("chain_id", chain_id)?
        .push(" AND block_number <= ")
        .bind_u64("block", finalized)?;
    q.execute(&mut **tx).await?;
    let mut q = Sql::new(d, "DELETE FROM headers WHERE chain_id = ");
    q.bind_u64("chain_id", chain_id)?
        .push(" AND number < ")
        .bind_u64("block", finalized)?;
    q.execute(&mut **tx).await?;
    Ok(())
}
