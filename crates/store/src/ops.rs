//! Operational records: the run log (`ingest_runs`) and dead letters (logs
//! that failed to decode or project, kept with their payload so nothing that
//! fails is silently dropped).
//!
//! Times are Unix milliseconds of the wall clock: these rows describe what
//! the process did, they never feed derived state.

use std::time::{SystemTime, UNIX_EPOCH};

use alloy_primitives::B256;
use sqlx::{Any, Row, Transaction};
use tributary_types::{ChainId, RawLog};

use crate::sql::{Sql, get_b256, get_u64};
use crate::{Dialect, Store, StoreError};

/// The wall clock in Unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// How an ingest run ended (or that it has not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Still going, or the process died without saying (kill -9).
    Running,
    /// Finished or stopped on request.
    Ok,
    /// Stopped by an error.
    Failed,
}

impl RunStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Ok => "ok",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "running" => Ok(Self::Running),
            "ok" => Ok(Self::Ok),
            "failed" => Ok(Self::Failed),
            other => Err(StoreError::Corrupt {
                what: format!("run status {other:?}"),
            }),
        }
    }
}

/// One row of `ingest_runs`.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestRun {
    /// Row id.
    pub id: i64,
    /// `index`, `replay`, `rebuild`, …
    pub job: String,
    /// Chain worked.
    pub chain_id: ChainId,
    /// First block of the run, when known.
    pub from_block: Option<u64>,
    /// Last block reached (or asked for).
    pub to_block: Option<u64>,
    /// Start, Unix ms.
    pub started_at: i64,
    /// End, Unix ms (`None` while running or after a crash).
    pub ended_at: Option<i64>,
    /// Outcome.
    pub status: RunStatus,
    /// Counters of the run (events, batches, rejected, …).
    pub stats: serde_json::Value,
    /// The error that stopped it.
    pub error: Option<String>,
}

/// A log that failed to decode or project, as the commit writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// Chain of the log.
    pub chain_id: ChainId,
    /// The log itself (stored as the JSON payload).
    pub log: RawLog,
    /// Contract entry it was routed to.
    pub contract: String,
    /// Event name, when the selector was known.
    pub event: Option<String>,
    /// What went wrong.
    pub error: String,
}

/// A stored dead letter.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetterRow {
    /// Row id.
    pub id: i64,
    /// Chain of the log.
    pub chain_id: ChainId,
    /// Block of the log.
    pub block_number: u64,
    /// Log index in the block.
    pub log_index: u64,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Contract entry.
    pub contract: String,
    /// Event name, when known.
    pub event: Option<String>,
    /// The raw log as JSON.
    pub payload: serde_json::Value,
    /// The latest failure.
    pub error: String,
    /// How many times a retry was asked for.
    pub retry_count: u64,
    /// First failure, Unix ms.
    pub created_at: i64,
    /// When a retry marked it resolved (`None`: open).
    pub resolved_at: Option<i64>,
}

