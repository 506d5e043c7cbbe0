//! `GET /v1/tokens/{address}/holders`: holders by balance, paged.

use alloy_primitives::Address;
use axum::Json;
use axum::extract::State;
use tributary_store::Snapshot;
use tributary_store::read::HolderPosition;
use tributary_types::{ChainId, StateKind};

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
    let mut snapshot = state.store().snapshot().await?;
    let (chain_id, kind) = token_chain(&mut snapshot, &state, token, asked).await?;
    // An NFT collection's holders are ranked by how many tokens they own.
    let nft = matches!(kind.as_str(), "erc721" | "vote_escrow");
    let ranked_by = if nft {
        StateKind::NftCount
    } else {
        StateKind::Balance
    };
    let after = match p.after {
        Some(c) if c.chain_id != chain_id || c.token != token => {
            return Err(CursorError::WrongToken.into());
        }
        Some(c) => Some(c.position),
        None => None,
    };
    let mut rows = snapshot
        .holders_by(chain_id, token, ranked_by, after, p.limit + 1)
        .await?;
    let total_supply = snapshot.total_supply(chain_id, token).await?;
    let block = snapshot.indexed_block(chain_id).await?;
    snapshot.finish().await?;
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

/// The configured chain `token` is tracked on (the one asked for, or the
/// only one), and the token's template kind there.
async fn token_chain(
    snapshot: &mut Snapshot,
    state: &AppState,
    token: Address,
    asked: Option<ChainId>,
) -> Result<(ChainId, String), ApiError> {
    let found: Vec<(ChainId, String)> = snapshot
        .tokens(asked, Some(token))
        .await?
        .into_iter()
        .map(|t| (t.chain_id, t.kind))
        .filter(|(c, _)| state.is_configured(*c))
        .collect();
    let chains: Vec<ChainId> = found.iter().map(|(c, _)| *c).collect();
    match chains.as_slice() {
        [_] => Ok(found[0].clone()),
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
