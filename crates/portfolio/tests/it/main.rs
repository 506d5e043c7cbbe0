//! Integration tests of tributary-portfolio: one binary, one module per rule.

mod common;
mod deposits;
mod hf_prop;
mod lock;
mod lp;
mod pool;
mod snapshot;
mod totals;
mod usd;
mod vault;
