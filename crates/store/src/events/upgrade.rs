//! Moving a database written before chunked events (one row per event, the
//! table migration 0005 renamed `events_v1`) to `event_chunks`.
//!
//! SQL alone cannot build chunk bodies, so this runs in Rust at connect,
//! after the migrations: whole blocks at a time, each step one transaction
//! that writes chunks and deletes the rows it moved, so a crash in between
//! loses and duplicates nothing. The emptied table is dropped at the end.

use alloy_primitives::{B256, Bytes};
use sqlx::{AnyPool, Row};
use tributary_types::{EventArgs, RawLog, StoredEvent};

use crate::sql::{Sql, get_address, get_b256, get_u64};
use crate::{Dialect, StoreError};

/// Rows read per step (a block with more is moved whole in its own step).
const STEP_ROWS: i64 = 20_000;

/// Moves every row of `events_v1` into chunks, then drops it. Returns how
/// many events were moved (0 on a database that never had the old table).
pub(crate) async fn upgrade_event_rows(writer: &AnyPool, d: Dialect) -> Result<u64, StoreError> {
    let mut moved = 0;
    loop {
        let Some(mut tx) = crate::upgrade::begin_step(writer, d, "events_v1").await? else {
            return Ok(moved);
        };
        let first = sqlx::query(
            "SELECT chain_id, block_number FROM events_v1 ORDER BY chain_id, block_number LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(first) = first else {
            sqlx::query("DROP TABLE events_v1")
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            if moved > 0 {
                tracing::info!(events = moved, "moved stored events to chunked storage");
            }
            return Ok(moved);
        };
        let (chain_id, block) = (get_u64(&first, 0)?, get_u64(&first, 1)?);
        let mut rows = step(&mut tx, d, chain_id, block, Some(STEP_ROWS)).await?;
        if rows.len() as i64 == STEP_ROWS {
            // The last block may go on past the page: move it next time,
            // unless it is the only one, which then moves whole.
            let last = rows[rows.len() - 1].log.block_number;
            rows.retain(|e| e.log.block_number < last);
            if rows.is_empty() {
                rows = step(&mut tx, d, chain_id, block, None).await?;
            }
        }
        let high = rows[rows.len() - 1].log.block_number;
        moved += super::insert(&mut tx, d, chain_id, &rows).await?;
        let mut q = Sql::new(d, "DELETE FROM events_v1 WHERE chain_id = ");
        q.bind_u64("chain_id", chain_id)?
            .push(" AND block_number <= ")
            .bind_u64("block", high)?;
        q.execute(&mut *tx).await?;
        tx.commit().await?;
    }
}

/// Old rows of `chain_id` from block `from` on, in log order: `limit` of
/// them, or with `None` every row of block `from` alone.
async fn step(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    d: Dialect,
    chain_id: u64,
    from: u64,
    limit: Option<i64>,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut q = Sql::new(
        d,
        "SELECT block_number, log_index, block_hash, tx_hash, tx_index, address, contract, event, args, topics, data FROM events_v1 WHERE chain_id = ",
    );
    q.bind_u64("chain_id", chain_id)?;
    match limit {
        Some(n) => {
            q.push(" AND block_number >= ").bind_u64("block", from)?;
            q.push(" ORDER BY block_number, log_index LIMIT ").bind(n);
        }
        None => {
            q.push(" AND block_number = ").bind_u64("block", from)?;
            q.push(" ORDER BY log_index");
        }
    }
    let rows = q.fetch_all(&mut **tx).await?;
    rows.iter()
        .map(|r| {
            let topics: Vec<u8> = r.try_get(9)?;
            if !topics.len().is_multiple_of(32) {
                return Err(StoreError::Corrupt {
                    what: format!("topics of {} bytes", topics.len()),
                });
            }
            let data: Vec<u8> = r.try_get(10)?;
            Ok(StoredEvent {
                chain_id,
                contract: r.try_get(6)?,
                event: r.try_get(7)?,
                args: EventArgs::Text(r.try_get(8)?),
                log: RawLog {
                    block_number: get_u64(r, 0)?,
                    log_index: get_u64(r, 1)?,
                    block_hash: get_b256(r, 2)?,
                    tx_hash: get_b256(r, 3)?,
                    tx_index: get_u64(r, 4)?,
                    address: get_address(r, 5)?,
                    topics: topics.chunks(32).map(B256::from_slice).collect(),
                    data: Bytes::from(data),
                },
            })
        })
        .collect()
}
