//! `GET /v1/accounts/{address}/balances`: every non-zero fungible balance.

use alloy_primitives::Address;
use axum::Json;
use axum::extract::State;

use tributary_types::ChainId;

use crate::error::ApiError;
use crate::model::{BalanceItem, BalancesAnswer, BlockAt, BlockJson, ErrorBody, checksum};
use crate::params::{AddressPath, BalancesParams, Query};
use crate::routes::{block_at, single_chain};
use crate::state::AppState;

/// Token kinds whose balances `/balances` lists (ERC-20-like ones).
const FUNGIBLE_KINDS: &[&str] = &["erc20", "uniswap_v2_pair", "erc4626"];

/// Every ERC-20-like token in which the account holds a non-zero balance.
#[utoipa::path(
    get,
    path = "/v1/accounts/{address}/balances",
    tag = "accounts",
    params(
        ("address" = String, Path, description = "Account address, any case", pattern = r"^0[xX][0-9a-fA-F]{40}$"),
        crate::openapi::BalancesQuery,
    ),
    responses(
        (status = 200, description = "The account's balances (empty when it holds nothing)", body = BalancesAnswer),
        (status = 400, description = "Malformed address or parameter", body = ErrorBody),
        (status = 404, description = "Unknown chain", body = ErrorBody),
    )
)]
pub(crate) async fn balances(
    State(state): State<AppState>,
    AddressPath(account): AddressPath,
    Query(p): Query<BalancesParams>,
) -> Result<Json<BalancesAnswer>, ApiError> {
    let chain_id = match &p.chain {
        Some(c) => Some(state.resolve_chain(c)?.chain_id),
        None => None,
    };
    load(&state, account, chain_id).await.map(Json)
}

/// The balances answer of `account` (on `chain_id` only, if given), read in
/// one snapshot; also what account pushes carry.
pub(crate) async fn load(
    state: &AppState,
    account: Address,
    chain_id: Option<ChainId>,
) -> Result<BalancesAnswer, ApiError> {
    let (rows, at) = match single_chain(state, chain_id) {
        // One statement, no snapshot transaction: the common case's cost.
        Some(id) => {
            let (rows, block) = state.store().balances_at(account, chain_id, id).await?;
            (rows, BlockAt::Block(block.map(BlockJson::from)))
        }
        None => {
            let mut snapshot = state.store().snapshot().await?;
            let rows = snapshot.balances(account, chain_id).await?;
            let at = block_at(&mut snapshot, state, chain_id).await?;
            snapshot.finish().await?;
            (rows, at)
        }
    };
    let balances = rows
        .into_iter()
        .filter(|r| state.is_configured(r.token.chain_id))
        .filter(|r| FUNGIBLE_KINDS.contains(&r.token.kind.as_str()))
        .map(|r| BalanceItem {
            chain_id: r.token.chain_id,
            token: checksum(&r.token.address),
            symbol: r.token.symbol,
            decimals: r.token.decimals,
            balance: r.balance.to_string(),
        })
        .collect();
    Ok(BalancesAnswer {
        address: checksum(&account),
        balances,
        at,
    })
}
