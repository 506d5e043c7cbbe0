//! [`Protocol::run_workload`]: hundreds of users doing random, valid things to every contract,
//! deterministically for a seed, many transactions per block.
//!
//! Rounds, each mined with automine off at a timestamp the workload sets:
//! 1. the owner mints every user WETH, WBTC, GOV and USDP and gives each a reward rate;
//! 2. every user approves the spenders and opens a position everywhere (vault deposit and
//!    borrow, liquidity in both pools, a lock, savings, stability pool, 4626 vault, a vote, an
//!    NFT); one user in five borrows close to the limit;
//! 3. `steps` times: the owner moves the prices (at `steps / 3` WETH drops 20%, putting the
//!    close-to-the-limit users under a health factor of 1.2), then each user does one random
//!    action planned from the state read at the block before. Each step is an hour later,
//!    except step `steps / 2`, 35 days later, so short locks expire and get withdrawn.

mod plan;
mod state;

use std::time::{Duration, Instant};

use alloy::{
    primitives::{Address, B256, U256},
    providers::{Provider, ext::AnvilApi},
};

use super::{
    Action, Protocol,
    send::{BatchSender, mine_pool, silent_in},
};
use crate::{TestChain, TestkitError};
use plan::{DAY, E18, Planner, Snapshot};
use state::{Tracker, read_reserves, read_users};

/// ETH each user gets for gas (a million ETH: gas is never the limit).
const USER_ETH: u128 = 1_000_000 * E18;
/// Block gas limit while the workload runs: room for every user's onboarding in one block.
const WORKLOAD_GAS_LIMIT: u64 = 1_000_000_000;
/// Most gas (by limits) sent for one block: half the block gas limit.
const BLOCK_GAS_BUDGET: u64 = WORKLOAD_GAS_LIMIT / 2;
/// Seconds between the funding and onboarding blocks.
const BLOCK_TIME: u64 = 12;
/// Seconds each random step moves the clock (except the time jump).
const STEP_TIME: u64 = 3_600;
/// The time jump of step `steps / 2`.
const JUMP_TIME: u64 = 35 * DAY;
/// Health factor (1e18-scaled) under which a user is reported at risk.
const AT_RISK_HF: u128 = 1_200_000_000_000_000_000;

/// What [`Protocol::run_workload`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtocolWorkload {
    /// Seed of the `StdRng` choosing users, amounts and actions.
    pub seed: u64,
    /// How many users (fresh addresses, impersonated); at least 2.
    pub users: usize,
    /// How many random rounds after onboarding; each is one block of user actions (and one of
    /// price updates).
    pub steps: usize,
}

/// What a workload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadRun {
    /// The users, in the planner's order.
    pub users: Vec<Address>,
    /// First block with workload transactions.
    pub first_block: u64,
    /// Last block of the workload.
    pub last_block: u64,
    /// Transactions sent.
    pub transactions: u64,
    /// User turns in random rounds where no valid action was found.
    pub skipped: u64,
    /// Transactions that were mined but reverted (the planner aims for none).
    pub reverted: Vec<B256>,
    /// Users whose health factor is below 1.2 at `last_block`.
    pub at_risk: Vec<Address>,
    /// Wall-clock time the workload took.
    pub elapsed: Duration,
}

impl Protocol {
    /// Runs the seeded workload described in the module docs on a chain where this protocol
    /// was just deployed. Automine and the block gas limit are restored afterwards, even on
    /// failure. Reverted transactions do not fail it; they are listed in the result.
    pub async fn run_workload(
        &self,
        chain: &TestChain,
        spec: ProtocolWorkload,
    ) -> Result<WorkloadRun, TestkitError> {
        if spec.users < 2 {
            return Err(TestkitError::InvalidWorkload {
                reason: "the protocol workload needs at least 2 users".to_owned(),
            });
        }
        let started = Instant::now();
        let automine = chain.automine().await?;
        let latest = chain
            .provider()
            .get_block_by_number(Default::default())
            .await
            .map_err(TestkitError::rpc("eth_getBlockByNumber"))?
            .ok_or(TestkitError::MissingField {
                what: "latest block",
            })?;
        let gas_limit = latest.header.gas_limit;
        chain.set_automine(false).await?;
        let outcome = async {
            set_gas_limit(chain, WORKLOAD_GAS_LIMIT).await?;
            let mut runner = Runner {
                chain,
                protocol: self,
                sender: BatchSender::new(chain).await?,
                clock: latest.header.timestamp,
                tracker: Tracker::default(),
                transactions: 0,
                reverted: Vec::new(),
            };
            runner.drive(spec).await
        }
        .await;
        let restored = async {
            set_gas_limit(chain, gas_limit).await?;
            chain.set_automine(automine).await
        }
        .await;
        let mut run = outcome?;
        restored?;
        run.last_block = chain.head().await?;
        for user in &run.users {
            let hf = self
                .health_factor(chain, *user, Some(run.last_block))
                .await?;
            if hf < U256::from(AT_RISK_HF) {
                run.at_risk.push(*user);
            }
        }
        run.elapsed = started.elapsed();
        Ok(run)
    }
}

