//! Position reads shared by the portfolio, pool and history endpoints and by
//! `tributary verify`: which contracts hold positions ([`Catalog`]) and how
//! their state becomes `tributary-portfolio` inputs ([`Loader`]).

mod catalog;
mod history;
mod keys;
mod load;
mod now;

pub use catalog::{Catalog, CatalogEntry, PRICE_DECIMALS};
pub use history::{BUCKET_SECONDS, Subject, account_value, bucket, history, point, pool_value};
pub use load::{Context, Loader, Resolved, StateAt, addresses};
pub use now::{Collaterals, Now, account_now, pool_now};
/// The pure valuation the position answers use (tests value chain reads with it).
pub use tributary_portfolio as portfolio;
