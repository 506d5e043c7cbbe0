//! Reading events back one by one, in (block_number, log_index, chain_id)
//! order, from their chunks.
//!
//! Chunks are fetched in (block, first log index, chain) order in growing
//! pages. The chunks of one block may interleave (two emitters, or two
//! chains at the same height), so a block's events are only handed out once
//! a later block has been seen or the chunks ran out; then they are sorted.

use sqlx::AnyConnection;
use tributary_types::ChainId;

use super::abi_body::Decoders;
use super::codec::{ChunkEvent, ChunkHead, unchunk};
use crate::read::{EventPosition, EventQuery};
use crate::sql::{Sql, get_address, get_b256, get_u64};
use crate::{Dialect, StoreError};

/// The (block_number, log_index, chain_id) of a position, as events sort.
pub(crate) fn position(p: EventPosition) -> (u64, u64, ChainId) {
    (p.block_number, p.log_index, p.chain_id)
}

/// The position of an event, for [`EventQuery::after`].
pub(crate) fn after(e: &ChunkEvent) -> EventPosition {
    let (block_number, log_index, chain_id) = e.position();
    EventPosition {
        block_number,
        log_index,
        chain_id,
    }
}

fn admits(query: &EventQuery, e: &ChunkEvent) -> bool {
    query
        .after
        .is_none_or(|after| e.position() > position(after))
        && query.event.as_ref().is_none_or(|name| *name == e.event)
}

/// Chunks the first page asks for; each further page asks for twice as many,
/// up to [`MAX_PAGE`]: a small answer decodes little, a long scan makes
/// few round trips.
const FIRST_PAGE: u32 = 4;
const MAX_PAGE: u32 = 256;

/// Up to `query.limit` events matching `query`, in (block, log index,
/// chain) order. Their arguments are rendered by [`ChunkEvent::args_text`].
pub(crate) async fn read_events(
    conn: &mut AnyConnection,
    d: Dialect,
    query: &EventQuery,
) -> Result<Vec<ChunkEvent>, StoreError> {
    let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
    let mut out = Vec::new();
    let mut pending: Vec<ChunkEvent> = Vec::new();
    let mut resume: Option<(u64, u64, ChainId)> = None;
    let mut page = FIRST_PAGE;
    let mut decoders = Decoders::default();
    while out.len() < limit {
        let chunks = fetch_chunks(conn, d, query, resume, page).await?;
        let full = chunks.len() == page as usize;
        let last_block = chunks.last().map(|(head, _, _)| head.block_number);
        for (head, first, body) in &chunks {
            resume = Some((head.block_number, *first, head.chain_id));
            pending.extend(
                unchunk(head, body, &mut decoders)?
                    .into_iter()
                    .filter(|e| admits(query, e)),
            );
        }
        // Blocks below the last one fetched are complete; all are, at the end.
        let mut ready: Vec<ChunkEvent> = match (full, last_block) {
            (true, Some(last)) => {
                let (done, rest) = pending.into_iter().partition(|e| e.log.block_number < last);
                pending = rest;
                done
            }
            _ => std::mem::take(&mut pending),
        };
        ready.sort_by_key(ChunkEvent::position);
        out.extend(ready);
        if !full {
            break;
        }
        page = (page * 2).min(MAX_PAGE);
    }
    out.truncate(limit);
    Ok(out)
}

/// The next `page` chunks matching `filter` after the chunk at `resume`
/// (block, first log index, chain), with their first log index and body.
async fn fetch_chunks(
    conn: &mut AnyConnection,
    d: Dialect,
    filter: &EventQuery,
    resume: Option<(u64, u64, ChainId)>,
    page: u32,
) -> Result<Vec<(ChunkHead, u64, Vec<u8>)>, StoreError> {
    let mut q = Sql::new(
        d,
        "SELECT chain_id, block_number, first_log_index, block_hash, address, contract, body FROM event_chunks WHERE 1 = 1",
    );
    if let Some(c) = filter.chain_id {
        q.push(" AND chain_id = ").bind_u64("chain_id", c)?;
    }
    if let Some(c) = &filter.contract {
        q.push(" AND contract = ").bind(c.clone());
    }
    if let Some(a) = filter.address {
        q.push(" AND address = ").bind(a.to_vec());
    }
    if let Some(b) = filter.from_block {
        q.push(" AND block_number >= ").bind_u64("from_block", b)?;
    }
    if let Some(b) = filter.to_block {
        q.push(" AND block_number <= ").bind_u64("to_block", b)?;
    }
    if let Some(EventPosition {
        block_number: block,
        log_index,
        ..
    }) = filter.after
    {
        // A chunk ending before the position holds nothing after it.
        q.push(" AND (block_number > ").bind_u64("after", block)?;
        q.push(" OR (block_number = ").bind_u64("after", block)?;
        q.push(" AND last_log_index >= ")
            .bind_u64("after", log_index)?
            .push("))");
    }
    if let Some((block, first, chain_id)) = resume {
        q.push(" AND (block_number > ").bind_u64("resume", block)?;
        q.push(" OR (block_number = ").bind_u64("resume", block)?;
        q.push(" AND (first_log_index > ")
            .bind_u64("resume", first)?;
        q.push(" OR (first_log_index = ")
            .bind_u64("resume", first)?;
        q.push(" AND chain_id > ")
            .bind_u64("resume", chain_id)?
            .push("))))");
    }
    q.push(" ORDER BY block_number, first_log_index, chain_id LIMIT ")
        .bind(i64::from(page));
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            use sqlx::Row;
            let head = ChunkHead {
                chain_id: get_u64(r, 0)?,
                block_number: get_u64(r, 1)?,
                block_hash: get_b256(r, 3)?,
                address: get_address(r, 4)?,
                contract: r.try_get(5)?,
            };
            Ok((head, get_u64(r, 2)?, r.try_get(6)?))
        })
        .collect()
}
