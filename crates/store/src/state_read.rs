//! Current state read in one statement: the keys a valuation names, with
//! the block they reflect and the tokens' decimals.
//!
//! A single statement sees one committed state on both engines, so an
//! answer read this way needs no transaction: one round trip instead of a
//! `BEGIN`, a statement per key group and a `ROLLBACK`. On a loaded server
//! an answer's cost is mostly its round trips (thread hand-offs to SQLite's
//! worker, network hops to PostgreSQL), not the lookups themselves.
//!
//! Every arm of the `UNION ALL` yields the same six columns, tagged by the
//! first: a state key (its kind, >= 0), the chain's cursor ([`CHAIN_TAG`])
//! or a token's decimals ([`TOKEN_TAG`]). NULLs are typed so PostgreSQL
//! resolves the union's column types whatever the arms' order.

use std::collections::HashMap;

use alloy_primitives::{Address, B256, U256};
use sqlx::Row;
use tributary_types::{ChainId, StateKey, StateKind};

use crate::positions::KeySelector;
use crate::read::BlockRef;
use crate::snapshot::block_ref;
use crate::sql::{MAX_BINDS, Sql, get_address, get_u64};
use crate::state::key_value_from_row;
use crate::{Store, StoreError};

/// Tag of the row holding the chain's indexed block.
const CHAIN_TAG: i16 = -1;
/// Tag of a row holding a token's decimals.
const TOKEN_TAG: i16 = -2;

/// One part of a [`Store::read_state`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateArm {
    /// The keys a selector covers.
    Keys(KeySelector),
    /// Every key whose subject is this (an account's own balances, debts,
    /// deposits… in every contract).
    About(B256),
    /// Keys of `kinds` in each of `scopes` in which `holder` has a key of
    /// kind `held` (the pool state of the pairs an account holds LP tokens of).
    Held {
        /// Kinds read in the held scopes.
        kinds: Vec<StateKind>,
        /// The kind that makes a scope held.
        held: StateKind,
        /// Candidate scopes.
        scopes: Vec<Address>,
        /// The holder.
        holder: Address,
    },
    /// The `NftOwner` keys of the tokens of `collection` that `owner` holds
    /// (lowest ids first, at most `limit`), and the keys of `kinds` about them
    /// (a vote escrow's locks).
    Owned {
        /// The collection.
        collection: Address,
        /// The owner.
        owner: Address,
        /// Most tokens read.
        limit: u32,
        /// Kinds read about each token.
        kinds: Vec<StateKind>,
    },
}

/// What a [`Store::read_state`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateRead {
    /// The block the values reflect (`None`: nothing indexed yet).
    pub block: Option<BlockRef>,
    /// Decimals of every token of the chain that has them.
    pub decimals: HashMap<Address, u8>,
    /// Every key found with its value (absent keys are zero).
    pub values: Vec<(StateKey, U256)>,
}

impl Store {
    /// Reads the indexed block of `chain_id`, its tokens' decimals and every
    /// key `arms` cover, all from one committed state: in one statement, or
    /// in one snapshot when the arms pass the engine's bind limit.
    pub async fn read_state(
        &self,
        chain_id: ChainId,
        arms: &[StateArm],
    ) -> Result<StateRead, StoreError> {
        let statements = plan(arms);
        let mut rows = Vec::new();
        if let [only] = &statements[..] {
            rows = self.build(chain_id, only)?.fetch_all(self.pool()).await?;
        } else {
            let mut snap = self.snapshot().await?;
            for part in &statements {
                rows.extend(self.build(chain_id, part)?.fetch_all(&mut *snap.tx).await?);
            }
            snap.finish().await?;
        }
        let mut out = StateRead::default();
        for row in &rows {
            let tag: i16 = row.try_get(0)?;
            match tag {
                CHAIN_TAG => out.block = block_ref(row, chain_id, 4)?,
                TOKEN_TAG => {
                    let decimals = get_u64(row, 4)?;
                    out.decimals.insert(
                        get_address(row, 1)?,
                        u8::try_from(decimals).map_err(|_| StoreError::Corrupt {
                            what: format!("token decimals {decimals}"),
                        })?,
                    );
                }
                // A kind this build does not know (written by a newer one): skipped.
                _ => {
                    if let Ok(kv) = key_value_from_row(self.dialect, row) {
                        out.values.push(kv);
                    }
                }
            }
        }
        Ok(out)
    }

