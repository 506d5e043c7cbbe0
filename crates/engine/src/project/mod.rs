//! Projections: deterministic functions of (state, event) → state changes.
//!
//! Built-in templates are written against the same [`Projection`] trait a
//! user's own Rust projection would implement.

mod erc20;

use alloy::dyn_abi::DynSolValue;
use tributary_config::ContractKind;
use tributary_types::{RawLog, StateKey, StateKind};

pub use erc20::Erc20;

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
}

/// A projection of one contract entry's events onto state.
pub trait Projection: Send + Sync + std::fmt::Debug {
    /// The state kinds it writes (a rebuild clears these).
    fn kinds(&self) -> &'static [StateKind];

    /// Keys `apply` may read for this event, loaded in bulk before the batch.
    fn keys(&self, input: &EventInput<'_>, out: &mut Vec<StateKey>);

    /// Applies one event. On error nothing of this event may be written.
    fn apply(&self, input: &EventInput<'_>, state: &mut Overlay) -> Result<(), ProjectionError>;
}

/// The built-in projection of a template kind, if it has one here.
pub fn for_kind(kind: ContractKind) -> Option<Box<dyn Projection>> {
    match kind {
        // LP tokens and vault shares are ERC-20s: their Transfer role moves balances.
        ContractKind::Erc20 | ContractKind::UniswapV2Pair | ContractKind::Erc4626 => {
            Some(Box::new(Erc20))
        }
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
