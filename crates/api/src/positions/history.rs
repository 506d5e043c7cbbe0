//! Hourly history of portfolios and pools, recorded as the chain is indexed.
//!
//! After every commit whose block starts a new hour (by block timestamp),
//! the [`HistoryRecorder`] values every account holding a position and every
//! pool at that block, in one snapshot, and files the points under that hour.
//! A point is therefore exact for the block it names; the hour it is filed
//! under is the hour of that block. A reorg deletes the points of the blocks
//! it undid. Points are derived from indexed state only, so a `rebuild`
//! (which reproduces the same state) leaves them as they are.

use std::collections::HashMap;

use alloy_primitives::Address;
use serde_json::{Value, json};
use tokio::sync::broadcast;
use tributary_store::history::{HistoryPoint, Series};
use tributary_store::{Store, StoreError};
use tributary_types::{ChainId, ChangeNotice};

use tributary_config::ContractKind;

use super::{Catalog, Loader};

/// Seconds in a history bucket.
pub const BUCKET_SECONDS: u64 = 3600;

/// Files hourly points from change notices.
#[derive(Debug)]
pub struct HistoryRecorder {
    store: Store,
    catalog: Catalog,
    /// Latest hour filed per chain (read from the store on first use).
    last: HashMap<ChainId, Option<u64>>,
}

impl HistoryRecorder {
    /// A recorder writing to `store` for the position contracts of `catalog`.
    pub fn new(store: Store, catalog: Catalog) -> Self {
        Self {
            store,
            catalog,
            last: HashMap::new(),
        }
    }

    /// Follows `notices` until the channel closes. Errors are logged and the
    /// hour is tried again at the next commit.
    pub async fn run(mut self, mut notices: broadcast::Receiver<ChangeNotice>) {
        loop {
            let notice = match notices.recv().await {
                Ok(n) => n,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            if let Err(e) = self.on_notice(&notice).await {
                tracing::warn!(error = %e, "history: could not record; retrying at the next commit");
            }
        }
    }

    /// Handles one notice; returns how many points were filed.
    pub async fn on_notice(&mut self, notice: &ChangeNotice) -> Result<usize, StoreError> {
        let chain_id = notice.chain_id();
        if !self.catalog.has_positions(chain_id) {
            return Ok(0);
        }
        match notice {
            ChangeNotice::Reorg { from_block, .. } => {
                self.store.drop_history_from(chain_id, *from_block).await?;
                let last = self.store.last_history_bucket(chain_id).await?;
                self.last.insert(chain_id, last);
                Ok(0)
            }
            ChangeNotice::Committed { .. } => self.record(chain_id).await,
        }
    }

    /// Values everything at the indexed block when it starts a new hour.
    async fn record(&mut self, chain_id: ChainId) -> Result<usize, StoreError> {
        let last = match self.last.get(&chain_id) {
            Some(l) => *l,
            None => self.store.last_history_bucket(chain_id).await?,
        };
        let accounts = self.store.known_accounts(chain_id).await?;
        let mut snap = self.store.snapshot().await?;
        let Some(block) = snap.indexed_block(chain_id).await? else {
            snap.finish().await?;
            return Ok(0);
        };
        let bucket = block.timestamp - block.timestamp % BUCKET_SECONDS;
        if last.is_some_and(|l| l >= bucket) {
            snap.finish().await?;
            return Ok(0);
        }
        let point = |data: Value| HistoryPoint {
            bucket,
            block_number: block.number,
            data: data.to_string(),
        };
        let mut account_points = Vec::new();
        let mut pool_points = Vec::new();
        {
            let mut loader = Loader::new(&mut snap, &self.store, &self.catalog, chain_id).await?;
            for account in accounts {
                let positions = loader.account(account, block.timestamp).await?;
                if positions.lp.is_empty()
                    && positions.vaults.is_empty()
                    && positions.locks.is_empty()
                    && positions.savings.is_empty()
                    && positions.stability.is_empty()
                    && positions.erc4626.is_empty()
                    && positions.rewards.is_empty()
                {
                    continue;
                }
                let portfolio = tributary_portfolio::value(&positions);
                account_points.push((account, point(account_point(&portfolio))));
            }
            for pair in pairs(&self.store, &self.catalog, chain_id).await? {
                if let Some(input) = loader.pool(pair).await? {
                    let pool = tributary_portfolio::pool(&input, block.timestamp);
                    pool_points.push((
                        pair,
                        point(json!({"tvl_usd": pool.tvl_usd, "apr": pool.apr})),
                    ));
                }
            }
        }
        snap.finish().await?;
        self.store
            .record_history(chain_id, Series::Account, &account_points)
            .await?;
        self.store
            .record_history(chain_id, Series::Pool, &pool_points)
            .await?;
        self.last.insert(chain_id, Some(bucket));
        Ok(account_points.len() + pool_points.len())
    }
}

/// The history point of a portfolio: its totals and its lowest health factor.
fn account_point(p: &tributary_portfolio::Portfolio) -> Value {
    let health_factor = p
        .vault_positions
        .iter()
        .filter_map(|v| v.health_factor)
        .reduce(f64::min);
    json!({
        "net_worth_usd": p.totals.net_worth_usd,
        "lp_value_usd": p.totals.lp_value_usd,
        "collateral_value_usd": p.totals.collateral_value_usd,
        "debt_usd": p.totals.debt_usd,
        "locked_value_usd": p.totals.locked_value_usd,
        "health_factor": health_factor,
    })
}

/// Every pair of `chain_id`.
async fn pairs(
    store: &Store,
    catalog: &Catalog,
    chain_id: ChainId,
) -> Result<Vec<Address>, StoreError> {
    let mut out = Vec::new();
    for e in catalog.of(chain_id, ContractKind::UniswapV2Pair) {
        out.extend(super::addresses(store, chain_id, e).await?);
    }
    Ok(out)
}
