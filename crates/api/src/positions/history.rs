//! Hourly history of portfolios and pools, computed on request from the
//! state change log (see `tributary_store::history`).
//!
//! For each hour bucket of the window the log gives the state of the keys a
//! valuation reads as of the end of that hour; the same [`Loader`] and the
//! same pure valuation as the live answers turn it into a point. Complete
//! hours come from the log only, so they are the same whatever batches
//! indexed them and after a `rebuild`; the current hour's point is the live
//! answer at the indexed block. Hours before the subject's first logged
//! value, and account hours without any position, have no point.

use std::collections::HashMap;

use alloy_primitives::{Address, U256};
use futures::future::BoxFuture;
use serde_json::{Value, json};
use tributary_config::ContractKind;
use tributary_store::history::LogRow;
use tributary_store::positions::KeySelector;
use tributary_store::read::BlockRef;
use tributary_store::{Snapshot, Store, StoreError};
use tributary_types::{ChainId, StateKind};

use super::keys;
use super::load::{Context, Resolved, StateAt};
use super::{Catalog, Loader};

pub use tributary_store::history::BUCKET_SECONDS;

/// What a history is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// An account's portfolio totals.
    Account(Address),
    /// A pair's TVL and APR.
    Pool(Address),
}

/// Hourly points of `subject` for the complete hours of the `window`
/// seconds (a whole number of hours) that ends with the hour of `block` (the
/// indexed block a caller valued the current hour's point at), oldest first:
/// at most `window / 3600 - 1` points, from the log alone.
///
/// Boxed as `Send` here, where its lifetimes are named: awaited unboxed in
/// a handler, rustc cannot prove the future `Send` (rust-lang/rust#102211).
pub fn history<'a>(
    store: &'a Store,
    catalog: &'a Catalog,
    chain_id: ChainId,
    subject: Subject,
    window: u64,
    block: BlockRef,
) -> BoxFuture<'a, Result<Vec<Value>, StoreError>> {
    Box::pin(history_inner(
        store, catalog, chain_id, subject, window, block,
    ))
}

async fn history_inner(
    store: &Store,
    catalog: &Catalog,
    chain_id: ChainId,
    subject: Subject,
    window: u64,
    block: BlockRef,
) -> Result<Vec<Value>, StoreError> {
    let resolved = keys::resolve(store, catalog, chain_id).await?;
    let now = bucket(block.timestamp);
    let from = now.saturating_sub(window.saturating_sub(BUCKET_SECONDS));
    let mut snap = store.snapshot().await?;
    let rows = match subject {
        Subject::Account(a) => account_rows(&mut snap, &resolved, chain_id, a, from, now).await?,
        Subject::Pool(p) => pool_rows(&mut snap, &resolved, chain_id, p, from, now).await?,
    };
    let decimals: HashMap<Address, u8> = snap
        .tokens(Some(chain_id), None)
        .await?
        .into_iter()
        .filter_map(|t| Some((t.address, t.decimals?)))
        .collect();
    snap.finish().await?;
    let context = Context { decimals, resolved };

    let mut points = Vec::new();
    let mut state = StateAt::default();
    let mut rows = rows.into_iter().peekable();
    let mut last_block = None;
    let mut previous: Option<Value> = None;
    let mut valued = false;
    let mut hour = from;
    // Rows before the window set the state it starts from.
    while let Some(r) = rows.next_if(|r| r.block_timestamp < from) {
        state.set(r.key, r.value);
        last_block = Some(r.block_number);
    }
    while hour < now {
        let end = hour + BUCKET_SECONDS;
        let mut changed = !valued;
        while let Some(r) = rows.next_if(|r| r.block_timestamp < end) {
            state.set(r.key, r.value);
            last_block = Some(r.block_number);
            changed = true;
        }
        if let Some(b) = last_block {
            // Locks are judged at the hour's end; nothing a point holds
            // depends on time otherwise, so an unchanged hour repeats the last.
            if changed {
                let mut loader = Loader::new(&state, catalog, chain_id, &context);
                previous = match subject {
                    Subject::Account(a) => account_value(&loader.account(a, end - 1)),
                    Subject::Pool(p) => loader.pool(p).map(|i| pool_value(&i, end - 1)),
                };
                valued = true;
            }
            if let Some(data) = &previous {
                points.push(point(hour, b, data));
            }
        }
        hour = end;
    }
    Ok(points)
}

