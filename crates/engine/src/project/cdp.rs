//! Multi-collateral CDP vaults: collateral per (account, collateral), debt per
//! account, and each collateral's liquidation threshold (read from the chain).

use alloy::primitives::U256;
use alloy::sol_types::SolCall;
use tributary_types::{StateKey, StateKind};

use super::changes::{Changes, write_all};
use super::views::{View, liquidationThresholdCall};
use super::{EventInput, Projection, ProjectionError, arg_address, arg_uint};
use crate::overlay::Overlay;

/// The `cdp_vault` template.
#[derive(Debug, Clone, Copy, Default)]
pub struct CdpVault;

impl Projection for CdpVault {
    fn kinds(&self) -> &'static [StateKind] {
        &[
            StateKind::VaultCollateral,
            StateKind::VaultCollateralToken,
            StateKind::VaultDebt,
        ]
    }

    fn keys(&self, input: &EventInput<'_>, out: &mut Vec<StateKey>) {
        let vault = input.log.address;
        let Ok(user) = arg_address(input, 0) else {
            return;
        };
        match input.role {
            "Deposit" | "Withdraw" => {
                if let Ok(collateral) = arg_address(input, 1) {
                    out.push(StateKey::paired(
                        StateKind::VaultCollateral,
                        vault,
                        collateral,
                        user,
                    ));
                    out.push(StateKey::account(
                        StateKind::VaultCollateralToken,
                        vault,
                        collateral,
                    ));
                }
            }
            "Borrow" | "Repay" => out.push(StateKey::account(StateKind::VaultDebt, vault, user)),
            _ => {}
        }
    }

    fn apply(&self, input: &EventInput<'_>, state: &mut Overlay) -> Result<(), ProjectionError> {
        let vault = input.log.address;
        let user = arg_address(input, 0)?;
        let mut c = Changes::new(state);
        match input.role {
            "Deposit" | "Withdraw" => {
                let collateral = arg_address(input, 1)?;
                let amount = arg_uint(input, 2)?;
                let key = StateKey::paired(StateKind::VaultCollateral, vault, collateral, user);
                if input.role == "Deposit" {
                    c.add(key, amount, "collateral")?;
                    c.set(
                        StateKey::account(StateKind::VaultCollateralToken, vault, collateral),
                        U256::from(1),
                    );
                } else {
                    c.sub(key, amount, "collateral")?;
                }
            }
            "Borrow" => c.add(
                StateKey::account(StateKind::VaultDebt, vault, user),
                arg_uint(input, 1)?,
                "debt",
            )?,
            "Repay" => c.sub(
                StateKey::account(StateKind::VaultDebt, vault, user),
                arg_uint(input, 1)?,
                "debt",
            )?,
            _ => {}
        }
        let writes = c.into_writes();
        write_all(state, writes);
        Ok(())
    }

    fn views(&self, written: &StateKey, _state: &Overlay, out: &mut Vec<View>) {
        if written.kind == StateKind::VaultCollateralToken {
            let collateral = written.subject_address();
            out.push(View::new(
                StateKey::account(StateKind::VaultThreshold, written.scope, collateral),
                written.scope,
                liquidationThresholdCall { collateral }.abi_encode(),
            ));
        }
    }

    fn refresh_sources(&self) -> &'static [StateKind] {
        &[StateKind::VaultCollateralToken]
    }
}
