//! Position reads shared by the portfolio, pool and history endpoints and by
//! `tributary verify`: which contracts hold positions ([`Catalog`]) and how
//! their state becomes `tributary-portfolio` inputs ([`Loader`]).

mod catalog;
mod history;
mod load;

pub use catalog::{Catalog, CatalogEntry, PRICE_DECIMALS};
pub use history::{BUCKET_SECONDS, HistoryRecorder};
pub use load::{Loader, addresses};
