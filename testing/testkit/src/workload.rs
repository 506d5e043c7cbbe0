//! The Transfer workload generator: hundreds of thousands of ERC-20 `Transfer` events among
//! many accounts, deterministic for a seed, packed many transactions per block.
//!
//! Scheme: every dev account is minted a large balance, then each round plans up to
//! `txs_per_block` batches (`batchTransfer` from dev accounts, `batchMint`, and `batchTransfer`
//! from random holders impersonated with `eth_sendUnsignedTransaction`), sends them all with
//! automine off, and mines them with `evm_mine`. Holders only spend what they held before the
//! round, so the final balances do not depend on the order anvil puts transactions in.

mod plan;
mod verify;

use std::{
    collections::{BTreeMap, HashMap},
    time::{Duration, Instant},
};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U64, U256},
    providers::{Provider, ext::AnvilApi},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use futures::{StreamExt, TryStreamExt, stream};

use crate::{TestChain, TestkitError, contracts::TestToken};
use plan::{PlannedTx, Planner, TxKind};

/// Gas reserved per transaction, plus [`GAS_PER_RECIPIENT`] for each recipient (a generous
/// bound: a fresh storage slot, a `Transfer` log and calldata cost about 25k).
const GAS_BASE: u64 = 60_000;
/// Gas reserved per recipient of a batch.
const GAS_PER_RECIPIENT: u64 = 30_000;
/// ETH given to a random holder before it first sends (1000 ETH).
const HOLDER_ETH: u128 = 1_000_000_000_000_000_000_000;
/// Requests in flight at once.
const CONCURRENCY: usize = 16;
/// How many `evm_mine` calls one round may need before the pool must be empty.
const MAX_BLOCKS_PER_ROUND: usize = 64;

/// What [`TestChain::transfer_workload`] generates. Build it with [`WorkloadSpec::new`] and
/// adjust fields as needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadSpec {
    /// At least this many `Transfer` events are emitted (counting the funding mint of each dev
    /// account).
    pub events: u64,
    /// How many random accounts send and receive (besides the dev accounts).
    pub accounts: usize,
    /// Seed of the `StdRng` that picks accounts, amounts and senders.
    pub seed: u64,
    /// Recipients (and so events) per batch transaction; 500 by default.
    pub recipients_per_tx: usize,
    /// Transactions sent before each `evm_mine`, i.e. per block; 100 by default.
    pub txs_per_block: usize,
    /// Percent of batches that are `batchMint`; 10 by default.
    pub mint_tx_percent: u8,
    /// Percent of batches sent by random holders instead of dev accounts; 10 by default.
    pub holder_tx_percent: u8,
    /// Read back `totalSupply` and every touched balance afterwards and fail on a difference;
    /// on by default.
    pub verify: bool,
}

impl WorkloadSpec {
    /// At least `events` Transfer events among `accounts` random accounts, from `seed`.
    pub fn new(events: u64, accounts: usize, seed: u64) -> Self {
        Self {
            events,
            accounts,
            seed,
            recipients_per_tx: 500,
            txs_per_block: 100,
            mint_tx_percent: 10,
            holder_tx_percent: 10,
            verify: true,
        }
    }

    fn validate(&self) -> Result<(), TestkitError> {
        let problem = if self.events == 0 {
            "events must be at least 1"
        } else if self.accounts == 0 {
            "accounts must be at least 1"
        } else if !(1..=2_000).contains(&self.recipients_per_tx) {
            "recipients_per_tx must be between 1 and 2000"
        } else if self.txs_per_block == 0 {
            "txs_per_block must be at least 1"
        } else if u16::from(self.mint_tx_percent) + u16::from(self.holder_tx_percent) > 100 {
            "mint_tx_percent + holder_tx_percent must not exceed 100"
        } else {
            return Ok(());
        };
        Err(TestkitError::InvalidWorkload {
            reason: problem.to_owned(),
        })
    }
}

