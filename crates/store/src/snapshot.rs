//! Reads inside one transaction: a [`Snapshot`] sees one committed state, so
//! an answer and the block it names always agree.

use alloy_primitives::{Address, U256};
use sqlx::{Any, AnyPool, Row, Transaction};
use tributary_types::{ChainId, StateKind};

use crate::read::{
    BalanceRow, BlockRef, ChainRow, EventQuery, EventRow, HolderPosition, HolderRow, TokenRow,
};
use crate::sql::{Sql, get_address, get_b256, get_u64};
use crate::{Dialect, StoreError};

/// A consistent read view of the store.
pub struct Snapshot {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) dialect: Dialect,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("dialect", &self.dialect)
            .finish()
    }
}

impl Snapshot {
    pub(crate) async fn begin(pool: &AnyPool, dialect: Dialect) -> Result<Self, StoreError> {
        let tx = match dialect {
            // READ COMMITTED would let two statements of one answer see two
            // commits. Set in the BEGIN itself: one round trip, not two.
            Dialect::Postgres => {
                pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?
            }
            Dialect::Sqlite => pool.begin().await?,
        };
        Ok(Self { tx, dialect })
    }

    /// Ends the read.
    pub async fn finish(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }

    /// Every registered chain with its progress.
    pub async fn chains(&mut self) -> Result<Vec<ChainRow>, StoreError> {
        let q = Sql::new(
            self.dialect,
            "SELECT chain_id, name, confirmations, head_number, head_hash, head_timestamp, \
             indexed_number, indexed_hash, indexed_timestamp, event_count, last_error FROM chains ORDER BY chain_id",
        );
        let rows = q.fetch_all(&mut *self.tx).await?;
        rows.iter()
            .map(|r| {
                let chain_id = get_u64(r, 0)?;
                Ok(ChainRow {
                    chain_id,
                    name: r.try_get(1)?,
                    confirmations: get_u64(r, 2)?,
                    head: block_ref(r, chain_id, 3)?,
                    indexed: block_ref(r, chain_id, 6)?,
                    events: get_u64(r, 9)?,
                    last_error: r.try_get(10)?,
                })
            })
            .collect()
    }

