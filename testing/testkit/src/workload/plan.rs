//! The pure half of the workload: a seeded planner that decides every batch (who sends, to
//! whom, how much) and keeps the model of balances the chain must end up with.

use std::collections::{BTreeMap, HashMap};

use alloy::primitives::{Address, U256};
use rand::{Rng, SeedableRng, rngs::StdRng};

use super::WorkloadSpec;

/// What each dev account is minted before the workload starts spending.
pub(crate) const DEV_FUNDING: u128 = 1_000_000_000_000_000_000_000_000_000_000; // 1e30

/// The largest amount a dev account or a mint sends to one recipient (1e18).
const MAX_AMOUNT: u64 = 1_000_000_000_000_000_000;

/// How many random accounts are tried when looking for a holder able to fund a batch.
const HOLDER_TRIES: usize = 16;

/// Which token function a planned transaction calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxKind {
    /// `batchMint(to, amounts)`; `sender` only pays gas.
    Mint,
    /// `batchTransfer(to, amounts)` from `sender`.
    Transfer,
}

/// One planned batch transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlannedTx {
    /// Which function.
    pub kind: TxKind,
    /// Who sends it.
    pub sender: Address,
    /// `true` when the sender is a random holder (impersonated), `false` for a dev account.
    pub holder: bool,
    /// The recipients, one Transfer event each.
    pub recipients: Vec<Address>,
    /// The amounts, same length as `recipients`.
    pub amounts: Vec<U256>,
}

/// Deterministic planner and balance model.
#[derive(Debug)]
pub(crate) struct Planner {
    rng: StdRng,
    spec: WorkloadSpec,
    accounts: Vec<Address>,
    devs: Vec<Address>,
    /// Balances as of the last mined round (what holders may spend).
    balances: HashMap<Address, U256>,
    /// What holders already committed to spend in the round being planned.
    spent: HashMap<Address, U256>,
    total_supply: U256,
    planned_events: u64,
}

impl Planner {
    /// A planner for `spec` whose dev senders are `devs` (at least one).
    pub(crate) fn new(spec: &WorkloadSpec, devs: Vec<Address>) -> Self {
        let mut rng = StdRng::seed_from_u64(spec.seed);
        let accounts = (0..spec.accounts)
            .map(|_| Address::from(rng.random::<[u8; 20]>()))
            .collect();
        Self {
            rng,
            spec: spec.clone(),
            accounts,
            devs,
            balances: HashMap::new(),
            spent: HashMap::new(),
            total_supply: U256::ZERO,
            planned_events: 0,
        }
    }

    /// The random accounts, in generation order.
    pub(crate) fn accounts(&self) -> &[Address] {
        &self.accounts
    }

    /// The dev senders.
    pub(crate) fn devs(&self) -> &[Address] {
        &self.devs
    }

    /// Starts the model from the chain's balances and total supply (accounts not listed are 0).
    pub(crate) fn set_initial(&mut self, balances: HashMap<Address, U256>, total_supply: U256) {
        self.balances = balances;
        self.total_supply = total_supply;
    }

    /// How many Transfer events the planned transactions emit.
    pub(crate) fn planned_events(&self) -> u64 {
        self.planned_events
    }

    /// The balance model's total supply.
    pub(crate) fn total_supply(&self) -> U256 {
        self.total_supply
    }

    /// The modelled balance of every account the workload touched (dev senders and random
    /// accounts), whether or not it changed.
    pub(crate) fn balances(&self) -> BTreeMap<Address, U256> {
        self.devs
            .iter()
            .chain(&self.accounts)
            .map(|a| (*a, self.balances.get(a).copied().unwrap_or_default()))
            .collect()
    }

    /// The first transaction: mints [`DEV_FUNDING`] to every dev sender.
    pub(crate) fn funding(&mut self) -> PlannedTx {
        let tx = PlannedTx {
            kind: TxKind::Mint,
            sender: self.devs[0],
            holder: false,
            recipients: self.devs.clone(),
            amounts: vec![U256::from(DEV_FUNDING); self.devs.len()],
        };
        self.planned_events += tx.recipients.len() as u64;
        tx
    }

    /// The next round (one block's worth) of transactions; empty once enough events are planned.
    pub(crate) fn next_round(&mut self) -> Vec<PlannedTx> {
        self.spent.clear();
        let mut round = Vec::new();
        while round.len() < self.spec.txs_per_block && self.planned_events < self.spec.events {
            let remaining = self.spec.events - self.planned_events;
            let size = remaining.min(self.spec.recipients_per_tx as u64) as usize;
            let tx = self.plan_tx(size);
            self.planned_events += tx.recipients.len() as u64;
            round.push(tx);
        }
        round
    }

