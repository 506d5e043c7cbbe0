//! Projections: deterministic functions of (state, event) → state changes.
//!
//! Built-in templates are written against the same [`Projection`] trait a
//! user's own Rust projection would implement.

mod cdp;
mod changes;
mod erc20;
mod escrow;
mod factory;
mod gauge;
mod nft;
mod pair;
mod price;
mod rewards;
mod savings;
mod stability;
mod vault4626;
pub mod views;

use alloy::dyn_abi::DynSolValue;
use tributary_config::ContractKind;
use tributary_types::{RawLog, StateKey, StateKind};

pub use cdp::CdpVault;
pub use erc20::Erc20;
pub use escrow::VoteEscrow;
pub use factory::UniswapV2Factory;
pub use gauge::Gauge;
pub use nft::Erc721;
pub use pair::UniswapV2Pair;
pub use price::PriceFeed;
pub use rewards::Rewards;
pub use savings::Savings;
pub use stability::StabilityPool;
pub use vault4626::Erc4626;
pub use views::View;

use crate::overlay::Overlay;

/// One decoded event handed to a projection.
#[derive(Debug, Clone, Copy)]
pub struct EventInput<'a> {
    /// The template role the event is bound to (e.g. `"Transfer"`).
    pub role: &'a str,
    /// Argument values in ABI parameter order (role overrides keep the order).
    pub values: &'a [DynSolValue],
    /// The raw log.
    pub log: &'a RawLog,
}

/// Why a projection could not apply an event; the event stays stored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectionError {
    /// An argument was not of the type the role requires.
    #[error("argument {index} of {role} is not a {expected}")]
    BadArgument {
        /// Role.
        role: String,
        /// Argument position.
        index: usize,
        /// Expected type.
        expected: &'static str,
    },
    /// A balance or supply would go below zero or above 2^256-1.
    #[error("{what} out of range: {current} {op} {amount}")]
    OutOfRange {
        /// Which value.
        what: &'static str,
        /// Its current value.
        current: alloy::primitives::U256,
        /// `-` or `+`.
        op: char,
        /// The amount applied.
        amount: alloy::primitives::U256,
    },
    /// The event contradicts indexed state (e.g. an NFT moved by a non-owner):
    /// an event was missed or the node answered wrongly.
    #[error("{role} contradicts indexed state: {detail}")]
    Inconsistent {
        /// Role.
        role: String,
        /// What disagreed.
        detail: String,
    },
}

/// A projection of one contract entry's events onto state.
pub trait Projection: Send + Sync + std::fmt::Debug {
    /// The state kinds its events write (a rebuild clears these). Kinds that
    /// only [`Projection::views`] write are not listed: a rebuild replays
    /// events, not chain reads, so it keeps them.
    fn kinds(&self) -> &'static [StateKind];

    /// Keys `apply` may read for this event, loaded in bulk before the batch.
    fn keys(&self, input: &EventInput<'_>, out: &mut Vec<StateKey>);

    /// Applies one event. On error nothing of this event may be written.
    fn apply(&self, input: &EventInput<'_>, state: &mut Overlay) -> Result<(), ProjectionError>;

    /// Chain reads to run after a batch because it wrote `written` (or, on a
    /// periodic refresh, because `written` is a stored key of a kind in
    /// [`Projection::refresh_sources`]). Their answers are written as state at
    /// the batch's last block.
    fn views(&self, _written: &StateKey, _state: &Overlay, _out: &mut Vec<View>) {}

    /// Kinds whose stored keys are handed to [`Projection::views`] on every refresh.
    fn refresh_sources(&self) -> &'static [StateKind] {
        &[]
    }

    /// A per-account kind to refresh for every account the chain knows of
    /// (state that accrues for accounts that never emitted an event here):
    /// each refresh hands `views` that key for every known account.
    fn refresh_accounts(&self) -> Option<StateKind> {
        None
    }
}

/// The built-in projection of a template kind, if it has one here.
pub fn for_kind(kind: ContractKind) -> Option<Box<dyn Projection>> {
    match kind {
        ContractKind::Erc20 => Some(Box::new(Erc20)),
        ContractKind::Erc721 => Some(Box::new(Erc721)),
        ContractKind::Erc4626 => Some(Box::new(Erc4626)),
        ContractKind::UniswapV2Factory => Some(Box::new(UniswapV2Factory)),
        ContractKind::UniswapV2Pair => Some(Box::new(UniswapV2Pair)),
        ContractKind::CdpVault => Some(Box::new(CdpVault)),
        ContractKind::VoteEscrow => Some(Box::new(VoteEscrow)),
        ContractKind::Savings => Some(Box::new(Savings)),
        ContractKind::StabilityPool => Some(Box::new(StabilityPool)),
        ContractKind::Gauge => Some(Box::new(Gauge)),
        ContractKind::Rewards => Some(Box::new(Rewards)),
        ContractKind::PriceFeed => Some(Box::new(PriceFeed)),
        _ => None,
    }
}

/// Reads argument `index` as an address.
pub(crate) fn arg_address(
    input: &EventInput<'_>,
    index: usize,
) -> Result<alloy::primitives::Address, ProjectionError> {
    match input.values.get(index) {
        Some(DynSolValue::Address(a)) => Ok(*a),
        _ => Err(ProjectionError::BadArgument {
            role: input.role.to_string(),
            index,
            expected: "address",
        }),
    }
}

/// Reads argument `index` as an unsigned integer.
pub(crate) fn arg_uint(
    input: &EventInput<'_>,
    index: usize,
) -> Result<alloy::primitives::U256, ProjectionError> {
    match input.values.get(index) {
        Some(DynSolValue::Uint(v, _)) => Ok(*v),
        _ => Err(ProjectionError::BadArgument {
            role: input.role.to_string(),
            index,
            expected: "uint",
        }),
    }
}
