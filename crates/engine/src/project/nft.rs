//! ERC-721 ownership from `Transfer(from, to, tokenId)`: the owner of every
//! token, each account's count, and the collection's supply.

use alloy::primitives::{Address, U256};
use tributary_types::{StateKey, StateKind};

use super::changes::{Changes, write_all};
use super::{EventInput, Projection, ProjectionError, arg_address, arg_uint};
use crate::overlay::Overlay;

/// The `erc721` template.
#[derive(Debug, Clone, Copy, Default)]
pub struct Erc721;

/// The role every ERC-721 projection reads.
pub(crate) const TRANSFER: &str = "Transfer";

/// State kinds an ERC-721 transfer writes.
pub(crate) const KINDS: &[StateKind] =
    &[StateKind::NftOwner, StateKind::NftCount, StateKind::Supply];

impl Projection for Erc721 {
    fn kinds(&self) -> &'static [StateKind] {
        KINDS
    }

    fn keys(&self, input: &EventInput<'_>, out: &mut Vec<StateKey>) {
        if input.role == TRANSFER {
            transfer_keys(input, out);
        }
    }

    fn apply(&self, input: &EventInput<'_>, state: &mut Overlay) -> Result<(), ProjectionError> {
        if input.role != TRANSFER {
            return Ok(());
        }
        let writes = transfer(input, state)?;
        write_all(state, writes);
        Ok(())
    }
}

/// Keys [`transfer`] reads.
pub(crate) fn transfer_keys(input: &EventInput<'_>, out: &mut Vec<StateKey>) {
    let coll = input.log.address;
    let (Ok(from), Ok(to), Ok(id)) = (
        arg_address(input, 0),
        arg_address(input, 1),
        arg_uint(input, 2),
    ) else {
        return;
    };
    out.push(StateKey::id(StateKind::NftOwner, coll, id));
    out.push(StateKey::global(StateKind::Supply, coll));
    for account in [from, to] {
        if account != Address::ZERO {
            out.push(StateKey::account(StateKind::NftCount, coll, account));
        }
    }
}

/// The writes of one ERC-721 `Transfer` of `input.log.address`. The sender
/// must be the recorded owner: anything else means a missed event.
pub(crate) fn transfer(
    input: &EventInput<'_>,
    state: &Overlay,
) -> Result<Vec<(StateKey, U256)>, ProjectionError> {
    let coll = input.log.address;
    let from = arg_address(input, 0)?;
    let to = arg_address(input, 1)?;
    let id = arg_uint(input, 2)?;
    let owner_key = StateKey::id(StateKind::NftOwner, coll, id);
    let mut c = Changes::new(state);
    let owner = Address::from_word(c.get(&owner_key).into());
    if owner != from {
        return Err(ProjectionError::Inconsistent {
            role: input.role.to_string(),
            detail: format!("token {id} moves from {from} but is owned by {owner}"),
        });
    }
    let supply = StateKey::global(StateKind::Supply, coll);
    if from == Address::ZERO {
        c.add(supply, U256::from(1), "collection supply")?;
    } else {
        c.sub(
            StateKey::account(StateKind::NftCount, coll, from),
            U256::from(1),
            "sender count",
        )?;
    }
    if to == Address::ZERO {
        if from != Address::ZERO {
            c.sub(supply, U256::from(1), "collection supply")?;
        }
    } else {
        c.add(
            StateKey::account(StateKind::NftCount, coll, to),
            U256::from(1),
            "recipient count",
        )?;
    }
    c.set(owner_key, U256::from_be_bytes(to.into_word().0));
    Ok(c.into_writes())
}
