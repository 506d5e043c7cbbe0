//! Uniswap V2 factories: `PairCreated(token0, token1, pair, n)` records each
//! pair's tokens (the pairs themselves are discovered by the registry).

use tributary_types::{StateKey, StateKind};

use super::pair::address_value;
use super::{EventInput, Projection, ProjectionError, arg_address};
use crate::overlay::Overlay;

/// The `uniswap_v2_factory` template.
#[derive(Debug, Clone, Copy, Default)]
pub struct UniswapV2Factory;

impl Projection for UniswapV2Factory {
    fn kinds(&self) -> &'static [StateKind] {
        // Written under the pairs' scopes, so a rebuild of the factory
        // (scoped to the factory's address) leaves them; re-applying sets the same values.
        &[]
    }

    fn keys(&self, input: &EventInput<'_>, out: &mut Vec<StateKey>) {
        if let Ok(pair) = arg_address(input, 2) {
            out.push(StateKey::global(StateKind::PairToken0, pair));
            out.push(StateKey::global(StateKind::PairToken1, pair));
        }
    }

    fn apply(&self, input: &EventInput<'_>, state: &mut Overlay) -> Result<(), ProjectionError> {
        if input.role != "PairCreated" {
            return Ok(());
        }
        let token0 = arg_address(input, 0)?;
        let token1 = arg_address(input, 1)?;
        let pair = arg_address(input, 2)?;
        state.set(
            StateKey::global(StateKind::PairToken0, pair),
            address_value(token0),
        );
        state.set(
            StateKey::global(StateKind::PairToken1, pair),
            address_value(token1),
        );
        Ok(())
    }
}
