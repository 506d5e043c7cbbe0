//! Stability pools: `UserDepositChanged(depositor, newDeposit)` carries the
//! whole new deposit, so the projection just records it.

use tributary_types::{StateKey, StateKind};

use super::{EventInput, Projection, ProjectionError, arg_address, arg_uint};
use crate::overlay::Overlay;

/// The `stability_pool` template.
#[derive(Debug, Clone, Copy, Default)]
pub struct StabilityPool;

impl Projection for StabilityPool {
    fn kinds(&self) -> &'static [StateKind] {
        &[StateKind::StabilityDeposit]
    }

    fn keys(&self, input: &EventInput<'_>, out: &mut Vec<StateKey>) {
        if let Ok(user) = arg_address(input, 0) {
            out.push(StateKey::account(
                StateKind::StabilityDeposit,
                input.log.address,
                user,
            ));
        }
    }

    fn apply(&self, input: &EventInput<'_>, state: &mut Overlay) -> Result<(), ProjectionError> {
        let user = arg_address(input, 0)?;
        let deposit = arg_uint(input, 1)?;
        state.set(
            StateKey::account(StateKind::StabilityDeposit, input.log.address, user),
            deposit,
        );
        Ok(())
    }
}
