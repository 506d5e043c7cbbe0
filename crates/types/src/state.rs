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
    /// ERC-20-like balance of `account` in `token` (also LP and ERC-4626 shares).
    Balance = 1,
    /// Total supply of `token`.
    Supply = 2,
    /// Owner of ERC-721 `tokenId` in `collection` (the value is the address).
    NftOwner = 3,
    /// Number of tokens `account` owns in `collection`.
    NftCount = 4,
    /// Reserve of token0 of `pair`, from `Sync`.
    Reserve0 = 5,
    /// Reserve of token1 of `pair`, from `Sync`.
    Reserve1 = 6,
    /// token0 of `pair` (the value is the address), from the factory or an `eth_call`.
    PairToken0 = 7,
    /// token1 of `pair` (the value is the address).
    PairToken1 = 8,
    /// Collateral of an account in a CDP vault ([`StateKey::paired`] with the collateral).
    VaultCollateral = 9,
    /// 1 for every collateral token a vault has seen (subject: the collateral).
    VaultCollateralToken = 10,
    /// Debt of an account in a CDP vault.
    VaultDebt = 12,
    /// Liquidation threshold of a collateral in a vault, in basis points (subject: the collateral).
    VaultThreshold = 13,
    /// Amount locked in vote-escrow `tokenId`.
    LockAmount = 14,
    /// Unix time the lock of `tokenId` ends.
    LockEnd = 15,
    /// Principal an account holds in a savings contract.
    SavingsPrincipal = 16,
    /// Interest accrued by an account in a savings contract (read from the chain).
    SavingsInterest = 17,
    /// Deposit of an account in a stability pool.
    StabilityDeposit = 18,
    /// An account's vote for a gauge ([`StateKey::paired`] with the gauge).
    GaugeVote = 19,
    /// 1 for every gauge a controller has seen votes for (subject: the gauge).
    GaugeKnown = 20,
    /// Sum of the votes for a gauge (subject: the gauge).
    GaugeWeight = 22,
    /// Sum of every gauge's weight in a controller.
    GaugeTotalWeight = 23,
    /// Reward emission per second of a gauge controller (read from the chain).
    EmissionRate = 24,
    /// Pending rewards of an account in a reward distributor (read from the chain).
    PendingRewards = 25,
    /// Rewards an account has claimed from a distributor, in total.
    RewardsClaimed = 26,
    /// Latest answer of a price feed.
    Price = 27,
    /// Unix time of a price feed's latest answer.
    PriceUpdatedAt = 28,
    /// Total assets of an ERC-4626 vault (read from the chain).
    TotalAssets = 29,
}

impl StateKind {
    /// Every kind, in code order.
    pub const ALL: [StateKind; 27] = [
        Self::Balance,
        Self::Supply,
        Self::NftOwner,
        Self::NftCount,
        Self::Reserve0,
        Self::Reserve1,
        Self::PairToken0,
        Self::PairToken1,
        Self::VaultCollateral,
        Self::VaultCollateralToken,
        Self::VaultDebt,
        Self::VaultThreshold,
        Self::LockAmount,
        Self::LockEnd,
        Self::SavingsPrincipal,
        Self::SavingsInterest,
        Self::StabilityDeposit,
        Self::GaugeVote,
        Self::GaugeKnown,
        Self::GaugeWeight,
        Self::GaugeTotalWeight,
        Self::EmissionRate,
        Self::PendingRewards,
        Self::RewardsClaimed,
        Self::Price,
        Self::PriceUpdatedAt,
        Self::TotalAssets,
    ];

    /// Stored code of this kind.
    pub fn code(self) -> i16 {
        self as i16
    }

    /// The kind with stored code `code`, if known.
    pub fn from_code(code: i16) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.code() == code)
    }

    /// Whether the subject's low 20 bytes are an account whose position this is
    /// (so a change to it changes that account's answers).
    pub fn is_per_account(self) -> bool {
        matches!(
            self,
            Self::Balance
                | Self::NftCount
                | Self::VaultCollateral
                | Self::VaultDebt
                | Self::SavingsPrincipal
                | Self::SavingsInterest
                | Self::StabilityDeposit
                | Self::GaugeVote
                | Self::PendingRewards
                | Self::RewardsClaimed
        )
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

    /// A key about `subject` in `scope` (any kind).
    pub fn new(kind: StateKind, scope: Address, subject: B256) -> Self {
        Self {
            kind,
            scope,
            subject,
        }
    }

    /// A key about `account` in `scope`.
    pub fn account(kind: StateKind, scope: Address, account: Address) -> Self {
        Self::new(kind, scope, account.into_word())
    }

    /// A key about `account` in `scope` and a second address `tag` (the collateral
    /// of a vault position, the gauge of a vote): the subject's high 12 bytes are
    /// the first 12 of `keccak256(tag)`, its low 20 the account, so the key is
    /// still per-account ([`StateKey::subject_address`]) and computable from
    /// (account, tag) without a lookup.
    pub fn paired(kind: StateKind, scope: Address, tag: Address, account: Address) -> Self {
        let mut word = account.into_word();
        word[..12].copy_from_slice(&alloy_primitives::keccak256(tag)[..12]);
        Self::new(kind, scope, word)
    }

    /// A key of `scope` as a whole (subject zero).
    pub fn global(kind: StateKind, scope: Address) -> Self {
        Self::new(kind, scope, B256::ZERO)
    }

    /// A key about a 256-bit id (a token id) in `scope`.
    pub fn id(kind: StateKind, scope: Address, id: U256) -> Self {
        Self::new(kind, scope, B256::from(id))
    }

    /// The subject read back as a 256-bit id (a token id).
    pub fn subject_id(&self) -> U256 {
        U256::from_be_bytes(self.subject.0)
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
