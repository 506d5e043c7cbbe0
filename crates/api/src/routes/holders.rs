//! `GET /v1/tokens/{address}/holders`: holders by balance, paged.

use alloy_primitives::Address;
use axum::Json;
use axum::extract::State;
use tributary_store::read::{HolderPosition, HoldersAt};
use tributary_types::ChainId;

use crate::cursor::{self, CursorError, HolderCursor};
use crate::error::ApiError;
use crate::model::{BlockAt, BlockJson, ErrorBody, HolderItem, HoldersPage, checksum};
use crate::params::{AddressPath, HoldersParams, Query};
use crate::routes::split_page;
use crate::state::AppState;

/// Holders by balance descending, ties by address ascending.
#[utoipa::path(
    get,
    path = "/v1/tokens/{address}/holders",
    tag = "tokens",
    params(
        ("address" = String, Path, description = "Token address, any case", pattern = r"^0[xX][0-9a-fA-F]{40}$"),
        crate::openapi::HoldersQuery,
    ),
    responses(
        (status = 200, description = "One page of holders", body = HoldersPage),
        (status = 400, description = "Malformed address, parameter or cursor; or `chain` missing for a token tracked on several chains (`ambiguous_chain`)", body = ErrorBody),
        (status = 404, description = "Unknown chain, or token not tracked", body = ErrorBody),
    )
)]
pub(crate) async fn holders(
    State(state): State<AppState>,
    AddressPath(token): AddressPath,
    Query(p): Query<HoldersParams>,
) -> Result<Json<HoldersPage>, ApiError> {
    let asked = match &p.chain {
        Some(c) => Some(state.resolve_chain(c)?.chain_id),
        None => None,
    };
    // Kind, supply, block and the page in one statement (one committed state).
    let found = state
        .store()
        .holders_page(
            token,
            asked,
            NFT_KINDS,
            p.after.map(|c| c.position),
            p.limit + 1,
        )
        .await?;
    let page = token_chain(found, &state, token, asked)?;
    let (chain_id, summary, mut rows) = (page.summary.chain_id, page.summary, page.holders);
    // An NFT collection's holders are ranked by how many tokens they own.
    let nft = NFT_KINDS.contains(&summary.kind.as_str());
    if p.after
        .is_some_and(|c| c.chain_id != chain_id || c.token != token)
    {
        return Err(CursorError::WrongToken.into());
    }
    let (total_supply, block) = (summary.total_supply, summary.block);
    let next = split_page(&mut rows, p.limit).map(|last| {
        cursor::encode_holders(&HolderCursor {
            chain_id,
            token,
            position: HolderPosition {
                balance: last.balance,
                account: last.account,
            },
        })
    });
    Ok(Json(HoldersPage {
        items: rows
            .into_iter()
            .map(|r| HolderItem {
                account: checksum(&r.account),
                balance: (!nft).then(|| r.balance.to_string()),
                count: nft.then(|| u64::try_from(r.balance).unwrap_or(u64::MAX)),
            })
            .collect(),
        next,
        at: BlockAt::Block(block.map(BlockJson::from)),
        total_supply: total_supply.to_string(),
    }))
}

/// Kinds whose holders rank by NFT count rather than balance.
const NFT_KINDS: [&str; 2] = ["erc721", "vote_escrow"];

/// The page of the configured chain `token` is tracked on (the one asked
/// for, or the only one).
fn token_chain(
    found: Vec<HoldersAt>,
    state: &AppState,
    token: Address,
    asked: Option<ChainId>,
) -> Result<HoldersAt, ApiError> {
    let mut found: Vec<HoldersAt> = found
        .into_iter()
        .filter(|t| state.is_configured(t.summary.chain_id))
        .collect();
    let chains: Vec<ChainId> = found.iter().map(|t| t.summary.chain_id).collect();
    match chains.as_slice() {
        [_] => Ok(found.remove(0)),
        [] => Err(ApiError::UnknownToken {
            token: checksum(&token),
            chain_id: asked,
        }),
        several => Err(ApiError::AmbiguousChain {
            token: checksum(&token),
            chains: several
                .iter()
                .map(ChainId::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}
