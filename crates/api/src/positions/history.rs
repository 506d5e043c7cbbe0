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

use std::collections::{BTreeSet, HashMap};

use alloy_primitives::{Address, U256};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};
use tributary_config::ContractKind;
use tributary_store::history::{LogRow, LogSelector};
use tributary_store::read::BlockRef;
use tributary_store::{Snapshot, Store, StoreError};
use tributary_types::{ChainId, StateKey, StateKind};

use super::load::{Resolved, StateAt, addresses};
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
    let resolved = resolve(store, catalog, chain_id).await?;
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
                let mut loader = Loader::at(
                    &state,
                    store,
                    catalog,
                    chain_id,
                    decimals.clone(),
                    resolved.clone(),
                );
                // A loader over a `StateAt` with every entry resolved never
                // waits: run it to completion here, synchronously (awaiting
                // it inside this loop trips rustc #102211 on `Send`).
                previous = match subject {
                    Subject::Account(a) => {
                        account_value(&ready(loader.account(a, end - 1).now_or_never())?)
                    }
                    Subject::Pool(p) => {
                        ready(loader.pool(p).now_or_never())?.map(|i| pool_value(&i, end - 1))
                    }
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

/// The result of a loader future that completed without waiting.
fn ready<T>(done: Option<Result<T, StoreError>>) -> Result<T, StoreError> {
    done.unwrap_or_else(|| {
        Err(StoreError::Corrupt {
            what: "history valuation waited on the store (an entry was not resolved)".into(),
        })
    })
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

/// Every address of every position entry of `chain_id`, by template.
async fn resolve(
    store: &Store,
    catalog: &Catalog,
    chain_id: ChainId,
) -> Result<Resolved, StoreError> {
    // Plain loops: iterator closures held across an await make the
    // handler's future not `Send` (a higher-ranked lifetime limitation).
    // Every template a loader reads, present even when empty, so a loader
    // over a `StateAt` never goes to the store.
    let mut out: Resolved = [
        ContractKind::UniswapV2Pair,
        ContractKind::CdpVault,
        ContractKind::VoteEscrow,
        ContractKind::Savings,
        ContractKind::StabilityPool,
        ContractKind::Erc4626,
        ContractKind::Rewards,
        ContractKind::Gauge,
        ContractKind::PriceFeed,
    ]
    .into_iter()
    .map(|k| (k, Vec::new()))
    .collect();
    for e in &catalog.entries {
        if e.chain_id != chain_id {
            continue;
        }
        let found = addresses(store, chain_id, e).await?;
        let list = out.entry(e.kind).or_default();
        for a in found {
            list.push((e.clone(), a));
        }
    }
    Ok(out)
}

/// Addresses of the entries of `kind`.
fn of(resolved: &Resolved, kind: ContractKind) -> Vec<Address> {
    resolved
        .get(&kind)
        .map(|v| v.iter().map(|(_, a)| *a).collect())
        .unwrap_or_default()
}

/// Reads the hourly rows of every selector.
async fn read(
    snap: &mut Snapshot,
    chain_id: ChainId,
    selectors: Vec<LogSelector>,
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

fn sel(
    kind: StateKind,
    scopes: &[Address],
    subjects: Option<Vec<alloy_primitives::B256>>,
) -> LogSelector {
    LogSelector {
        kind,
        scopes: scopes.to_vec(),
        subjects,
    }
}

/// Keys priced or weighed by every valuation: feeds and gauge controllers.
fn shared_selectors(resolved: &Resolved) -> Vec<LogSelector> {
    let feeds = of(resolved, ContractKind::PriceFeed);
    let gauges = of(resolved, ContractKind::Gauge);
    vec![
        sel(StateKind::Price, &feeds, None),
        sel(StateKind::GaugeWeight, &gauges, None),
        sel(StateKind::GaugeTotalWeight, &gauges, None),
        sel(StateKind::EmissionRate, &gauges, None),
    ]
}

/// Keys of one pair's pool state.
fn pair_selectors(pairs: &[Address]) -> Vec<LogSelector> {
    [
        StateKind::Supply,
        StateKind::Reserve0,
        StateKind::Reserve1,
        StateKind::PairToken0,
        StateKind::PairToken1,
    ]
    .into_iter()
    .map(|k| sel(k, pairs, None))
    .collect()
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
    let mut selectors = pair_selectors(&[pair]);
    selectors.extend(shared_selectors(resolved));
    let mut rows = read(snap, chain_id, selectors, from, end).await?;
    rows.sort_unstable_by_key(|r| (r.block_number, r.key));
    Ok(rows)
}

/// The rows an account's history reads: its own keys first, then the state
/// of the contracts it ever had a position in.
async fn account_rows(
    snap: &mut Snapshot,
    resolved: &Resolved,
    chain_id: ChainId,
    account: Address,
    from: u64,
    end: u64,
) -> Result<Vec<LogRow>, StoreError> {
    let me = Some(vec![account.into_word()]);
    let pairs = of(resolved, ContractKind::UniswapV2Pair);
    let shares = of(resolved, ContractKind::Erc4626);
    let vaults = of(resolved, ContractKind::CdpVault);
    let mut rows = read(
        snap,
        chain_id,
        vec![
            sel(StateKind::Balance, &pairs, me.clone()),
            sel(StateKind::Balance, &shares, me.clone()),
            sel(StateKind::VaultDebt, &vaults, me.clone()),
            sel(
                StateKind::SavingsPrincipal,
                &of(resolved, ContractKind::Savings),
                me.clone(),
            ),
            sel(
                StateKind::SavingsInterest,
                &of(resolved, ContractKind::Savings),
                me.clone(),
            ),
            sel(
                StateKind::StabilityDeposit,
                &of(resolved, ContractKind::StabilityPool),
                me.clone(),
            ),
            sel(
                StateKind::PendingRewards,
                &of(resolved, ContractKind::Rewards),
                me,
            ),
            sel(StateKind::VaultCollateralToken, &vaults, None),
            sel(StateKind::VaultThreshold, &vaults, None),
            sel(StateKind::Supply, &shares, None),
            sel(StateKind::TotalAssets, &shares, None),
        ],
        from,
        end,
    )
    .await?;
    let held: BTreeSet<Address> = rows
        .iter()
        .filter(|r| r.key.kind == StateKind::Balance && pairs.contains(&r.key.scope))
        .map(|r| r.key.scope)
        .collect();
    let held: Vec<Address> = held.into_iter().collect();
    let mut selectors = pair_selectors(&held);
    selectors.extend(shared_selectors(resolved));
    // Collateral keys name (collateral, account): one per collateral a vault has seen.
    for vault in &vaults {
        let subjects = rows
            .iter()
            .filter(|r| r.key.kind == StateKind::VaultCollateralToken && r.key.scope == *vault)
            .map(|r| {
                StateKey::paired(
                    StateKind::VaultCollateral,
                    *vault,
                    r.key.subject_address(),
                    account,
                )
                .subject
            })
            .collect::<BTreeSet<_>>();
        selectors.push(sel(
            StateKind::VaultCollateral,
            &[*vault],
            Some(subjects.into_iter().collect()),
        ));
    }
    for escrow in of(resolved, ContractKind::VoteEscrow) {
        let ids: Vec<_> = snap
            .log_owned_ids(chain_id, escrow, account, end)
            .await?
            .into_iter()
            .map(|id: U256| StateKey::id(StateKind::NftOwner, escrow, id).subject)
            .collect();
        for kind in [
            StateKind::NftOwner,
            StateKind::LockAmount,
            StateKind::LockEnd,
        ] {
            selectors.push(sel(kind, &[escrow], Some(ids.clone())));
        }
    }
    rows.extend(read(snap, chain_id, selectors, from, end).await?);
    rows.sort_unstable_by_key(|r| (r.block_number, r.key));
    Ok(rows)
}
