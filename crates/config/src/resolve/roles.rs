//! Role bindings of a template contract: the built-in events, changed by an
//! optional `[contract.events]` table of `Role = "event signature"` (or
//! `Role = "EventName"` of the contract's own `abi`, or `Role = false` for an
//! optional role, or `Role = { event = "..", args = ["name", ..] }` to say which
//! parameter of the event plays each role parameter).

use std::collections::BTreeMap;

use alloy::json_abi::Event;

use super::abi::LoadedAbi;
use super::events::not_in_abi;
use super::role_args::{RoleRef, Spot, match_args};
use crate::model::ContractKind;
use crate::read::Ctx;
use crate::schema;
use crate::templates::{self, Role};
use crate::tree::{Node, Origin, Value};

/// The events a template contract indexes (in role order) and its role maps.
pub(super) struct Bound {
    pub events: Vec<Event>,
    pub roles: BTreeMap<String, Event>,
    /// Per bound role, the event input position of each role parameter.
    pub role_args: BTreeMap<String, Vec<usize>>,
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
    let mut bound: BTreeMap<String, Option<(Event, Vec<usize>)>> = templates::roles(kind)
        .iter()
        .map(|role| (role.name.to_owned(), Some(default_binding(role))))
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
            match binding(ctx, &entry_key, kind, role, abi, abi_failed, &entry.node) {
                Some(binding) => {
                    bound.insert(role.name.to_owned(), binding);
                }
                None => ok = false,
            }
        }
    }
    if !ok {
        return None;
    }
    // (role, event) in role order.
    let ordered: Vec<(&str, &Event)> = templates::roles(kind)
        .iter()
        .filter_map(|role| match bound.get(role.name) {
            Some(Some((event, _))) => Some((role.name, event)),
            _ => None,
        })
        .collect();
    for (i, (name, event)) in ordered.iter().enumerate() {
        if let Some((other, _)) = ordered[..i]
            .iter()
            .find(|(_, o)| o.selector() == event.selector())
        {
            let message = format!(
                "roles {other} and {name} are bound to the same event {}",
                event.signature()
            );
            let origin = overrides.map_or(contract_origin, |n| &n.origin);
            ctx.error(origin, &key, message);
            return None;
        }
    }
    let events: Vec<Event> = ordered.into_iter().map(|(_, e)| e.clone()).collect();
    let mut roles = BTreeMap::new();
    let mut role_args = BTreeMap::new();
    for (name, binding) in bound {
        if let Some((event, args)) = binding {
            roles.insert(name.clone(), event);
            role_args.insert(name, args);
        }
    }
    Some(Bound {
        events,
        roles,
        role_args,
    })
}

/// Where each part of one role override was written, for messages.
struct Spec<'a> {
    /// The event signature or ABI event name.
    text: &'a str,
    /// Key and origin of `text`.
    text_at: (String, &'a Origin),
    /// `args = [..]`, when given.
    args: Option<Args<'a>>,
}

/// `args = [..]` of a role override, as written.
struct Args<'a> {
    /// Each entry: its key (`..args[i]`), text and node.
    items: Vec<(String, &'a str, &'a Node)>,
    /// The list's own key and origin.
    key: String,
    origin: &'a Origin,
}

