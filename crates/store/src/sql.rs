//! A small SQL builder whose placeholders suit each engine: numbered (`$1`)
//! for PostgreSQL, anonymous (`?`) for SQLite.
//!
//! sqlx's `QueryBuilder<Any>` always writes `?`, which PostgreSQL rejects. SQL text
//! only ever comes from `&'static str` fragments here; every value is bound.

use alloy_primitives::U256;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Arguments, AssertSqlSafe, Encode, Type};

use crate::{Dialect, StoreError};

/// SQL under construction plus its bound arguments.
pub(crate) struct Sql {
    text: String,
    args: AnyArguments,
    count: usize,
    dialect: Dialect,
    cache: Option<bool>,
}

impl Sql {
    pub(crate) fn new(dialect: Dialect, text: &'static str) -> Self {
        Self {
            text: text.to_string(),
            args: AnyArguments::default(),
            count: 0,
            dialect,
            cache: None,
        }
    }

    /// Whether to keep the prepared statement on the connection. By default
    /// only small statements are kept: a bulk statement of an odd row count
    /// is unlikely to recur, and SQLite holds megabytes per cached one.
    pub(crate) fn cache(&mut self, keep: bool) -> &mut Self {
        self.cache = Some(keep);
        self
    }

    /// The engine this SQL is written for.
    pub(crate) fn dialect(&self) -> Dialect {
        self.dialect
    }

    fn persistent(&self) -> bool {
        self.cache.unwrap_or(self.count <= 64)
    }

    /// Appends a fixed SQL fragment.
    pub(crate) fn push(&mut self, fragment: &'static str) -> &mut Self {
        self.text.push_str(fragment);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub(crate) fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: for<'q> Encode<'q, Any> + Type<Any> + Send + 'static,
    {
        self.count += 1;
        match self.dialect {
            // Anonymous and positional: sqlx-sqlite looks up the name of every
            // named parameter, which SQLite finds by a linear scan, making a
            // statement with n `$N` parameters cost O(n^2) to bind (55 s for
            // a 100k-event batch). Binds are appended in order, so `?` is exact.
            Dialect::Sqlite => self.text.push('?'),
            Dialect::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.count.to_string());
            }
        }
        // Adding to AnyArguments only fails for types Any cannot carry, and
        // every type bound here (ints, strings, byte vectors) is one it can.
        self.args
            .add(value)
            .expect("Any carries ints, strings and bytes");
        self
    }

    /// Appends `prefix`, a placeholder bound to each of `values` (comma
    /// separated) and `)`: the list of an `IN (`.
    pub(crate) fn bind_list<T, I>(&mut self, prefix: &'static str, values: I) -> &mut Self
    where
        T: for<'q> Encode<'q, Any> + Type<Any> + Send + 'static,
        I: IntoIterator<Item = T>,
    {
        self.push(prefix);
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self.push(")")
    }

    /// Appends a placeholder bound to a uint256 in this engine's column form.
    pub(crate) fn bind_u256(&mut self, value: U256) -> &mut Self {
        match self.dialect {
            Dialect::Sqlite => self.bind(value.to_be_bytes_vec()),
            Dialect::Postgres => {
                self.push("CAST(");
                self.bind(value.to_string());
                self.push(" AS NUMERIC(78,0))")
            }
        }
    }

    /// Appends a placeholder bound to a u64 stored as a signed 64-bit integer.
    pub(crate) fn bind_u64(
        &mut self,
        what: &'static str,
        value: u64,
    ) -> Result<&mut Self, StoreError> {
        let v = i64::try_from(value).map_err(|_| StoreError::OutOfRange { what, value })?;
        Ok(self.bind(v))
    }

    pub(crate) async fn execute<'e, E>(self, executor: E) -> Result<u64, StoreError>
    where
        E: sqlx::Executor<'e, Database = Any>,
    {
        let persistent = self.persistent();
        let done = sqlx::query_with(AssertSqlSafe(self.text), self.args)
            .persistent(persistent)
            .execute(executor)
            .await?;
        Ok(done.rows_affected())
    }

    pub(crate) async fn fetch_all<'e, E>(self, executor: E) -> Result<Vec<AnyRow>, StoreError>
    where
        E: sqlx::Executor<'e, Database = Any>,
    {
        let persistent = self.persistent();
        Ok(sqlx::query_with(AssertSqlSafe(self.text), self.args)
            .persistent(persistent)
            .fetch_all(executor)
            .await?)
    }

    pub(crate) async fn fetch_optional<'e, E>(
        self,
        executor: E,
    ) -> Result<Option<AnyRow>, StoreError>
    where
        E: sqlx::Executor<'e, Database = Any>,
    {
        let persistent = self.persistent();
        Ok(sqlx::query_with(AssertSqlSafe(self.text), self.args)
            .persistent(persistent)
            .fetch_optional(executor)
            .await?)
    }
}

/// Most bound values one statement may carry on both engines (SQLite's
/// default limit is 32766, PostgreSQL's 65535).
pub(crate) const MAX_BINDS: usize = 30_000;

/// Reads a non-negative 64-bit column as u64.
pub(crate) fn get_u64(row: &AnyRow, idx: usize) -> Result<u64, StoreError> {
    use sqlx::Row;
    let v: i64 = row.try_get(idx)?;
    u64::try_from(v).map_err(|_| StoreError::Corrupt {
        what: format!("negative integer {v}"),
    })
}

/// Reads a 32-byte column as a B256.
pub(crate) fn get_b256(row: &AnyRow, idx: usize) -> Result<alloy_primitives::B256, StoreError> {
    use sqlx::Row;
    let v: Vec<u8> = row.try_get(idx)?;
    if v.len() != 32 {
        return Err(StoreError::Corrupt {
            what: format!("hash of {} bytes", v.len()),
        });
    }
    Ok(alloy_primitives::B256::from_slice(&v))
}

/// Reads a 20-byte column as an Address.
pub(crate) fn get_address(
    row: &AnyRow,
    idx: usize,
) -> Result<alloy_primitives::Address, StoreError> {
    use sqlx::Row;
    let v: Vec<u8> = row.try_get(idx)?;
    if v.len() != 20 {
        return Err(StoreError::Corrupt {
            what: format!("address of {} bytes", v.len()),
        });
    }
    Ok(alloy_primitives::Address::from_slice(&v))
}
