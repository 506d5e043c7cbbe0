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
    pub role_args: &'a BTreeMap<String, Vec<usize>>,
    pub asset: Option<Address>,
    pub stable: bool,
}

/// Hex SHA-256 of a canonical text form of `inputs`.
///
/// Settings added after v1 (`asset`, `stable`, argument order) are written
/// only when they differ from their defaults, so that contracts that do not
/// use them keep the fingerprint they had (and their stored data is not rebuilt).
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
    for (role, args) in inputs.role_args {
        if args.iter().enumerate().any(|(i, &arg)| i != arg) {
            let args: Vec<String> = args.iter().map(usize::to_string).collect();
            let _ = writeln!(text, "role_args.{role}={}", args.join(","));
        }
    }
    if let Some(asset) = inputs.asset {
        let _ = writeln!(text, "asset={asset:#x}");
    }
    if inputs.stable {
        let _ = writeln!(text, "stable=true");
    }
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    static NO_ARGS: BTreeMap<String, Vec<usize>> = BTreeMap::new();

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
            role_args: &NO_ARGS,
            asset: None,
            stable: false,
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

    #[test]
    fn defaults_of_later_settings_leave_the_fingerprint_unchanged() {
        let e = Event::parse("event A(address x, uint256 y)").expect("parses");
        let roles = BTreeMap::from([("A".to_owned(), e.clone())]);
        let events = [e];
        let a = [Address::repeat_byte(1)];
        let base = inputs(&events, &roles, &a);
        let plain = fingerprint(&base);
        // The v1 text form, before asset, stable and argument order existed.
        let v1 = "tributary contract fingerprint v1\nkind=erc20\nchain_id=1\nstart_block=0\n\
                  address=0x0101010101010101010101010101010101010101\n\
                  event=event A(address x, uint256 y)\nrole.A=event A(address x, uint256 y)\n";
        assert_eq!(plain, hex::encode(Sha256::digest(v1.as_bytes())));
        let identity = BTreeMap::from([("A".to_owned(), vec![0, 1])]);
        let swapped = BTreeMap::from([("A".to_owned(), vec![1, 0])]);
        let with = |role_args, asset, stable| {
            fingerprint(&Inputs {
                role_args,
                asset,
                stable,
                ..inputs(&events, &roles, &a)
            })
        };
        assert_eq!(with(&identity, None, false), plain);
        let changed = [
            with(&swapped, None, false),
            with(&NO_ARGS, Some(Address::repeat_byte(2)), false),
            with(&NO_ARGS, None, true),
        ];
        for (i, fp) in changed.iter().enumerate() {
            assert_ne!(*fp, plain, "{i}");
        }
    }
}
