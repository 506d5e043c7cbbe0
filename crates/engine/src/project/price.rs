//! Chainlink-style price feeds: `AnswerUpdated(current, roundId, updatedAt)`.

use alloy::dyn_abi::DynSolValue;
use tributary_types::{StateKey, StateKind};

use super::{EventInput, Projection, ProjectionError, arg_uint};
use crate::overlay::Overlay;

/// The `price_feed` template.
#[derive(Debug, Clone, Copy, Default)]
pub struct PriceFeed;

impl Projection for PriceFeed {
    fn kinds(&self) -> &'static [StateKind] {
        &[StateKind::Price, StateKind::PriceUpdatedAt]
    }

    fn keys(&self, _input: &EventInput<'_>, _out: &mut Vec<StateKey>) {}

    fn apply(&self, input: &EventInput<'_>, state: &mut Overlay) -> Result<(), ProjectionError> {
        let feed = input.log.address;
        let answer = match input.values.first() {
            Some(DynSolValue::Int(v, _)) if !v.is_negative() => v.into_raw(),
            Some(DynSolValue::Uint(v, _)) => *v,
            _ => {
                return Err(ProjectionError::BadArgument {
                    role: input.role.to_string(),
                    index: 0,
                    expected: "non-negative price",
                });
            }
        };
        let updated_at = arg_uint(input, 2)?;
        state.set(StateKey::global(StateKind::Price, feed), answer);
        state.set(
            StateKey::global(StateKind::PriceUpdatedAt, feed),
            updated_at,
        );
        Ok(())
    }
}
