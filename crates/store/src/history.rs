//! Hourly history points of account portfolios and pools.
//!
//! A point is the valuation (a small JSON document the API defines) of one
//! subject at one block, filed under the hour (unix seconds, a multiple of
//! 3600) that block's timestamp falls in.

use alloy_primitives::Address;
use tributary_types::ChainId;

use crate::sql::{Sql, get_u64};
use crate::{Store, StoreError};

/// What a series of points is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// An account's portfolio totals.
    Account,
    /// A pool's TVL and APR.
    Pool,
}

impl Series {
    fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Pool => "pool",
        }
    }
}

/// One history point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPoint {
    /// Start of the hour, unix seconds.
    pub bucket: u64,
    /// The block valued.
    pub block_number: u64,
    /// The valuation, JSON.
    pub data: String,
}

impl Store {
    /// Files `points` of `series` (subject, point); a point of an hour
    /// already filed replaces it.
    pub async fn record_history(
        &self,
        chain_id: ChainId,
        series: Series,
        points: &[(Address, HistoryPoint)],
    ) -> Result<(), StoreError> {
        let mut tx = self.writer().begin().await?;
        for (subject, p) in points {
            let mut q = Sql::new(
                self.dialect,
                "INSERT INTO history (chain_id, series, subject, bucket, block_number, data) VALUES (",
            );
            q.bind_u64("chain_id", chain_id)?
                .push(", ")
                .bind(series.as_str().to_string())
                .push(", ")
                .bind(subject.to_vec())
                .push(", ");
            q.bind_u64("bucket", p.bucket)?
                .push(", ")
                .bind_u64("block_number", p.block_number)?
                .push(", ")
                .bind(p.data.clone())
                .push(") ON CONFLICT (chain_id, series, subject, bucket) DO UPDATE SET block_number = excluded.block_number, data = excluded.data");
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Points of `subject` from hour `since` on, oldest first.
    pub async fn history(
        &self,
        chain_id: ChainId,
        series: Series,
        subject: Address,
        since: u64,
    ) -> Result<Vec<HistoryPoint>, StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "SELECT bucket, block_number, data FROM history WHERE chain_id = ",
        );
        q.bind_u64("chain_id", chain_id)?
            .push(" AND series = ")
            .bind(series.as_str().to_string())
            .push(" AND subject = ")
            .bind(subject.to_vec())
            .push(" AND bucket >= ");
        q.bind_u64("since", since)?.push(" ORDER BY bucket");
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                use sqlx::Row;
                Ok(HistoryPoint {
                    bucket: get_u64(r, 0)?,
                    block_number: get_u64(r, 1)?,
                    data: r.try_get(2)?,
                })
            })
            .collect()
    }

    /// The latest hour with any point of `chain_id`.
    pub async fn last_history_bucket(&self, chain_id: ChainId) -> Result<Option<u64>, StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "SELECT MAX(bucket) FROM history WHERE chain_id = ",
        );
        q.bind_u64("chain_id", chain_id)?;
        use sqlx::Row;
        let Some(row) = q.fetch_optional(self.pool()).await? else {
            return Ok(None);
        };
        let max: Option<i64> = row.try_get(0)?;
        Ok(max.and_then(|m| u64::try_from(m).ok()))
    }

    /// Deletes the points of blocks from `from_block` on (undone by a reorg).
    pub async fn drop_history_from(
        &self,
        chain_id: ChainId,
        from_block: u64,
    ) -> Result<u64, StoreError> {
        let mut q = Sql::new(self.dialect, "DELETE FROM history WHERE chain_id = ");
        q.bind_u64("chain_id", chain_id)?
            .push(" AND block_number >= ")
            .bind_u64("from_block", from_block)?;
        q.execute(self.writer()).await
    }
}
