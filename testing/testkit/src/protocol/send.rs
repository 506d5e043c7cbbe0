//! Sending [`Action`]s as any account: one at a time with a receipt ([`Protocol::act`]), or
//! many per block ([`Protocol::act_batch`], and the workload through [`BatchSender`]).
//!
//! Every transaction goes through anvil's `eth_sendUnsignedTransaction`, which skips the
//! signature: any address can act (impersonation), so hundreds of users need no keys.

use std::collections::HashMap;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, U64, U256},
    providers::{PendingTransactionBuilder, Provider, ext::AnvilApi},
    rpc::types::TransactionRequest,
};

use super::{Action, Protocol};
use crate::{Mined, TestChain, TestkitError};

/// How many blocks one batch may take before the pool must be empty.
const MAX_BLOCKS_PER_BATCH: usize = 64;

/// What [`Protocol::act_batch`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOutcome {
    /// The blocks mined (usually one).
    pub blocks: Vec<u64>,
    /// Transactions sent.
    pub sent: usize,
    /// Hashes of the transactions that were mined but reverted.
    pub reverted: Vec<B256>,
}

impl Protocol {
    /// Sets the ETH balance of `account` to `wei` (`anvil_setBalance`), so it can pay for gas.
    pub async fn fund_eth(
        chain: &TestChain,
        account: Address,
        wei: U256,
    ) -> Result<(), TestkitError> {
        chain
            .provider()
            .anvil_set_balance(account, wei)
            .await
            .map_err(TestkitError::rpc("anvil_setBalance"))
    }

    /// Moves the chain's clock forward by `seconds` (`evm_increaseTime`); the next mined
    /// block carries the new time.
    pub async fn increase_time(chain: &TestChain, seconds: u64) -> Result<(), TestkitError> {
        chain
            .provider()
            .anvil_increase_time(seconds)
            .await
            .map_err(TestkitError::rpc("evm_increaseTime"))
            .map(|_| ())
    }

    /// Sends `action` from `sender` (any address with ETH for gas: it is impersonated) and
    /// waits for its receipt. Gas is estimated first, so a call that would revert fails with
    /// the node's revert reason instead of being mined. Automine must be on.
    pub async fn act(
        &self,
        chain: &TestChain,
        sender: Address,
        action: &Action,
    ) -> Result<Mined, TestkitError> {
        let (to, input) = action.call(self, sender);
        let request = TransactionRequest::default()
            .with_from(sender)
            .with_to(to)
            .with_input(input);
        let estimate = chain
            .provider()
            .estimate_gas(request.clone())
            .await
            .map_err(TestkitError::rpc(action.name()))?;
        let hash = chain
            .provider()
            .eth_send_unsigned_transaction(request.with_gas_limit(estimate + estimate / 4 + 10_000))
            .await
            .map_err(TestkitError::rpc("eth_sendUnsignedTransaction"))?;
        let pending = PendingTransactionBuilder::new(chain.provider().root().clone(), hash);
        TestChain::confirm(action.name(), pending).await
    }

    /// Sends every `(sender, action)` in order with automine off, then mines until the pool is
    /// empty and restores automine. The sum of the actions' [`Action::gas_limit`]s must fit in
    /// one block: anvil drops a sender's later transactions when one does not fit. Reverted
    /// transactions do not fail the call: they are listed in the outcome.
    pub async fn act_batch(
        &self,
        chain: &TestChain,
        actions: &[(Address, Action)],
    ) -> Result<BatchOutcome, TestkitError> {
        let automine = chain.automine().await?;
        chain.set_automine(false).await?;
        let outcome = async {
            let mut sender = BatchSender::new(chain).await?;
            let mut hashes = Vec::with_capacity(actions.len());
            for (from, action) in actions {
                hashes.push(sender.send(chain, self, *from, action).await?);
            }
            let blocks = mine_pool(chain, None).await?;
            let reverted = silent_in(chain, &hashes, &blocks).await?;
            Ok(BatchOutcome {
                blocks,
                sent: actions.len(),
                reverted,
            })
        }
        .await;
        let restored = chain.set_automine(automine).await;
        let outcome = outcome?;
        restored?;
        Ok(outcome)
    }
}

/// Sends fully specified transactions (nonce, gas limit, fees) so that many can wait in the
/// pool for one block; keeps each sender's next nonce.
#[derive(Debug)]
pub(crate) struct BatchSender {
    chain_id: u64,
    max_fee: u128,
    priority_fee: u128,
    nonces: HashMap<Address, u64>,
}

