//! Which events a contract of kind `events` indexes: `events = [..]` names
//! (or signatures) of its ABI, or every event of the ABI.

use alloy::json_abi::Event;

use super::abi::{LoadedAbi, canonical_types};
use crate::read::Ctx;
use crate::tree::{Node, Value};

/// The events chosen for a kind-`events` contract, or `None` after recording
/// the problems. `abi` is `None` when the file could not be loaded (already reported).
pub(super) fn select(
    ctx: &mut Ctx,
    contract: &str,
    abi: Option<&LoadedAbi<'_>>,
    events: Option<&Node>,
) -> Option<Vec<Event>> {
    let key = format!("{contract}.events");
    if let Some(
        node @ Node {
            value: Value::Table(_),
            ..
        },
    ) = events
    {
        let message = "for kind \"events\", `events` must be an array of event names of the ABI \
                       (a table of role overrides is only for templates)";
        ctx.error(&node.origin, &key, message);
        return None;
    }
    let abi = abi?;
    let chosen = match events {
        Some(node) => named(ctx, &key, abi, node)?,
        None => {
            let all: Vec<Event> = abi.abi.events().filter(|e| !e.anonymous).cloned().collect();
            if all.is_empty() {
                let message = format!("{} declares no (non-anonymous) events to index", abi.shown);
                ctx.error(abi.origin, format!("{contract}.abi"), message);
                return None;
            }
            all
        }
    };
    let mut ok = true;
    for event in &chosen {
        if let Err(message) = canonical_types(event) {
            ctx.error(abi.origin, format!("{contract}.abi"), message);
            ok = false;
        }
    }
    ok.then_some(chosen)
}

/// The events listed in `events = [..]`.
fn named(ctx: &mut Ctx, key: &str, abi: &LoadedAbi<'_>, node: &Node) -> Option<Vec<Event>> {
    let items = ctx.strings(key, node, false)?;
    if items.is_empty() {
        let message = "must list at least one event (leave `events` out to index every event)";
        ctx.error(&node.origin, key, message);
        return None;
    }
    let mut chosen: Vec<Event> = Vec::new();
    let mut ok = true;
    for (item_key, text, item) in &items {
        match lookup(abi, text) {
            Ok(found) => {
                for event in found {
                    if chosen.contains(&event) {
                        let message = format!("\"{text}\" is listed more than once");
                        ctx.error(&item.origin, item_key.as_str(), message);
                        ok = false;
                    } else {
                        chosen.push(event);
                    }
                }
            }
            Err(message) => {
                ctx.error(&item.origin, item_key.as_str(), message);
                ok = false;
            }
        }
    }
    ok.then_some(chosen)
}

/// The events of `abi` a list entry names: by name (every overload), or by
/// signature (`Transfer(address,address,uint256)` or a full `event ..`).
pub(super) fn lookup(abi: &LoadedAbi<'_>, text: &str) -> Result<Vec<Event>, String> {
    let found: Vec<Event> = if text.contains('(') {
        let wanted = Event::parse(text)
            .map_err(|e| format!("cannot parse event signature \"{text}\": {e}"))?;
        abi.abi
            .events()
            .filter(|e| e.selector() == wanted.selector())
            .cloned()
            .collect()
    } else {
        abi.abi.event(text).cloned().unwrap_or_default()
    };
    if found.is_empty() {
        return Err(not_in_abi(abi, text));
    }
    if let Some(event) = found.iter().find(|e| e.anonymous) {
        return Err(format!(
            "\"{}\" is anonymous: anonymous events cannot be indexed",
            event.signature()
        ));
    }
    Ok(found)
}

/// `"X" is not an event of abis/Foo.json (events: A, B)`.
pub(super) fn not_in_abi(abi: &LoadedAbi<'_>, text: &str) -> String {
    let names: Vec<&str> = abi.abi.events.keys().map(String::as_str).collect();
    let known = if names.is_empty() {
        "it declares no events".to_owned()
    } else {
        format!("events: {}", names.join(", "))
    };
    format!("\"{text}\" is not an event of {} ({known})", abi.shown)
}
