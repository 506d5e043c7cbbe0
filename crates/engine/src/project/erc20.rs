//! ERC-20 balances and total supply from `Transfer(from, to, value)`.
//!
//! A transfer from the zero address mints (supply grows), one to the zero
//! address burns (supply shrinks); the zero address never holds a balance.

use alloy::primitives::{Address, U256};
use tributary_types::{StateKey, StateKind};

use super::changes::{Changes, write_all};
use super::{EventInput, Projection, ProjectionError, arg_address, arg_uint};
use crate::overlay::Overlay;

/// The `erc20` template (also the LP token side of `uniswap_v2_pair` and the
/// share side of `erc4626`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Erc20;

const TRANSFER: &str = "Transfer";

impl Projection for Erc20 {
    fn kinds(&self) -> &'static [StateKind] {
        &[StateKind::Balance, StateKind::Supply]
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

/// The writes of one ERC-20 `Transfer(from, to, value)` of `input.log.address`
/// (shared with the templates whose shares are ERC-20s).
pub(crate) fn transfer(
    input: &EventInput<'_>,
    state: &Overlay,
) -> Result<Vec<(StateKey, U256)>, ProjectionError> {
    let token = input.log.address;
    let from = arg_address(input, 0)?;
    let to = arg_address(input, 1)?;
    let value = arg_uint(input, 2)?;
    let mut c = Changes::new(state);
    if from == Address::ZERO {
        c.add(StateKey::supply(token), value, "total supply")?;
    } else {
        c.sub(StateKey::balance(token, from), value, "sender balance")?;
    }
    if to != Address::ZERO {
        // A self-transfer reads the balance after the debit above.
        c.add(StateKey::balance(token, to), value, "recipient balance")?;
    } else if from != Address::ZERO {
        c.sub(StateKey::supply(token), value, "total supply")?;
    }
    Ok(c.into_writes())
}

/// Keys [`transfer`] reads.
pub(crate) fn transfer_keys(input: &EventInput<'_>, out: &mut Vec<StateKey>) {
    let token = input.log.address;
    let (Ok(from), Ok(to)) = (arg_address(input, 0), arg_address(input, 1)) else {
        return;
    };
    for account in [from, to] {
        out.push(if account == Address::ZERO {
            StateKey::supply(token)
        } else {
            StateKey::balance(token, account)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::dyn_abi::DynSolValue;
    use alloy::primitives::{B256, Bytes};
    use tributary_types::RawLog;

    fn apply(
        state: &mut Overlay,
        from: Address,
        to: Address,
        value: u64,
    ) -> Result<(), ProjectionError> {
        let log = RawLog {
            block_number: 1,
            block_hash: B256::ZERO,
            tx_hash: B256::ZERO,
            tx_index: 0,
            log_index: 0,
            address: Address::repeat_byte(9),
            topics: vec![],
            data: Bytes::new(),
        };
        let values = [
            DynSolValue::Address(from),
            DynSolValue::Address(to),
            DynSolValue::Uint(U256::from(value), 256),
        ];
        Erc20.apply(
            &EventInput {
                role: TRANSFER,
                values: &values,
                log: &log,
            },
            state,
        )
    }

    #[test]
    fn mint_transfer_burn_and_self_transfer() {
        let token = Address::repeat_byte(9);
        let (a, b) = (Address::repeat_byte(1), Address::repeat_byte(2));
        let mut s = Overlay::new();
        apply(&mut s, Address::ZERO, a, 100).unwrap();
        apply(&mut s, a, b, 30).unwrap();
        apply(&mut s, b, b, 30).unwrap();
        apply(&mut s, b, Address::ZERO, 10).unwrap();
        assert_eq!(s.get(&StateKey::balance(token, a)), U256::from(70));
        assert_eq!(s.get(&StateKey::balance(token, b)), U256::from(20));
        assert_eq!(s.get(&StateKey::supply(token)), U256::from(90));
        assert_eq!(s.get(&StateKey::balance(token, Address::ZERO)), U256::ZERO);
    }

    #[test]
    fn overdraft_is_an_error_and_writes_nothing() {
        let token = Address::repeat_byte(9);
        let a = Address::repeat_byte(1);
        let mut s = Overlay::new();
        apply(&mut s, Address::ZERO, a, 5).unwrap();
        assert!(apply(&mut s, a, Address::ZERO, 6).is_err());
        assert_eq!(s.get(&StateKey::balance(token, a)), U256::from(5));
        assert_eq!(s.get(&StateKey::supply(token)), U256::from(5));
    }
}
