//! Consistent reads: every API answer is served from one [`Snapshot`], so it
//! reflects exactly one committed state and names the block it reflects.

use alloy_primitives::{Address, B256, U256};
use sqlx::Row;
use tributary_types::{ChainId, StateKind};

use crate::snapshot::{block_ref, token_from_row};
use crate::sql::Sql;
use crate::{Store, StoreError};

/// A chain's indexing status as recorded by the indexer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainRow {
    /// Chain id.
    pub chain_id: ChainId,
    /// Config name of the chain.
    pub name: String,
    /// Latest head the indexer saw on the node, if any.
    pub head: Option<BlockRef>,
    /// Latest block whose data is committed, if any.
    pub indexed: Option<BlockRef>,
    /// Finality depth configured for the chain.
    pub confirmations: u64,
    /// Number of stored events.
    pub events: u64,
    /// Last error the indexer recorded for this chain, cleared on progress.
    pub last_error: Option<String>,
}

/// A block as answers reference it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockRef {
    /// Chain id.
    pub chain_id: ChainId,
    /// Height.
    pub number: u64,
    /// Hash.
    pub hash: B256,
    /// Unix timestamp in seconds.
    pub timestamp: u64,
}

/// Filter and page of an events query. Bounds are inclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// Only this chain.
    pub chain_id: Option<ChainId>,
    /// Only this contract config name.
    pub contract: Option<String>,
    /// Only this event name.
    pub event: Option<String>,
    /// Only events emitted by this address.
    pub address: Option<Address>,
    /// Lowest block, inclusive.
    pub from_block: Option<u64>,
    /// Highest block, inclusive.
    pub to_block: Option<u64>,
    /// Start strictly after this (block_number, log_index, chain_id) position.
    pub after: Option<EventPosition>,
    /// Page size.
    pub limit: u32,
}

/// The sort position of an event: (block_number, log_index, chain_id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventPosition {
    /// Block height.
    pub block_number: u64,
    /// Block-level log index.
    pub log_index: u64,
    /// Chain id, the last tie-breaker across chains.
    pub chain_id: ChainId,
}

/// A stored event as served.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// Chain id.
    pub chain_id: ChainId,
    /// Block height.
    pub block_number: u64,
    /// Block hash.
    pub block_hash: B256,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Block-level log index.
    pub log_index: u64,
    /// Contract config name.
    pub contract: String,
    /// Emitting address.
    pub address: Address,
    /// Event name.
    pub event: String,
    /// Decoded arguments (already in API encoding).
    pub args: serde_json::Value,
}

/// Metadata of a token tributary tracks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// Chain id.
    pub chain_id: ChainId,
    /// Token address.
    pub address: Address,
    /// Contract config name that tracks it.
    pub contract: String,
    /// Template kind (`erc20`, `uniswap_v2_pair`, ...).
    pub kind: String,
    /// `symbol()` if the token answered one.
    pub symbol: Option<String>,
    /// `decimals()` if the token answered one.
    pub decimals: Option<u8>,
}

/// One non-zero balance of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceRow {
    /// The token and its metadata.
    pub token: TokenRow,
    /// Exact balance in base units.
    pub balance: U256,
}

/// One holder of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HolderRow {
    /// Holder.
    pub account: Address,
    /// Exact balance in base units.
    pub balance: U256,
}

/// Sort position of a holder: balance descending, then account ascending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HolderPosition {
    /// Balance of the last holder served.
    pub balance: U256,
    /// Account of the last holder served.
    pub account: Address,
}

/// A token as a holders page names it: its kind, supply and chain's block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSummary {
    /// Chain the token is tracked on.
    pub chain_id: ChainId,
    /// Template kind (`erc20`, `erc721`, ...).
    pub kind: String,
    /// Total supply (zero when nothing was minted).
    pub total_supply: U256,
    /// The chain's indexed block.
    pub block: Option<BlockRef>,
}

impl Store {
    /// Every tracked token in which `account` holds a non-zero balance (on
    /// `chain_id` only, if given), and the indexed block of `block_of`.
    ///
    /// One statement, so no transaction: a statement reads one committed
    /// state on both engines, and the answer costs one round trip instead of
    /// a snapshot's four.
    pub async fn balances_at(
        &self,
        account: Address,
        chain_id: Option<ChainId>,
        block_of: ChainId,
    ) -> Result<(Vec<BalanceRow>, Option<BlockRef>), StoreError> {
        let d = self.dialect();
        let mut q = Sql::new(
            d,
            "SELECT c.indexed_number, c.indexed_hash, c.indexed_timestamp, \
             t.chain_id, t.address, t.contract, t.kind, t.symbol, t.decimals, ",
        );
        q.push(d.u256_select("s.value"));
        q.push(
            " FROM chains c LEFT JOIN (state s JOIN tokens t ON t.chain_id = s.chain_id \
             AND t.address = s.scope AND s.subject = ",
        );
        q.bind(account.into_word().to_vec())
            .push(" AND s.kind = ")
            .bind(StateKind::Balance.code());
        if let Some(c) = chain_id {
            q.push(" AND s.chain_id = ").bind_u64("chain_id", c)?;
        }
        q.push(") ON 1 = 1 WHERE c.chain_id = ")
            .bind_u64("chain_id", block_of)?;
        q.push(" ORDER BY t.chain_id, t.address");
        let rows = q.fetch_all(self.pool()).await?;
        let block = match rows.first() {
            Some(r) => block_ref(r, block_of, 0)?,
            None => None,
        };
        let mut balances = Vec::with_capacity(rows.len());
        for r in &rows {
            // The chain's row alone (no balance) has no token.
            let token_chain: Option<i64> = r.try_get(3)?;
            if token_chain.is_none() {
                continue;
            }
            balances.push(BalanceRow {
                token: token_from_row(r, 3)?,
                balance: d.u256_from_row(r, 9)?,
            });
        }
        Ok((balances, block))
    }

