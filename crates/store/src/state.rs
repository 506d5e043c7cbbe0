//! Reading derived state for the engine's write-behind overlay, and computing
//! what a rollback restores.

use std::collections::{BTreeMap, HashMap};

use alloy_primitives::{Address, B256, U256};
use tributary_types::{ChainId, StateKey, StateKind};

use crate::sql::Sql;
use crate::{Dialect, Store, StoreError};

impl Store {
    /// Current values of `keys`; keys without a row are absent (their value is zero).
    pub async fn load_state(
        &self,
        chain_id: ChainId,
        keys: &[StateKey],
    ) -> Result<HashMap<StateKey, U256>, StoreError> {
        let mut snap = self.snapshot().await?;
        let values = snap.state_values(chain_id, keys).await?;
        snap.finish().await?;
        Ok(values)
    }

    /// Whether any state is stored for `chain_id`.
    pub async fn has_state(&self, chain_id: ChainId) -> Result<bool, StoreError> {
        let mut q = Sql::new(self.dialect, "SELECT 1 FROM state WHERE chain_id = ");
        q.bind_u64("chain_id", chain_id)?.push(" LIMIT 1");
        Ok(q.fetch_optional(self.pool()).await?.is_some())
    }

    /// Deletes every state key of `kinds` scoped to `scopes`, for a rebuild.
    pub async fn clear_state(
        &self,
        chain_id: ChainId,
        kinds: &[StateKind],
        scopes: &[Address],
    ) -> Result<u64, StoreError> {
        let mut deleted = 0;
        for kind in kinds {
            for scope in scopes {
                let mut q = Sql::new(self.dialect, "DELETE FROM state WHERE chain_id = ");
                q.bind_u64("chain_id", chain_id)?
                    .push(" AND kind = ")
                    .bind(kind.code());
                q.push(" AND scope = ").bind(scope.to_vec());
                deleted += q.execute(self.writer()).await?;
            }
        }
        Ok(deleted)
    }
}

/// Keys grouped by (kind, scope), so that lookups are `subject IN (...)`
/// under a fixed prefix of the primary key: an index range scan on both
/// engines (SQLite does not use the index for a row-value `IN` list).
pub(crate) fn group_by_scope<'a, I>(keys: I) -> BTreeMap<(StateKind, Address), Vec<B256>>
where
    I: IntoIterator<Item = &'a StateKey>,
{
    let mut groups: BTreeMap<(StateKind, Address), Vec<B256>> = BTreeMap::new();
    for k in keys {
        groups.entry((k.kind, k.scope)).or_default().push(k.subject);
    }
    groups
}

/// Appends `<prefix>$chain AND kind = $k AND scope = $s AND subject IN (...)`.
pub(crate) fn push_scope_filter(
    q: &mut Sql,
    prefix: &'static str,
    chain_id: ChainId,
    kind: StateKind,
    scope: Address,
    subjects: &[B256],
) -> Result<(), StoreError> {
    q.push(prefix).bind_u64("chain_id", chain_id)?;
    q.push(" AND kind = ")
        .bind(kind.code())
        .push(" AND scope = ")
        .bind(scope.to_vec())
        .bind_list(" AND subject IN (", subjects.iter().map(|s| s.to_vec()));
    Ok(())
}

/// Decodes `kind, scope, subject, value` at columns 0..4.
pub(crate) fn key_value_from_row(
    d: Dialect,
    row: &sqlx::any::AnyRow,
) -> Result<(StateKey, U256), StoreError> {
    use sqlx::Row;
    let (kind, scope) = kind_scope_from_row(row)?;
    let subject: Vec<u8> = row.try_get(2)?;
    if subject.len() != 32 {
        return Err(StoreError::Corrupt {
            what: format!("state subject of {} bytes", subject.len()),
        });
    }
    let key = StateKey {
        kind,
        scope,
        subject: B256::from_slice(&subject),
    };
    Ok((key, d.u256_from_row(row, 3)?))
}

/// Decodes `kind, scope` at columns 0 and 1 (state rows and undo chunks).
pub(crate) fn kind_scope_from_row(
    row: &sqlx::any::AnyRow,
) -> Result<(StateKind, Address), StoreError> {
    use sqlx::Row;
    let code: i16 = row.try_get(0)?;
    let kind = StateKind::from_code(code).ok_or_else(|| StoreError::Corrupt {
        what: format!("state kind {code}"),
    })?;
    let scope: Vec<u8> = row.try_get(1)?;
    if scope.len() != 20 {
        return Err(StoreError::Corrupt {
            what: format!("state scope of {} bytes", scope.len()),
        });
    }
    Ok((kind, Address::from_slice(&scope)))
}

impl Store {
    /// Subjects of every stored key of `kind` in `scope` (for periodic refreshes).
    pub async fn state_subjects(
        &self,
        chain_id: ChainId,
        kind: StateKind,
        scope: Address,
    ) -> Result<Vec<B256>, StoreError> {
        let mut q = Sql::new(self.dialect, "SELECT subject FROM state WHERE chain_id = ");
        q.bind_u64("chain_id", chain_id)?
            .push(" AND kind = ")
            .bind(kind.code());
        q.push(" AND scope = ").bind(scope.to_vec());
        q.push(" ORDER BY subject");
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| subject_from_row(row, "subject"))
            .collect()
    }

    /// Every account holding any per-account state on `chain_id`, ascending.
    pub async fn known_accounts(&self, chain_id: ChainId) -> Result<Vec<Address>, StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "SELECT DISTINCT subject FROM state WHERE chain_id = ",
        );
        q.bind_u64("chain_id", chain_id)?.push(" AND kind IN (");
        let kinds: Vec<StateKind> = StateKind::ALL
            .iter()
            .copied()
            .filter(|k| k.is_per_account())
            .collect();
        for (i, k) in kinds.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(k.code());
        }
        q.push(")");
        let mut out: Vec<Address> = q
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| subject_from_row(row, "subject").map(Address::from_word))
            .collect::<Result<_, _>>()?;
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }
}

/// Reads a 32-byte subject column.
fn subject_from_row(row: &sqlx::any::AnyRow, column: &str) -> Result<B256, StoreError> {
    use sqlx::Row;
    let subject: Vec<u8> = row.try_get(column)?;
    if subject.len() != 32 {
        return Err(StoreError::Corrupt {
            what: format!("state subject of {} bytes", subject.len()),
        });
    }
    Ok(B256::from_slice(&subject))
}
