//! What differs between SQLite and PostgreSQL, and nothing else.

use alloy_primitives::U256;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::StoreError;

/// The database engine behind a [`crate::Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite, embedded, WAL mode.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Dialect {
    /// The engine a URL names.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl {
                url: url.split('@').next_back().unwrap_or(url).to_string(),
            })
        }
    }

    /// The URL with defaults this engine needs (SQLite: create the file).
    pub(crate) fn normalize_url(self, url: &str) -> String {
        match self {
            Self::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        }
    }

    /// Statements run on every new connection.
    pub(crate) fn session_setup(self) -> &'static [&'static str] {
        match self {
            // WAL lets API readers run beside the one writer; NORMAL sync is
            // durable across process crashes (the WAL is fsynced at checkpoints).
            // The writer checkpoints only as a backstop (see `crate::wal`).
            Self::Sqlite => &[
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = NORMAL",
                "PRAGMA wal_autocheckpoint = 16384",
                "PRAGMA busy_timeout = 10000",
                "PRAGMA cache_size = -8192",
                "PRAGMA temp_store = MEMORY",
            ],
            // Our statements are prepared once per connection and seek by
            // key, so one generic plan serves every execution. Left to
            // choose, PostgreSQL plans each of a statement's first runs
            // anew, and a portfolio's one many-armed statement then spent
            // more time being planned than executed.
            // No JIT: a generic plan's estimates can pass the JIT cost
            // threshold (a pair's 1M balance rows counted against a
            // 5-key lookup), and compiling on each run took a cache-off
            // portfolio at 1M accounts from milliseconds to seconds.
            // Nothing we run is long enough to repay a compile.
            Self::Postgres => &["SET plan_cache_mode = force_generic_plan", "SET jit = off"],
        }
    }

    /// SQL that reads a uint256 column `col` in the form [`Dialect::u256_from_row`] decodes.
    ///
    /// The PostgreSQL text form gets its own alias: an output column named
    /// `value` would capture `ORDER BY value` and sort the numbers as text.
    pub(crate) fn u256_select(self, col: &'static str) -> &'static str {
        match (self, col) {
            (Self::Sqlite, c) => c,
            (Self::Postgres, "value") => "value::text AS value_text",
            (Self::Postgres, "previous") => "previous::text AS previous_text",
            (Self::Postgres, "s.value") => "s.value::text AS value_text",
            // Only the columns above hold uint256 values.
            (Self::Postgres, c) => c,
        }
    }

    /// Decodes a uint256 read through [`Dialect::u256_select`].
    pub(crate) fn u256_from_row(self, row: &AnyRow, idx: usize) -> Result<U256, StoreError> {
        match self {
            Self::Sqlite => {
                let bytes: Vec<u8> = row.try_get(idx)?;
                if bytes.len() != 32 {
                    return Err(StoreError::Corrupt {
                        what: format!("uint256 of {} bytes", bytes.len()),
                    });
                }
                Ok(U256::from_be_slice(&bytes))
            }
            Self::Postgres => {
                let text: String = row.try_get(idx)?;
                text.parse::<U256>().map_err(|_| StoreError::Corrupt {
                    what: format!("uint256 {text:?}"),
                })
            }
        }
    }
}
