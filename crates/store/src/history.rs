//! The state change log: for the keys history reads, the value of a key at
//! the end of every block it changed in, with that block's timestamp.
//!
//! The engine decides which keys are logged and writes their rows inside the
//! batch's commit ([`write_log`]); a rollback deletes the rows above the
//! common ancestor ([`delete_log_above`]); a rebuild replaces the rows of the
//! kinds it replays ([`Store::replace_log`]). History answers read "the state
//! of these keys as of the end of each hour" in one snapshot
//! ([`Snapshot::log_hourly`]).

use std::collections::HashMap;

use alloy_primitives::{Address, B256, U256};
use sqlx::{Any, Transaction};
use tributary_types::{ChainId, StateKey, StateKind};

use crate::positions::KeySelector;
use crate::sql::{MAX_BINDS, Sql, get_b256, get_u64};
use crate::state::key_value_from_row;
use crate::{Dialect, Snapshot, Store, StoreError};

/// Seconds in a history bucket.
pub const BUCKET_SECONDS: u64 = 3600;

/// Block numbers per lookup statement.
const BLOCKS_PER_QUERY: usize = 500;

/// One logged value: `key` held `value` at the end of block `block_number`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogRow {
    /// The key.
    pub key: StateKey,
    /// The block it changed in.
    pub block_number: u64,
    /// That block's timestamp, unix seconds.
    pub block_timestamp: u64,
    /// Its value at the end of that block (zero: the key was removed).
    pub value: U256,
}

impl LogRow {
    /// The hour bucket (unix seconds, a multiple of [`BUCKET_SECONDS`]) of the row.
    pub fn bucket(&self) -> u64 {
        self.block_timestamp - self.block_timestamp % BUCKET_SECONDS
    }
}