/// A point: its hour, the block it reflects, and the values.
pub fn point(hour: u64, block: u64, data: &Value) -> Value {
    let mut p = json!({"timestamp": hour, "block_number": block});
    if let (Some(obj), Value::Object(data)) = (p.as_object_mut(), data) {
        obj.extend(data.clone());
    }
    p
}

/// The values of an account's point (`None`: no position).
pub fn account_value(positions: &tributary_portfolio::AccountPositions) -> Option<Value> {
    if positions.lp.is_empty()
        && positions.vaults.is_empty()
        && positions.locks.is_empty()
        && positions.savings.is_empty()
        && positions.stability.is_empty()
        && positions.erc4626.is_empty()
        && positions.rewards.is_empty()
    {
        return None;
    }
    Some(account_point(&tributary_portfolio::value(positions)))
}

/// The values of a pool's point at block time `timestamp`.
pub fn pool_value(input: &tributary_portfolio::PoolInput, timestamp: u64) -> Value {
    let pool = tributary_portfolio::pool(input, timestamp);
    json!({"tvl_usd": pool.tvl_usd, "apr": pool.apr})
}

/// The history point of a portfolio: its totals and its lowest health factor.
fn account_point(p: &tributary_portfolio::Portfolio) -> Value {
    let health_factor = p
        .vault_positions
        .iter()
        .filter_map(|v| v.health_factor)
        .reduce(f64::min);
    json!({
        "net_worth_usd": p.totals.net_worth_usd,
        "lp_value_usd": p.totals.lp_value_usd,
        "collateral_value_usd": p.totals.collateral_value_usd,
        "debt_usd": p.totals.debt_usd,
        "locked_value_usd": p.totals.locked_value_usd,
        "health_factor": health_factor,
    })
}

/// The start of the hour holding `t`.
pub fn bucket(t: u64) -> u64 {
    t - t % BUCKET_SECONDS
}

/// Reads the hourly rows of every selector.
async fn read(
    snap: &mut Snapshot,
    chain_id: ChainId,
    selectors: Vec<KeySelector>,
    from: u64,
    end: u64,
) -> Result<Vec<LogRow>, StoreError> {
    let mut rows = Vec::new();
    for s in selectors {
        if s.scopes.is_empty() || s.subjects.as_ref().is_some_and(|v| v.is_empty()) {
            continue;
        }
        rows.extend(snap.log_hourly(chain_id, &s, from, end).await?);
    }
    Ok(rows)
}

/// The rows a pool's history reads.
async fn pool_rows(
    snap: &mut Snapshot,
    resolved: &Resolved,
    chain_id: ChainId,
    pair: Address,
    from: u64,
    end: u64,
) -> Result<Vec<LogRow>, StoreError> {
    let mut rows = read(snap, chain_id, keys::pool(resolved, pair), from, end).await?;
    rows.sort_unstable_by_key(|r| (r.block_number, r.key));
    Ok(rows)
}

/// The rows an account's history reads: its own keys and the contracts'
/// shared state first, then the pairs, collateral and locks it ever had.
async fn account_rows(
    snap: &mut Snapshot,
    resolved: &Resolved,
    chain_id: ChainId,
    account: Address,
    from: u64,
    end: u64,
) -> Result<Vec<LogRow>, StoreError> {
    let first = keys::account_first(resolved, account);
    let mut rows = read(snap, chain_id, first, from, end).await?;
    let mut owned = Vec::new();
    for escrow in keys::of(resolved, ContractKind::VoteEscrow) {
        let ids: Vec<U256> = snap.log_owned_ids(chain_id, escrow, account, end).await?;
        owned.push((escrow, ids));
    }
    let mut second = keys::account_second(resolved, account, rows.iter().map(|r| &r.key), &owned);
    // Which hours each lock was the account's.
    for (escrow, ids) in &owned {
        let subjects = ids
            .iter()
            .map(|id| alloy_primitives::B256::from(*id))
            .collect();
        second.push(keys::sel(StateKind::NftOwner, &[*escrow], Some(subjects)));
    }
    rows.extend(read(snap, chain_id, second, from, end).await?);
    rows.sort_unstable_by_key(|r| (r.block_number, r.key));
    Ok(rows)
}
