//! State held in memory ([`StateAt`]) and the reads a [`Loader`] makes of it.

use std::collections::{BTreeMap, HashMap};

use alloy_primitives::{Address, B256, U256};
use tributary_config::ContractKind;
use tributary_types::{StateKey, StateKind};

use super::{CatalogEntry, Loader, MAX_LOCKS};

/// State at one instant, held in memory: the current state a live answer
/// reads, or what history replays the state change log into, hour by hour.
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

    /// Every key with a value.
    pub fn keys(&self) -> impl Iterator<Item = &StateKey> {
        self.values.keys()
    }

    fn get(&self, key: &StateKey) -> U256 {
        self.values.get(key).copied().unwrap_or_default()
    }
}

/// Every address of every position entry, by template.
pub type Resolved = HashMap<ContractKind, Vec<(CatalogEntry, Address)>>;

impl Loader<'_> {
    /// Values of `keys`; absent keys are zero.
    pub(super) fn values(&self, keys: &[StateKey]) -> HashMap<StateKey, U256> {
        keys.iter().map(|k| (*k, self.state.get(k))).collect()
    }

    /// One state value.
    pub(super) fn value(&self, key: StateKey) -> U256 {
        self.state.get(&key)
    }

    /// Every value whose subject is `account` itself, by (kind, scope).
    pub(super) fn mine(&self, account: Address) -> HashMap<(StateKind, Address), U256> {
        let word = account.into_word();
        self.state
            .values
            .iter()
            .filter(|(k, _)| k.subject == word)
            .map(|(k, v)| ((k.kind, k.scope), *v))
            .collect()
    }

    /// Every (subject, value) of `kind` in `scope`, by subject.
    pub(super) fn scope(&self, kind: StateKind, scope: Address) -> Vec<(B256, U256)> {
        self.state
            .values
            .range(StateKey::new(kind, scope, B256::ZERO)..)
            .take_while(|(k, _)| k.kind == kind && k.scope == scope)
            .map(|(k, v)| (k.subject, *v))
            .collect()
    }

    /// Token ids of `collection` `owner` holds.
    pub(super) fn owned(&self, owner: Address, collection: Address) -> Vec<U256> {
        let want = U256::from_be_bytes(owner.into_word().0);
        self.state
            .values
            .range(StateKey::new(StateKind::NftOwner, collection, B256::ZERO)..)
            .take_while(|(k, _)| k.kind == StateKind::NftOwner && k.scope == collection)
            .filter(|(_, v)| **v == want)
            .map(|(k, _)| k.subject_id())
            .take(MAX_LOCKS as usize)
            .collect()
    }

    /// Every address of every entry of `kind`.
    pub(super) fn all_of(&self, kind: ContractKind) -> Vec<(CatalogEntry, Address)> {
        self.context
            .resolved
            .get(&kind)
            .cloned()
            .unwrap_or_default()
    }
}
