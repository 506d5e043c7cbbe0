//! Role bindings of a template contract: the built-in events, changed by an
//! optional `[contract.events]` table of `Role = "event signature"` (or
//! `Role = "EventName"` of the contract's own `abi`, or `Role = false` for an
//! optional role).

use std::collections::BTreeMap;

use alloy::json_abi::Event;

use super::abi::{LoadedAbi, canonical_types};
use super::events::not_in_abi;
use crate::model::ContractKind;
use crate::read::Ctx;
use crate::templates::{self, Role};
use crate::tree::{Node, Origin, Value};

/// The events a template contract indexes (in role order) and its role map.
pub(super) struct Bound {
    pub events: Vec<Event>,
    pub roles: BTreeMap<String, Event>,
}

/// Binds every role of `kind`. `abi` is the contract's own ABI, if it gave
/// one; `abi_failed` says it gave one that could not be loaded (already reported).
pub(super) fn bind(
    ctx: &mut Ctx,
    contract: &str,
    contract_origin: &Origin,
    kind: ContractKind,
    abi: Option<&LoadedAbi<'_>>,
    abi_failed: bool,
    overrides: Option<&Node>,
) -> Option<Bound> {
    let key = format!("{contract}.events");
    let mut bound: BTreeMap<String, Option<Event>> = templates::roles(kind)
        .iter()
        .map(|role| (role.name.to_owned(), Some(role.event())))
        .collect();
    let mut ok = true;
    if let Some(node) = overrides {
        let Value::Table(entries) = &node.value else {
            let message = format!(
                "for kind \"{kind}\", `events` must be a table mapping roles to event signatures, \
                 e.g. [contract.events] {example}; an array of event names is only for kind \"events\"",
                example = example(kind)
            );
            ctx.error(&node.origin, &key, message);
            return None;
        };
        for entry in entries {
            let entry_key = format!("{key}.{}", entry.key);
            let Some(role) = templates::role(kind, &entry.key) else {
                let names: Vec<&str> = templates::roles(kind).iter().map(|r| r.name).collect();
                let message = format!(
                    "unknown role \"{}\" for kind \"{kind}\"; roles: {}",
                    entry.key,
                    names.join(", ")
                );
                ctx.error(&entry.key_origin, entry_key, message);
                ok = false;
                continue;
            };
            match binding(kind, role, abi, abi_failed, &entry.node) {
                Ok(Some(event)) => {
                    bound.insert(role.name.to_owned(), event);
                }
                Ok(None) => ok = false,
                Err(message) => {
                    ctx.error(&entry.node.origin, entry_key, message);
                    ok = false;
                }
            }
        }
    }
    if !ok {
        return None;
    }
    let events: Vec<Event> = templates::roles(kind)
        .iter()
        .filter_map(|role| bound.get(role.name).cloned().flatten())
        .collect();
    for (i, event) in events.iter().enumerate() {
        if let Some(other) = events[..i]
            .iter()
            .find(|o| o.selector() == event.selector())
        {
            let message = format!(
                "roles {} and {} are bound to the same event {}",
                other.name,
                event.name,
                event.signature()
            );
            let origin = overrides.map_or(contract_origin, |n| &n.origin);
            ctx.error(origin, &key, message);
            return None;
        }
    }
    let roles = bound
        .into_iter()
        .filter_map(|(name, event)| event.map(|e| (name, e)))
        .collect();
    Some(Bound { events, roles })
}

/// `Ok(Some(Some(event)))` binds, `Ok(Some(None))` switches the role off,
/// `Ok(None)` means a problem already reported elsewhere.
fn binding(
    kind: ContractKind,
    role: &Role,
    abi: Option<&LoadedAbi<'_>>,
    abi_failed: bool,
    node: &Node,
) -> Result<Option<Option<Event>>, String> {
    let text = match &node.value {
        Value::Boolean(true) => return Ok(Some(Some(role.event()))),
        Value::Boolean(false) if role.optional => return Ok(Some(None)),
        Value::Boolean(false) => {
            return Err(format!(
                "role {} is required by kind \"{kind}\" and cannot be switched off",
                role.name
            ));
        }
        Value::String(text) => text,
        other => {
            return Err(format!(
                "expected an event signature (e.g. \"{}\"){}, found {}",
                role.signature,
                if role.optional { " or false" } else { "" },
                other.type_name()
            ));
        }
    };
    let candidates = if text.contains('(') {
        let event = Event::parse(text)
            .map_err(|e| format!("cannot parse event signature \"{text}\": {e}"))?;
        vec![event]
    } else {
        match abi {
            Some(abi) => abi
                .abi
                .event(text)
                .cloned()
                .ok_or_else(|| not_in_abi(abi, text))?,
            None if abi_failed => return Ok(None),
            None => {
                return Err(format!(
                    "\"{text}\" is not an event signature: write the full signature \
                     (e.g. \"{}\") or set `abi` to name an event of an ABI file",
                    role.signature
                ));
            }
        }
    };
    let expected = canonical_types(&role.event())?;
    let mut first_problem = None;
    for event in candidates {
        let problem = if event.anonymous {
            Some(format!(
                "\"{}\" is anonymous: anonymous events cannot be indexed",
                event.signature()
            ))
        } else {
            let types = canonical_types(&event)?;
            (types != expected).then(|| {
                format!(
                    "event {}({}) does not fit role {} of kind \"{kind}\": expected parameter types ({}) in this order",
                    event.name,
                    types.join(","),
                    role.name,
                    expected.join(",")
                )
            })
        };
        match problem {
            None => return Ok(Some(Some(event))),
            Some(p) => {
                first_problem.get_or_insert(p);
            }
        }
    }
    Err(first_problem.unwrap_or_else(|| format!("no event fits role {}", role.name)))
}

/// A one-line override example for `kind`'s first role.
fn example(kind: ContractKind) -> String {
    templates::roles(kind)
        .first()
        .map_or_else(String::new, |r| format!("{} = \"{}\"", r.name, r.signature))
}
