//! Contract fingerprints: a stable hash of everything that affects what a
//! contract's projection produces, so stored data can be checked against the
//! configuration that produced it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use alloy::json_abi::Event;
use alloy::primitives::Address;
use sha2::{Digest, Sha256};

use crate::model::ContractKind;

/// Where a fingerprinted contract's addresses come from.
pub(crate) enum Source<'a> {
    /// Fixed addresses (order does not matter).
    Fixed(&'a [Address]),
    /// Discovered by a factory, identified by the factory's own fingerprint.
    Factory {
        parent: &'a str,
        event: &'a str,
        parameter: &'a str,
    },
}

/// The inputs of a fingerprint; the contract's name is deliberately absent.
pub(crate) struct Inputs<'a> {
    pub kind: ContractKind,
    pub chain_id: u64,
    pub source: Source<'a>,
    pub start_block: u64,
    pub events: &'a [Event],
    pub roles: &'a BTreeMap<String, Event>,
}

/// Hex SHA-256 of a canonical text form of `inputs`.
pub(crate) fn fingerprint(inputs: &Inputs<'_>) -> String {
    let mut text = String::from("tributary contract fingerprint v1\n");
    // Writing to a String cannot fail.
    let _ = writeln!(text, "kind={}", inputs.kind);
    let _ = writeln!(text, "chain_id={}", inputs.chain_id);
    let _ = writeln!(text, "start_block={}", inputs.start_block);
    match &inputs.source {
        Source::Fixed(addresses) => {
            let mut sorted: Vec<String> = addresses.iter().map(|a| format!("{a:#x}")).collect();
            sorted.sort();
            sorted.dedup();
            for address in sorted {
                let _ = writeln!(text, "address={address}");
            }
        }
        Source::Factory {
            parent,
            event,
            parameter,
        } => {
            let _ = writeln!(text, "factory.parent={parent}");
            let _ = writeln!(text, "factory.event={event}");
            let _ = writeln!(text, "factory.parameter={parameter}");
        }
    }
    let mut events: Vec<String> = inputs.events.iter().map(Event::full_signature).collect();
    events.sort();
    for event in events {
        let _ = writeln!(text, "event={event}");
    }
    for (role, event) in inputs.roles {
        let _ = writeln!(text, "role.{role}={}", event.full_signature());
    }
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs<'a>(
        events: &'a [Event],
        roles: &'a BTreeMap<String, Event>,
        addresses: &'a [Address],
    ) -> Inputs<'a> {
        Inputs {
            kind: ContractKind::Erc20,
            chain_id: 1,
            source: Source::Fixed(addresses),
            start_block: 0,
            events,
            roles,
        }
    }

    #[test]
    fn is_stable_and_ignores_address_and_event_order() {
        let a = Address::repeat_byte(1);
        let b = Address::repeat_byte(2);
        let e1 = Event::parse("event A(uint256 x)").expect("parses");
        let e2 = Event::parse("event B(uint256 x)").expect("parses");
        let roles = BTreeMap::new();
        let one = fingerprint(&inputs(&[e1.clone(), e2.clone()], &roles, &[a, b]));
        let two = fingerprint(&inputs(&[e2, e1.clone()], &roles, &[b, a]));
        assert_eq!(one, two);
        assert_eq!(one.len(), 64);
        let three = fingerprint(&inputs(&[e1], &roles, &[a, b]));
        assert_ne!(one, three);
    }
}