    fn build(&self, chain_id: ChainId, parts: &[Part<'_>]) -> Result<Sql, StoreError> {
        let mut q = Sql::new(self.dialect, "");
        let mut binds = 0;
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                q.push(" UNION ALL ");
            }
            part.push(&mut q, chain_id)?;
            binds += part.binds();
        }
        // A catalog's answers repeat a few shapes: keep them prepared.
        q.cache(binds <= 256);
        Ok(q)
    }
}

/// Splits the arms into statements under the bind limit (the first also
/// reads the cursor and the decimals).
fn plan(arms: &[StateArm]) -> Vec<Vec<Part<'_>>> {
    let mut parts = vec![Part::Chain, Part::Tokens];
    for arm in arms {
        match arm {
            StateArm::Keys(s) => {
                let subjects: Vec<Option<&[B256]>> = match &s.subjects {
                    None => vec![None],
                    Some(v) if v.is_empty() => continue,
                    Some(v) => v.chunks(MAX_BINDS / 4).map(Some).collect(),
                };
                for scopes in s.scopes.chunks(MAX_BINDS / 4) {
                    for su in &subjects {
                        parts.push(Part::Keys(s.kind, scopes, *su));
                    }
                }
            }
            StateArm::Held { scopes, .. } if scopes.is_empty() => {}
            other => parts.push(Part::Arm(other)),
        }
    }
    let mut statements: Vec<Vec<Part<'_>>> = Vec::new();
    let mut binds = 0;
    for part in parts {
        let n = part.binds();
        match statements.last_mut() {
            Some(last) if binds + n <= MAX_BINDS => last.push(part),
            _ => {
                statements.push(vec![part]);
                binds = 0;
            }
        }
        binds += n;
    }
    statements
}

/// One arm of a statement.
enum Part<'a> {
    /// The chain's cursor.
    Chain,
    /// The chain's token decimals.
    Tokens,
    /// Keys of a kind in some scopes, of some subjects or all.
    Keys(StateKind, &'a [Address], Option<&'a [B256]>),
    /// Any other arm, whole ([`plan`] splits a large `Keys` into
    /// [`Part::Keys`] first).
    Arm(&'a StateArm),
}

/// The state columns of an arm, in the union's shape.
const STATE_COLUMNS_SQLITE: &str = "SELECT kind, scope, subject, value, CAST(NULL AS BIGINT), CAST(NULL AS BYTEA), CAST(NULL AS BIGINT) FROM state WHERE ";
const STATE_COLUMNS_POSTGRES: &str = "SELECT kind, scope, subject, value::text, CAST(NULL AS BIGINT), CAST(NULL AS BYTEA), CAST(NULL AS BIGINT) FROM state WHERE ";

impl<'a> Part<'a> {
    /// A selector as one arm, unsplit.
    fn whole(s: &'a KeySelector) -> Self {
        Self::Keys(s.kind, &s.scopes, s.subjects.as_deref())
    }

    /// Values it binds.
    fn binds(&self) -> usize {
        match self {
            Self::Chain | Self::Tokens => 1,
            Self::Arm(StateArm::About(_)) => 2,
            Self::Keys(_, scopes, subjects) => 2 + scopes.len() + subjects.map_or(0, <[_]>::len),
            Self::Arm(StateArm::Held { kinds, scopes, .. }) => 4 + kinds.len() + scopes.len(),
            Self::Arm(StateArm::Owned { kinds, .. }) => 10 + kinds.len(),
            Self::Arm(StateArm::Keys(s)) => Self::whole(s).binds(),
        }
    }

