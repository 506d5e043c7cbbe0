//! Maintenance writes: projection fingerprints, rebuilds and raw event scans.

use std::collections::HashMap;

use alloy_primitives::Address;
use sqlx::Row;
use tributary_types::{ChainId, RawLog, StateKind, StateWrite, UndoEntry};

use crate::read::TokenRow;
use crate::sql::Sql;
use crate::write::{KnownRows, upsert_tokens, write_state};
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
        let none = Default::default();
        write_state(&mut tx, d, r.chain_id, &r.state, KnownRows::none(&none)).await?;
        crate::undo::insert(&mut tx, d, r.chain_id, &r.undo).await?;
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
        let query = crate::read::EventQuery {
            chain_id: Some(chain_id),
            after: after.map(|(block_number, log_index)| crate::read::EventPosition {
                block_number,
                log_index,
                chain_id,
            }),
            limit,
            ..crate::read::EventQuery::default()
        };
        let mut conn = self.pool().acquire().await?;
        let events = crate::events::read_events(&mut conn, self.dialect, &query).await?;
        Ok(events.into_iter().map(|e| e.log).collect())
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
    /// analyses only what needs it, from a sample (`analysis_limit`): a
    /// full scan of a freshly loaded store took 0.8 s at 250k events, and
    /// the plans only need the tables' rough shape.
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
            crate::Dialect::Sqlite => &["PRAGMA analysis_limit = 1000", "PRAGMA optimize"],
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

/// The index holders pages are read through, by value (as migration 0001
/// created it).
const VALUE_INDEX: &str = "CREATE INDEX IF NOT EXISTS state_by_value ON state (chain_id, kind, scope, value DESC, subject)";

impl Store {
    /// Drops the state value index for a bulk load.
    ///
    /// Every balance a backfill batch writes changes its value, so the
    /// value index takes a delete and an insert per key per batch, and on
    /// PostgreSQL it also turns each update from a heap-only (HOT) one into
    /// one that rewrites every index: perf put index upkeep at most of a
    /// backfill's store time. Built once at the end, it costs a sort.
    /// Until [`Store::restore_value_index`], holders pages are still exact,
    /// only sorted per request. Idempotent.
    ///
    /// On PostgreSQL it also refreshes the statistics of `state`: a bulk
    /// load starts after its first batch, which filled a table the planner
    /// knew nothing of, and without statistics it read the next batch's
    /// keys by scanning the token's every row against a 20,000-entry
    /// `IN` list (1.5 s, against 0.05 s through the key once analysed).
    pub async fn suspend_value_index(&self) -> Result<(), StoreError> {
        sqlx::raw_sql("DROP INDEX IF EXISTS state_by_value")
            .execute(self.writer())
            .await?;
        if self.dialect() == crate::Dialect::Postgres {
            sqlx::raw_sql("ANALYZE state")
                .execute(self.writer())
                .await?;
        }
        Ok(())
    }

    /// Builds the state value index if it is missing (after
    /// [`Store::suspend_value_index`], or a crash during a bulk load).
    /// Costs nothing when it exists.
    pub async fn restore_value_index(&self) -> Result<(), StoreError> {
        sqlx::raw_sql(VALUE_INDEX).execute(self.writer()).await?;
        Ok(())
    }

    /// Whether the state value index exists (it is missing only while a
    /// bulk load runs, or after one was cut short).
    pub async fn has_value_index(&self) -> Result<bool, StoreError> {
        let query = match self.dialect() {
            crate::Dialect::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'state_by_value'"
            }
            crate::Dialect::Postgres => {
                "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'state_by_value'"
            }
        };
        let found: i64 = sqlx::query_scalar(query).fetch_one(self.pool()).await?;
        Ok(found > 0)
    }
}
