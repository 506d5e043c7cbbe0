//! Per-table checksums of what is derived from a chain, to prove that a
//! `rebuild` (or a second indexing of the same chain, on either engine)
//! gives byte-identical data.
//!
//! Each table's rows are read in primary-key order and fed to SHA-256 in a
//! canonical encoding that is the same on SQLite and PostgreSQL: integers as
//! 8 big-endian bytes, uint256 values as 32 big-endian bytes (SQLite stores
//! them so, PostgreSQL as NUMERIC), bytes and text length-prefixed, NULL as
//! its own tag. Text keys are ordered bytewise on both engines (PostgreSQL's
//! default collation would order them by locale).
//!
//! Left out is bookkeeping that depends on when and how the work was done,
//! not on the chain: the run log, leases, projection fingerprints, the head
//! and last error, the undo journal and kept headers (both depend on where
//! batches ended and when blocks became final), and the times and retry
//! counts of dead letters.

use alloy_primitives::U256;
use futures::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Executor, Row};
use tributary_types::ChainId;

use crate::{Dialect, Store, StoreError};

/// The checksum of one table's rows of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableChecksum {
    /// Table name.
    pub table: &'static str,
    /// Rows of the chain in it.
    pub rows: u64,
    /// SHA-256 of the rows' canonical encoding, in primary-key order.
    pub digest: [u8; 32],
}

impl TableChecksum {
    /// The digest as lowercase hex.
    pub fn hex(&self) -> String {
        alloy_primitives::hex::encode(self.digest)
    }
}

/// How a column is read and encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    /// A 64-bit integer (NULL allowed).
    Int,
    /// Bytes (NULL allowed).
    Bytes,
    /// Text (NULL allowed).
    Text,
    /// A uint256 in the engine's column form.
    U256,
}

/// One checksummed table: its columns (SQL expression, kind) and how its
/// rows of one chain are selected and ordered.
struct Table {
    name: &'static str,
    cols: &'static [(&'static str, Col)],
    /// `FROM … WHERE chain_id = ` (the chain id placeholder follows).
    from: &'static str,
    /// Primary-key order; `{C}` marks where text columns get a bytewise collation.
    order: &'static str,
}

/// Every derived table, in the order they are reported.
const TABLES: &[Table] = &[
    Table {
        name: "chains",
        cols: &[
            ("indexed_number", Col::Int),
            ("indexed_hash", Col::Bytes),
            ("indexed_timestamp", Col::Int),
            ("event_count", Col::Int),
        ],
        from: " FROM chains WHERE chain_id = ",
        order: "",
    },
    Table {
        name: "state",
        cols: &[
            ("kind", Col::Int),
            ("scope", Col::Bytes),
            ("subject", Col::Bytes),
            ("value", Col::U256),
        ],
        from: " FROM state WHERE chain_id = ",
        order: " ORDER BY kind, scope, subject",
    },
    Table {
        name: "tokens",
        cols: &[
            ("address", Col::Bytes),
            ("contract", Col::Text),
            ("kind", Col::Text),
            ("symbol", Col::Text),
            ("decimals", Col::Int),
        ],
        from: " FROM tokens WHERE chain_id = ",
        order: " ORDER BY address",
    },
    Table {
        name: "discovered",
        cols: &[
            ("contract", Col::Text),
            ("address", Col::Bytes),
            ("block_number", Col::Int),
            ("log_index", Col::Int),
        ],
        from: " FROM discovered WHERE chain_id = ",
        order: " ORDER BY contract{C}, address",
    },
    Table {
        name: "dead_letters",
        cols: &[
            ("block_number", Col::Int),
            ("log_index", Col::Int),
            ("contract", Col::Text),
            ("tx_hash", Col::Bytes),
            ("event", Col::Text),
            ("payload", Col::Text),
            ("CASE WHEN resolved_at IS NULL THEN 0 ELSE 1 END", Col::Int),
        ],
        from: " FROM dead_letters WHERE chain_id = ",
        order: " ORDER BY block_number, log_index, contract{C}",
    },
    Table {
        name: "state_log",
        cols: &[
            ("kind", Col::Int),
            ("scope", Col::Bytes),
            ("subject", Col::Bytes),
            ("block_number", Col::Int),
            ("block_timestamp", Col::Int),
            ("value", Col::U256),
        ],
        from: " FROM state_log WHERE chain_id = ",
        order: " ORDER BY kind, scope, subject, block_number",
    },
];