    fn push(&self, q: &mut Sql, chain_id: ChainId) -> Result<(), StoreError> {
        let state = match q.dialect() {
            crate::Dialect::Sqlite => STATE_COLUMNS_SQLITE,
            crate::Dialect::Postgres => STATE_COLUMNS_POSTGRES,
        };
        match self {
            Self::Chain => {
                q.push(
                    "SELECT CAST(-1 AS SMALLINT), CAST(NULL AS BYTEA), CAST(NULL AS BYTEA), CAST(NULL AS TEXT), \
                     indexed_number, indexed_hash, indexed_timestamp FROM chains WHERE chain_id = ",
                );
                q.bind_u64("chain_id", chain_id)?;
            }
            Self::Tokens => {
                q.push(
                    "SELECT CAST(-2 AS SMALLINT), address, CAST(NULL AS BYTEA), CAST(NULL AS TEXT), \
                     CAST(decimals AS BIGINT), CAST(NULL AS BYTEA), CAST(NULL AS BIGINT) FROM tokens \
                     WHERE decimals IS NOT NULL AND chain_id = ",
                );
                q.bind_u64("chain_id", chain_id)?;
            }
            Self::Keys(kind, scopes, subjects) => {
                q.push(state)
                    .push("chain_id = ")
                    .bind_u64("chain_id", chain_id)?;
                q.push(" AND kind = ").bind(kind.code());
                q.bind_list(" AND scope IN (", scopes.iter().map(|s| s.to_vec()));
                if let Some(subjects) = subjects {
                    q.bind_list(" AND subject IN (", subjects.iter().map(|s| s.to_vec()));
                }
            }
            Self::Arm(StateArm::Held {
                kinds,
                held,
                scopes,
                holder,
            }) => {
                q.push(state)
                    .push("chain_id = ")
                    .bind_u64("chain_id", chain_id)?;
                push_kinds(q, kinds);
                q.push(" AND scope IN (SELECT scope FROM state WHERE chain_id = ")
                    .bind_u64("chain_id", chain_id)?
                    .push(" AND kind = ")
                    .bind(held.code())
                    .push(" AND subject = ")
                    .bind(holder.into_word().to_vec());
                q.bind_list(" AND scope IN (", scopes.iter().map(|s| s.to_vec()));
                q.push(")");
            }
            Self::Arm(StateArm::Owned {
                collection,
                owner,
                limit,
                kinds,
            }) => {
                // The owner's tokens: a sub-select, since an arm of a
                // compound SELECT cannot carry its own ORDER BY and LIMIT on SQLite.
                q.push("SELECT * FROM (");
                q.push(state)
                    .push("chain_id = ")
                    .bind_u64("chain_id", chain_id)?;
                push_owned(q, *collection, *owner, *limit)?;
                q.push(") owned UNION ALL ");
                q.push(state)
                    .push("chain_id = ")
                    .bind_u64("chain_id", chain_id)?;
                push_kinds(q, kinds);
                q.push(" AND scope = ")
                    .bind(collection.to_vec())
                    .push(" AND subject IN (SELECT subject FROM state WHERE chain_id = ")
                    .bind_u64("chain_id", chain_id)?;
                push_owned(q, *collection, *owner, *limit)?;
                q.push(")");
            }
            Self::Arm(StateArm::About(subject)) => {
                // `+chain_id`: an expression, so no engine scans a whole
                // chain through an index that leads with it instead of
                // seeking the subject index (see `Snapshot::account_state`).
                q.push(state)
                    .push("+chain_id = ")
                    .bind_u64("chain_id", chain_id)?;
                q.push(" AND subject = ").bind(subject.to_vec());
            }
            Self::Arm(StateArm::Keys(s)) => Self::whole(s).push(q, chain_id)?,
        }
        Ok(())
    }
}

/// ` AND kind IN (...)`.
fn push_kinds(q: &mut Sql, kinds: &[StateKind]) {
    q.bind_list(" AND kind IN (", kinds.iter().map(|k| k.code()));
}

/// The filter and order of `owner`'s `NftOwner` keys in `collection`.
fn push_owned(
    q: &mut Sql,
    collection: Address,
    owner: Address,
    limit: u32,
) -> Result<(), StoreError> {
    q.push(" AND kind = ")
        .bind(StateKind::NftOwner.code())
        .push(" AND scope = ")
        .bind(collection.to_vec())
        .push(" AND value = ")
        .bind_u256(U256::from_be_bytes(owner.into_word().0))
        .push(" ORDER BY subject LIMIT ")
        .bind(i64::from(limit));
    Ok(())
}
