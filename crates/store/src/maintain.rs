//! Maintenance writes: projection fingerprints, rebuilds and raw event scans.

use std::collections::HashMap;

use alloy_primitives::{Address, B256, Bytes};
use sqlx::Row;
use tributary_types::{ChainId, RawLog, StateKind, StateWrite, UndoEntry};

use crate::read::TokenRow;
use crate::sql::{Sql, get_address, get_b256, get_u64};
use crate::write::{insert_undo, upsert_tokens, write_state};
use crate::{Store, StoreError};

/// A projection's new state, replacing what it had.
#[derive(Debug, Clone, Default)]
pub struct Replacement {
    /// Chain.
    pub chain_id: ChainId,
    /// State kinds the projections write.
    pub kinds: Vec<StateKind>,
    /// Contracts whose state is replaced.
    pub scopes: Vec<Address>,
    /// The recomputed state.
    pub state: Vec<StateWrite>,
    /// Undo entries for the unfinalized blocks.
    pub undo: Vec<UndoEntry>,
    /// Fingerprints to record: (contract name, fingerprint).
    pub fingerprints: Vec<(String, String)>,
}

impl Store {
    /// Recorded projection fingerprints by contract name.
    pub async fn fingerprints(
        &self,
        chain_id: ChainId,
    ) -> Result<HashMap<String, String>, StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "SELECT contract, fingerprint FROM projections WHERE chain_id = ",
        );
        q.bind_u64("chain_id", chain_id)?;
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Records fingerprints.
    pub async fn set_fingerprints(
        &self,
        chain_id: ChainId,
        fingerprints: &[(String, String)],
    ) -> Result<(), StoreError> {
        let mut tx = self.writer().begin().await?;
        set_fingerprints(&mut tx, self.dialect, chain_id, fingerprints).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the state of some projections in one transaction.
    pub async fn replace_projection(&self, r: &Replacement) -> Result<(), StoreError> {
        let d = self.dialect;
        let mut tx = self.writer().begin().await?;
        for kind in &r.kinds {
            for scope in &r.scopes {
                for table in [
                    "DELETE FROM state WHERE chain_id = ",
                    "DELETE FROM undo WHERE chain_id = ",
                ] {
                    let mut q = Sql::new(d, table);
                    q.bind_u64("chain_id", r.chain_id)?
                        .push(" AND kind = ")
                        .bind(kind.code());
                    q.push(" AND scope = ").bind(scope.to_vec());
                    q.execute(&mut *tx).await?;
                }
            }
        }
        write_state(&mut tx, d, r.chain_id, &r.state).await?;
        insert_undo(&mut tx, d, r.chain_id, &r.undo).await?;
        set_fingerprints(&mut tx, d, r.chain_id, &r.fingerprints).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records token metadata outside a batch.
    pub async fn record_tokens(&self, tokens: &[TokenRow]) -> Result<(), StoreError> {
        let mut tx = self.writer().begin().await?;
        upsert_tokens(&mut tx, self.dialect, tokens).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stored raw logs of a chain in (block, log index) order, after `after`.
    pub async fn raw_logs(
        &self,
        chain_id: ChainId,
        after: Option<(u64, u64)>,
        limit: u32,
    ) -> Result<Vec<RawLog>, StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "SELECT block_number, log_index, block_hash, tx_hash, tx_index, address, topics, data FROM events WHERE chain_id = ",
        );
        q.bind_u64("chain_id", chain_id)?;
        if let Some((block, index)) = after {
            q.push(" AND (block_number > ").bind_u64("block", block)?;
            q.push(" OR (block_number = ").bind_u64("block", block)?;
            q.push(" AND log_index > ")
                .bind_u64("log_index", index)?
                .push("))");
        }
        q.push(" ORDER BY block_number, log_index LIMIT ")
            .bind(i64::from(limit));
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                let topics: Vec<u8> = r.try_get(6)?;
                if !topics.len().is_multiple_of(32) {
                    return Err(StoreError::Corrupt {
                        what: format!("topics of {} bytes", topics.len()),
                    });
                }
                let data: Vec<u8> = r.try_get(7)?;
                Ok(RawLog {
                    block_number: get_u64(r, 0)?,
                    log_index: get_u64(r, 1)?,
                    block_hash: get_b256(r, 2)?,
                    tx_hash: get_b256(r, 3)?,
                    tx_index: get_u64(r, 4)?,
                    address: get_address(r, 5)?,
                    topics: topics.chunks(32).map(B256::from_slice).collect(),
                    data: Bytes::from(data),
                })
            })
            .collect()
    }
}

async fn set_fingerprints(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    d: crate::Dialect,
    chain_id: ChainId,
    fingerprints: &[(String, String)],
) -> Result<(), StoreError> {
    for (contract, fingerprint) in fingerprints {
        let mut q = Sql::new(
            d,
            "INSERT INTO projections (chain_id, contract, fingerprint) VALUES (",
        );
        q.bind_u64("chain_id", chain_id)?
            .push(", ")
            .bind(contract.clone())
            .push(", ")
            .bind(fingerprint.clone());
        q.push(
            ") ON CONFLICT (chain_id, contract) DO UPDATE SET fingerprint = excluded.fingerprint",
        );
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// Refreshes the planner's statistics after a bulk load. PostgreSQL
    /// without them (a fresh table, or autovacuum off) was seen to read one
    /// account's key through `state_by_value`, scanning a whole contract's
    /// rows (2.9 s p99 for a cache-off portfolio at 100k accounts, against
    /// milliseconds through the primary key). SQLite's `PRAGMA optimize`
    /// analyses only what needs it.
    ///
    /// PostgreSQL's `state` table also gets a `VACUUM`: rows never
    /// vacuumed carry no hint bits, so the first read of each page after a
    /// bulk load checks the commit log and writes the page back, and with a
    /// store larger than shared buffers that churn queued cache-off
    /// portfolios at 1M accounts on buffer-mapping locks for seconds.
    /// Vacuum also marks pages all-visible (index-only scans need it), and
    /// later runs skip pages already all-visible. Events are only analysed:
    /// vacuuming a million raw events would add seconds to every backfill
    /// for the rarer event queries.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        let statements: &[&'static str] = match self.dialect() {
            crate::Dialect::Postgres => &["VACUUM (ANALYZE) state", "ANALYZE"],
            crate::Dialect::Sqlite => &["PRAGMA optimize"],
        };
        for statement in statements {
            // Plain statements (simple protocol), one at a time: VACUUM may
            // not run in a transaction block or a multi-statement string.
            sqlx::raw_sql(sqlx::AssertSqlSafe(*statement))
                .execute(self.writer())
                .await?;
        }
        Ok(())
    }
}