/// The override `node` of `role`: `Some(Some(..))` binds, `Some(None)`
/// switches the role off, `None` means a problem (recorded, or recorded
/// elsewhere when the contract's ABI failed to load).
fn binding(
    ctx: &mut Ctx,
    key: &str,
    kind: ContractKind,
    role: &Role,
    abi: Option<&LoadedAbi<'_>>,
    abi_failed: bool,
    node: &Node,
) -> Option<Option<(Event, Vec<usize>)>> {
    let spec = match &node.value {
        Value::Boolean(true) => return Some(Some(default_binding(role))),
        Value::Boolean(false) if role.optional => return Some(None),
        Value::Boolean(false) => {
            let message = format!(
                "role {} is required by kind \"{kind}\" and cannot be switched off",
                role.name
            );
            ctx.error(&node.origin, key, message);
            return None;
        }
        Value::String(text) => Spec {
            text,
            text_at: (key.to_owned(), &node.origin),
            args: None,
        },
        Value::Table(_) => table_spec(ctx, key, node)?,
        other => {
            let message = format!(
                "expected an event signature (e.g. \"{}\"){}, or a table {{ event = \"..\", args = [..] }}, found {}",
                role.signature,
                if role.optional { ", false" } else { "" },
                other.type_name()
            );
            ctx.error(&node.origin, key, message);
            return None;
        }
    };
    let (text_key, text_origin) = &spec.text_at;
    let candidates = match candidates(role, abi, abi_failed, spec.text) {
        Ok(candidates) => candidates?,
        Err(message) => {
            ctx.error(text_origin, text_key.as_str(), message);
            return None;
        }
    };
    let role_event = role.event();
    let role_ref = RoleRef {
        kind,
        name: role.name,
        event: &role_event,
    };
    let names: Option<Vec<&str>> = spec
        .args
        .as_ref()
        .map(|args| args.items.iter().map(|(_, text, _)| *text).collect());
    let mut first_problem = None;
    for event in candidates {
        match match_args(&role_ref, &event, names.as_deref()) {
            Ok(args) => return Some(Some((event, args))),
            Err(problem) => {
                first_problem.get_or_insert(problem);
            }
        }
    }
    let problem = first_problem?;
    let (at_key, at_origin) = match (problem.spot, &spec.args) {
        (Spot::Args, Some(args)) => (args.key.as_str(), args.origin),
        (Spot::Arg(i), Some(args)) if i < args.items.len() => {
            (args.items[i].0.as_str(), &args.items[i].2.origin)
        }
        _ => (text_key.as_str(), *text_origin),
    };
    ctx.error(at_origin, at_key, problem.message);
    None
}

/// `Role = { event = "..", args = [..] }`.
fn table_spec<'a>(ctx: &mut Ctx, key: &str, node: &'a Node) -> Option<Spec<'a>> {
    let mut fields = ctx.table(key, node, schema::ROLE_BINDING)?;
    let event_key = fields.key("event");
    let event = fields
        .required(ctx, "event")
        .and_then(|n| Some((ctx.string(&event_key, n)?, &n.origin)));
    let args_key = fields.key("args");
    let args = match fields.get("args") {
        None => Some(None),
        Some(n) => ctx.strings(&args_key, n, false).map(|items| {
            Some(Args {
                items,
                key: args_key.clone(),
                origin: &n.origin,
            })
        }),
    };
    fields.finish(ctx);
    let (text, origin) = event?;
    Some(Spec {
        text,
        text_at: (event_key, origin),
        args: args?,
    })
}

/// The events `text` may mean: the one it spells out, or every overload of
/// that name in the contract's ABI. `Ok(None)`: the ABI failed (already reported).
fn candidates(
    role: &Role,
    abi: Option<&LoadedAbi<'_>>,
    abi_failed: bool,
    text: &str,
) -> Result<Option<Vec<Event>>, String> {
    if text.contains('(') {
        let event = Event::parse(text)
            .map_err(|e| format!("cannot parse event signature \"{text}\": {e}"))?;
        return Ok(Some(vec![event]));
    }
    match abi {
        Some(abi) => abi
            .abi
            .event(text)
            .cloned()
            .map(Some)
            .ok_or_else(|| not_in_abi(abi, text)),
        None if abi_failed => Ok(None),
        None => Err(format!(
            "\"{text}\" is not an event signature: write the full signature \
             (e.g. \"{}\") or set `abi` to name an event of an ABI file",
            role.signature
        )),
    }
}

/// The role's own event, its parameters in their own order.
fn default_binding(role: &Role) -> (Event, Vec<usize>) {
    let event = role.event();
    let args = (0..event.inputs.len()).collect();
    (event, args)
}

/// A one-line override example for `kind`'s first role.
fn example(kind: ContractKind) -> String {
    templates::roles(kind)
        .first()
        .map_or_else(String::new, |r| format!("{} = \"{}\"", r.name, r.signature))
}