impl BatchSender {
    /// Fees generous enough for the next blocks, from the latest base fee.
    pub(crate) async fn new(chain: &TestChain) -> Result<Self, TestkitError> {
        let latest = chain
            .provider()
            .get_block_by_number(Default::default())
            .await
            .map_err(TestkitError::rpc("eth_getBlockByNumber"))?
            .ok_or(TestkitError::MissingField {
                what: "latest block",
            })?;
        let base_fee = u128::from(latest.header.base_fee_per_gas.unwrap_or(1_000_000_000));
        Ok(Self {
            chain_id: chain.chain_id(),
            max_fee: base_fee * 10 + 100_000_000_000,
            priority_fee: 1_000_000_000,
            nonces: HashMap::new(),
        })
    }

    /// Sends `action` from `from` without waiting; returns its hash.
    pub(crate) async fn send(
        &mut self,
        chain: &TestChain,
        protocol: &Protocol,
        from: Address,
        action: &Action,
    ) -> Result<B256, TestkitError> {
        let nonce = match self.nonces.get(&from) {
            Some(nonce) => *nonce,
            None => chain
                .provider()
                .get_transaction_count(from)
                .pending()
                .await
                .map_err(TestkitError::rpc("eth_getTransactionCount"))?,
        };
        self.nonces.insert(from, nonce + 1);
        let (to, input) = action.call(protocol, from);
        let request = TransactionRequest::default()
            .with_from(from)
            .with_to(to)
            .with_input(input)
            .with_nonce(nonce)
            .with_chain_id(self.chain_id)
            .with_gas_limit(action.gas_limit())
            .with_max_fee_per_gas(self.max_fee)
            .with_max_priority_fee_per_gas(self.priority_fee);
        chain
            .provider()
            .eth_send_unsigned_transaction(request)
            .await
            .map_err(TestkitError::rpc("eth_sendUnsignedTransaction"))
    }
}

/// Mines blocks until the pool is empty and returns their numbers. With `timestamp`, the
/// first block gets that time and any further one a second more each.
pub(crate) async fn mine_pool(
    chain: &TestChain,
    timestamp: Option<u64>,
) -> Result<Vec<u64>, TestkitError> {
    let mut blocks = Vec::new();
    for extra in 0..MAX_BLOCKS_PER_BATCH as u64 {
        if let Some(timestamp) = timestamp {
            chain
                .provider()
                .anvil_set_next_block_timestamp(timestamp + extra)
                .await
                .map_err(TestkitError::rpc("evm_setNextBlockTimestamp"))?;
        }
        chain.mine_one().await?;
        blocks.push(chain.head().await?);
        let status: TxpoolStatus = chain
            .provider()
            .client()
            .request_noparams("txpool_status")
            .await
            .map_err(TestkitError::rpc("txpool_status"))?;
        if status.pending.is_zero() && status.queued.is_zero() {
            return Ok(blocks);
        }
    }
    // Name a few of the stuck transactions: a nonce gap or a fee below the base fee.
    let inspect: serde_json::Value = chain
        .provider()
        .client()
        .request_noparams("txpool_inspect")
        .await
        .map_err(TestkitError::rpc("txpool_inspect"))?;
    let mut stuck = inspect.to_string();
    stuck.truncate(600);
    Err(TestkitError::WorkloadMismatch {
        detail: format!("transactions still pending after {MAX_BLOCKS_PER_BATCH} blocks: {stuck}"),
    })
}

/// The `txpool_status` answer.
#[derive(Debug, serde::Deserialize)]
struct TxpoolStatus {
    pending: U64,
    queued: U64,
}

/// The transactions among `hashes` that left no log in `blocks` (every [`Action`] logs at
/// least one event when it succeeds, so these reverted). Much cheaper than receipts on anvil.
pub(crate) async fn silent_in(
    chain: &TestChain,
    hashes: &[B256],
    blocks: &[u64],
) -> Result<Vec<B256>, TestkitError> {
    let (Some(first), Some(last)) = (blocks.first(), blocks.last()) else {
        return Ok(hashes.to_vec());
    };
    let filter = alloy::rpc::types::Filter::new()
        .from_block(*first)
        .to_block(*last);
    let logs = chain
        .provider()
        .get_logs(&filter)
        .await
        .map_err(TestkitError::rpc("eth_getLogs"))?;
    let logged: std::collections::HashSet<B256> =
        logs.iter().filter_map(|log| log.transaction_hash).collect();
    Ok(hashes
        .iter()
        .copied()
        .filter(|h| !logged.contains(h))
        .collect())
}
