//! Reward distributors: rewards claimed per account from `RewardsClaimed`,
//! and pending rewards, which accrue without events, read from the chain for
//! every account the indexer knows.

use alloy::sol_types::SolCall;
use tributary_types::{StateKey, StateKind};

use super::changes::{Changes, write_all};
use super::views::{View, pendingRewardsCall};
use super::{EventInput, Projection, ProjectionError, arg_address, arg_uint};
use crate::overlay::Overlay;

/// The `rewards` template.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rewards;

impl Projection for Rewards {
    fn kinds(&self) -> &'static [StateKind] {
        &[StateKind::RewardsClaimed]
    }

    fn keys(&self, input: &EventInput<'_>, out: &mut Vec<StateKey>) {
        if let Ok(user) = arg_address(input, 0) {
            out.push(StateKey::account(
                StateKind::RewardsClaimed,
                input.log.address,
                user,
            ));
        }
    }

    fn apply(&self, input: &EventInput<'_>, state: &mut Overlay) -> Result<(), ProjectionError> {
        let user = arg_address(input, 0)?;
        let amount = arg_uint(input, 1)?;
        let mut c = Changes::new(state);
        c.add(
            StateKey::account(StateKind::RewardsClaimed, input.log.address, user),
            amount,
            "claimed",
        )?;
        let writes = c.into_writes();
        write_all(state, writes);
        Ok(())
    }

    fn views(&self, written: &StateKey, _state: &Overlay, out: &mut Vec<View>) {
        if matches!(
            written.kind,
            StateKind::RewardsClaimed | StateKind::PendingRewards
        ) {
            let user = written.subject_address();
            out.push(View::new(
                StateKey::account(StateKind::PendingRewards, written.scope, user),
                written.scope,
                pendingRewardsCall { user }.abi_encode(),
            ));
        }
    }

    fn refresh_accounts(&self) -> Option<StateKind> {
        Some(StateKind::PendingRewards)
    }
}
