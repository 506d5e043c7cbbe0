//! Per-chain leases: which process works a chain, and fencing of the ones
//! that lost it.
//!
//! On PostgreSQL the lease is a session advisory lock held on a dedicated
//! connection: when the holder dies its connection closes, the server drops
//! the lock, and a waiting process takes it on its next try. On SQLite (one
//! process per file) it is an OS file lock beside the database.
//!
//! Each acquisition also bumps the chain's `epoch` in `leases`. A batch
//! carrying the epoch it was built under ([`crate::write::Batch::lease_epoch`])
//! commits only while that epoch is current, so a holder that lost its lock
//! without noticing (a stalled process, a dropped connection) cannot write.

use std::fs::File;

use sqlx::{Any, AnyConnection, Connection, Row, Transaction};
use tributary_types::ChainId;

use crate::ops::now_ms;
use crate::sql::{Sql, get_u64};
use crate::{Dialect, Store, StoreError};

/// High half of the advisory lock key: "TRIB", so our locks are easy to
/// tell apart in `pg_locks`.
const LOCK_NAMESPACE: i64 = 0x5452_4942 << 32;

/// A claim on one chain's lease, held or not yet.
#[derive(Debug)]
pub struct Lease {
    store: Store,
    chain_id: ChainId,
    holder: String,
    /// PostgreSQL: the connection whose session holds the advisory lock.
    conn: Option<AnyConnection>,
    /// SQLite: the locked file.
    file: Option<File>,
    epoch: Option<u64>,
}

impl Store {
    /// A claim on `chain_id`'s lease for `holder` (a printable name such as
    /// `host:pid`). Nothing is locked until [`Lease::try_acquire`].
    pub fn lease(&self, chain_id: ChainId, holder: &str) -> Lease {
        Lease {
            store: self.clone(),
            chain_id,
            holder: holder.to_string(),
            conn: None,
            file: None,
            epoch: None,
        }
    }

    /// The current lease epoch and holder of `chain_id`, if it was ever leased.
    pub async fn lease_holder(
        &self,
        chain_id: ChainId,
    ) -> Result<Option<(u64, String)>, StoreError> {
        let mut q = Sql::new(
            self.dialect,
            "SELECT epoch, holder FROM leases WHERE chain_id = ",
        );
        q.bind_u64("chain_id", chain_id)?;
        match q.fetch_optional(self.pool()).await? {
            Some(r) => Ok(Some((get_u64(&r, 0)?, r.try_get(1)?))),
            None => Ok(None),
        }
    }
}

impl Lease {
    /// The epoch of the held lease (`None`: not held).
    pub fn epoch(&self) -> Option<u64> {
        self.epoch
    }

    /// Takes the lease if nobody holds it. Returns the new epoch, or `None`
    /// when another process holds it (try again later). Already held: the
    /// current epoch.
    pub async fn try_acquire(&mut self) -> Result<Option<u64>, StoreError> {
        if self.epoch.is_some() {
            return self.check().await.map(Some);
        }
        let got = match self.store.dialect {
            Dialect::Postgres => self.try_lock_postgres().await?,
            Dialect::Sqlite => self.try_lock_file().await?,
        };
        if !got {
            return Ok(None);
        }
        let epoch = match &mut self.conn {
            Some(conn) => bump_epoch(conn, self.store.dialect, self.chain_id, &self.holder).await?,
            None => {
                let mut conn = self.store.writer().acquire().await?;
                bump_epoch(&mut conn, self.store.dialect, self.chain_id, &self.holder).await?
            }
        };
        tracing::info!(chain_id = self.chain_id, epoch, holder = %self.holder, "lease acquired");
        self.epoch = Some(epoch);
        Ok(Some(epoch))
    }

    /// Confirms the lease is still ours: the lock connection answers and no
    /// one has taken a newer epoch. Returns the epoch, or
    /// [`StoreError::LeaseLost`] (the lease is then released).
    pub async fn check(&mut self) -> Result<u64, StoreError> {
        let Some(epoch) = self.epoch else {
            return Err(self.lost(None, None));
        };
        let current = match &mut self.conn {
            Some(conn) => read_epoch(conn, self.store.dialect, self.chain_id).await,
            None => {
                let mut conn = self.store.pool().acquire().await?;
                read_epoch(&mut conn, self.store.dialect, self.chain_id).await
            }
        };
        match current {
            Ok(Some(c)) if c == epoch => Ok(epoch),
            Ok(found) => Err(self.lost(Some(epoch), found)),
            // The lock's session is gone with its connection.
            Err(e) if self.conn.is_some() => {
                tracing::warn!(chain_id = self.chain_id, error = %e, "lease connection failed");
                Err(self.lost(Some(epoch), None))
            }
            Err(e) => Err(e),
        }
    }

