//! Gauge controllers: each account's current vote per gauge, the gauges'
//! weights and their total, and the emission rate (read from the chain).
//! A `VoteForGauge` replaces the voter's previous vote for that gauge.

use alloy::primitives::U256;
use alloy::sol_types::SolCall;
use tributary_types::{StateKey, StateKind};

use super::changes::{Changes, write_all};
use super::views::{View, emissionRateCall};
use super::{EventInput, Projection, ProjectionError, arg_address, arg_uint};
use crate::overlay::Overlay;

/// The `gauge` template.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauge;

impl Projection for Gauge {
    fn kinds(&self) -> &'static [StateKind] {
        &[
            StateKind::GaugeVote,
            StateKind::GaugeKnown,
            StateKind::GaugeWeight,
            StateKind::GaugeTotalWeight,
        ]
    }

    fn keys(&self, input: &EventInput<'_>, out: &mut Vec<StateKey>) {
        let ctrl = input.log.address;
        let (Ok(user), Ok(gauge)) = (arg_address(input, 1), arg_address(input, 2)) else {
            return;
        };
        out.extend([
            StateKey::paired(StateKind::GaugeVote, ctrl, gauge, user),
            StateKey::account(StateKind::GaugeKnown, ctrl, gauge),
            StateKey::account(StateKind::GaugeWeight, ctrl, gauge),
            StateKey::global(StateKind::GaugeTotalWeight, ctrl),
        ]);
    }

    fn apply(&self, input: &EventInput<'_>, state: &mut Overlay) -> Result<(), ProjectionError> {
        if input.role != "VoteForGauge" {
            return Ok(());
        }
        let ctrl = input.log.address;
        let user = arg_address(input, 1)?;
        let gauge = arg_address(input, 2)?;
        let weight = arg_uint(input, 3)?;
        let vote = StateKey::paired(StateKind::GaugeVote, ctrl, gauge, user);
        let gauge_weight = StateKey::account(StateKind::GaugeWeight, ctrl, gauge);
        let total = StateKey::global(StateKind::GaugeTotalWeight, ctrl);
        let mut c = Changes::new(state);
        let previous = c.get(&vote);
        c.sub(gauge_weight, previous, "gauge weight")?;
        c.add(gauge_weight, weight, "gauge weight")?;
        c.sub(total, previous, "total weight")?;
        c.add(total, weight, "total weight")?;
        c.set(vote, weight);
        c.set(
            StateKey::account(StateKind::GaugeKnown, ctrl, gauge),
            U256::from(1),
        );
        let writes = c.into_writes();
        write_all(state, writes);
        Ok(())
    }

    fn views(&self, written: &StateKey, _state: &Overlay, out: &mut Vec<View>) {
        if matches!(
            written.kind,
            StateKind::GaugeKnown | StateKind::GaugeTotalWeight
        ) {
            out.push(View::new(
                StateKey::global(StateKind::EmissionRate, written.scope),
                written.scope,
                emissionRateCall {}.abi_encode(),
            ));
        }
    }

    fn refresh_sources(&self) -> &'static [StateKind] {
        &[StateKind::GaugeTotalWeight]
    }
}
