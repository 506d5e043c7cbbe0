//! The write-behind state overlay: projections read and write here during a
//! batch, and the store sees one bulk write per batch.
//!
//! It also records undo entries: the first change of a key in a block above
//! the finality depth saves the value before it, so the block can be undone,
//! and, for the scopes [`Overlay::track`] names (position contracts), the
//! value of each key at the end of every block it changed in: the input of
//! the state change log (see `statelog`).

use std::collections::BTreeMap;

// foldhash: keys are hashed on every projection read and write, and SipHash
// (std's default, built against adversarial keys) was a visible cost.
use alloy::primitives::map::{Entry, HashMap, HashSet};
use alloy::primitives::{Address, U256};
use tributary_types::{StateKey, StateWrite, UndoEntry};

/// A key's value, and whether the batch in progress changed it. The flag
/// lives beside the value so that a write hashes its key once (a separate
/// dirty set and the read before the write hashed it four times, on the
/// hottest path of a backfill).
#[derive(Debug, Clone, Copy)]
struct Slot {
    value: U256,
    dirty: bool,
    /// Whether the store holds a row for the key once the batches handed
    /// to it commit (it keeps no row for zero).
    row: Row,
}

/// What the overlay knows of a key's row in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    /// Not known: written without being loaded, by an overlay that does
    /// not hold every stored key.
    Unknown,
    /// No row (loaded as zero, written zero, or not held by a complete
    /// overlay).
    Absent,
    /// A row.
    Present,
}

impl Row {
    /// The row of a key whose stored value is `value` (the store keeps no
    /// row for zero).
    fn of_value(value: U256) -> Self {
        if value.is_zero() {
            Self::Absent
        } else {
            Self::Present
        }
    }
}

/// The keys of a batch's writes whose rows the overlay knows about (see
/// `Batch::existing` and `Batch::absent`); keys it does not know are in
/// neither set, which is always safe.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct KnownRows {
    /// Keys written other than zero whose rows the store holds.
    pub existing: HashSet<StateKey>,
    /// Keys written other than zero that the store holds no row for.
    pub absent: HashSet<StateKey>,
}

/// State values for one chain, with the changes of the batch in progress.
#[derive(Debug, Default)]
pub struct Overlay {
    values: HashMap<StateKey, Slot>,
    /// Keys whose slot is dirty, each once, in first-change order.
    dirty: Vec<StateKey>,
    undo: Vec<UndoEntry>,
    undo_seen: HashSet<(u64, StateKey)>,
    /// Accounts whose answers changed through keys that do not name them
    /// (a lock changed by token id changes its owner's portfolio).
    touched: Vec<alloy::primitives::Address>,
    /// Blocks above this record undo entries.
    finalized: u64,
    block: u64,
    /// Scopes whose per-block values are kept (empty: none, no cost).
    tracked: HashSet<Address>,
    /// Value of each tracked key at the end of each block it changed in.
    per_block: BTreeMap<(u64, StateKey), U256>,
    /// Whether every key the store holds for the chain is held here too, so
    /// that a key not held has no stored value (see [`Overlay::assume_complete`]).
    complete: bool,
}

