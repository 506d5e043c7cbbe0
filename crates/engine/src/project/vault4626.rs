//! ERC-4626 vaults: share balances are the vault's ERC-20 `Transfer`s; total
//! assets change without vault events (yield, donations), so they are read
//! from the vault's `totalAssets()` after every batch that touched it and on
//! every refresh.

use alloy::sol_types::SolCall;
use tributary_types::{StateKey, StateKind};

use super::changes::write_all;
use super::views::{View, totalAssetsCall};
use super::{EventInput, Projection, ProjectionError, erc20};
use crate::overlay::Overlay;

/// The `erc4626` template.
#[derive(Debug, Clone, Copy, Default)]
pub struct Erc4626;

impl Projection for Erc4626 {
    fn kinds(&self) -> &'static [StateKind] {
        &[StateKind::Balance, StateKind::Supply]
    }

    fn keys(&self, input: &EventInput<'_>, out: &mut Vec<StateKey>) {
        if input.role == "Transfer" {
            erc20::transfer_keys(input, out);
        }
    }

    fn apply(&self, input: &EventInput<'_>, state: &mut Overlay) -> Result<(), ProjectionError> {
        if input.role == "Transfer" {
            let writes = erc20::transfer(input, state)?;
            write_all(state, writes);
        }
        Ok(())
    }

    fn views(&self, written: &StateKey, _state: &Overlay, out: &mut Vec<View>) {
        if matches!(
            written.kind,
            StateKind::Supply | StateKind::Balance | StateKind::TotalAssets
        ) {
            out.push(View::new(
                StateKey::global(StateKind::TotalAssets, written.scope),
                written.scope,
                totalAssetsCall {}.abi_encode(),
            ));
        }
    }

    fn refresh_sources(&self) -> &'static [StateKind] {
        &[StateKind::Supply]
    }
}
