//! Where a [`Loader`] reads state: a snapshot (current state) or a
//! [`StateAt`] (history replayed from the state change log).

use std::collections::{BTreeMap, HashMap};

use alloy_primitives::{Address, B256, U256};
use tributary_config::ContractKind;
use tributary_store::{Snapshot, StoreError};
use tributary_types::{StateKey, StateKind};

use super::{CatalogEntry, Loader, MAX_LOCKS, all_of};

/// State at one instant, held in memory: what history replays the state
/// change log into, hour by hour.
#[derive(Debug, Clone, Default)]
pub struct StateAt {
    values: BTreeMap<StateKey, U256>,
}

impl StateAt {
    /// Sets `key` (a zero value removes it, as in the store).
    pub fn set(&mut self, key: StateKey, value: U256) {
        if value.is_zero() {
            self.values.remove(&key);
        } else {
            self.values.insert(key, value);
        }
    }

    fn get(&self, key: &StateKey) -> U256 {
        self.values.get(key).copied().unwrap_or_default()
    }
}

/// Every address of every position entry, by template.
pub type Resolved = HashMap<ContractKind, Vec<(CatalogEntry, Address)>>;

/// Where a loader reads state.
pub(super) enum Reads<'a> {
    /// Current state, in one snapshot.
    Snapshot(&'a mut Snapshot),
    /// State replayed from the log.
    At(&'a StateAt),
}

impl Loader<'_> {
    /// Values of `keys`; absent keys are zero.
    pub(super) async fn values(
        &mut self,
        keys: &[StateKey],
    ) -> Result<HashMap<StateKey, U256>, StoreError> {
        match &mut self.reads {
            Reads::Snapshot(snap) => snap.state_values(self.chain_id, keys).await,
            Reads::At(state) => Ok(keys.iter().map(|k| (*k, state.get(k))).collect()),
        }
    }

    /// One state value.
    pub(super) async fn value(&mut self, key: StateKey) -> Result<U256, StoreError> {
        let values = self.values(&[key]).await?;
        Ok(values.get(&key).copied().unwrap_or_default())
    }

    /// Every value whose subject is `account` itself, by (kind, scope).
    pub(super) async fn mine(
        &mut self,
        account: Address,
    ) -> Result<HashMap<(StateKind, Address), U256>, StoreError> {
        match &mut self.reads {
            Reads::Snapshot(snap) => Ok(snap
                .account_state(account, Some(self.chain_id))
                .await?
                .into_iter()
                .map(|(_, k, v)| ((k.kind, k.scope), v))
                .collect()),
            Reads::At(state) => {
                let word = account.into_word();
                Ok(state
                    .values
                    .iter()
                    .filter(|(k, _)| k.subject == word)
                    .map(|(k, v)| ((k.kind, k.scope), *v))
                    .collect())
            }
        }
    }

    /// Every (subject, value) of `kind` in `scope`, by subject.
    pub(super) async fn scope(
        &mut self,
        kind: StateKind,
        scope: Address,
    ) -> Result<Vec<(B256, U256)>, StoreError> {
        match &mut self.reads {
            Reads::Snapshot(snap) => snap.scope_state(self.chain_id, kind, scope).await,
            Reads::At(state) => Ok(state
                .values
                .range(StateKey::new(kind, scope, B256::ZERO)..)
                .take_while(|(k, _)| k.kind == kind && k.scope == scope)
                .map(|(k, v)| (k.subject, *v))
                .collect()),
        }
    }

    /// Token ids of `collection` `owner` holds.
    pub(super) async fn owned(
        &mut self,
        owner: Address,
        collection: Address,
    ) -> Result<Vec<U256>, StoreError> {
        match &mut self.reads {
            Reads::Snapshot(snap) => Ok(snap
                .nfts(owner, &[(self.chain_id, collection)], None, MAX_LOCKS)
                .await?
                .into_iter()
                .map(|n| n.token_id)
                .collect()),
            Reads::At(state) => {
                let want = U256::from_be_bytes(owner.into_word().0);
                Ok(state
                    .values
                    .range(StateKey::new(StateKind::NftOwner, collection, B256::ZERO)..)
                    .take_while(|(k, _)| k.kind == StateKind::NftOwner && k.scope == collection)
                    .filter(|(_, v)| **v == want)
                    .map(|(k, _)| k.subject_id())
                    .take(MAX_LOCKS as usize)
                    .collect())
            }
        }
    }

    /// Every address of every entry of `kind` (read once per loader).
    pub(super) async fn all_of(
        &mut self,
        kind: ContractKind,
    ) -> Result<Vec<(CatalogEntry, Address)>, StoreError> {
        if let Some(r) = self.resolved.get(&kind) {
            return Ok(r.clone());
        }
        let r = all_of(self.store, self.catalog, self.chain_id, kind).await?;
        self.resolved.insert(kind, r.clone());
        Ok(r)
    }
}
