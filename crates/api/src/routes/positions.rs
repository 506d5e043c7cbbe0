//! DeFi position routes: the portfolio of an account and the state of a pool.
//!
//! Kept behind one [`router`] so the rest of the API does not change as the
//! position endpoints grow. Every answer is read in one snapshot and names
//! the block it reflects.

use alloy_primitives::Address;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tributary_portfolio::{PoolState, Portfolio};
use tributary_types::ChainId;

use crate::cursor;
use crate::error::ApiError;
use crate::model::{BlockAt, BlockJson, checksum};
use crate::params::{AddressPath, BalancesParams, HistoryParams, NftsParams, Query};
use crate::positions::{self, Loader, Subject, addresses};
use crate::routes::{block_at, split_page};
use crate::state::AppState;
use futures::future::BoxFuture;
use tributary_config::ContractKind;
use tributary_store::read::BlockRef;

/// Every position route.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/accounts/{address}/portfolio", get(portfolio))
        .route("/v1/pools/{address}", get(pool))
        .route("/v1/accounts/{address}/nfts", get(nfts))
        .route("/v1/accounts/{address}/history", get(account_history))
        .route("/v1/pools/{address}/history", get(pool_history))
}

/// `GET /v1/accounts/{address}/portfolio`.
#[derive(Debug, Serialize)]
pub struct PortfolioAnswer {
    /// The account, EIP-55.
    pub address: String,
    /// The block the answer reflects.
    pub block: Option<BlockJson>,
    /// Positions, totals and alerts.
    #[serde(flatten)]
    pub portfolio: Portfolio,
}

/// `GET /v1/pools/{address}`.
#[derive(Debug, Serialize)]
pub struct PoolAnswer {
    /// The block the answer reflects.
    pub block: Option<BlockJson>,
    /// Reserves, supply, TVL and APR.
    #[serde(flatten)]
    pub pool: PoolState,
}

/// Every position the account holds on one chain, valued, with totals and
/// risk alerts. `?chain=` picks the chain; by default the first configured
/// chain with position contracts.
#[utoipa::path(
    get,
    path = "/v1/accounts/{address}/portfolio",
    tag = "positions",
    params(
        ("address" = String, Path, description = "Address, any case"),
        crate::openapi::BalancesQuery,
    ),
    responses(
        (status = 200, description = "Every position with totals and risk alerts (PRODUCT.md portfolio shape)", body = Object),
        (status = 400, description = "Malformed address or parameter", body = crate::model::ErrorBody),
        (status = 404, description = "Unknown chain", body = crate::model::ErrorBody),
    )
)]
pub(crate) async fn portfolio(
    State(state): State<AppState>,
    AddressPath(account): AddressPath,
    Query(p): Query<BalancesParams>,
) -> Result<Json<PortfolioAnswer>, ApiError> {
    let chain_id = positions_chain(&state, p.chain.as_deref())?;
    load_portfolio(&state, chain_id, account).await.map(Json)
}

/// The portfolio answer of `account` on `chain_id`, read in one snapshot.
pub async fn load_portfolio(
    state: &AppState,
    chain_id: ChainId,
    account: Address,
) -> Result<PortfolioAnswer, ApiError> {
    let catalog = &state.config().positions;
    let now = positions::account_now(
        state.store(),
        catalog,
        state.collaterals(),
        chain_id,
        account,
    )
    .await?;
    let block = now.block;
    let timestamp = block.map_or(0, |b| b.timestamp);
    let positions =
        Loader::new(&now.state, catalog, chain_id, &now.context).account(account, timestamp);
    Ok(PortfolioAnswer {
        address: checksum(&account),
        block: block.map(BlockJson::from),
        portfolio: tributary_portfolio::value(&positions),
    })
}

/// A pair's reserves, LP supply, TVL and APR from its gauge's emissions.
#[utoipa::path(
    get,
    path = "/v1/pools/{address}",
    tag = "positions",
    params(
        ("address" = String, Path, description = "Address, any case"),
        crate::openapi::BalancesQuery,
    ),
    responses(
        (status = 200, description = "Reserves, LP supply, TVL and APR of a pair", body = Object),
        (status = 400, description = "Malformed address or parameter", body = crate::model::ErrorBody),
        (status = 404, description = "Unknown chain, or not a tracked pair", body = crate::model::ErrorBody),
    )
)]
pub(crate) async fn pool(
    State(state): State<AppState>,
    AddressPath(pair): AddressPath,
    Query(p): Query<BalancesParams>,
) -> Result<Json<PoolAnswer>, ApiError> {
    let chain_id = positions_chain(&state, p.chain.as_deref())?;
    let catalog = &state.config().positions;
    let now = positions::pool_now(state.store(), catalog, chain_id, pair).await?;
    let block = now.block;
    let timestamp = block.map_or(0, |b| b.timestamp);
    let input = Loader::new(&now.state, catalog, chain_id, &now.context).pool(pair);
    let Some(input) = input else {
        return Err(ApiError::UnknownToken {
            token: checksum(&pair),
            chain_id: Some(chain_id),
        });
    };
    Ok(Json(PoolAnswer {
        block: block.map(BlockJson::from),
        pool: tributary_portfolio::pool(&input, timestamp),
    }))
}

