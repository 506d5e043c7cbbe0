//! One module per endpoint; handlers stay thin: parse (in the extractors),
//! read one snapshot, shape the answer.

pub(crate) mod balances;
pub(crate) mod events;
pub(crate) mod health;
pub(crate) mod holders;
pub(crate) mod positions;
pub(crate) mod sse;
pub(crate) mod status;
pub(crate) mod ws;

use tributary_store::Snapshot;
use tributary_types::ChainId;

use crate::error::ApiError;
use crate::model::{BlockAt, BlockJson};
use crate::state::AppState;

/// The block(s) an answer reflects, read in the answer's own snapshot:
/// `block` of `chain` when the answer is about one chain (or only one is
/// configured), otherwise `blocks` of every configured chain with data.
pub(crate) async fn block_at(
    snapshot: &mut Snapshot,
    state: &AppState,
    chain: Option<ChainId>,
) -> Result<BlockAt, ApiError> {
    let chains = &state.config().chains;
    if let Some(id) = single_chain(state, chain) {
        let block = snapshot.indexed_block(id).await?;
        return Ok(BlockAt::Block(block.map(BlockJson::from)));
    }
    let mut blocks = Vec::with_capacity(chains.len());
    for c in chains {
        if let Some(block) = snapshot.indexed_block(c.chain_id).await? {
            blocks.push(BlockJson::from(block));
        }
    }
    Ok(BlockAt::Blocks(blocks))
}

/// The one chain an answer about `chain` names the block of: the chain
/// asked for, or the only configured one (`None`: every configured chain).
pub(crate) fn single_chain(state: &AppState, chain: Option<ChainId>) -> Option<ChainId> {
    match (chain, state.config().chains.as_slice()) {
        (Some(id), _) => Some(id),
        (None, [only]) => Some(only.chain_id),
        (None, _) => None,
    }
}

/// Cuts `rows` (read with `limit + 1`) to `limit` and returns the last row
/// kept when more rows follow, i.e. where the next page starts.
pub(crate) fn split_page<T>(rows: &mut Vec<T>, limit: u32) -> Option<&T> {
    let limit = limit as usize;
    let more = rows.len() > limit;
    rows.truncate(limit);
    if more { rows.last() } else { None }
}

#[cfg(test)]
mod tests {
    use super::split_page;

    #[test]
    fn a_page_has_a_next_only_when_rows_follow() {
        let mut rows = vec![1, 2, 3];
        assert_eq!(split_page(&mut rows, 2), Some(&2));
        assert_eq!(rows, [1, 2]);
        let mut rows = vec![1, 2];
        assert_eq!(split_page(&mut rows, 2), None);
        let mut rows: Vec<i32> = vec![];
        assert_eq!(split_page(&mut rows, 2), None);
    }
}
