//! The OpenAPI 3 description of the API, served at `/openapi.json`.
//!
//! Query parameters are parsed by hand in [`crate::params`]; the structs here
//! only describe them, and a test keeps both lists of names equal.

use axum::Json;
use utoipa::{IntoParams, OpenApi};

use crate::model::ErrorBody;
use crate::routes;

/// Query parameters of `/v1/events` (described here, parsed in `params`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "describes the parameters; params.rs parses them")]
pub(crate) struct EventsQuery {
    /// Chain: a config name or a decimal chain id.
    chain: Option<String>,
    /// Contract config name.
    contract: Option<String>,
    /// Event name.
    event: Option<String>,
    /// Emitting contract address, any case.
    address: Option<String>,
    /// Lowest block, inclusive.
    from_block: Option<u64>,
    /// Highest block, inclusive; not below `from_block`.
    to_block: Option<u64>,
    /// Page size, 1 to 1000.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<u32>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
}

/// Query parameters of `/v1/accounts/{address}/balances`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "describes the parameters; params.rs parses them")]
pub(crate) struct BalancesQuery {
    /// Only this chain: a config name or a decimal chain id.
    chain: Option<String>,
}

/// Query parameters of `/v1/tokens/{address}/holders`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "describes the parameters; params.rs parses them")]
pub(crate) struct HoldersQuery {
    /// Chain of the token: a config name or a decimal chain id; required
    /// when the address is tracked on several chains.
    chain: Option<String>,
    /// Page size, 1 to 1000.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<u32>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
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
        openapi_json,
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "status", description = "Indexing progress"),
        (name = "events", description = "Raw decoded events"),
        (name = "accounts", description = "Per-account reads"),
        (name = "tokens", description = "Per-token reads"),
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
    use crate::params::{BalancesParams, EventsParams, FromQuery, HoldersParams};

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
    }
}
