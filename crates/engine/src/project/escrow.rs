//! Vote-escrow (veNFT) locks: each lock is an ERC-721 token, so its owner
//! comes from `Transfer`s and moves with the NFT; the amount and end come from
//! the lock events. Voting power is derived at read time from the block's
//! timestamp, exactly as the contract's view does.

use alloy::primitives::{Address, U256};
use tributary_types::{StateKey, StateKind};

use super::changes::{Changes, write_all};
use super::{EventInput, Projection, ProjectionError, arg_uint, nft};
use crate::overlay::Overlay;

/// The `vote_escrow` template.
#[derive(Debug, Clone, Copy, Default)]
pub struct VoteEscrow;

impl Projection for VoteEscrow {
    fn kinds(&self) -> &'static [StateKind] {
        &[
            StateKind::NftOwner,
            StateKind::NftCount,
            StateKind::Supply,
            StateKind::LockAmount,
            StateKind::LockEnd,
        ]
    }

    fn keys(&self, input: &EventInput<'_>, out: &mut Vec<StateKey>) {
        let escrow = input.log.address;
        // LockCreated names the user first; the others start with the token id.
        let id_at = usize::from(input.role == "LockCreated");
        match input.role {
            nft::TRANSFER => nft::transfer_keys(input, out),
            "LockCreated" | "LockIncreased" | "Withdraw" => {
                if let Ok(id) = arg_uint(input, id_at) {
                    out.push(StateKey::id(StateKind::LockAmount, escrow, id));
                    out.push(StateKey::id(StateKind::LockEnd, escrow, id));
                    out.push(StateKey::id(StateKind::NftOwner, escrow, id));
                }
            }
            _ => {}
        }
    }

    fn apply(&self, input: &EventInput<'_>, state: &mut Overlay) -> Result<(), ProjectionError> {
        let escrow = input.log.address;
        let writes = match input.role {
            nft::TRANSFER => nft::transfer(input, state)?,
            "LockCreated" => {
                let (id, amount, end) = (
                    arg_uint(input, 1)?,
                    arg_uint(input, 2)?,
                    arg_uint(input, 3)?,
                );
                vec![
                    (StateKey::id(StateKind::LockAmount, escrow, id), amount),
                    (StateKey::id(StateKind::LockEnd, escrow, id), end),
                ]
            }
            "LockIncreased" => {
                let (id, added, end) = (
                    arg_uint(input, 0)?,
                    arg_uint(input, 1)?,
                    arg_uint(input, 2)?,
                );
                let mut c = Changes::new(state);
                c.add(
                    StateKey::id(StateKind::LockAmount, escrow, id),
                    added,
                    "locked amount",
                )?;
                c.set(StateKey::id(StateKind::LockEnd, escrow, id), end);
                c.into_writes()
            }
            "Withdraw" => {
                let id = arg_uint(input, 0)?;
                vec![
                    (StateKey::id(StateKind::LockAmount, escrow, id), U256::ZERO),
                    (StateKey::id(StateKind::LockEnd, escrow, id), U256::ZERO),
                ]
            }
            _ => Vec::new(),
        };
        write_all(state, writes);
        if matches!(input.role, "LockIncreased" | "Withdraw") {
            // The lock is keyed by token id: tell readers whose portfolio moved.
            let owner = state.get(&StateKey::id(
                StateKind::NftOwner,
                escrow,
                arg_uint(input, 0)?,
            ));
            state.touch(Address::from_word(owner.into()));
        }
        Ok(())
    }
}
