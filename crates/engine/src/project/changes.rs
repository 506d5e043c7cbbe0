//! All-or-nothing changes of one event: a projection stages every new value
//! here and writes them only when the whole event applied, so an event that
//! fails half way writes nothing.

use alloy::primitives::U256;
use tributary_types::StateKey;

use super::ProjectionError;
use crate::overlay::Overlay;

/// New values staged on top of the overlay.
#[derive(Debug)]
pub(crate) struct Changes<'a> {
    state: &'a Overlay,
    staged: Vec<(StateKey, U256)>,
}

impl<'a> Changes<'a> {
    /// Nothing staged yet over `state`.
    pub(crate) fn new(state: &'a Overlay) -> Self {
        Self {
            state,
            staged: Vec::with_capacity(4),
        }
    }

    /// The value of `key`, staged changes first.
    pub(crate) fn get(&self, key: &StateKey) -> U256 {
        self.staged
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map_or_else(|| self.state.get(key), |(_, v)| *v)
    }

    /// Stages `key = value`.
    pub(crate) fn set(&mut self, key: StateKey, value: U256) {
        self.staged.push((key, value));
    }

    /// Stages `key += amount`; fails past 2^256 - 1.
    pub(crate) fn add(
        &mut self,
        key: StateKey,
        amount: U256,
        what: &'static str,
    ) -> Result<(), ProjectionError> {
        let current = self.get(&key);
        let next = current
            .checked_add(amount)
            .ok_or(ProjectionError::OutOfRange {
                what,
                current,
                op: '+',
                amount,
            })?;
        self.set(key, next);
        Ok(())
    }

    /// Stages `key -= amount`; fails below zero.
    pub(crate) fn sub(
        &mut self,
        key: StateKey,
        amount: U256,
        what: &'static str,
    ) -> Result<(), ProjectionError> {
        let current = self.get(&key);
        let next = current
            .checked_sub(amount)
            .ok_or(ProjectionError::OutOfRange {
                what,
                current,
                op: '-',
                amount,
            })?;
        self.set(key, next);
        Ok(())
    }

    /// The staged writes, in staging order, to apply with [`write_all`].
    pub(crate) fn into_writes(self) -> Vec<(StateKey, U256)> {
        self.staged
    }
}

/// Applies staged writes (last write of a key wins, as staged).
pub(crate) fn write_all(state: &mut Overlay, writes: Vec<(StateKey, U256)>) {
    for (key, value) in writes {
        state.set(key, value);
    }
}