    fn plan_tx(&mut self, size: usize) -> PlannedTx {
        let recipients: Vec<Address> = (0..size)
            .map(|_| self.accounts[self.rng.random_range(0..self.accounts.len())])
            .collect();
        let roll = self.rng.random_range(0..100u8);
        let dev = self.devs[self.rng.random_range(0..self.devs.len())];
        if roll < self.spec.mint_tx_percent {
            let amounts = self.random_amounts(size);
            return PlannedTx {
                kind: TxKind::Mint,
                sender: dev,
                holder: false,
                recipients,
                amounts,
            };
        }
        if roll
            < self
                .spec
                .mint_tx_percent
                .saturating_add(self.spec.holder_tx_percent)
            && let Some((holder, amounts)) = self.holder_batch(size)
        {
            return PlannedTx {
                kind: TxKind::Transfer,
                sender: holder,
                holder: true,
                recipients,
                amounts,
            };
        }
        let amounts = self.random_amounts(size);
        PlannedTx {
            kind: TxKind::Transfer,
            sender: dev,
            holder: false,
            recipients,
            amounts,
        }
    }

    fn random_amounts(&mut self, size: usize) -> Vec<U256> {
        (0..size)
            .map(|_| U256::from(self.rng.random_range(1..=MAX_AMOUNT)))
            .collect()
    }

    /// A random holder with at least `size` unspent tokens and amounts summing to at most that;
    /// the first amount is never zero, so a reverted batch always shows in the balances.
    fn holder_batch(&mut self, size: usize) -> Option<(Address, Vec<U256>)> {
        for _ in 0..HOLDER_TRIES {
            let holder = self.accounts[self.rng.random_range(0..self.accounts.len())];
            let balance = self.balances.get(&holder).copied().unwrap_or_default();
            let spendable =
                balance.saturating_sub(self.spent.get(&holder).copied().unwrap_or_default());
            let share = spendable / U256::from(size);
            if share.is_zero() {
                continue;
            }
            let amounts: Vec<U256> = (0..size)
                .map(|i| {
                    let low = if i == 0 { U256::from(1) } else { U256::ZERO };
                    let span = share - low + U256::from(1);
                    low + U256::from(self.rng.random::<u128>()) % span
                })
                .collect();
            let total = amounts.iter().fold(U256::ZERO, |acc, a| acc + a);
            *self.spent.entry(holder).or_default() += total;
            return Some((holder, amounts));
        }
        None
    }

    /// Applies mined transactions to the balance model.
    pub(crate) fn apply(&mut self, txs: &[PlannedTx]) {
        for tx in txs {
            let total = tx.amounts.iter().fold(U256::ZERO, |acc, a| acc + a);
            match tx.kind {
                TxKind::Mint => self.total_supply += total,
                TxKind::Transfer => {
                    let balance = self.balances.entry(tx.sender).or_default();
                    *balance = balance.saturating_sub(total);
                }
            }
            for (to, amount) in tx.recipients.iter().zip(&tx.amounts) {
                *self.balances.entry(*to).or_default() += *amount;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> WorkloadSpec {
        WorkloadSpec {
            events: 5_000,
            accounts: 50,
            recipients_per_tx: 40,
            txs_per_block: 7,
            ..WorkloadSpec::new(0, 0, 7)
        }
    }

    fn run(spec: &WorkloadSpec) -> (Vec<PlannedTx>, Planner) {
        let devs = vec![Address::repeat_byte(1), Address::repeat_byte(2)];
        let mut planner = Planner::new(spec, devs);
        let funding = planner.funding();
        planner.apply(std::slice::from_ref(&funding));
        let mut all = vec![funding];
        loop {
            let round = planner.next_round();
            if round.is_empty() {
                break;
            }
            assert!(round.len() <= spec.txs_per_block);
            planner.apply(&round);
            all.extend(round);
        }
        (all, planner)
    }

    #[test]
    fn same_seed_same_plan_and_enough_events() {
        let (a, planner) = run(&spec());
        let (b, _) = run(&spec());
        assert_eq!(a, b);
        let events: usize = a.iter().map(|t| t.recipients.len()).sum();
        assert_eq!(events as u64, planner.planned_events());
        assert!(planner.planned_events() >= 5_000);
        assert!(
            a.iter().any(|t| t.holder),
            "some batches come from random holders"
        );
        assert!(a.iter().skip(1).any(|t| t.kind == TxKind::Mint));
    }

    #[test]
    fn balances_sum_to_total_supply_and_holders_never_overspend() {
        let spec = spec();
        let devs = vec![Address::repeat_byte(1)];
        let mut planner = Planner::new(&spec, devs);
        let funding = planner.funding();
        planner.apply(&[funding]);
        loop {
            let round = planner.next_round();
            if round.is_empty() {
                break;
            }
            let mut spent: HashMap<Address, U256> = HashMap::new();
            for tx in round.iter().filter(|t| t.holder) {
                *spent.entry(tx.sender).or_default() +=
                    tx.amounts.iter().fold(U256::ZERO, |s, a| s + a);
            }
            for (holder, total) in spent {
                assert!(total <= planner.balances().get(&holder).copied().unwrap_or_default());
            }
            planner.apply(&round);
        }
        let sum = planner.balances().values().fold(U256::ZERO, |s, a| s + a);
        assert_eq!(sum, planner.total_supply());
    }
}