impl Store {
    /// Opens a run record with status `running`; returns its id.
    pub async fn start_run(
        &self,
        job: &str,
        chain_id: ChainId,
        from_block: Option<u64>,
        to_block: Option<u64>,
    ) -> Result<i64, StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "INSERT INTO ingest_runs (job, chain_id, from_block, to_block, started_at, status) VALUES (",
        );
        q.bind(job.to_string()).push(", ");
        q.bind_u64("chain_id", chain_id)?.push(", ");
        bind_opt_u64(&mut q, "from_block", from_block)?.push(", ");
        bind_opt_u64(&mut q, "to_block", to_block)?.push(", ");
        q.bind(now_ms())
            .push(", ")
            .bind(RunStatus::Running.as_str().to_string())
            .push(") RETURNING id");
        let row = q
            .fetch_optional(self.writer())
            .await?
            .ok_or_else(|| StoreError::Corrupt {
                what: "INSERT … RETURNING gave no row".into(),
            })?;
        Ok(row.try_get(0)?)
    }

    /// Closes run `id` with its outcome, the last block reached and stats.
    pub async fn finish_run(
        &self,
        id: i64,
        status: RunStatus,
        to_block: Option<u64>,
        stats: &serde_json::Value,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut q = Sql::new(self.dialect, "UPDATE ingest_runs SET ended_at = ");
        q.bind(now_ms())
            .push(", status = ")
            .bind(status.as_str().to_string());
        q.push(", to_block = COALESCE(");
        bind_opt_u64(&mut q, "to_block", to_block)?.push(", to_block), stats = ");
        q.bind(stats.to_string())
            .push(", error = ")
            .bind(error.map(str::to_string))
            .push(" WHERE id = ")
            .bind(id);
        q.execute(self.writer()).await?;
        Ok(())
    }

    /// The latest `limit` runs, newest first, of one chain or all.
    pub async fn runs(
        &self,
        chain_id: Option<ChainId>,
        limit: u32,
    ) -> Result<Vec<IngestRun>, StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "SELECT id, job, chain_id, from_block, to_block, started_at, ended_at, status, stats, error FROM ingest_runs",
        );
        if let Some(c) = chain_id {
            q.push(" WHERE chain_id = ").bind_u64("chain_id", c)?;
        }
        q.push(" ORDER BY id DESC LIMIT ").bind(i64::from(limit));
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                let stats: String = r.try_get(8)?;
                Ok(IngestRun {
                    id: r.try_get(0)?,
                    job: r.try_get(1)?,
                    chain_id: get_u64(r, 2)?,
                    from_block: get_opt_u64(r, 3)?,
                    to_block: get_opt_u64(r, 4)?,
                    started_at: r.try_get(5)?,
                    ended_at: r.try_get(6)?,
                    status: RunStatus::parse(&r.try_get::<String, _>(7)?)?,
                    stats: serde_json::from_str(&stats).unwrap_or(serde_json::Value::Null),
                    error: r.try_get(9)?,
                })
            })
            .collect()
    }

    /// Dead letters of one chain or all, oldest first; open ones only unless
    /// `include_resolved`.
    pub async fn dead_letters(
        &self,
        chain_id: Option<ChainId>,
        include_resolved: bool,
        limit: u32,
    ) -> Result<Vec<DeadLetterRow>, StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "SELECT id, chain_id, block_number, log_index, tx_hash, contract, event, payload, error, retry_count, created_at, resolved_at FROM dead_letters WHERE 1 = 1",
        );
        if let Some(c) = chain_id {
            q.push(" AND chain_id = ").bind_u64("chain_id", c)?;
        }
        if !include_resolved {
            q.push(" AND resolved_at IS NULL");
        }
        q.push(" ORDER BY chain_id, block_number, log_index, id LIMIT ")
            .bind(i64::from(limit));
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                let payload: String = r.try_get(7)?;
                Ok(DeadLetterRow {
                    id: r.try_get(0)?,
                    chain_id: get_u64(r, 1)?,
                    block_number: get_u64(r, 2)?,
                    log_index: get_u64(r, 3)?,
                    tx_hash: get_b256(r, 4)?,
                    contract: r.try_get(5)?,
                    event: r.try_get(6)?,
                    payload: serde_json::from_str(&payload).map_err(|e| StoreError::Corrupt {
                        what: format!("dead letter payload: {e}"),
                    })?,
                    error: r.try_get(8)?,
                    retry_count: get_u64(r, 9)?,
                    created_at: r.try_get(10)?,
                    resolved_at: r.try_get(11)?,
                })
            })
            .collect()
    }

    /// How many dead letters of `chain_id` are open.
    pub async fn open_dead_letters(&self, chain_id: ChainId) -> Result<u64, StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "SELECT COUNT(*) FROM dead_letters WHERE resolved_at IS NULL AND chain_id = ",
        );
        q.bind_u64("chain_id", chain_id)?;
        match q.fetch_optional(self.pool()).await? {
            Some(r) => get_u64(&r, 0),
            None => Ok(0),
        }
    }

    /// Marks dead letters resolved before they are retried (counting the
    /// retry); a retry that fails again reopens them. Returns how many.
    pub async fn mark_retried(&self, ids: &[i64]) -> Result<u64, StoreError> {
        let mut done = 0;
        for chunk in ids.chunks(1000) {
            let mut q = Sql::new(self.dialect, "UPDATE dead_letters SET resolved_at = ");
            q.bind(now_ms())
                .push(", retry_count = retry_count + 1 WHERE id IN (");
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(*id);
            }
            q.push(")");
            done += q.execute(self.writer()).await?;
        }
        Ok(done)
    }

    /// Reopens one dead letter with a new error (a retry that still fails
    /// outside the commit path).
    pub async fn reopen_dead_letter(&self, id: i64, error: &str) -> Result<(), StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "UPDATE dead_letters SET resolved_at = NULL, error = ",
        );
        q.bind(error.to_string()).push(" WHERE id = ").bind(id);
        q.execute(self.writer()).await?;
        Ok(())
    }
}