/// What a workload did, and the state the chain must now be in.
#[derive(Debug, Clone)]
pub struct WorkloadSummary {
    /// The token the workload ran on.
    pub token: Address,
    /// Transfer events emitted (at least the requested number).
    pub events: u64,
    /// Transactions sent.
    pub transactions: u64,
    /// How many of them were `batchTransfer`s sent by random (impersonated) holders.
    pub holder_transactions: u64,
    /// How many of them were `batchMint`s (the funding mint included).
    pub mint_transactions: u64,
    /// First block that contains workload transactions.
    pub first_block: u64,
    /// Last block that contains workload transactions.
    pub last_block: u64,
    /// Every account the workload sent from or to (dev accounts and random ones), sorted.
    pub accounts: Vec<Address>,
    /// The expected `balanceOf` of each of `accounts` at `last_block`.
    pub balances: BTreeMap<Address, U256>,
    /// The expected `totalSupply` at `last_block`.
    pub total_supply: U256,
    /// Wall-clock time the workload took (including verification).
    pub elapsed: Duration,
}

/// Per-run settings shared by every send.
struct Fees {
    chain_id: u64,
    max_fee: u128,
    priority_fee: u128,
}

impl TestChain {
    /// Emits at least `spec.events` Transfer events on `token` (a [`TestToken`]) among
    /// `spec.accounts` random accounts; see the module docs for the scheme. Automine and the
    /// block gas limit are restored afterwards, even on failure.
    pub async fn transfer_workload(
        &self,
        token: Address,
        spec: &WorkloadSpec,
    ) -> Result<WorkloadSummary, TestkitError> {
        spec.validate()?;
        let started = Instant::now();
        let automine = self.automine().await?;
        let latest = self
            .provider()
            .get_block_by_number(Default::default())
            .await
            .map_err(TestkitError::rpc("eth_getBlockByNumber"))?
            .ok_or(TestkitError::MissingField {
                what: "latest block",
            })?;
        let gas_limit = latest.header.gas_limit;
        let base_fee = u128::from(latest.header.base_fee_per_gas.unwrap_or(1_000_000_000));
        let fees = Fees {
            chain_id: self.chain_id(),
            max_fee: base_fee * 2 + 1_000_000_000,
            priority_fee: 1_000_000_000,
        };
        let block_limit = (spec.txs_per_block as u64)
            .saturating_mul(tx_gas(spec.recipients_per_tx))
            .saturating_mul(2)
            .saturating_add(gas_limit);

        self.set_automine(false).await?;
        let outcome = async {
            self.provider()
                .anvil_set_block_gas_limit(block_limit)
                .await
                .map_err(TestkitError::rpc("evm_setBlockGasLimit"))?;
            self.run_workload(token, spec, &fees).await
        }
        .await;
        let restored = self.restore(automine, gas_limit).await;
        let mut summary = outcome?;
        restored?;
        if spec.verify {
            self.verify_workload(&summary).await?;
        }
        summary.elapsed = started.elapsed();
        Ok(summary)
    }

    async fn restore(&self, automine: bool, gas_limit: u64) -> Result<(), TestkitError> {
        self.provider()
            .anvil_set_block_gas_limit(gas_limit)
            .await
            .map_err(TestkitError::rpc("evm_setBlockGasLimit"))?;
        self.set_automine(automine).await
    }

    async fn run_workload(
        &self,
        token: Address,
        spec: &WorkloadSpec,
        fees: &Fees,
    ) -> Result<WorkloadSummary, TestkitError> {
        let mut planner = Planner::new(spec, self.dev_accounts());
        let total_supply = self.total_supply(token, None).await?;
        let initial = if total_supply.is_zero() {
            HashMap::new() // nobody holds anything yet
        } else {
            let everyone: Vec<Address> = planner
                .devs()
                .iter()
                .chain(planner.accounts())
                .copied()
                .collect();
            self.read_balances(token, &everyone)
                .await?
                .into_iter()
                .collect()
        };
        planner.set_initial(initial, total_supply);

        let mut nonces: HashMap<Address, u64> = HashMap::new();
        let first_block = self.head().await? + 1;
        let (mut transactions, mut holder_transactions, mut mint_transactions) = (0u64, 0u64, 0u64);
        let mut round = vec![planner.funding()];
        while !round.is_empty() {
            self.prepare_senders(&round, &mut nonces).await?;
            let requests: Vec<(bool, TransactionRequest)> = round
                .iter()
                .map(|tx| (tx.holder, request(token, tx, &mut nonces, fees)))
                .collect();
            stream::iter(requests)
                .map(|(holder, req)| self.send_planned(holder, req))
                .buffer_unordered(CONCURRENCY)
                .try_collect::<()>()
                .await?;
            self.mine_pool().await?;
            transactions += round.len() as u64;
            holder_transactions += round.iter().filter(|tx| tx.holder).count() as u64;
            mint_transactions += round.iter().filter(|tx| tx.kind == TxKind::Mint).count() as u64;
            planner.apply(&round);
            round = planner.next_round();
        }
        self.check_nonces(&nonces).await?;

        let balances = planner.balances();
        Ok(WorkloadSummary {
            token,
            events: planner.planned_events(),
            transactions,
            holder_transactions,
            mint_transactions,
            first_block,
            last_block: self.head().await?,
            accounts: balances.keys().copied().collect(),
            balances,
            total_supply: planner.total_supply(),
            elapsed: Duration::ZERO,
        })
    }