    /// One page of the holders of `token` on every chain tracking it (only
    /// `chain_id`, if given), each with the token's kind, supply and the
    /// chain's block. Holders rank by the per-account NFT count when the
    /// token's kind is one of `nft_kinds`, else by balance; descending, ties
    /// by account ascending, after `after`, at most `limit`.
    ///
    /// One statement returning one row per chain (the page is aggregated into
    /// one text column): no transaction, one round trip, and no per-row
    /// hand-over from SQLite's worker thread.
    pub async fn holders_page(
        &self,
        token: Address,
        chain_id: Option<ChainId>,
        nft_kinds: [&'static str; 2],
        after: Option<HolderPosition>,
        limit: u32,
    ) -> Result<Vec<HoldersAt>, StoreError> {
        let d = self.dialect();
        let sqlite = d == crate::Dialect::Sqlite;
        let mut q = Sql::new(
            d,
            "SELECT t.chain_id, t.kind, c.indexed_number, c.indexed_hash, c.indexed_timestamp, ",
        );
        q.push(if sqlite {
            "COALESCE((SELECT s.value"
        } else {
            "COALESCE((SELECT s.value::text"
        });
        q.push(" FROM state s WHERE s.chain_id = t.chain_id AND s.kind = ")
            .bind(StateKind::Supply.code())
            .push(" AND s.scope = t.address), ");
        q.push(if sqlite {
            "zeroblob(32)), (SELECT group_concat(hex(h.subject) || ':' || hex(h.value), ',')"
        } else {
            "'0'), (SELECT string_agg(encode(h.subject, 'hex') || ':' || h.value::text, ',')"
        });
        q.push(" FROM (SELECT s.subject, s.value FROM state s WHERE s.chain_id = t.chain_id AND s.kind = CASE WHEN t.kind IN (")
            .bind(nft_kinds[0].to_string())
            .push(", ")
            .bind(nft_kinds[1].to_string())
            .push(") THEN ")
            .bind(StateKind::NftCount.code())
            .push(" ELSE ")
            .bind(StateKind::Balance.code())
            .push(" END AND s.scope = t.address");
        if let Some(HolderPosition { balance, account }) = after {
            q.push(" AND (s.value < ")
                .bind_u256(balance)
                .push(" OR (s.value = ")
                .bind_u256(balance)
                .push(" AND s.subject > ")
                .bind(account.into_word().to_vec())
                .push("))");
        }
        q.push(" ORDER BY s.value DESC, s.subject ASC LIMIT ")
            .bind(i64::from(limit))
            .push(") h) FROM tokens t LEFT JOIN chains c ON c.chain_id = t.chain_id WHERE t.address = ")
            .bind(token.to_vec());
        if let Some(c) = chain_id {
            q.push(" AND t.chain_id = ").bind_u64("chain_id", c)?;
        }
        q.push(" ORDER BY t.chain_id");
        let rows = q.fetch_all(self.pool()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let chain_id = crate::sql::get_u64(r, 0)?;
            let page: Option<String> = r.try_get(6)?;
            let mut holders = match page {
                Some(page) => parse_page(&page, sqlite)?,
                None => Vec::new(),
            };
            // The aggregate's order is not promised: restore the page's.
            holders
                .sort_unstable_by(|a, b| b.balance.cmp(&a.balance).then(a.account.cmp(&b.account)));
            out.push(HoldersAt {
                summary: TokenSummary {
                    chain_id,
                    kind: r.try_get(1)?,
                    block: block_ref(r, chain_id, 2)?,
                    total_supply: d.u256_from_row(r, 5)?,
                },
                holders,
            });
        }
        Ok(out)
    }
}

/// A holders page as [`Store::holders_page`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldersAt {
    /// The token on one chain.
    pub summary: TokenSummary,
    /// The page.
    pub holders: Vec<HolderRow>,
}

/// `subject:value,…` with a hex subject word and a hex (SQLite, 32 bytes)
/// or decimal (PostgreSQL) value.
fn parse_page(page: &str, hex_values: bool) -> Result<Vec<HolderRow>, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt {
        what: format!("holders page item {what:?}"),
    };
    page.split(',')
        .map(|item| {
            let (subject, value) = item.split_once(':').ok_or_else(|| corrupt(item))?;
            let word: B256 = subject.parse().map_err(|_| corrupt(item))?;
            let balance = if hex_values {
                U256::from_str_radix(value, 16)
            } else {
                value.parse::<U256>()
            }
            .map_err(|_| corrupt(item))?;
            Ok(HolderRow {
                account: Address::from_word(word),
                balance,
            })
        })
        .collect()
}