    /// Gives the lease up (a waiting process takes over at its next try).
    pub async fn release(&mut self) {
        self.epoch = None;
        self.file = None;
        if let Some(mut conn) = self.conn.take() {
            // Unlock explicitly: closing the connection frees the lock only
            // when the server has ended the session, and a standby asking
            // right after would still find it held.
            let key = LOCK_NAMESPACE | (self.chain_id & 0xffff_ffff) as i64;
            let mut q = Sql::new(Dialect::Postgres, "SELECT pg_advisory_unlock(");
            q.bind(key).push(")");
            let _ = q.fetch_optional(&mut conn).await;
            let _ = conn.close().await;
        }
    }

    fn lost(&mut self, epoch: Option<u64>, current: Option<u64>) -> StoreError {
        self.epoch = None;
        self.file = None;
        self.conn = None;
        StoreError::LeaseLost {
            chain_id: self.chain_id,
            epoch,
            current,
        }
    }

    async fn try_lock_postgres(&mut self) -> Result<bool, StoreError> {
        if self.conn.is_none() {
            // Detached: the lock lives as long as this session, which must
            // not go back to the pool and serve other queries.
            self.conn = Some(self.store.writer().acquire().await?.detach());
        }
        let Some(conn) = self.conn.as_mut() else {
            return Ok(false);
        };
        let key = LOCK_NAMESPACE | (self.chain_id & 0xffff_ffff) as i64;
        let mut q = Sql::new(Dialect::Postgres, "SELECT pg_try_advisory_lock(");
        q.bind(key).push(")");
        let result = q.fetch_optional(&mut *conn).await;
        match result {
            Ok(Some(row)) => Ok(row.try_get::<bool, _>(0)?),
            Ok(None) => Ok(false),
            Err(e) => {
                // A broken waiting connection is replaced on the next try.
                self.conn = None;
                Err(e)
            }
        }
    }

    async fn try_lock_file(&mut self) -> Result<bool, StoreError> {
        let mut conn = self.store.pool().acquire().await?;
        let row = sqlx::query("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .fetch_optional(&mut *conn)
            .await?;
        let path: String = match row {
            Some(r) => r.try_get(0)?,
            None => String::new(),
        };
        if path.is_empty() {
            // In-memory database: only this process can reach it.
            return Ok(true);
        }
        let lock_path = format!("{path}.chain-{}.lock", self.chain_id);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| StoreError::Corrupt {
                what: format!("cannot open lock file {lock_path}: {e}"),
            })?;
        match file.try_lock() {
            Ok(()) => {
                self.file = Some(file);
                Ok(true)
            }
            Err(std::fs::TryLockError::WouldBlock) => Ok(false),
            Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Corrupt {
                what: format!("cannot lock {lock_path}: {e}"),
            }),
        }
    }
}

async fn bump_epoch(
    conn: &mut AnyConnection,
    d: Dialect,
    chain_id: ChainId,
    holder: &str,
) -> Result<u64, StoreError> {
    let mut q = Sql::new(
        d,
        "INSERT INTO leases (chain_id, epoch, holder, acquired_at) VALUES (",
    );
    q.bind_u64("chain_id", chain_id)?
        .push(", 1, ")
        .bind(holder.to_string())
        .push(", ")
        .bind(now_ms())
        .push(
            ") ON CONFLICT (chain_id) DO UPDATE SET epoch = leases.epoch + 1, \
             holder = excluded.holder, acquired_at = excluded.acquired_at RETURNING epoch",
        );
    let row = q
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::Corrupt {
            what: "lease upsert returned no row".into(),
        })?;
    get_u64(&row, 0)
}

async fn read_epoch(
    conn: &mut AnyConnection,
    d: Dialect,
    chain_id: ChainId,
) -> Result<Option<u64>, StoreError> {
    let mut q = Sql::new(d, "SELECT epoch FROM leases WHERE chain_id = ");
    q.bind_u64("chain_id", chain_id)?;
    q.fetch_optional(&mut *conn)
        .await?
        .map(|r| get_u64(&r, 0))
        .transpose()
}

/// Inside a commit: refuses it unless `epoch` is the chain's current lease
/// epoch. On PostgreSQL the row is share-locked, so a takeover (which
/// updates it) waits for this commit and every later commit sees the new
/// epoch.
pub(crate) async fn check_fence(
    tx: &mut Transaction<'static, Any>,
    d: Dialect,
    chain_id: ChainId,
    epoch: u64,
) -> Result<(), StoreError> {
    let mut q = Sql::new(d, "SELECT epoch FROM leases WHERE chain_id = ");
    q.bind_u64("chain_id", chain_id)?;
    if d == Dialect::Postgres {
        q.push(" FOR SHARE");
    }
    let current = q
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| get_u64(&r, 0))
        .transpose()?;
    if current == Some(epoch) {
        Ok(())
    } else {
        Err(StoreError::LeaseLost {
            chain_id,
            epoch: Some(epoch),
            current,
        })
    }
}
