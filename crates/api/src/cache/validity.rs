//! Whether a cached answer is still the truth at the store's current block.
//!
//! Every processed change (notice, reorg, resync) gets the next sequence
//! number, and marks what it touched with it: a slot per (chain, account) and
//! (chain, contract) in a fixed hashed table, plus per chain the last commit,
//! the last "every account" change and the last reset. An answer remembers the
//! sequence number seen *before* its store read began; it is still valid while
//! nothing it depends on carries a higher mark. Hash collisions only ever
//! invalidate too much, never too little.
//!
//! Marks alone would trust notices to be on time. They are not (Redis, a
//! slow broadcast receiver), so each chain also records the block through
//! which changes have been applied: a cached answer is served only when that
//! block is exactly (number and hash) the store's current cursor, which the
//! caller reads fresh. A commit whose notice is late, or a reorg whose notice
//! is lost, therefore makes the cache step aside instead of serving the past.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use alloy_primitives::Address;
use tributary_store::read::BlockRef;
use tributary_types::{ChainId, Touched};

/// Slots of the hashed mark table (a power of two).
const SLOTS: usize = 1 << 16;

/// What an answer depends on, within one chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Only this account's state (e.g. its balances).
    Account(Address),
    /// Only this contract's state (e.g. its holders).
    Contract(Address),
    /// Anything on the chain (lists, and answers combining many contracts).
    Chain,
}

/// One dependency of a cached answer: a scope on one configured chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dep {
    /// Index of the chain in the configuration.
    pub chain: usize,
    /// What on that chain.
    pub scope: Scope,
}

/// Through which block a chain's changes have been applied to the marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applied {
    /// Not known (a notice without a confirmed block, a reorg): no hits.
    Unknown,
    /// Every change up to this cursor (`None`: nothing indexed) is applied.
    At(Option<BlockRef>),
}

#[derive(Debug)]
struct ChainMarks {
    id: ChainId,
    reset: AtomicU64,
    commit: AtomicU64,
    all_accounts: AtomicU64,
    applied: Mutex<Applied>,
}

/// The marks of every configured chain.
#[derive(Debug)]
pub(crate) struct Validity {
    seq: AtomicU64,
    slots: Box<[AtomicU64]>,
    chains: Vec<ChainMarks>,
    /// Serializes writers so sequence numbers are handed out in order.
    writer: Mutex<()>,
}

impl Validity {
    /// Marks for `chains` (configuration order), nothing applied yet.
    pub(crate) fn new(chains: &[ChainId]) -> Self {
        Self {
            seq: AtomicU64::new(0),
            slots: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
            chains: chains
                .iter()
                .map(|&id| ChainMarks {
                    id,
                    reset: AtomicU64::new(0),
                    commit: AtomicU64::new(0),
                    all_accounts: AtomicU64::new(0),
                    applied: Mutex::new(Applied::Unknown),
                })
                .collect(),
            writer: Mutex::new(()),
        }
    }

    /// The sequence number of the last fully applied change; read it before
    /// the store read whose answer will be cached.
    pub(crate) fn seq(&self) -> u64 {
        self.seq.load(Ordering::SeqCst)
    }

    /// Index of `chain_id` among the configured chains.
    pub(crate) fn index(&self, chain_id: ChainId) -> Option<usize> {
        self.chains.iter().position(|c| c.id == chain_id)
    }

