//! `GET /v1/events`: raw decoded events, filtered and paged.

use axum::Json;
use axum::extract::State;
use tributary_store::read::{EventPosition, EventQuery, EventRow};

use crate::cursor;
use crate::error::ApiError;
use crate::model::{ErrorBody, EventItem, EventsPage, checksum, hex_b256};
use crate::params::{EventsParams, Query};
use crate::routes::{block_at, split_page};
use crate::state::AppState;

/// Events in (block_number, log_index, chain_id) order.
#[utoipa::path(
    get,
    path = "/v1/events",
    tag = "events",
    params(crate::openapi::EventsQuery),
    responses(
        (status = 200, description = "One page of events", body = EventsPage),
        (status = 400, description = "A malformed parameter, cursor or block range", body = ErrorBody),
        (status = 404, description = "Unknown chain or contract", body = ErrorBody),
    )
)]
pub(crate) async fn events(
    State(state): State<AppState>,
    Query(p): Query<EventsParams>,
) -> Result<Json<EventsPage>, ApiError> {
    let chain_id = match &p.chain {
        Some(c) => Some(state.resolve_chain(c)?.chain_id),
        None => None,
    };
    if let Some(contract) = &p.contract {
        state.check_contract(contract)?;
    }
    let query = EventQuery {
        chain_id,
        contract: p.contract,
        event: p.event,
        address: p.address,
        from_block: p.from_block,
        to_block: p.to_block,
        after: p.after,
        limit: p.limit + 1,
    };
    let mut snapshot = state.store().snapshot().await?;
    let mut rows = snapshot.events(&query).await?;
    let at = block_at(&mut snapshot, &state, chain_id).await?;
    snapshot.finish().await?;
    let next = split_page(&mut rows, p.limit).map(|last| {
        cursor::encode_events(&EventPosition {
            block_number: last.block_number,
            log_index: last.log_index,
            chain_id: last.chain_id,
        })
    });
    Ok(Json(EventsPage {
        items: rows.into_iter().map(item).collect(),
        next,
        at,
    }))
}

/// An event row as answers (and pushes) show it.
pub(crate) fn item(row: EventRow) -> EventItem {
    EventItem {
        chain_id: row.chain_id,
        block_number: row.block_number,
        block_hash: hex_b256(&row.block_hash),
        tx_hash: hex_b256(&row.tx_hash),
        log_index: row.log_index,
        contract: row.contract,
        address: checksum(&row.address),
        event: row.event,
        args: row.args,
    }
}
