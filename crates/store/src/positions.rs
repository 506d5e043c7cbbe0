//! Snapshot reads of position state: everything about one account, chosen
//! keys, every key of a kind in a contract, and NFT ownership. The API turns
//! them into portfolios; the engine's projections define what the keys mean.

use std::collections::HashMap;

use alloy_primitives::{Address, B256, U256};
use tributary_types::{ChainId, StateKey, StateKind};

use crate::sql::{Sql, get_address, get_b256, get_u64};
use crate::state::{group_by_scope, key_value_from_row, push_scope_filter};
use crate::{Snapshot, StoreError};

/// Subjects per lookup statement.
const KEYS_PER_QUERY: usize = 500;

/// Which state keys a read covers: every key of `kind` in `scopes`, or only
/// those about `subjects`. A valuation names what it reads this way, from the
/// current state ([`Store::read_state`](crate::Store::read_state)) or from the state change log
/// ([`Snapshot::log_hourly`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySelector {
    /// The kind.
    pub kind: StateKind,
    /// The contracts.
    pub scopes: Vec<Address>,
    /// Only these subjects (`None`: every subject).
    pub subjects: Option<Vec<B256>>,
}

/// One NFT an account owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct NftRow {
    /// Chain.
    pub chain_id: ChainId,
    /// The collection (ERC-721 contract).
    pub collection: Address,
    /// Token id.
    pub token_id: U256,
}

impl Snapshot {
    /// Every state value whose subject is `account` itself (balances, debts,
    /// deposits…), on every chain or on `chain_id`.
    pub async fn account_state(
        &mut self,
        account: Address,
        chain_id: Option<ChainId>,
    ) -> Result<Vec<(ChainId, StateKey, U256)>, StoreError> {
        let d = self.dialect;
        let mut q = Sql::new(d, "SELECT kind, scope, subject, ");
        q.push(d.u256_select("value"));
        q.push(", chain_id FROM state WHERE subject = ")
            .bind(account.into_word().to_vec());
        if let Some(c) = chain_id {
            // `+chain_id`: an expression, so SQLite seeks the subject index
            // instead of scanning every row of the chain through an index
            // that leads with chain_id. An account has few rows; they are
            // sorted here rather than by an ORDER BY for the same reason.
            q.push(" AND +chain_id = ").bind_u64("chain_id", c)?;
        }
        let rows = q.fetch_all(&mut *self.tx).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let Ok((key, value)) = key_value_from_row(d, row) else {
                // A kind this build does not know (written by a newer one): skip.
                continue;
            };
            out.push((get_u64(row, 4)?, key, value));
        }
        out.sort_unstable_by_key(|(chain, key, _)| (*chain, *key));
        Ok(out)
    }

    /// Current values of `keys` on `chain_id`; absent keys are zero.
    pub async fn state_values(
        &mut self,
        chain_id: ChainId,
        keys: &[StateKey],
    ) -> Result<HashMap<StateKey, U256>, StoreError> {
        let d = self.dialect;
        let mut out = HashMap::with_capacity(keys.len());
        for ((kind, scope), subjects) in group_by_scope(keys) {
            for chunk in subjects.chunks(KEYS_PER_QUERY) {
                let mut q = Sql::new(d, "SELECT kind, scope, subject, ");
                q.push(d.u256_select("value"));
                push_scope_filter(
                    &mut q,
                    " FROM state WHERE chain_id = ",
                    chain_id,
                    kind,
                    scope,
                    chunk,
                )?;
                for row in q.fetch_all(&mut *self.tx).await? {
                    let (key, value) = key_value_from_row(d, &row)?;
                    out.insert(key, value);
                }
            }
        }
        Ok(out)
    }

    /// Every (subject, value) of `kind` in `scope`, by subject.
    pub async fn scope_state(
        &mut self,
        chain_id: ChainId,
        kind: StateKind,
        scope: Address,
    ) -> Result<Vec<(B256, U256)>, StoreError> {
        let d = self.dialect;
        let mut q = Sql::new(d, "SELECT subject, ");
        q.push(d.u256_select("value"));
        q.push(" FROM state WHERE chain_id = ")
            .bind_u64("chain_id", chain_id)?
            .push(" AND kind = ")
            .bind(kind.code())
            .push(" AND scope = ")
            .bind(scope.to_vec())
            .push(" ORDER BY subject");
        let rows = q.fetch_all(&mut *self.tx).await?;
        rows.iter()
            .map(|r| Ok((get_b256(r, 0)?, d.u256_from_row(r, 1)?)))
            .collect()
    }

    /// NFTs `owner` holds in the given collections, ordered by (chain,
    /// collection, token id), after `after`, at most `limit`.
    pub async fn nfts(
        &mut self,
        owner: Address,
        collections: &[(ChainId, Address)],
        after: Option<NftRow>,
        limit: u32,
    ) -> Result<Vec<NftRow>, StoreError> {
        let d = self.dialect;
        let owner_value = U256::from_be_bytes(owner.into_word().0);
        let mut sorted = collections.to_vec();
        sorted.sort_unstable();
        let mut out = Vec::new();
        for (chain_id, collection) in sorted {
            if out.len() >= limit as usize {
                break;
            }
            if after.is_some_and(|a| (chain_id, collection) < (a.chain_id, a.collection)) {
                continue;
            }
            let mut q = Sql::new(
                d,
                "SELECT subject, scope, chain_id FROM state WHERE chain_id = ",
            );
            q.bind_u64("chain_id", chain_id)?
                .push(" AND kind = ")
                .bind(StateKind::NftOwner.code())
                .push(" AND scope = ")
                .bind(collection.to_vec())
                .push(" AND value = ")
                .bind_u256(owner_value);
            if let Some(a) = after.filter(|a| (a.chain_id, a.collection) == (chain_id, collection))
            {
                q.push(" AND subject > ")
                    .bind(B256::from(a.token_id).to_vec());
            }
            q.push(" ORDER BY subject LIMIT ")
                .bind(i64::from(limit) - out.len() as i64);
            for r in q.fetch_all(&mut *self.tx).await? {
                out.push(NftRow {
                    chain_id: get_u64(&r, 2)?,
                    collection: get_address(&r, 1)?,
                    token_id: U256::from_be_bytes(get_b256(&r, 0)?.0),
                });
            }
        }
        Ok(out)
    }
}

impl Snapshot {
    /// One page of every state value of `chain_id`, in key order, after `after`.
    pub async fn state_page(
        &mut self,
        chain_id: ChainId,
        after: Option<StateKey>,
        limit: u32,
    ) -> Result<Vec<(StateKey, U256)>, StoreError> {
        let d = self.dialect;
        let mut q = Sql::new(d, "SELECT kind, scope, subject, ");
        q.push(d.u256_select("value"));
        q.push(" FROM state WHERE chain_id = ")
            .bind_u64("chain_id", chain_id)?;
        if let Some(k) = after {
            q.push(" AND (kind > ")
                .bind(k.kind.code())
                .push(" OR (kind = ")
                .bind(k.kind.code())
                .push(" AND (scope > ")
                .bind(k.scope.to_vec())
                .push(" OR (scope = ")
                .bind(k.scope.to_vec())
                .push(" AND subject > ")
                .bind(k.subject.to_vec())
                .push("))))");
        }
        q.push(" ORDER BY kind, scope, subject LIMIT ")
            .bind(i64::from(limit));
        let rows = q.fetch_all(&mut *self.tx).await?;
        rows.iter().map(|r| key_value_from_row(d, r)).collect()
    }
}