    /// Configured chain ids, in configuration order.
    pub(crate) fn chain_ids(&self) -> impl Iterator<Item = ChainId> + '_ {
        self.chains.iter().map(|c| c.id)
    }

    /// How far `chain` (an index) is applied.
    pub(crate) fn applied(&self, chain: usize) -> Applied {
        *lock(&self.chains[chain].applied)
    }

    /// Blocks `..=to` were committed, changing `touched`; `block` is the
    /// cursor right after that commit when the sender could confirm it.
    pub(crate) fn committed(
        &self,
        chain_id: ChainId,
        to: u64,
        touched: &Touched,
        block: Option<BlockRef>,
    ) {
        let Some(at) = self.index(chain_id) else {
            return;
        };
        self.write(at, |s, c| {
            c.commit.store(s, Ordering::SeqCst);
            if touched.all {
                c.all_accounts.store(s, Ordering::SeqCst);
            }
            for a in &touched.accounts {
                self.slots[slot(0, chain_id, a)].store(s, Ordering::SeqCst);
            }
            for a in &touched.contracts {
                self.slots[slot(1, chain_id, a)].store(s, Ordering::SeqCst);
            }
            move |applied: &mut Applied| match (*applied, block) {
                // A notice older than a resync's cursor: its changes are in
                // that cursor already, marking them again is harmless.
                (Applied::At(Some(a)), _) if to <= a.number => {}
                (_, Some(b)) if b.number == to && b.chain_id == chain_id => {
                    *applied = Applied::At(Some(b));
                }
                _ => *applied = Applied::Unknown,
            }
        });
    }

    /// Blocks from some height on were undone: everything of the chain goes.
    pub(crate) fn reorged(&self, chain_id: ChainId) {
        if let Some(at) = self.index(chain_id) {
            self.write(at, |s, c| {
                c.reset.store(s, Ordering::SeqCst);
                |applied: &mut Applied| *applied = Applied::Unknown
            });
        }
    }

    /// Drops everything of the chain and declares it applied through `cursor`
    /// (read from the store *before* this call): used when notices may have
    /// been missed, and as the only change source without notices.
    pub(crate) fn resync(&self, chain: usize, cursor: Option<BlockRef>) {
        self.write(chain, |s, c| {
            c.reset.store(s, Ordering::SeqCst);
            move |applied: &mut Applied| *applied = Applied::At(cursor)
        });
    }

    /// Whether an answer computed after sequence `seq` with `deps` is valid at
    /// `now` (the store's cursors, configuration order).
    pub(crate) fn valid(&self, deps: &[Dep], seq: u64, now: &[Option<BlockRef>]) -> bool {
        // `applied` first: a writer moves it last, so having seen its new
        // value we also see every mark that change stored.
        self.current(deps, now) && self.unchanged(deps, seq)
    }

    /// Whether no change applied after sequence `seq` touched `deps`. Once
    /// false, false forever.
    pub(crate) fn unchanged(&self, deps: &[Dep], seq: u64) -> bool {
        deps.iter().all(|d| {
            let Some(c) = self.chains.get(d.chain) else {
                return false;
            };
            let mark = match d.scope {
                Scope::Chain => c.commit.load(Ordering::SeqCst),
                Scope::Account(a) => c
                    .all_accounts
                    .load(Ordering::SeqCst)
                    .max(self.slots[slot(0, c.id, &a)].load(Ordering::SeqCst)),
                Scope::Contract(a) => self.slots[slot(1, c.id, &a)].load(Ordering::SeqCst),
            };
            c.reset.load(Ordering::SeqCst).max(mark) <= seq
        })
    }

    /// The sequence number under which an answer read at exactly `now` (from
    /// elsewhere, e.g. the shared cache) may be kept locally: `Some` only when
    /// every chain of `deps` is applied exactly through `now`. Taken under the
    /// writer lock, so no change is half-applied: every change numbered up to
    /// the result is in `now`, and every later one will be marked above it.
    pub(crate) fn seq_at(&self, deps: &[Dep], now: &[Option<BlockRef>]) -> Option<u64> {
        let _writer = lock(&self.writer);
        self.current(deps, now).then(|| self.seq())
    }

    /// Whether every chain of `deps` is applied exactly through `now` (false
    /// while a notice is late; true again once it is applied).
    pub(crate) fn current(&self, deps: &[Dep], now: &[Option<BlockRef>]) -> bool {
        deps.iter().all(|d| {
            let current = now.get(d.chain).copied().flatten();
            self.chains
                .get(d.chain)
                .is_some_and(|c| *lock(&c.applied) == Applied::At(current))
        })
    }

    /// Runs one change under the writer lock: `marks` stores the new sequence
    /// number where it applies and returns how `applied` moves, which happens
    /// last so a reader that sees the new `applied` also sees every mark.
    fn write<F, A>(&self, chain: usize, marks: F)
    where
        F: FnOnce(u64, &ChainMarks) -> A,
        A: FnOnce(&mut Applied),
    {
        let _writer = lock(&self.writer);
        let s = self.seq.load(Ordering::SeqCst) + 1;
        let c = &self.chains[chain];
        let update = marks(s, c);
        self.seq.store(s, Ordering::SeqCst);
        update(&mut lock(&c.applied));
    }
}