/// Writes dead letters inside a commit transaction. A log that fails again
/// updates its row and reopens it.
pub(crate) async fn insert_dead_letters(
    tx: &mut Transaction<'static, Any>,
    d: Dialect,
    letters: &[DeadLetter],
) -> Result<(), StoreError> {
    let now = now_ms();
    for l in letters {
        let payload = serde_json::to_string(&l.log).map_err(|e| StoreError::Corrupt {
            what: format!("dead letter payload: {e}"),
        })?;
        let mut q = Sql::new(
            d,
            "INSERT INTO dead_letters (chain_id, block_number, log_index, tx_hash, contract, event, payload, error, created_at) VALUES (",
        );
        q.bind_u64("chain_id", l.chain_id)?.push(", ");
        q.bind_u64("block", l.log.block_number)?.push(", ");
        q.bind_u64("log_index", l.log.log_index)?.push(", ");
        q.bind(l.log.tx_hash.to_vec())
            .push(", ")
            .bind(l.contract.clone())
            .push(", ")
            .bind(l.event.clone())
            .push(", ")
            .bind(payload)
            .push(", ")
            .bind(l.error.clone())
            .push(", ")
            .bind(now)
            .push(
                ") ON CONFLICT (chain_id, block_number, log_index, contract) DO UPDATE SET \
                 error = excluded.error, payload = excluded.payload, event = excluded.event, resolved_at = NULL",
            );
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Deletes the dead letters of blocks above `ancestor` (a reorg removed them).
pub(crate) async fn delete_dead_letters_above(
    tx: &mut Transaction<'static, Any>,
    d: Dialect,
    chain_id: ChainId,
    ancestor: u64,
) -> Result<(), StoreError> {
    let mut q = Sql::new(d, "DELETE FROM dead_letters WHERE chain_id = ");
    q.bind_u64("chain_id", chain_id)?
        .push(" AND block_number > ")
        .bind_u64("block", ancestor)?;
    q.execute(&mut **tx).await?;
    Ok(())
}

fn bind_opt_u64<'a>(
    q: &'a mut Sql,
    what: &'static str,
    v: Option<u64>,
) -> Result<&'a mut Sql, StoreError> {
    match v {
        Some(v) => q.bind_u64(what, v),
        None => Ok(q.bind(None::<i64>)),
    }
}

fn get_opt_u64(r: &sqlx::any::AnyRow, idx: usize) -> Result<Option<u64>, StoreError> {
    let v: Option<i64> = r.try_get(idx)?;
    v.map(|v| {
        u64::try_from(v).map_err(|_| StoreError::Corrupt {
            what: format!("negative block {v}"),
        })
    })
    .transpose()
}
