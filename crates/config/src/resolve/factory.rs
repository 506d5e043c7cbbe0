//! Links between contracts: a `factory` names another contract on the same
//! chain, an event indexed for it and an address parameter of that event.

use alloy::json_abi::Event;

use super::contract::{Addresses, FactoryRef, Partial};
use crate::read::Ctx;

/// Checks every factory reference; returns, per contract, the index of its
/// factory contract (when it has a valid one).
pub(super) fn link(ctx: &mut Ctx, partials: &[Partial<'_>]) -> Vec<Option<usize>> {
    let targets: Vec<Option<usize>> = partials
        .iter()
        .enumerate()
        .map(|(i, partial)| match &partial.addresses {
            Some(Addresses::Factory(factory)) => check(ctx, partials, i, factory),
            _ => None,
        })
        .collect();
    for (start, partial) in partials.iter().enumerate() {
        let Some(Addresses::Factory(factory)) = &partial.addresses else {
            continue;
        };
        if let Some(path) = cycle(&targets, start) {
            let names: Vec<&str> = path
                .iter()
                .map(|&i| partials[i].name.as_ref().map_or("?", |(n, _)| n.as_str()))
                .collect();
            let message = format!("factories form a cycle: {}", names.join(" -> "));
            ctx.error(
                factory.contract.1,
                format!("{}.contract", factory.key),
                message,
            );
        }
    }
    targets
}

/// The contracts visited from `start` back to `start`, if its factory chain loops.
fn cycle(targets: &[Option<usize>], start: usize) -> Option<Vec<usize>> {
    let mut path = vec![start];
    let mut current = start;
    for _ in 0..targets.len() {
        current = targets[current]?;
        path.push(current);
        if current == start {
            return Some(path);
        }
    }
    None
}

fn check(
    ctx: &mut Ctx,
    partials: &[Partial<'_>],
    me: usize,
    factory: &FactoryRef<'_>,
) -> Option<usize> {
    let (name, origin) = &factory.contract;
    let key = |part: &str| format!("{}.{part}", factory.key);
    let Some(target) = partials
        .iter()
        .position(|p| p.name.as_ref().is_some_and(|(n, _)| n == name))
    else {
        let names: Vec<&str> = partials
            .iter()
            .filter_map(|p| p.name.as_ref().map(|(n, _)| n.as_str()))
            .collect();
        let message = format!(
            "no contract named \"{name}\"; contracts: {}",
            names.join(", ")
        );
        ctx.error(origin, key("contract"), message);
        return None;
    };
    if target == me {
        ctx.error(
            origin,
            key("contract"),
            "a contract cannot be its own factory",
        );
        return None;
    }
    let theirs = &partials[target];
    if let (Some((mine, _)), Some((their_chain, _))) = (&partials[me].chain, &theirs.chain)
        && mine != their_chain
    {
        let message = format!("contract \"{name}\" is on chain \"{their_chain}\", not \"{mine}\"");
        ctx.error(origin, key("contract"), message);
        return None;
    }
    // Without the factory's events (already reported) nothing more can be checked.
    let events = theirs.events.as_ref()?;
    let (event_name, event_origin) = &factory.event;
    let candidates: Vec<&Event> = events.iter().filter(|e| &e.name == event_name).collect();
    if candidates.is_empty() {
        let names: Vec<&str> = events.iter().map(|e| e.name.as_str()).collect();
        let message = format!(
            "\"{event_name}\" is not an event indexed for contract \"{name}\" (its events: {})",
            names.join(", ")
        );
        ctx.error(event_origin, key("event"), message);
        return None;
    }
    let (parameter, parameter_origin) = &factory.parameter;
    let mut problem = None;
    for event in &candidates {
        match address_parameter(event, parameter) {
            Ok(()) => return Some(target),
            Err(message) => {
                problem.get_or_insert(message);
            }
        }
    }
    if let Some(message) = problem {
        ctx.error(parameter_origin, key("parameter"), message);
    }
    None
}

/// Whether `parameter` (a name, or a zero-based position — Solidity names
/// never start with a digit) is an `address` parameter of `event`.
fn address_parameter(event: &Event, parameter: &str) -> Result<(), String> {
    let found = event
        .inputs
        .iter()
        .enumerate()
        .find(|(i, p)| p.name == parameter || i.to_string() == parameter);
    match found {
        Some((_, p)) if p.ty == "address" => Ok(()),
        Some((_, p)) => Err(format!(
            "parameter \"{parameter}\" of {} is {}, not an address",
            event.signature(),
            p.ty
        )),
        None => {
            let names: Vec<String> = event
                .inputs
                .iter()
                .enumerate()
                .filter(|(_, p)| p.ty == "address")
                .map(|(i, p)| {
                    if p.name.is_empty() {
                        i.to_string()
                    } else {
                        p.name.clone()
                    }
                })
                .collect();
            Err(format!(
                "\"{parameter}\" is not a parameter of {} (address parameters: {})",
                event.signature(),
                names.join(", ")
            ))
        }
    }
}