/// The names of the checksummed tables, in report order.
pub fn checksummed_tables() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = TABLES.iter().map(|t| t.name).collect();
    names.insert(1, "events");
    names
}

/// The checksum of a chain's events, one row per event as if each had its
/// own row (chunking is how they are stored, not what they are): block,
/// log index, block hash, tx hash, tx index, address, contract, event,
/// args, topics, data, in (block, log index) order.
async fn events_checksum(
    conn: &mut sqlx::AnyConnection,
    d: Dialect,
    chain_id: ChainId,
) -> Result<TableChecksum, StoreError> {
    let mut query = crate::read::EventQuery {
        chain_id: Some(chain_id),
        limit: 10_000,
        ..crate::read::EventQuery::default()
    };
    let mut hasher = Sha256::new();
    let mut rows = 0u64;
    let mut buf = Vec::new();
    loop {
        let page = crate::events::read_events(conn, d, &query).await?;
        let Some(last) = page.last() else { break };
        query.after = Some(crate::events::after(last));
        for e in &page {
            buf.clear();
            let int = |out: &mut Vec<u8>, v: u64| {
                out.push(TAG_INT);
                out.extend_from_slice(&v.to_be_bytes());
            };
            int(&mut buf, e.log.block_number);
            int(&mut buf, e.log.log_index);
            push_len_prefixed(&mut buf, TAG_BYTES, e.log.block_hash.as_slice());
            push_len_prefixed(&mut buf, TAG_BYTES, e.log.tx_hash.as_slice());
            int(&mut buf, e.log.tx_index);
            push_len_prefixed(&mut buf, TAG_BYTES, e.log.address.as_slice());
            push_len_prefixed(&mut buf, TAG_TEXT, e.contract.as_bytes());
            push_len_prefixed(&mut buf, TAG_TEXT, e.event.as_bytes());
            push_len_prefixed(&mut buf, TAG_TEXT, e.args_text()?.as_bytes());
            let topics: Vec<u8> = e.log.topics.iter().flat_map(|t| t.0).collect();
            push_len_prefixed(&mut buf, TAG_BYTES, &topics);
            push_len_prefixed(&mut buf, TAG_BYTES, &e.log.data);
            buf.push(TAG_ROW);
            hasher.update(&buf);
            rows += 1;
        }
    }
    Ok(TableChecksum {
        table: "events",
        rows,
        digest: hasher.finalize().into(),
    })
}

impl Store {
    /// Checksums of every table derived from `chain_id`, all read in one
    /// consistent snapshot.
    pub async fn checksums(&self, chain_id: ChainId) -> Result<Vec<TableChecksum>, StoreError> {
        let id = i64::try_from(chain_id).map_err(|_| StoreError::OutOfRange {
            what: "chain_id",
            value: chain_id,
        })?;
        let mut tx = self.pool().begin().await?;
        if self.dialect == Dialect::Postgres {
            tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await?;
        }
        let mut out = Vec::with_capacity(TABLES.len() + 1);
        for table in TABLES {
            if table.name == "state" {
                out.push(events_checksum(&mut tx, self.dialect, chain_id).await?);
            }
            let sql = select(self.dialect, table);
            let mut rows = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch(&mut *tx);
            let mut hasher = Sha256::new();
            let mut count = 0u64;
            let mut buf = Vec::new();
            while let Some(row) = rows.try_next().await? {
                buf.clear();
                encode_row(self.dialect, table, &row, &mut buf)?;
                hasher.update(&buf);
                count += 1;
            }
            drop(rows);
            out.push(TableChecksum {
                table: table.name,
                rows: count,
                digest: hasher.finalize().into(),
            });
        }
        tx.rollback().await?;
        Ok(out)
    }
}