/// Writes `rows` (a batch's log) inside its commit transaction.
pub(crate) async fn write_log(
    tx: &mut Transaction<'static, Any>,
    d: Dialect,
    chain_id: ChainId,
    rows: &[LogRow],
) -> Result<(), StoreError> {
    let per = (MAX_BINDS / 7).max(1);
    for chunk in rows.chunks(per) {
        let mut q = Sql::new(
            d,
            "INSERT INTO state_log (chain_id, kind, scope, subject, block_number, block_timestamp, value) VALUES ",
        );
        q.cache(chunk.len() == per);
        for (i, r) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind_u64("chain_id", chain_id)?
                .push(", ")
                .bind(r.key.kind.code())
                .push(", ")
                .bind(r.key.scope.to_vec())
                .push(", ")
                .bind(r.key.subject.to_vec())
                .push(", ");
            q.bind_u64("block_number", r.block_number)?.push(", ");
            q.bind_u64("block_timestamp", r.block_timestamp)?
                .push(", ")
                .bind_u256(r.value)
                .push(")");
        }
        q.push(
            " ON CONFLICT (chain_id, kind, scope, subject, block_number) DO UPDATE SET block_timestamp = excluded.block_timestamp, value = excluded.value",
        );
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Deletes the rows of blocks above `block` (undone by a reorg).
pub(crate) async fn delete_log_above(
    tx: &mut Transaction<'static, Any>,
    d: Dialect,
    chain_id: ChainId,
    block: u64,
) -> Result<u64, StoreError> {
    let mut q = Sql::new(d, "DELETE FROM state_log WHERE chain_id = ");
    q.bind_u64("chain_id", chain_id)?
        .push(" AND block_number > ")
        .bind_u64("block", block)?;
    q.execute(&mut **tx).await
}

impl Store {
    /// Replaces, in one transaction, every row of the keys of each
    /// `(kind, scopes)` group with `rows` (a rebuild's log; rows of other
    /// keys are upserted).
    pub async fn replace_log(
        &self,
        chain_id: ChainId,
        groups: &[(StateKind, Vec<Address>)],
        rows: &[LogRow],
    ) -> Result<(), StoreError> {
        let d = self.dialect;
        let mut tx = self.writer().begin().await?;
        for (kind, scopes) in groups {
            for chunk in scopes.chunks(BLOCKS_PER_QUERY) {
                let mut q = Sql::new(d, "DELETE FROM state_log WHERE chain_id = ");
                q.bind_u64("chain_id", chain_id)?
                    .push(" AND kind = ")
                    .bind(kind.code())
                    .push(" AND scope IN (");
                for (i, scope) in chunk.iter().enumerate() {
                    if i > 0 {
                        q.push(", ");
                    }
                    q.bind(scope.to_vec());
                }
                q.push(")");
                q.execute(&mut *tx).await?;
            }
        }
        write_log(&mut tx, d, chain_id, rows).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Timestamps of those of `blocks` the log has rows at.
    pub async fn log_block_times(
        &self,
        chain_id: ChainId,
        blocks: &[u64],
    ) -> Result<HashMap<u64, u64>, StoreError> {
        let mut out = HashMap::new();
        for chunk in blocks.chunks(BLOCKS_PER_QUERY) {
            let mut q = Sql::new(
                self.dialect,
                "SELECT DISTINCT block_number, block_timestamp FROM state_log WHERE chain_id = ",
            );
            q.bind_u64("chain_id", chain_id)?
                .push(" AND block_number IN (");
            for (i, b) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind_u64("block", *b)?;
            }
            q.push(")");
            for row in q.fetch_all(self.pool()).await? {
                out.insert(get_u64(&row, 0)?, get_u64(&row, 1)?);
            }
        }
        Ok(out)
    }
}

impl Snapshot {
    /// For every key `selector` covers: its last row before `from` (the state
    /// the window starts from) and its last row in each hour bucket from
    /// `from` up to `end` (exclusive), ordered by block. Replaying the rows in
    /// that order gives the state as of the end of each hour.
    pub async fn log_hourly(
        &mut self,
        chain_id: ChainId,
        selector: &KeySelector,
        from: u64,
        end: u64,
    ) -> Result<Vec<LogRow>, StoreError> {
        let d = self.dialect;
        let mut out = Vec::new();
        let subjects: Vec<Option<&[B256]>> = match &selector.subjects {
            None => vec![None],
            Some(s) => s.chunks(BLOCKS_PER_QUERY).map(Some).collect(),
        };
        // A plain list, not an iterator of closures: one held across the
        // awaits below makes callers' futures not provably `Send`.
        let mut parts = Vec::new();
        for sc in selector.scopes.chunks(BLOCKS_PER_QUERY) {
            for su in &subjects {
                parts.push((sc, *su));
            }
        }
        for (scopes, chunk) in parts {
            let mut q = Sql::new(d, "SELECT s.kind, s.scope, s.subject, ");
            q.push(d.u256_select("s.value"));
            q.push(", s.block_number, s.block_timestamp FROM state_log s JOIN (SELECT kind, scope, subject, MAX(block_number) AS b FROM state_log WHERE chain_id = ");
            q.bind_u64("chain_id", chain_id)?
                .push(" AND kind = ")
                .bind(selector.kind.code())
                .bind_list(" AND scope IN (", scopes.iter().map(|s| s.to_vec()));
            if let Some(chunk) = chunk {
                q.bind_list(" AND subject IN (", chunk.iter().map(|s| s.to_vec()));
            }
            q.push(" AND block_timestamp < ").bind_u64("end", end)?;
            // One group per key before the window, one per key and hour inside it.
            q.push(" GROUP BY kind, scope, subject, CASE WHEN block_timestamp < ")
                .bind_u64("from", from)?
                .push(" THEN -1 ELSE block_timestamp / 3600 END) m ON s.chain_id = ")
                .bind_u64("chain_id", chain_id)?
                .push(" AND s.kind = m.kind AND s.scope = m.scope AND s.subject = m.subject AND s.block_number = m.b");
            for row in q.fetch_all(&mut *self.tx).await? {
                let (key, value) = key_value_from_row(d, &row)?;
                out.push(LogRow {
                    key,
                    block_number: get_u64(&row, 4)?,
                    block_timestamp: get_u64(&row, 5)?,
                    value,
                });
            }
        }
        out.sort_unstable_by_key(|r| (r.block_number, r.key));
        Ok(out)
    }

    /// Token ids of `collection` (an NFT or escrow whose owners are logged)
    /// `owner` held at any time before `end`.
    pub async fn log_owned_ids(
        &mut self,
        chain_id: ChainId,
        collection: Address,
        owner: Address,
        end: u64,
    ) -> Result<Vec<U256>, StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "SELECT DISTINCT subject FROM state_log WHERE chain_id = ",
        );
        q.bind_u64("chain_id", chain_id)?
            .push(" AND scope = ")
            .bind(collection.to_vec())
            .push(" AND value = ")
            .bind_u256(U256::from_be_bytes(owner.into_word().0))
            .push(" AND kind = 3 AND block_timestamp < ")
            .bind_u64("end", end)?;
        q.fetch_all(&mut *self.tx)
            .await?
            .iter()
            .map(|r| Ok(U256::from_be_bytes(get_b256(r, 0)?.0)))
            .collect()
    }
}