    /// Fetches the starting nonce of each new sender and funds new holders with ETH for gas.
    async fn prepare_senders(
        &self,
        round: &[PlannedTx],
        nonces: &mut HashMap<Address, u64>,
    ) -> Result<(), TestkitError> {
        for tx in round {
            if nonces.contains_key(&tx.sender) {
                continue;
            }
            if tx.holder {
                self.provider()
                    .anvil_set_balance(tx.sender, U256::from(HOLDER_ETH))
                    .await
                    .map_err(TestkitError::rpc("anvil_setBalance"))?;
            }
            let nonce = self
                .provider()
                .get_transaction_count(tx.sender)
                .pending()
                .await
                .map_err(TestkitError::rpc("eth_getTransactionCount"))?;
            nonces.insert(tx.sender, nonce);
        }
        Ok(())
    }

    async fn send_planned(
        &self,
        holder: bool,
        req: TransactionRequest,
    ) -> Result<(), TestkitError> {
        if holder {
            self.provider()
                .eth_send_unsigned_transaction(req)
                .await
                .map_err(TestkitError::rpc("eth_sendUnsignedTransaction"))?;
        } else {
            // Not waited for: the round is mined, and checked, as a whole.
            let _pending = self
                .provider()
                .send_transaction(req)
                .await
                .map_err(TestkitError::rpc("eth_sendRawTransaction"))?;
        }
        Ok(())
    }

    /// Mines blocks until the transaction pool is empty.
    async fn mine_pool(&self) -> Result<(), TestkitError> {
        for _ in 0..MAX_BLOCKS_PER_ROUND {
            self.mine_one().await?;
            let status: TxpoolStatus = self
                .provider()
                .client()
                .request_noparams("txpool_status")
                .await
                .map_err(TestkitError::rpc("txpool_status"))?;
            if status.pending.is_zero() && status.queued.is_zero() {
                return Ok(());
            }
        }
        Err(TestkitError::WorkloadMismatch {
            detail: format!("transactions still pending after {MAX_BLOCKS_PER_ROUND} blocks"),
        })
    }
}

/// The `txpool_status` answer.
#[derive(Debug, serde::Deserialize)]
struct TxpoolStatus {
    pending: U64,
    queued: U64,
}

/// Gas limit for a batch of `recipients`.
fn tx_gas(recipients: usize) -> u64 {
    GAS_BASE + GAS_PER_RECIPIENT * recipients as u64
}

/// The signed-by-wallet or impersonated request for a planned batch, with every field the
/// fillers would otherwise ask the node for.
fn request(
    token: Address,
    tx: &PlannedTx,
    nonces: &mut HashMap<Address, u64>,
    fees: &Fees,
) -> TransactionRequest {
    let input = match tx.kind {
        TxKind::Mint => TestToken::batchMintCall {
            to: tx.recipients.clone(),
            amounts: tx.amounts.clone(),
        }
        .abi_encode(),
        TxKind::Transfer => TestToken::batchTransferCall {
            to: tx.recipients.clone(),
            amounts: tx.amounts.clone(),
        }
        .abi_encode(),
    };
    let nonce = nonces.entry(tx.sender).or_default();
    let req = TransactionRequest::default()
        .with_from(tx.sender)
        .with_to(token)
        .with_input(input)
        .with_nonce(*nonce)
        .with_chain_id(fees.chain_id)
        .with_gas_limit(tx_gas(tx.recipients.len()))
        .with_max_fee_per_gas(fees.max_fee)
        .with_max_priority_fee_per_gas(fees.priority_fee);
    *nonce += 1;
    req
}