    /// The block a chain's committed data reflects.
    pub async fn indexed_block(
        &mut self,
        chain_id: ChainId,
    ) -> Result<Option<BlockRef>, StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "SELECT indexed_number, indexed_hash, indexed_timestamp FROM chains WHERE chain_id = ",
        );
        q.bind_u64("chain_id", chain_id)?;
        match q.fetch_optional(&mut *self.tx).await? {
            Some(r) => block_ref(&r, chain_id, 0),
            None => Ok(None),
        }
    }

    /// Events matching `query`, in (block_number, log_index, chain_id) order.
    pub async fn events(&mut self, query: &EventQuery) -> Result<Vec<EventRow>, StoreError> {
        let events = crate::events::read_events(&mut self.tx, self.dialect, query).await?;
        events
            .into_iter()
            .map(|e| {
                let args = e.args_value()?;
                Ok(EventRow {
                    chain_id: e.chain_id,
                    block_number: e.log.block_number,
                    block_hash: e.log.block_hash,
                    tx_hash: e.log.tx_hash,
                    log_index: e.log.log_index,
                    contract: e.contract,
                    address: e.log.address,
                    event: e.event,
                    args,
                })
            })
            .collect()
    }

    /// Tracked tokens, optionally only on one chain and/or at one address.
    pub async fn tokens(
        &mut self,
        chain_id: Option<ChainId>,
        address: Option<Address>,
    ) -> Result<Vec<TokenRow>, StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "SELECT chain_id, address, contract, kind, symbol, decimals FROM tokens WHERE 1 = 1",
        );
        if let Some(c) = chain_id {
            q.push(" AND chain_id = ").bind_u64("chain_id", c)?;
        }
        if let Some(a) = address {
            q.push(" AND address = ").bind(a.to_vec());
        }
        q.push(" ORDER BY chain_id, address");
        let rows = q.fetch_all(&mut *self.tx).await?;
        rows.iter().map(|r| token_from_row(r, 0)).collect()
    }

    /// Every tracked token in which `account` holds a non-zero balance.
    pub async fn balances(
        &mut self,
        account: Address,
        chain_id: Option<ChainId>,
    ) -> Result<Vec<BalanceRow>, StoreError> {
        let d = self.dialect;
        let mut q = Sql::new(
            d,
            "SELECT t.chain_id, t.address, t.contract, t.kind, t.symbol, t.decimals, ",
        );
        q.push(d.u256_select("s.value"));
        q.push(" FROM state s JOIN tokens t ON t.chain_id = s.chain_id AND t.address = s.scope WHERE s.subject = ");
        q.bind(account.into_word().to_vec())
            .push(" AND s.kind = ")
            .bind(StateKind::Balance.code());
        if let Some(c) = chain_id {
            q.push(" AND s.chain_id = ").bind_u64("chain_id", c)?;
        }
        q.push(" ORDER BY t.chain_id, t.address");
        let rows = q.fetch_all(&mut *self.tx).await?;
        rows.iter()
            .map(|r| {
                Ok(BalanceRow {
                    token: token_from_row(r, 0)?,
                    balance: d.u256_from_row(r, 6)?,
                })
            })
            .collect()
    }

    /// Holders of `token` by balance descending, ties by address ascending.
    pub async fn holders(
        &mut self,
        chain_id: ChainId,
        token: Address,
        after: Option<HolderPosition>,
        limit: u32,
    ) -> Result<Vec<HolderRow>, StoreError> {
        self.holders_by(chain_id, token, StateKind::Balance, after, limit)
            .await
    }

    /// Holders of `token` by the per-account `kind` (a balance, an NFT count),
    /// descending, ties by address ascending.
    pub async fn holders_by(
        &mut self,
        chain_id: ChainId,
        token: Address,
        kind: StateKind,
        after: Option<HolderPosition>,
        limit: u32,
    ) -> Result<Vec<HolderRow>, StoreError> {
        let d = self.dialect;
        let mut q = Sql::new(d, "SELECT subject, ");
        q.push(d.u256_select("value"));
        q.push(" FROM state WHERE chain_id = ")
            .bind_u64("chain_id", chain_id)?;
        q.push(" AND kind = ")
            .bind(kind.code())
            .push(" AND scope = ")
            .bind(token.to_vec());
        if let Some(HolderPosition { balance, account }) = after {
            q.push(" AND (value < ")
                .bind_u256(balance)
                .push(" OR (value = ")
                .bind_u256(balance);
            q.push(" AND subject > ")
                .bind(account.into_word().to_vec())
                .push("))");
        }
        q.push(" ORDER BY value DESC, subject ASC LIMIT ")
            .bind(i64::from(limit));
        let rows = q.fetch_all(&mut *self.tx).await?;
        rows.iter()
            .map(|r| {
                Ok(HolderRow {
                    account: Address::from_word(get_b256(r, 0)?),
                    balance: d.u256_from_row(r, 1)?,
                })
            })
            .collect()
    }

    /// Total supply of `token` (zero when nothing was minted).
    pub async fn total_supply(
        &mut self,
        chain_id: ChainId,
        token: Address,
    ) -> Result<U256, StoreError> {
        let d = self.dialect;
        let mut q = Sql::new(d, "SELECT ");
        q.push(d.u256_select("value"));
        q.push(" FROM state WHERE chain_id = ")
            .bind_u64("chain_id", chain_id)?;
        q.push(" AND kind = ")
            .bind(StateKind::Supply.code())
            .push(" AND scope = ")
            .bind(token.to_vec());
        match q.fetch_optional(&mut *self.tx).await? {
            Some(r) => d.u256_from_row(&r, 0),
            None => Ok(U256::ZERO),
        }
    }
}

pub(crate) fn block_ref(
    r: &sqlx::any::AnyRow,
    chain_id: ChainId,
    first: usize,
) -> Result<Option<BlockRef>, StoreError> {
    let number: Option<i64> = r.try_get(first)?;
    let Some(number) = number else {
        return Ok(None);
    };
    Ok(Some(BlockRef {
        chain_id,
        number: u64::try_from(number).map_err(|_| StoreError::Corrupt {
            what: format!("block {number}"),
        })?,
        hash: get_b256(r, first + 1)?,
        timestamp: get_u64(r, first + 2)?,
    }))
}

pub(crate) fn token_from_row(r: &sqlx::any::AnyRow, first: usize) -> Result<TokenRow, StoreError> {
    let decimals: Option<i16> = r.try_get(first + 5)?;
    Ok(TokenRow {
        chain_id: get_u64(r, first)?,
        address: get_address(r, first + 1)?,
        contract: r.try_get(first + 2)?,
        kind: r.try_get(first + 3)?,
        symbol: r.try_get(first + 4)?,
        decimals: decimals.and_then(|d| u8::try_from(d).ok()),
    })
}