/// A poisoned lock only means a panic elsewhere; the data is plain values.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn slot(kind: u8, chain_id: ChainId, address: &Address) -> usize {
    let mut h = DefaultHasher::new();
    (kind, chain_id, address).hash(&mut h);
    (h.finish() as usize) & (SLOTS - 1)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::B256;

    use super::*;

    fn block(number: u64, fork: u8) -> Option<BlockRef> {
        Some(BlockRef {
            chain_id: 1,
            number,
            hash: B256::repeat_byte(fork),
            timestamp: number,
        })
    }

    fn touched(accounts: &[Address], contracts: &[Address]) -> Touched {
        Touched {
            accounts: accounts.to_vec(),
            contracts: contracts.to_vec(),
            all: false,
        }
    }

    fn dep(scope: Scope) -> [Dep; 1] {
        [Dep { chain: 0, scope }]
    }

    const A: Address = Address::repeat_byte(0xa);
    const B: Address = Address::repeat_byte(0xb);
    const T: Address = Address::repeat_byte(0x7);

    #[test]
    fn a_commit_invalidates_exactly_what_it_touched() {
        let v = Validity::new(&[1]);
        v.resync(0, block(10, 1));
        let seq = v.seq();
        v.committed(1, 11, &touched(&[A], &[T]), block(11, 1));
        let now = [block(11, 1)];
        assert!(!v.valid(&dep(Scope::Account(A)), seq, &now));
        assert!(v.valid(&dep(Scope::Account(B)), seq, &now));
        assert!(!v.valid(&dep(Scope::Contract(T)), seq, &now));
        assert!(!v.valid(&dep(Scope::Chain), seq, &now));
        // Computed after the commit: valid.
        assert!(v.valid(&dep(Scope::Chain), v.seq(), &now));
    }

    #[test]
    fn a_store_ahead_of_the_notices_disables_hits() {
        let v = Validity::new(&[1]);
        v.resync(0, block(10, 1));
        let seq = v.seq();
        // The store committed 11 but its notice has not arrived.
        assert!(!v.valid(&dep(Scope::Account(B)), seq, &[block(11, 1)]));
        assert!(v.valid(&dep(Scope::Account(B)), seq, &[block(10, 1)]));
    }

    #[test]
    fn same_height_on_another_fork_is_not_the_applied_block() {
        let v = Validity::new(&[1]);
        v.resync(0, block(10, 1));
        let seq = v.seq();
        assert!(!v.valid(&dep(Scope::Account(B)), seq, &[block(10, 2)]));
    }

    #[test]
    fn unconfirmed_notices_and_reorgs_make_the_chain_unknown() {
        let v = Validity::new(&[1]);
        v.resync(0, block(10, 1));
        v.committed(1, 11, &touched(&[], &[]), None);
        assert_eq!(v.applied(0), Applied::Unknown);
        v.resync(0, block(11, 1));
        v.reorged(1);
        assert_eq!(v.applied(0), Applied::Unknown);
        let seq = v.seq();
        v.resync(0, block(9, 2));
        assert!(!v.valid(&dep(Scope::Account(B)), seq, &[block(9, 2)]));
    }

    #[test]
    fn answers_from_elsewhere_are_kept_only_at_the_applied_block() {
        let v = Validity::new(&[1]);
        v.resync(0, block(10, 1));
        let deps = dep(Scope::Account(A));
        assert_eq!(v.seq_at(&deps, &[block(11, 1)]), None);
        let seq = v.seq_at(&deps, &[block(10, 1)]).expect("applied at 10");
        v.committed(1, 11, &touched(&[A], &[]), block(11, 1));
        assert!(!v.valid(&deps, seq, &[block(11, 1)]));
    }

    #[test]
    fn a_late_notice_after_a_resync_keeps_the_resync_cursor() {
        let v = Validity::new(&[1]);
        v.resync(0, block(12, 1));
        let seq = v.seq();
        v.committed(1, 11, &touched(&[A], &[]), block(11, 1));
        assert_eq!(v.applied(0), Applied::At(block(12, 1)));
        assert!(v.valid(&dep(Scope::Account(B)), seq, &[block(12, 1)]));
        assert!(!v.valid(&dep(Scope::Account(A)), seq, &[block(12, 1)]));
    }

    #[test]
    fn all_accounts_touched_invalidates_every_account_but_not_contracts() {
        let v = Validity::new(&[1]);
        v.resync(0, block(10, 1));
        let seq = v.seq();
        let all = Touched {
            accounts: vec![],
            contracts: vec![],
            all: true,
        };
        v.committed(1, 11, &all, block(11, 1));
        let now = [block(11, 1)];
        assert!(!v.valid(&dep(Scope::Account(B)), seq, &now));
        assert!(v.valid(&dep(Scope::Contract(T)), seq, &now));
    }
}