/// The chain `?chain=` names, or the first with position contracts.
fn positions_chain(state: &AppState, chain: Option<&str>) -> Result<ChainId, ApiError> {
    if let Some(c) = chain {
        return Ok(state.resolve_chain(c)?.chain_id);
    }
    let chains = &state.config().chains;
    chains
        .iter()
        .find(|c| state.config().positions.has_positions(c.chain_id))
        .or_else(|| chains.first())
        .map(|c| c.chain_id)
        .ok_or_else(|| state.resolve_chain("").unwrap_err())
}

/// `GET /v1/accounts/{address}/nfts`.
#[derive(Debug, Serialize)]
pub struct NftsPage {
    /// NFTs by (chain, collection, token id).
    pub items: Vec<NftItem>,
    /// Cursor of the next page, or null on the last one.
    pub next: Option<String>,
    /// The block(s) the page reflects.
    #[serde(flatten)]
    pub at: BlockAt,
}

/// One NFT.
#[derive(Debug, Serialize)]
pub struct NftItem {
    /// Chain id.
    pub chain_id: ChainId,
    /// Collection, EIP-55.
    pub collection: String,
    /// Token id, decimal string.
    pub token_id: String,
}

/// Every NFT the account owns in the tracked `erc721` and `vote_escrow`
/// collections (or in `?collection=` only), paged.
#[utoipa::path(
    get,
    path = "/v1/accounts/{address}/nfts",
    tag = "positions",
    params(
        ("address" = String, Path, description = "Address, any case"),
        NftsQuery,
    ),
    responses(
        (status = 200, description = "One page of NFTs: items {chain_id, collection, token_id}, next, block", body = Object),
        (status = 400, description = "Malformed address or parameter", body = crate::model::ErrorBody),
        (status = 404, description = "Unknown collection", body = crate::model::ErrorBody),
    )
)]
pub(crate) async fn nfts(
    State(state): State<AppState>,
    AddressPath(owner): AddressPath,
    Query(p): Query<NftsParams>,
) -> Result<Json<NftsPage>, ApiError> {
    let catalog = &state.config().positions;
    let mut collections = Vec::new();
    for e in catalog.entries.iter().filter(|e| {
        matches!(e.kind, ContractKind::Erc721 | ContractKind::VoteEscrow)
            && state.is_configured(e.chain_id)
    }) {
        for a in addresses(state.store(), e.chain_id, e).await? {
            if p.collection.is_none_or(|c| c == a) {
                collections.push((e.chain_id, a));
            }
        }
    }
    if let Some(c) = p.collection
        && collections.is_empty()
    {
        return Err(ApiError::UnknownToken {
            token: checksum(&c),
            chain_id: None,
        });
    }
    let after =
        p.after.map(
            |(chain_id, collection, token_id)| tributary_store::positions::NftRow {
                chain_id,
                collection,
                token_id,
            },
        );
    let chain = match collections.as_slice() {
        [(only, _)] => Some(*only),
        _ => None,
    };
    let mut snap = state.store().snapshot().await?;
    let mut rows = snap.nfts(owner, &collections, after, p.limit + 1).await?;
    let at = block_at(&mut snap, &state, chain).await?;
    snap.finish().await?;
    let next = split_page(&mut rows, p.limit)
        .map(|last| cursor::encode_nfts(last.chain_id, last.collection, last.token_id));
    Ok(Json(NftsPage {
        items: rows
            .into_iter()
            .map(|r| NftItem {
                chain_id: r.chain_id,
                collection: checksum(&r.collection),
                token_id: r.token_id.to_string(),
            })
            .collect(),
        next,
        at,
    }))
}

/// `GET /v1/accounts/{address}/history` and `GET /v1/pools/{address}/history`.
#[derive(Debug, Serialize)]
pub struct HistoryAnswer {
    /// The account or pool, EIP-55.
    pub address: String,
    /// The window asked for.
    pub timeframe: &'static str,
    /// Hourly points, oldest first: `timestamp` (start of the hour),
    /// `block_number` (the newest block whose changes the point reflects:
    /// the indexed block for the current hour) and the values as of the
    /// end of that hour. Hours before the subject's first logged value, and
    /// account hours without any position, have no point.
    pub points: Vec<serde_json::Value>,
    /// The block the answer reflects.
    pub block: Option<BlockJson>,
}

