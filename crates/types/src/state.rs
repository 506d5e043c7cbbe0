//! Derived state as a map from typed keys to exact `U256` values.
//!
//! Every projection reads and writes state through [`StateKey`]s. One uniform
//! model gives one undo journal, one rollback and one rebuild for every
//! projection, built-in or user-written: a balance, a total supply, a reserve
//! or an NFT owner are all "a key and a 256-bit value".

use alloy_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};

/// The kinds of state key. The numeric values are stored; never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[repr(i16)]
#[non_exhaustive]
pub enum StateKind {
    /// ERC-20-like balance of `account` in `token`.
    Balance = 1,
    /// Total supply of `token`.
    Supply = 2,
}

impl StateKind {
    /// Stored code of this kind.
    pub fn code(self) -> i16 {
        self as i16
    }

    /// The kind with stored code `code`, if known.
    pub fn from_code(code: i16) -> Option<Self> {
        match code {
            1 => Some(Self::Balance),
            2 => Some(Self::Supply),
            _ => None,
        }
    }
}

/// A key of derived state: a kind and two 32-byte parts.
///
/// `scope` is the contract the state belongs to (token, pair, vault), `subject`
/// what it is about within it (an account, a token id), zero when unused.
/// Addresses are stored left-padded to 32 bytes so that both parts sort as
/// their 20-byte values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StateKey {
    /// What the value means.
    pub kind: StateKind,
    /// The contract the state belongs to.
    pub scope: Address,
    /// What within the contract: an account or id, left-padded to 32 bytes.
    pub subject: B256,
}

impl StateKey {
    /// Balance of `account` in `token`.
    pub fn balance(token: Address, account: Address) -> Self {
        Self {
            kind: StateKind::Balance,
            scope: token,
            subject: account.into_word(),
        }
    }

    /// Total supply of `token`.
    pub fn supply(token: Address) -> Self {
        Self {
            kind: StateKind::Supply,
            scope: token,
            subject: B256::ZERO,
        }
    }

    /// The subject read back as an address (its low 20 bytes).
    pub fn subject_address(&self) -> Address {
        Address::from_word(self.subject)
    }
}

/// A new value for a key at a block. A zero value removes the key: state
/// lists hold only non-zero values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateWrite {
    /// The key written.
    pub key: StateKey,
    /// Its new value.
    pub value: U256,
}

/// What a key held before a block changed it, so that the block can be undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoEntry {
    /// The block whose change this undoes.
    pub block_number: u64,
    /// The key changed.
    pub key: StateKey,
    /// The value before the change; zero when the key did not exist.
    pub previous: U256,
}