async fn set_gas_limit(chain: &TestChain, limit: u64) -> Result<(), TestkitError> {
    chain
        .provider()
        .anvil_set_block_gas_limit(limit)
        .await
        .map_err(TestkitError::rpc("evm_setBlockGasLimit"))
        .map(|_| ())
}

/// Sends rounds and keeps the clock, the counters and the NFT tracker.
struct Runner<'a> {
    chain: &'a TestChain,
    protocol: &'a Protocol,
    sender: BatchSender,
    /// Timestamp of the last mined block.
    clock: u64,
    tracker: Tracker,
    transactions: u64,
    reverted: Vec<B256>,
}

impl Runner<'_> {
    /// Runs every round; `last_block`, `at_risk` and `elapsed` are left for the caller.
    async fn drive(&mut self, spec: ProtocolWorkload) -> Result<WorkloadRun, TestkitError> {
        let (chain, p) = (self.chain, self.protocol);
        let mut planner = Planner::new(spec.seed, spec.users);
        for user in planner.users() {
            Protocol::fund_eth(chain, *user, U256::from(USER_ETH)).await?;
        }
        let first_block = chain.head().await? + 1;
        let setup = planner.setup(p);
        self.round(&setup, BLOCK_TIME).await?;
        let onboarding = planner.onboarding(p, self.clock + BLOCK_TIME);
        self.round(&onboarding, BLOCK_TIME).await?;

        let mut skipped = 0;
        for step in 0..spec.steps {
            let prices = planner.price_moves(p, step == spec.steps / 3);
            self.round(&prices, BLOCK_TIME).await?;
            let advance = if step == spec.steps / 2 {
                JUMP_TIME
            } else {
                STEP_TIME
            };
            let head = chain.head().await?;
            let snapshot = Snapshot {
                exec_time: self.clock + advance,
                reserves: read_reserves(chain, p, head).await?,
                users: read_users(chain, p, planner.users(), head).await?,
                locks: self.tracker.locks(),
                nfts: self.tracker.nfts(),
            };
            let (txs, none) = planner.step(p, &snapshot);
            skipped += none;
            self.round(&txs, advance).await?;
        }
        Ok(WorkloadRun {
            users: planner.users().to_vec(),
            first_block,
            last_block: 0,
            transactions: self.transactions,
            skipped,
            reverted: std::mem::take(&mut self.reverted),
            at_risk: Vec::new(),
            elapsed: Duration::ZERO,
        })
    }

    /// Sends `txs` in order and mines them `advance` seconds after the last block, in as
    /// many blocks as their gas limits need (anvil drops the rest of a sender's transactions
    /// when one does not fit, so blocks are cut here, each mined before the next is sent).
    async fn round(&mut self, txs: &[(Address, Action)], advance: u64) -> Result<(), TestkitError> {
        let mut chunks = Vec::new();
        let (mut start, mut gas) = (0, 0);
        for (i, (_, action)) in txs.iter().enumerate() {
            if gas + action.gas_limit() > BLOCK_GAS_BUDGET && i > start {
                chunks.push(start..i);
                (start, gas) = (i, 0);
            }
            gas += action.gas_limit();
        }
        chunks.push(start..txs.len());
        let mut timestamp = self.clock + advance;
        for chunk in chunks {
            let mut hashes = Vec::with_capacity(chunk.len());
            for (from, action) in &txs[chunk] {
                hashes.push(
                    self.sender
                        .send(self.chain, self.protocol, *from, action)
                        .await?,
                );
            }
            self.transactions += hashes.len() as u64;
            let blocks = mine_pool(self.chain, Some(timestamp)).await?;
            timestamp += blocks.len() as u64;
            self.reverted
                .extend(silent_in(self.chain, &hashes, &blocks).await?);
            if let (Some(first), Some(last)) = (blocks.first(), blocks.last()) {
                self.tracker
                    .scan(self.chain, self.protocol, *first, *last)
                    .await?;
            }
        }
        self.clock = timestamp - 1;
        Ok(())
    }
}
