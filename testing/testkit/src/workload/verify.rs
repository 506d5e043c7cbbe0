//! Checking a finished workload against the chain.

use std::collections::HashMap;

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
};
use futures::{StreamExt, TryStreamExt, stream};

use super::{CONCURRENCY, WorkloadSummary};
use crate::{TestChain, TestkitError};

impl TestChain {
    /// Every sender's on-chain nonce must equal the next nonce we would use: proof that every
    /// sent transaction was mined.
    pub(super) async fn check_nonces(
        &self,
        nonces: &HashMap<Address, u64>,
    ) -> Result<(), TestkitError> {
        for (sender, expected) in nonces {
            let actual = self
                .provider()
                .get_transaction_count(*sender)
                .await
                .map_err(TestkitError::rpc("eth_getTransactionCount"))?;
            if actual != *expected {
                return Err(TestkitError::WorkloadMismatch {
                    detail: format!("{sender} has nonce {actual} on chain, expected {expected}"),
                });
            }
        }
        Ok(())
    }

    pub(super) async fn read_balances(
        &self,
        token: Address,
        accounts: &[Address],
    ) -> Result<Vec<(Address, U256)>, TestkitError> {
        stream::iter(accounts.iter().copied())
            .map(|account| async move { Ok((account, self.balance_of(token, account, None).await?)) })
            .buffered(CONCURRENCY)
            .try_collect()
            .await
    }

    pub(super) async fn verify_workload(
        &self,
        summary: &WorkloadSummary,
    ) -> Result<(), TestkitError> {
        let supply = self
            .total_supply(summary.token, Some(summary.last_block))
            .await?;
        if supply != summary.total_supply {
            return Err(TestkitError::WorkloadMismatch {
                detail: format!("totalSupply is {supply}, expected {}", summary.total_supply),
            });
        }
        for (account, actual) in self.read_balances(summary.token, &summary.accounts).await? {
            let expected = summary.balances.get(&account).copied().unwrap_or_default();
            if actual != expected {
                return Err(TestkitError::WorkloadMismatch {
                    detail: format!("balanceOf({account}) is {actual}, expected {expected}"),
                });
            }
        }
        Ok(())
    }
}
