//! Which state keys valuing an account or a pool reads. A live answer reads
//! them from the current state, history from the state change log; naming
//! them once keeps the two in step.
//!
//! An account takes two rounds: first its own keys, the contracts' shared
//! state (prices, gauges, vault collateral lists) and, live, the ids of its
//! locks; then what the first names: the pairs it holds, its collateral
//! keys and its locks.

use std::collections::BTreeSet;

use alloy_primitives::{Address, B256, U256};
use tributary_config::ContractKind;
use tributary_store::positions::KeySelector;
use tributary_store::{Store, StoreError};
use tributary_types::{ChainId, StateKey, StateKind};

use super::Catalog;
use super::load::{Resolved, addresses};

/// Every address of every position entry of `chain_id`, by template.
pub async fn resolve(
    store: &Store,
    catalog: &Catalog,
    chain_id: ChainId,
) -> Result<Resolved, StoreError> {
    // Plain loops: iterator closures held across an await make the
    // handler's future not `Send` (a higher-ranked lifetime limitation).
    // Every template a loader reads, present even when empty.
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
pub fn of(resolved: &Resolved, kind: ContractKind) -> Vec<Address> {
    resolved
        .get(&kind)
        .map(|v| v.iter().map(|(_, a)| *a).collect())
        .unwrap_or_default()
}

/// Keys of `kind` in `scopes`, of `subjects` or all.
pub fn sel(kind: StateKind, scopes: &[Address], subjects: Option<Vec<B256>>) -> KeySelector {
    KeySelector {
        kind,
        scopes: scopes.to_vec(),
        subjects,
    }
}

/// Keys priced or weighed by every valuation: feeds and gauge controllers.
fn shared(resolved: &Resolved) -> Vec<KeySelector> {
    let feeds = of(resolved, ContractKind::PriceFeed);
    let gauges = of(resolved, ContractKind::Gauge);
    vec![
        sel(StateKind::Price, &feeds, None),
        sel(StateKind::GaugeWeight, &gauges, None),
        sel(StateKind::GaugeTotalWeight, &gauges, None),
        sel(StateKind::EmissionRate, &gauges, None),
    ]
}

/// Kinds of a pair's pool state.
pub const PAIR_KINDS: [StateKind; 5] = [
    StateKind::Supply,
    StateKind::Reserve0,
    StateKind::Reserve1,
    StateKind::PairToken0,
    StateKind::PairToken1,
];

/// Keys of pairs' pool state.
fn pairs(pairs: &[Address]) -> Vec<KeySelector> {
    PAIR_KINDS
        .into_iter()
        .map(|k| sel(k, pairs, None))
        .collect()
}

/// `account`'s collateral keys in `vault`, one per collateral of `list`.
pub fn collateral<'a>(
    vault: Address,
    list: impl IntoIterator<Item = &'a Address>,
    account: Address,
) -> KeySelector {
    let subjects = list
        .into_iter()
        .map(|c| StateKey::paired(StateKind::VaultCollateral, vault, *c, account).subject)
        .collect();
    sel(StateKind::VaultCollateral, &[vault], Some(subjects))
}

/// Every key valuing pool `pair` reads.
pub fn pool(resolved: &Resolved, pair: Address) -> Vec<KeySelector> {
    let mut out = pairs(&[pair]);
    out.extend(shared(resolved));
    out
}

/// The first round of an account's keys: its own ([`own`]), and the shared
/// state of the contracts it could hold a position in ([`contracts`]).
pub fn account_first(resolved: &Resolved, account: Address) -> Vec<KeySelector> {
    let mut out = own(resolved, account);
    out.extend(contracts(resolved));
    out
}

/// The account's own keys a valuation reads: every one whose subject is
/// the account itself.
fn own(resolved: &Resolved, account: Address) -> Vec<KeySelector> {
    let me = Some(vec![account.into_word()]);
    let pair_list = of(resolved, ContractKind::UniswapV2Pair);
    let shares = of(resolved, ContractKind::Erc4626);
    let vaults = of(resolved, ContractKind::CdpVault);
    let savings = of(resolved, ContractKind::Savings);
    let mut out = vec![
        sel(StateKind::Balance, &pair_list, me.clone()),
        sel(StateKind::Balance, &shares, me.clone()),
        sel(StateKind::VaultDebt, &vaults, me.clone()),
        sel(StateKind::SavingsPrincipal, &savings, me.clone()),
        sel(StateKind::SavingsInterest, &savings, me.clone()),
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
    ];
    out.retain(|s| !s.scopes.is_empty());
    out
}

/// State every account valuation reads: vault collateral lists and
/// thresholds, share vaults' totals, prices and gauges.
pub fn contracts(resolved: &Resolved) -> Vec<KeySelector> {
    let shares = of(resolved, ContractKind::Erc4626);
    let vaults = of(resolved, ContractKind::CdpVault);
    let mut out = vec![
        sel(StateKind::VaultCollateralToken, &vaults, None),
        sel(StateKind::VaultThreshold, &vaults, None),
        sel(StateKind::Supply, &shares, None),
        sel(StateKind::TotalAssets, &shares, None),
    ];
    out.extend(shared(resolved));
    out.retain(|s| !s.scopes.is_empty());
    out
}

/// The second round: the state of the pairs `account` holds LP tokens of,
/// its collateral keys in every vault, and the locks `owned` names (ids by
/// escrow). `first` holds the keys the first round found.
pub fn account_second<'a>(
    resolved: &Resolved,
    account: Address,
    first: impl Iterator<Item = &'a StateKey>,
    owned: &[(Address, Vec<U256>)],
) -> Vec<KeySelector> {
    let pair_list = of(resolved, ContractKind::UniswapV2Pair);
    let vaults = of(resolved, ContractKind::CdpVault);
    let mut held = BTreeSet::new();
    let mut collaterals = BTreeSet::new();
    for key in first {
        match key.kind {
            StateKind::Balance if pair_list.contains(&key.scope) => {
                held.insert(key.scope);
            }
            StateKind::VaultCollateralToken if vaults.contains(&key.scope) => {
                collaterals.insert((key.scope, key.subject_address()));
            }
            _ => {}
        }
    }
    let held: Vec<Address> = held.into_iter().collect();
    let mut out = if held.is_empty() {
        Vec::new()
    } else {
        pairs(&held)
    };
    // Collateral keys name (collateral, account): one per collateral a vault has seen.
    for vault in &vaults {
        let list = collaterals
            .iter()
            .filter(|(v, _)| v == vault)
            .map(|(_, c)| c);
        out.push(collateral(*vault, list, account));
    }
    for (escrow, ids) in owned {
        let ids: Vec<B256> = ids.iter().map(|id| B256::from(*id)).collect();
        out.push(sel(StateKind::LockAmount, &[*escrow], Some(ids.clone())));
        out.push(sel(StateKind::LockEnd, &[*escrow], Some(ids)));
    }
    out.retain(|s| !s.scopes.is_empty() && s.subjects.as_ref().is_none_or(|v| !v.is_empty()));
    out
}
