//! `GET /v1/status`: indexing progress per configured chain.

use axum::Json;
use axum::extract::State;
use tributary_store::read::ChainRow;

use crate::error::ApiError;
use crate::model::{ChainStatus, ErrorBody, StatusAnswer, hex_b256};
use crate::params::{NoParams, Query};
use crate::state::{ApiChain, AppState};

/// A chain whose indexed block is at most this far behind the head is synced.
pub const SYNCED_MAX_LAG: u64 = 1;

/// Head, indexed and finalized block of every configured chain.
#[utoipa::path(
    get,
    path = "/v1/status",
    tag = "status",
    responses(
        (status = 200, description = "Progress of every configured chain", body = StatusAnswer),
        (status = 400, description = "A query parameter was given (none are accepted)", body = ErrorBody),
    )
)]
pub(crate) async fn status(
    State(state): State<AppState>,
    Query(NoParams): Query<NoParams>,
) -> Result<Json<StatusAnswer>, ApiError> {
    load(&state).await.map(Json)
}

/// Reads the status of every configured chain in one snapshot.
pub(crate) async fn load(state: &AppState) -> Result<StatusAnswer, ApiError> {
    let mut snapshot = state.store().snapshot().await?;
    let rows = snapshot.chains().await?;
    snapshot.finish().await?;
    let chains = state
        .config()
        .chains
        .iter()
        .map(|c| chain_status(c, rows.iter().find(|r| r.chain_id == c.chain_id)))
        .collect();
    Ok(StatusAnswer { chains })
}

/// The status of `chain` from its stored row (`None`: the indexer never ran it).
pub(crate) fn chain_status(chain: &ApiChain, row: Option<&ChainRow>) -> ChainStatus {
    let head = row.and_then(|r| r.head);
    let indexed = row.and_then(|r| r.indexed);
    let lag = match (head, indexed) {
        (Some(h), Some(i)) => h.number.saturating_sub(i.number),
        _ => 0,
    };
    ChainStatus {
        name: chain.name.clone(),
        chain_id: chain.chain_id,
        head_block: head.map(|h| h.number),
        head_hash: head.map(|h| hex_b256(&h.hash)),
        indexed_block: indexed.map(|i| i.number),
        indexed_hash: indexed.map(|i| hex_b256(&i.hash)),
        finalized_block: head.map(|h| h.number.saturating_sub(chain.confirmations)),
        lag_blocks: lag,
        synced: head.is_some() && indexed.is_some() && lag <= SYNCED_MAX_LAG,
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::B256;
    use tributary_store::read::BlockRef;

    use super::*;

    fn block(number: u64) -> Option<BlockRef> {
        Some(BlockRef {
            chain_id: 1,
            number,
            hash: B256::repeat_byte(number as u8),
            timestamp: 0,
        })
    }

    fn row(head: Option<BlockRef>, indexed: Option<BlockRef>) -> ChainRow {
        ChainRow {
            chain_id: 1,
            name: "eth".into(),
            head,
            indexed,
            confirmations: 12,
            events: 0,
            last_error: None,
        }
    }

    fn chain() -> ApiChain {
        ApiChain {
            name: "eth".into(),
            chain_id: 1,
            confirmations: 12,
        }
    }

    #[test]
    fn lag_finality_and_sync_follow_head_and_indexed() {
        let s = chain_status(&chain(), Some(&row(block(100), block(90))));
        assert_eq!(
            (s.finalized_block, s.lag_blocks, s.synced),
            (Some(88), 10, false)
        );
        let s = chain_status(&chain(), Some(&row(block(100), block(99))));
        assert_eq!((s.lag_blocks, s.synced), (1, true));
        let s = chain_status(&chain(), Some(&row(block(5), block(7))));
        assert_eq!(
            (s.finalized_block, s.lag_blocks, s.synced),
            (Some(0), 0, true)
        );
    }

    #[test]
    fn unknown_progress_is_null_and_not_synced() {
        let s = chain_status(&chain(), None);
        assert_eq!(
            (s.head_block, s.indexed_block, s.finalized_block),
            (None, None, None)
        );
        assert_eq!((s.lag_blocks, s.synced), (0, false));
        let s = chain_status(&chain(), Some(&row(None, block(3))));
        assert_eq!(
            (s.indexed_block, s.lag_blocks, s.synced),
            (Some(3), 0, false)
        );
    }
}