/// The SELECT of `table` for `dialect`, its one placeholder the chain id.
fn select(d: Dialect, table: &Table) -> String {
    let cols: Vec<String> = table
        .cols
        .iter()
        .map(|(expr, col)| match (d, col) {
            // The text form reads back exactly on PostgreSQL; SQLite's blob is already canonical.
            (Dialect::Postgres, Col::U256) => format!("CAST({expr} AS TEXT)"),
            // One integer type to decode, whatever the column's width.
            (_, Col::Int) => format!("CAST({expr} AS BIGINT)"),
            _ => (*expr).to_string(),
        })
        .collect();
    let placeholder = match d {
        Dialect::Sqlite => "?",
        Dialect::Postgres => "$1",
    };
    let collate = match d {
        Dialect::Sqlite => "",
        Dialect::Postgres => " COLLATE \"C\"",
    };
    format!(
        "SELECT {}{}{placeholder}{}",
        cols.join(", "),
        table.from,
        table.order.replace("{C}", collate)
    )
}

/// Tags of the canonical encoding, so that no two different rows encode alike.
const TAG_NULL: u8 = 0;
const TAG_INT: u8 = 1;
const TAG_BYTES: u8 = 2;
const TAG_TEXT: u8 = 3;
const TAG_U256: u8 = 4;
/// Ends a row.
const TAG_ROW: u8 = 0xff;

fn encode_row(
    d: Dialect,
    table: &Table,
    row: &AnyRow,
    out: &mut Vec<u8>,
) -> Result<(), StoreError> {
    for (i, (expr, col)) in table.cols.iter().enumerate() {
        match col {
            Col::Int => match row.try_get::<Option<i64>, _>(i)? {
                None => out.push(TAG_NULL),
                Some(v) => {
                    out.push(TAG_INT);
                    out.extend_from_slice(&v.to_be_bytes());
                }
            },
            Col::Bytes => match row.try_get::<Option<Vec<u8>>, _>(i)? {
                None => out.push(TAG_NULL),
                Some(v) => push_len_prefixed(out, TAG_BYTES, &v),
            },
            Col::Text => match row.try_get::<Option<String>, _>(i)? {
                None => out.push(TAG_NULL),
                Some(v) => push_len_prefixed(out, TAG_TEXT, v.as_bytes()),
            },
            Col::U256 => {
                let v = u256_at(d, row, i).map_err(|e| StoreError::Corrupt {
                    what: format!("{}.{expr}: {e}", table.name),
                })?;
                out.push(TAG_U256);
                out.extend_from_slice(&v.to_be_bytes::<32>());
            }
        }
    }
    out.push(TAG_ROW);
    Ok(())
}

fn push_len_prefixed(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    out.push(tag);
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// A uint256 column as [`select`] reads it.
fn u256_at(d: Dialect, row: &AnyRow, i: usize) -> Result<U256, StoreError> {
    d.u256_from_row(row, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_differ_only_in_placeholders_casts_and_collation() {
        let state = TABLES.iter().find(|t| t.name == "state").expect("table");
        let lite = select(Dialect::Sqlite, state);
        let pg = select(Dialect::Postgres, state);
        assert!(
            lite.ends_with("WHERE chain_id = ? ORDER BY kind, scope, subject"),
            "{lite}"
        );
        assert!(
            pg.ends_with("WHERE chain_id = $1 ORDER BY kind, scope, subject"),
            "{pg}"
        );
        let discovered = TABLES
            .iter()
            .find(|t| t.name == "discovered")
            .expect("table");
        assert!(select(Dialect::Postgres, discovered).contains("contract COLLATE \"C\", address"));
        assert!(select(Dialect::Sqlite, discovered).ends_with("ORDER BY contract, address"));
        assert!(select(Dialect::Postgres, state).contains("CAST(value AS TEXT)"));
    }

    #[test]
    fn the_encoding_separates_fields() {
        let mut a = Vec::new();
        push_len_prefixed(&mut a, TAG_TEXT, b"ab");
        push_len_prefixed(&mut a, TAG_TEXT, b"c");
        let mut b = Vec::new();
        push_len_prefixed(&mut b, TAG_TEXT, b"a");
        push_len_prefixed(&mut b, TAG_TEXT, b"bc");
        assert_ne!(a, b);
    }
}
