//! Savings contracts: principal per account from `Deposit`/`Withdraw`, and
//! the interest accrued between events read from the contract's own view.

use alloy::sol_types::SolCall;
use tributary_types::{StateKey, StateKind};

use super::changes::{Changes, write_all};
use super::views::{View, accruedInterestCall};
use super::{EventInput, Projection, ProjectionError, arg_address, arg_uint};
use crate::overlay::Overlay;

/// The `savings` template.
#[derive(Debug, Clone, Copy, Default)]
pub struct Savings;

impl Projection for Savings {
    fn kinds(&self) -> &'static [StateKind] {
        &[StateKind::SavingsPrincipal]
    }

    fn keys(&self, input: &EventInput<'_>, out: &mut Vec<StateKey>) {
        if let Ok(user) = arg_address(input, 0) {
            out.push(StateKey::account(
                StateKind::SavingsPrincipal,
                input.log.address,
                user,
            ));
        }
    }

    fn apply(&self, input: &EventInput<'_>, state: &mut Overlay) -> Result<(), ProjectionError> {
        let user = arg_address(input, 0)?;
        let amount = arg_uint(input, 1)?;
        let key = StateKey::account(StateKind::SavingsPrincipal, input.log.address, user);
        let mut c = Changes::new(state);
        match input.role {
            "Deposit" => c.add(key, amount, "principal")?,
            "Withdraw" => c.sub(key, amount, "principal")?,
            _ => {}
        }
        let writes = c.into_writes();
        write_all(state, writes);
        Ok(())
    }

    fn views(&self, written: &StateKey, _state: &Overlay, out: &mut Vec<View>) {
        if matches!(
            written.kind,
            StateKind::SavingsPrincipal | StateKind::SavingsInterest
        ) {
            let user = written.subject_address();
            out.push(View::new(
                StateKey::account(StateKind::SavingsInterest, written.scope, user),
                written.scope,
                accruedInterestCall { user }.abi_encode(),
            ));
        }
    }

    fn refresh_sources(&self) -> &'static [StateKind] {
        &[StateKind::SavingsPrincipal, StateKind::SavingsInterest]
    }
}
