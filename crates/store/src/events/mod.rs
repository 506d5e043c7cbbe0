//! Raw events: written with each batch, deleted above a reorg's common
//! ancestor, read back in (block, log index) order.
//!
//! Events are stored in chunks (see [`codec`]): one row holds up to
//! [`codec::CHUNK_EVENTS`] logs of one emitter in one block. A row per event
//! made the events table most of a backfill's cost: every event paid a
//! multi-column insert into three B-trees, 4–9 µs on either engine, while
//! the bare fetch of it costs under 3 µs. A chunk row costs about as much as
//! one event row did and carries hundreds.
//!
//! Logically nothing changed: every event keeps its (chain, block, log index)
//! key, writing one twice is a no-op (a batch skips positions already
//! stored), and readers see events one by one in the API's order.

mod abi_body;
mod codec;
mod read;
mod upgrade;

// foldhash: a batch checks every event's position, and SipHash (std's
// default) was a visible share of the indexer's CPU.
use alloy_primitives::map::HashSet;

use sqlx::{Any, Transaction};
use tributary_types::{ChainId, StoredEvent};

pub(crate) use read::{after, read_events};
pub(crate) use upgrade::upgrade_event_rows;

use crate::read::EventQuery;
use crate::sql::{MAX_BINDS, Sql};
use crate::{Dialect, StoreError};

/// Columns of an `event_chunks` row as [`insert`] writes them.
const CHUNK_COLUMNS: usize = 9;

/// Body bytes one insert statement carries at most (one chunk may pass it).
const STATEMENT_BYTES: usize = 4 << 20;

/// Stores the events of a batch that are not stored yet. Returns how many
/// were new.
pub(crate) async fn insert(
    tx: &mut Transaction<'static, Any>,
    d: Dialect,
    chain_id: ChainId,
    events: &[StoredEvent],
) -> Result<u64, StoreError> {
    let (Some(low), Some(high)) = (
        events.iter().map(|e| e.log.block_number).min(),
        events.iter().map(|e| e.log.block_number).max(),
    ) else {
        return Ok(0);
    };
    // Above the cursor nothing is stored, so a forward batch finds no rows
    // here; a replay of stored blocks finds the positions it must skip.
    let started = std::time::Instant::now();
    let stored = stored_positions(tx, d, chain_id, low, high).await?;
    let lookup_s = started.elapsed().as_secs_f64();
    let mut seen: HashSet<(u64, u64)> =
        HashSet::with_capacity_and_hasher(events.len(), Default::default());
    let fresh: Vec<&StoredEvent> = events
        .iter()
        .filter(|e| {
            let at = e.log.position();
            !stored.contains(&at) && seen.insert(at)
        })
        .collect();
    let rows = codec::chunk(&fresh);
    let encode_s = started.elapsed().as_secs_f64() - lookup_s;
    let chunks = rows.len();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        // Statements of a few megabytes: the driver holds a copy of every
        // bound body until the statement is done.
        let mut part = Vec::new();
        let mut bytes = 0;
        while let Some(r) =
            rows.next_if(|_| part.len() < MAX_BINDS / CHUNK_COLUMNS && bytes < STATEMENT_BYTES)
        {
            bytes += r.body.len();
            part.push(r);
        }
        let mut q = Sql::new(
            d,
            "INSERT INTO event_chunks (chain_id, block_number, first_log_index, last_log_index, events, block_hash, address, contract, body) VALUES ",
        );
        q.cache(false);
        for (i, r) in part.into_iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind_u64("chain_id", chain_id)?.push(", ");
            q.bind_u64("block", r.block_number)?.push(", ");
            q.bind_u64("log_index", r.first_log_index)?.push(", ");
            q.bind_u64("log_index", r.last_log_index)?.push(", ");
            q.bind_u64("events", r.events)?.push(", ");
            q.bind(r.block_hash.to_vec())
                .push(", ")
                .bind(r.address.to_vec())
                .push(", ");
            q.bind(r.contract).push(", ").bind(r.body).push(")");
        }
        q.execute(&mut **tx).await?;
    }
    tracing::trace!(
        events = fresh.len(),
        chunks,
        lookup_s,
        encode_s,
        write_s = started.elapsed().as_secs_f64() - lookup_s - encode_s,
        "events stored"
    );
    Ok(fresh.len() as u64)
}

/// The (block, log index) positions stored for blocks `low..=high`.
async fn stored_positions(
    tx: &mut Transaction<'static, Any>,
    d: Dialect,
    chain_id: ChainId,
    low: u64,
    high: u64,
) -> Result<HashSet<(u64, u64)>, StoreError> {
    let mut query = EventQuery {
        chain_id: Some(chain_id),
        from_block: Some(low),
        to_block: Some(high),
        limit: 50_000,
        ..EventQuery::default()
    };
    let mut positions = HashSet::default();
    loop {
        let page = read_events(tx, d, &query).await?;
        let Some(last) = page.last() else {
            return Ok(positions);
        };
        query.after = Some(after(last));
        positions.extend(page.iter().map(|e| e.log.position()));
    }
}

/// Deletes the events of blocks above `block`. Returns how many there were.
pub(crate) async fn delete_above(
    tx: &mut Transaction<'static, Any>,
    d: Dialect,
    chain_id: ChainId,
    block: u64,
) -> Result<u64, StoreError> {
    let mut q = Sql::new(
        d,
        "SELECT CAST(COALESCE(SUM(events), 0) AS BIGINT) FROM event_chunks WHERE chain_id = ",
    );
    q.bind_u64("chain_id", chain_id)?
        .push(" AND block_number > ")
        .bind_u64("block", block)?;
    let count = match q.fetch_optional(&mut **tx).await? {
        Some(row) => crate::sql::get_u64(&row, 0)?,
        None => 0,
    };
    let mut q = Sql::new(d, "DELETE FROM event_chunks WHERE chain_id = ");
    q.bind_u64("chain_id", chain_id)?
        .push(" AND block_number > ")
        .bind_u64("block", block)?;
    q.execute(&mut **tx).await?;
    Ok(count)
}
