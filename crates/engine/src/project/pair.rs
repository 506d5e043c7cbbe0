//! Uniswap V2 pairs: LP balances from the pair's own `Transfer`s (a `Mint`'s
//! sender is the router, not the owner) and reserves from `Sync`.

use alloy::primitives::{Address, U256};
use alloy::sol_types::SolCall;
use tributary_types::{StateKey, StateKind};

use super::changes::write_all;
use super::views::{View, token0Call, token1Call};
use super::{EventInput, Projection, ProjectionError, arg_uint, erc20};
use crate::overlay::Overlay;

/// The `uniswap_v2_pair` template.
#[derive(Debug, Clone, Copy, Default)]
pub struct UniswapV2Pair;

impl Projection for UniswapV2Pair {
    fn kinds(&self) -> &'static [StateKind] {
        // Token addresses are not cleared by a rebuild: the factory's events
        // or a chain read set them, never the pair's own events.
        &[
            StateKind::Balance,
            StateKind::Supply,
            StateKind::Reserve0,
            StateKind::Reserve1,
        ]
    }

    fn keys(&self, input: &EventInput<'_>, out: &mut Vec<StateKey>) {
        let pair = input.log.address;
        match input.role {
            "Transfer" => erc20::transfer_keys(input, out),
            "Sync" => {
                out.extend([
                    StateKey::global(StateKind::PairToken0, pair),
                    StateKey::global(StateKind::PairToken1, pair),
                ]);
            }
            _ => {}
        }
    }

    fn apply(&self, input: &EventInput<'_>, state: &mut Overlay) -> Result<(), ProjectionError> {
        let pair = input.log.address;
        match input.role {
            "Transfer" => {
                let writes = erc20::transfer(input, state)?;
                write_all(state, writes);
            }
            "Sync" => {
                let (r0, r1) = (arg_uint(input, 0)?, arg_uint(input, 1)?);
                state.set(StateKey::global(StateKind::Reserve0, pair), r0);
                state.set(StateKey::global(StateKind::Reserve1, pair), r1);
            }
            _ => {}
        }
        Ok(())
    }

    fn views(&self, written: &StateKey, state: &Overlay, out: &mut Vec<View>) {
        // A pair seen without its factory learns its tokens from the chain, once.
        if written.kind != StateKind::Reserve0 {
            return;
        }
        let pair = written.scope;
        let t0 = StateKey::global(StateKind::PairToken0, pair);
        if state.get(&t0) == U256::ZERO {
            out.push(View::new(t0, pair, token0Call {}.abi_encode()));
            let t1 = StateKey::global(StateKind::PairToken1, pair);
            out.push(View::new(t1, pair, token1Call {}.abi_encode()));
        }
    }
}

/// The value stored for an address-valued key.
pub(crate) fn address_value(a: Address) -> U256 {
    U256::from_be_bytes(a.into_word().0)
}