impl Overlay {
    /// An empty overlay.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of keys held (loaded or written).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Number of keys the batch in progress changed.
    pub fn dirty_len(&self) -> usize {
        self.dirty.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whether `key`'s value is known here (loaded or written).
    pub fn contains(&self, key: &StateKey) -> bool {
        self.values.contains_key(key)
    }

    /// Declares that the store holds no state for the chain beyond what is
    /// held here (true of an empty overlay over a chain without state), so
    /// that nothing needs loading until [`Overlay::clear`]. A backfill from
    /// scratch then skips checking the two keys of every transfer against
    /// the overlay before applying it, a tenth of the indexer's CPU.
    pub fn assume_complete(&mut self) {
        self.complete = true;
    }

    /// Whether every stored key is held here (see [`Overlay::assume_complete`]).
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Records values read from the store; a key absent from the store must
    /// be loaded as zero so that it is not fetched again.
    pub fn load(&mut self, key: StateKey, value: U256) {
        self.values.entry(key).or_insert(Slot {
            value,
            dirty: false,
            row: Row::of_value(value),
        });
    }

    /// Starts applying events of `block`; blocks above `finalized` keep undo entries.
    pub fn begin_block(&mut self, block: u64, finalized: u64) {
        self.block = block;
        self.finalized = finalized;
    }

    /// The current value of `key` (zero when it has none).
    pub fn get(&self, key: &StateKey) -> U256 {
        self.values.get(key).map_or(U256::ZERO, |s| s.value)
    }

    /// Sets `key` to `value` at the current block. Setting a key that is not
    /// held writes it even when the value is zero (its stored value is
    /// unknown here), unless the overlay is complete: then the key has no
    /// stored row, and zero is what it holds, as if loaded as absent (so a
    /// backfill from scratch stores the same rows as one resumed midway).
    pub fn set(&mut self, key: StateKey, value: U256) {
        let (previous, was_dirty) = match self.values.entry(key) {
            Entry::Occupied(mut held) => {
                let slot = held.get_mut();
                if slot.value == value {
                    return;
                }
                let before = (slot.value, slot.dirty);
                slot.value = value;
                slot.dirty = true;
                before
            }
            Entry::Vacant(free) => {
                let dirty = !(self.complete && value.is_zero());
                free.insert(Slot {
                    value,
                    dirty,
                    row: if self.complete {
                        Row::Absent
                    } else {
                        Row::Unknown
                    },
                });
                if !dirty {
                    return;
                }
                (U256::ZERO, false)
            }
        };
        if !was_dirty {
            self.dirty.push(key);
        }
        if self.block > self.finalized && self.undo_seen.insert((self.block, key)) {
            self.undo.push(UndoEntry {
                block_number: self.block,
                key,
                previous,
            });
        }
        if !self.tracked.is_empty() && self.tracked.contains(&key.scope) {
            self.per_block.insert((self.block, key), value);
        }
    }

    /// Keeps per-block values of keys in `scopes` from now on (replacing the
    /// previous set; an empty set turns it off).
    pub fn track(&mut self, scopes: impl IntoIterator<Item = Address>) {
        self.tracked = scopes.into_iter().collect();
    }

    /// Takes the per-block values of tracked keys since the last call:
    /// (block, key, value at the end of that block), by block then key.
    pub fn take_block_writes(&mut self) -> Vec<(u64, StateKey, U256)> {
        std::mem::take(&mut self.per_block)
            .into_iter()
            .map(|((block, key), value)| (block, key, value))
            .collect()
    }

    /// Notes that `account`'s answers changed in this batch although no key
    /// written names it.
    pub fn touch(&mut self, account: alloy::primitives::Address) {
        self.touched.push(account);
    }

    /// Takes the accounts noted by [`Overlay::touch`] since the last call.
    pub fn take_touched(&mut self) -> Vec<alloy::primitives::Address> {
        std::mem::take(&mut self.touched)
    }

    /// Takes the batch's changes (final value per key, sorted) and undo entries.
    pub fn take_changes(&mut self) -> (Vec<StateWrite>, Vec<UndoEntry>) {
        let values = &mut self.values;
        let mut writes: Vec<StateWrite> = self
            .dirty
            .drain(..)
            .filter_map(|key| {
                let slot = values.get_mut(&key)?;
                slot.dirty = false;
                Some(StateWrite {
                    key,
                    value: slot.value,
                })
            })
            .collect();
        writes.sort_by_key(|w| w.key);
        self.undo_seen.clear();
        (writes, std::mem::take(&mut self.undo))
    }

    /// Which of a closing batch's `writes` change a row the store holds,
    /// and which write a key it holds no row for (see `Batch::existing`
    /// and `Batch::absent`), noting that from its commit on the store holds
    /// exactly the keys written with a value other than zero. Keys loaded
    /// from the store, written by an earlier batch, or not held by a
    /// complete overlay are known; others are left out, which is always
    /// safe.
    pub fn known_rows(&mut self, writes: &[StateWrite]) -> KnownRows {
        let mut known = KnownRows::default();
        for w in writes {
            if let Some(slot) = self.values.get_mut(&w.key) {
                if !w.value.is_zero() {
                    match slot.row {
                        Row::Present => known.existing.insert(w.key),
                        Row::Absent => known.absent.insert(w.key),
                        Row::Unknown => false,
                    };
                }
                slot.row = Row::of_value(w.value);
            }
        }
        known
    }

    /// Forgets every value, e.g. after a rollback or a failed commit, or
    /// when the overlay outgrows its memory bound. Keys must be loaded from
    /// the store again from then on.
    pub fn clear(&mut self) {
        self.complete = false;
        self.values.clear();
        self.dirty.clear();
        self.undo.clear();
        self.touched.clear();
        self.undo_seen.clear();
        self.per_block.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::Address;

    #[test]
    fn clearing_forgets_that_the_overlay_was_complete() {
        let mut o = Overlay::new();
        assert!(!o.is_complete());
        o.assume_complete();
        o.set(
            StateKey::balance(Address::repeat_byte(1), Address::repeat_byte(2)),
            U256::from(1),
        );
        assert!(o.is_complete(), "writes keep it complete");
        o.clear();
        assert!(!o.is_complete(), "cleared keys must be loaded again");
    }

    /// Rows the store holds: keys loaded with a value, then whatever a
    /// batch wrote other than zero (zero deletes the row); keys loaded as
    /// zero or written zero have none; a key written without a load is
    /// unknown until its write commits.
    #[test]
    fn known_rows_follow_loads_and_written_values() {
        let key = |n: u8| StateKey::balance(Address::repeat_byte(1), Address::repeat_byte(n));
        let set = |keys: &[u8]| keys.iter().map(|&n| key(n)).collect();
        let mut o = Overlay::new();
        o.load(key(1), U256::from(5));
        o.load(key(2), U256::ZERO);
        o.set(key(1), U256::from(6));
        o.set(key(2), U256::from(7));
        o.set(key(3), U256::from(8));
        let (writes, _) = o.take_changes();
        let first = o.known_rows(&writes);
        assert_eq!((first.existing, first.absent), (set(&[1]), set(&[2])));
        o.set(key(1), U256::ZERO);
        o.set(key(2), U256::from(9));
        o.set(key(3), U256::from(10));
        let (writes, _) = o.take_changes();
        let second = o.known_rows(&writes);
        assert_eq!((second.existing, second.absent), (set(&[2, 3]), set(&[])));
        o.set(key(1), U256::from(1));
        let (writes, _) = o.take_changes();
        let third = o.known_rows(&writes);
        assert_eq!(
            (third.existing, third.absent),
            (set(&[]), set(&[1])),
            "zero deleted the row"
        );
        let mut complete = Overlay::new();
        complete.assume_complete();
        complete.set(key(4), U256::from(1));
        let (writes, _) = complete.take_changes();
        assert_eq!(complete.known_rows(&writes).absent, set(&[4]));
    }

    /// A complete overlay treats a key it does not hold as loaded absent:
    /// setting it to zero writes nothing, as after a load of zero, and any
    /// other value writes it with an undo entry of zero.
    #[test]
    fn a_complete_overlay_writes_what_a_loaded_one_writes() {
        let zero = StateKey::balance(Address::repeat_byte(1), Address::repeat_byte(2));
        let five = StateKey::balance(Address::repeat_byte(1), Address::repeat_byte(3));
        let run = |complete: bool| {
            let mut o = Overlay::new();
            if complete {
                o.assume_complete();
            } else {
                o.load(zero, U256::ZERO);
                o.load(five, U256::ZERO);
            }
            o.begin_block(11, 10);
            o.set(zero, U256::ZERO);
            o.set(five, U256::from(5));
            o.take_changes()
        };
        let (writes, undo) = run(true);
        assert_eq!((writes.clone(), undo.clone()), run(false));
        assert_eq!(
            writes,
            vec![StateWrite {
                key: five,
                value: U256::from(5)
            }]
        );
        assert_eq!(
            undo,
            vec![UndoEntry {
                block_number: 11,
                key: five,
                previous: U256::ZERO
            }]
        );
    }

    #[test]
    fn undo_keeps_the_value_before_the_first_change_in_each_unfinalized_block() {
        let key = StateKey::balance(Address::repeat_byte(1), Address::repeat_byte(2));
        let mut o = Overlay::new();
        o.load(key, U256::from(5));
        o.begin_block(10, 10);
        o.set(key, U256::from(6)); // final block: no undo
        o.begin_block(11, 10);
        o.set(key, U256::from(7));
        o.set(key, U256::from(8));
        o.begin_block(12, 10);
        o.set(key, U256::from(9));
        let (writes, undo) = o.take_changes();
        assert_eq!(
            writes,
            vec![StateWrite {
                key,
                value: U256::from(9)
            }]
        );
        assert_eq!(
            undo,
            vec![
                UndoEntry {
                    block_number: 11,
                    key,
                    previous: U256::from(6)
                },
                UndoEntry {
                    block_number: 12,
                    key,
                    previous: U256::from(8)
                },
            ]
        );
    }
}
