//! DeFi position routes: portfolio, NFTs, history and pools.
//!
//! Kept behind one [`router`] so the rest of the API does not change as the
//! position endpoints grow.

use axum::Router;

use crate::state::AppState;

/// Every position route.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
}
