//! Current state for live answers: everything valuing an account or a pool
//! reads, with the block it reflects, in one statement
//! ([`tributary_store::Store::read_state`]).
//!
//! A vault's collateral keys name (collateral, account), and which
//! collaterals a vault has is itself state. Rather than a second round trip
//! per answer, the collateral lists last seen are remembered
//! ([`Collaterals`]) and the statement reads both the lists and the keys
//! they imply. When a list holds a collateral not remembered, the answer is
//! read again with it. Lists are only ever added to (the key of a collateral
//! a vault dropped is merely read in vain), so each re-read needs a
//! collateral never seen before, and the reads end.

use std::collections::{BTreeSet, HashMap};
use std::sync::RwLock;

use alloy_primitives::Address;
use tributary_config::ContractKind;
use tributary_store::read::BlockRef;
use tributary_store::state_read::{StateArm, StateRead};
use tributary_store::{Store, StoreError};
use tributary_types::{ChainId, StateKey, StateKind};

use super::Catalog;
use super::keys;
use super::load::{Context, MAX_LOCKS, StateAt};

/// Every collateral token each vault was seen with, by (chain, vault).
#[derive(Debug, Default)]
pub struct Collaterals(RwLock<HashMap<(ChainId, Address), BTreeSet<Address>>>);

impl Collaterals {
    fn of(&self, chain_id: ChainId, vault: Address) -> BTreeSet<Address> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&(chain_id, vault))
            .cloned()
            .unwrap_or_default()
    }

    fn remember(&self, chain_id: ChainId, vault: Address, list: BTreeSet<Address>) {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry((chain_id, vault))
            .or_default()
            .extend(list);
    }
}

/// What a live answer values: state, the block it reflects, and context.
#[derive(Debug, Clone, Default)]
pub struct Now {
    /// The indexed block (`None`: nothing indexed yet).
    pub block: Option<BlockRef>,
    /// Decimals and entry addresses.
    pub context: Context,
    /// The keys read.
    pub state: StateAt,
}

/// The current state valuing `account` reads.
pub async fn account_now(
    store: &Store,
    catalog: &Catalog,
    collaterals: &Collaterals,
    chain_id: ChainId,
    account: Address,
) -> Result<Now, StoreError> {
    let resolved = keys::resolve(store, catalog, chain_id).await?;
    let vaults = keys::of(&resolved, ContractKind::CdpVault);
    loop {
        let assumed: Vec<(Address, BTreeSet<Address>)> = vaults
            .iter()
            .map(|v| (*v, collaterals.of(chain_id, *v)))
            .collect();
        // The account's own keys in one seek of the subject index, rather
        // than one per contract and kind as `keys::own` names them.
        let mut arms = vec![StateArm::About(account.into_word())];
        arms.extend(keys::contracts(&resolved).into_iter().map(StateArm::Keys));
        arms.push(StateArm::Held {
            kinds: keys::PAIR_KINDS.to_vec(),
            held: StateKind::Balance,
            scopes: keys::of(&resolved, ContractKind::UniswapV2Pair),
            holder: account,
        });
        for collection in keys::of(&resolved, ContractKind::VoteEscrow) {
            arms.push(StateArm::Owned {
                collection,
                owner: account,
                limit: MAX_LOCKS,
                kinds: vec![StateKind::LockAmount, StateKind::LockEnd],
            });
        }
        for (vault, list) in &assumed {
            arms.push(StateArm::Keys(keys::collateral(*vault, list, account)));
        }
        let read = store.read_state(chain_id, &arms).await?;
        let now = now(read, resolved.clone());
        let mut stale = false;
        for (vault, list) in assumed {
            let found: BTreeSet<Address> = now
                .state
                .keys()
                .filter(|k| k.kind == StateKind::VaultCollateralToken && k.scope == vault)
                .map(StateKey::subject_address)
                .collect();
            if !found.is_subset(&list) {
                collaterals.remember(chain_id, vault, found);
                stale = true;
            }
        }
        if !stale {
            return Ok(now);
        }
    }
}

/// The current state valuing pool `pair` reads.
pub async fn pool_now(
    store: &Store,
    catalog: &Catalog,
    chain_id: ChainId,
    pair: Address,
) -> Result<Now, StoreError> {
    let resolved = keys::resolve(store, catalog, chain_id).await?;
    let arms: Vec<StateArm> = keys::pool(&resolved, pair)
        .into_iter()
        .map(StateArm::Keys)
        .collect();
    let read = store.read_state(chain_id, &arms).await?;
    Ok(now(read, resolved))
}

fn now(read: StateRead, resolved: super::Resolved) -> Now {
    let mut state = StateAt::default();
    for (key, value) in read.values {
        state.set(key, value);
    }
    Now {
        block: read.block,
        context: Context {
            decimals: read.decimals,
            resolved,
        },
        state,
    }
}