/// Net worth, LP value, collateral, debt and health factor of an account,
/// hour by hour.
#[utoipa::path(
    get,
    path = "/v1/accounts/{address}/history",
    tag = "positions",
    params(
        ("address" = String, Path, description = "Address, any case"),
        HistoryQuery,
    ),
    responses(
        (status = 200, description = "Hourly points: timestamp, block_number, net_worth_usd, lp_value_usd, collateral_value_usd, debt_usd, locked_value_usd, health_factor", body = Object),
        (status = 400, description = "Malformed address or parameter", body = crate::model::ErrorBody),
        (status = 404, description = "Unknown chain", body = crate::model::ErrorBody),
    )
)]
pub(crate) async fn account_history(
    State(state): State<AppState>,
    AddressPath(account): AddressPath,
    Query(p): Query<HistoryParams>,
) -> Result<Json<HistoryAnswer>, ApiError> {
    history(&state, Subject::Account(account), p)
        .await
        .map(Json)
}

/// TVL and APR of a pool, hour by hour.
#[utoipa::path(
    get,
    path = "/v1/pools/{address}/history",
    tag = "positions",
    params(
        ("address" = String, Path, description = "Address, any case"),
        HistoryQuery,
    ),
    responses(
        (status = 200, description = "Hourly points: timestamp, block_number, tvl_usd, apr", body = Object),
        (status = 400, description = "Malformed address or parameter", body = crate::model::ErrorBody),
        (status = 404, description = "Unknown chain", body = crate::model::ErrorBody),
    )
)]
pub(crate) async fn pool_history(
    State(state): State<AppState>,
    AddressPath(pool): AddressPath,
    Query(p): Query<HistoryParams>,
) -> Result<Json<HistoryAnswer>, ApiError> {
    history(&state, Subject::Pool(pool), p).await.map(Json)
}

/// Hourly points of `subject`, computed from the state change log.
async fn history(
    state: &AppState,
    subject: Subject,
    p: HistoryParams,
) -> Result<HistoryAnswer, ApiError> {
    let chain_id = positions_chain(state, p.chain.as_deref())?;
    let (window, name) = p.timeframe;
    // The current hour's point is the live answer, read first; complete
    // hours come from the log, up to that answer's hour.
    let (block, live) = live_point(state, chain_id, subject).await?;
    let mut points = Vec::new();
    if let Some(b) = block {
        points = positions::history(
            state.store(),
            &state.config().positions,
            chain_id,
            subject,
            window,
            b,
        )
        .await?;
        if let Some(data) = &live {
            points.push(positions::point(
                positions::bucket(b.timestamp),
                b.number,
                data,
            ));
        }
    }
    let address = match subject {
        Subject::Account(a) | Subject::Pool(a) => a,
    };
    Ok(HistoryAnswer {
        address: checksum(&address),
        timeframe: name,
        points,
        block: block.map(BlockJson::from),
    })
}

/// The indexed block and the subject's values there (`None`: no position).
type LivePoint = (Option<BlockRef>, Option<serde_json::Value>);

/// The indexed block and the subject's values there, in one snapshot.
/// Boxed as `Send` where its lifetimes are named (rust-lang/rust#102211).
fn live_point(
    state: &AppState,
    chain_id: ChainId,
    subject: Subject,
) -> BoxFuture<'_, Result<LivePoint, ApiError>> {
    Box::pin(async move {
        let catalog = &state.config().positions;
        let store = state.store();
        let now = match subject {
            Subject::Account(a) => {
                positions::account_now(store, catalog, state.collaterals(), chain_id, a).await?
            }
            Subject::Pool(p) => positions::pool_now(store, catalog, chain_id, p).await?,
        };
        let block = now.block;
        let timestamp = block.map_or(0, |b| b.timestamp);
        let mut loader = Loader::new(&now.state, catalog, chain_id, &now.context);
        let live = match subject {
            Subject::Account(a) => positions::account_value(&loader.account(a, timestamp)),
            Subject::Pool(p) => loader.pool(p).map(|i| positions::pool_value(&i, timestamp)),
        };
        Ok((block, live))
    })
}

/// Query parameters of `/v1/accounts/{address}/nfts` (parsed in `params`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "describes the parameters; params.rs parses them")]
pub(crate) struct NftsQuery {
    /// Only this collection (an `erc721` or `vote_escrow` contract), any case.
    #[param(pattern = r"^0[xX][0-9a-fA-F]{40}$")]
    collection: Option<String>,
    /// Page size, 1 to 1000.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<u32>,
    /// The `next` cursor of the previous page.
    #[param(min_length = 1)]
    after: Option<String>,
}

/// Query parameters of the history endpoints (parsed in `params`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "describes the parameters; params.rs parses them")]
pub(crate) struct HistoryQuery {
    /// Chain: a config name or a decimal chain id.
    #[param(min_length = 1)]
    chain: Option<String>,
    /// Window: 1d, 7d (default), 30d, 90d or 1y.
    #[param(pattern = "^(1d|7d|30d|90d|1y)$")]
    timeframe: Option<String>,
}
