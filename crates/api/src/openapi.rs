//! The OpenAPI 3 description of the API, served at `/openapi.json`.
//!
//! Query parameters are parsed by hand in [`crate::params`]; the structs here
//! only describe them, and a test keeps both lists of names equal.

use axum::Json;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{IntoParams, Modify, OpenApi};

use crate::live::message::{ClientMessage, PushMessage, TopicRequest, UnsubscribeRequest};
use crate::model::ErrorBody;
use crate::routes;

/// Query parameters of `/v1/events` (described here, parsed in `params`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "describes the parameters; params.rs parses them")]
pub(crate) struct EventsQuery {
    /// Chain: a config name or a decimal chain id.
    #[param(min_length = 1)]
    chain: Option<String>,
    /// Contract config name.
    #[param(min_length = 1)]
    contract: Option<String>,
    /// Event name.
    #[param(min_length = 1)]
    event: Option<String>,
    /// Emitting contract address, any case.
    #[param(pattern = r"^0[xX][0-9a-fA-F]{40}$")]
    address: Option<String>,
    /// Lowest block, inclusive.
    #[param(minimum = 0, maximum = 9_223_372_036_854_775_807_u64)]
    from_block: Option<u64>,
    /// Highest block, inclusive; not below `from_block`.
    #[param(minimum = 0, maximum = 9_223_372_036_854_775_807_u64)]
    to_block: Option<u64>,
    /// Page size, 1 to 1000.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<u32>,
    /// The `next` cursor of the previous page (opaque; only cursors this
    /// endpoint issued are accepted).
    #[param(min_length = 1)]
    after: Option<String>,
}

/// Query parameters of `/v1/accounts/{address}/balances`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "describes the parameters; params.rs parses them")]
pub(crate) struct BalancesQuery {
    /// Only this chain: a config name or a decimal chain id.
    #[param(min_length = 1)]
    chain: Option<String>,
}

/// Query parameters of `/v1/tokens/{address}/holders`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "describes the parameters; params.rs parses them")]
pub(crate) struct HoldersQuery {
    /// Chain of the token: a config name or a decimal chain id; required
    /// when the address is tracked on several chains.
    #[param(min_length = 1)]
    chain: Option<String>,
    /// Page size, 1 to 1000.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<u32>,
    /// The `next` cursor of the previous page (opaque; only cursors this
    /// endpoint issued are accepted).
    #[param(min_length = 1)]
    after: Option<String>,
}

/// Query parameters of `/v1/sse`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "describes the parameters; params.rs parses them")]
pub(crate) struct SseQuery {
    /// Comma-separated topics: `blocks`, `account:<address>`, `events:<contract config name>`.
    #[param(
        example = "blocks,account:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        min_length = 1
    )]
    topics: String,
}

/// Adds the answers any endpoint may give: `429` from the rate limiter and
/// `503` when the request times out or the database is unavailable.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        let limited = {
            let mut r =
                error("Too many requests from this client; retry after `Retry-After` seconds");
            r.headers.insert(
                "Retry-After".to_string(),
                HeaderBuilder::new()
                    .schema(
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(1)),
                    )
                    .description(Some("Seconds to wait before retrying"))
                    .build(),
            );
            r
        };
        for (path, item) in doc.paths.paths.iter_mut() {
            let Some(op) = item.get.as_mut() else {
                continue;
            };
            let responses = &mut op.responses.responses;
            if !crate::ratelimit::EXEMPT.contains(&path.as_str()) {
                responses
                    .entry("429".to_string())
                    .or_insert_with(|| RefOr::T(limited.clone()));
            }
            responses.entry("503".to_string()).or_insert_with(|| {
                RefOr::T(error(
                    "The request timed out or the database is unavailable",
                ))
            });
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tributary",
        description = "Indexed on-chain data: events, balances, holders and indexing status. \
            Amounts are decimal strings, addresses EIP-55; every read names the block it reflects; \
            errors are {\"error\": {\"code\", \"message\"}}."
    ),
    paths(
        routes::status::status,
        routes::events::events,
        routes::balances::balances,
        routes::holders::holders,
        routes::health::healthz,
        routes::health::readyz,
        routes::health::metrics,
        routes::ws::ws,
        routes::sse::sse,
        routes::positions::portfolio,
        routes::positions::nfts,
        routes::positions::account_history,
        routes::positions::pool,
        routes::positions::pool_history,
        openapi_json,
    ),
    components(schemas(ErrorBody, PushMessage, ClientMessage, TopicRequest, UnsubscribeRequest)),
    modifiers(&CommonResponses),
    tags(
        (name = "status", description = "Indexing progress"),
        (name = "events", description = "Raw decoded events"),
        (name = "accounts", description = "Per-account reads"),
        (name = "tokens", description = "Per-token reads"),
        (name = "positions", description = "DeFi positions: portfolio, NFTs, pools, history"),
        (name = "live", description = "Pushes of new blocks, account changes, events and reorgs"),
        (name = "operations", description = "Health, readiness, metrics, this document"),
    )
)]
struct ApiDoc;

/// The OpenAPI document of every route this crate serves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// This OpenAPI document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3 document", content_type = "application/json"))
)]
pub(crate) async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::path::ParameterIn;

    use super::*;
    use crate::params::{BalancesParams, EventsParams, FromQuery, HoldersParams, SseParams};

    fn names<P: IntoParams>() -> Vec<String> {
        let mut names: Vec<String> = P::into_params(|| Some(ParameterIn::Query))
            .into_iter()
            .map(|p| p.name)
            .collect();
        names.sort();
        names
    }

    fn accepted<T: FromQuery>() -> Vec<String> {
        let mut names: Vec<String> = T::ACCEPTED.iter().map(|s| s.to_string()).collect();
        names.sort();
        names
    }

    #[test]
    fn described_parameters_are_the_parsed_ones() {
        assert_eq!(names::<EventsQuery>(), accepted::<EventsParams>());
        assert_eq!(names::<BalancesQuery>(), accepted::<BalancesParams>());
        assert_eq!(names::<HoldersQuery>(), accepted::<HoldersParams>());
        assert_eq!(names::<SseQuery>(), accepted::<SseParams>());
        assert_eq!(
            names::<crate::routes::positions::NftsQuery>(),
            accepted::<crate::params::NftsParams>()
        );
        assert_eq!(
            names::<crate::routes::positions::HistoryQuery>(),
            accepted::<crate::params::HistoryParams>()
        );
    }
}
