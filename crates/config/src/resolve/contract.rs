//! One `[[contract]]` entry, read on its own (links between contracts are
//! checked afterwards by `factory`).

use std::collections::BTreeMap;
use std::str::FromStr;

use alloy::json_abi::{Event, JsonAbi};
use alloy::primitives::Address;

use super::chain::ChainSlot;
use super::{abi, asset, events, roles, values};
use crate::address::parse_address;
use crate::model::ContractKind;
use crate::read::{Ctx, Fields};
use crate::schema;
use crate::templates;
use crate::tree::{Node, Origin};

/// What is known of one contract entry; `None` fields were missing or invalid
/// (and reported).
pub(super) struct Partial<'a> {
    /// `contract[i]`.
    pub key: String,
    pub name: Option<(String, &'a Origin)>,
    /// The chain's name and id, when the chain exists and is valid.
    pub chain: Option<(String, u64)>,
    pub kind: Option<ContractKind>,
    pub addresses: Option<Addresses<'a>>,
    pub start_block: Option<u64>,
    pub abi: Option<JsonAbi>,
    pub events: Option<Vec<Event>>,
    pub roles: BTreeMap<String, Event>,
    /// Per bound role, the event input position of each role parameter.
    pub role_args: BTreeMap<String, Vec<usize>>,
    pub asset: Option<Option<Address>>,
    pub stable: Option<bool>,
}

/// `address` or `factory`, as read.
pub(super) enum Addresses<'a> {
    Fixed(Vec<Address>),
    Factory(FactoryRef<'a>),
}

/// `factory = { contract, event, parameter }`, each with where it was written.
pub(super) struct FactoryRef<'a> {
    /// `contract[i].factory`.
    pub key: String,
    pub contract: (String, &'a Origin),
    pub event: (String, &'a Origin),
    pub parameter: (String, &'a Origin),
}

/// Reads `contract[index]`.
pub(super) fn read<'a>(
    ctx: &mut Ctx,
    index: usize,
    node: &'a Node,
    chains: &[ChainSlot<'_>],
) -> Partial<'a> {
    let key = format!("contract[{index}]");
    let mut partial = Partial {
        key: key.clone(),
        name: None,
        chain: None,
        kind: None,
        addresses: None,
        start_block: None,
        abi: None,
        events: None,
        roles: BTreeMap::new(),
        role_args: BTreeMap::new(),
        asset: None,
        stable: None,
    };
    let Some(mut fields) = ctx.table(&key, node, schema::CONTRACT) else {
        return partial;
    };
    partial.name = fields
        .required(ctx, "name")
        .and_then(|n| values::name(ctx, &fields.key("name"), n).map(|name| (name, &n.origin)));
    partial.chain = fields
        .required(ctx, "chain")
        .and_then(|n| chain(ctx, &fields.key("chain"), n, chains));
    partial.kind = fields.required(ctx, "kind").and_then(|n| {
        let full = fields.key("kind");
        let text = ctx.string(&full, n)?;
        ContractKind::from_str(text)
            .map_err(|e| ctx.error(&n.origin, full, e.to_string()))
            .ok()
    });
    partial.addresses = addresses(ctx, &mut fields);
    partial.asset = asset::asset(ctx, &mut fields, partial.kind);
    partial.stable = asset::stable(ctx, &mut fields, partial.kind);
    partial.start_block = match fields.get("start_block") {
        None => Some(0),
        Some(n) => ctx.uint(&fields.key("start_block"), n),
    };
    let abi_node = fields.get("abi");
    let loaded = abi_node.and_then(|n| abi::load(ctx, &fields.key("abi"), n));
    let abi_failed = abi_node.is_some() && loaded.is_none();
    let overrides = fields.get("events");
    fields.finish(ctx);
    match partial.kind {
        Some(ContractKind::Events) => {
            if abi_node.is_none() {
                let message = "kind \"events\" requires `abi` (the path of a JSON ABI file)";
                ctx.error(&node.origin, format!("{key}.abi"), message);
            }
            partial.events = events::select(ctx, &key, loaded.as_ref(), overrides);
            partial.abi = loaded.map(|l| l.abi);
        }
        Some(kind) => {
            let bound = roles::bind(
                ctx,
                &key,
                &node.origin,
                kind,
                loaded.as_ref(),
                abi_failed,
                overrides,
            );
            if let Some(bound) = bound {
                partial.events = Some(bound.events);
                partial.roles = bound.roles;
                partial.role_args = bound.role_args;
            }
            partial.abi = match loaded {
                Some(loaded) => Some(loaded.abi),
                None if abi_failed => None,
                None => Some(templates::template_abi(kind)),
            };
        }
        None => {}
    }
    partial
}

/// The chain a contract names, which must be a configured chain.
fn chain(ctx: &mut Ctx, key: &str, node: &Node, chains: &[ChainSlot<'_>]) -> Option<(String, u64)> {
    let name = ctx.string(key, node)?;
    let slot = chains
        .iter()
        .find(|slot| slot.name.as_ref().is_some_and(|(n, _)| n == name));
    match slot {
        Some(slot) => slot.chain_id.map(|(id, _)| (name.to_owned(), id)),
        None => {
            let names: Vec<&str> = chains
                .iter()
                .filter_map(|s| s.name.as_ref().map(|(n, _)| n.as_str()))
                .collect();
            let message = format!(
                "unknown chain \"{name}\"; configured chains: {}",
                names.join(", ")
            );
            ctx.error(&node.origin, key, message);
            None
        }
    }
}

/// Exactly one of `address` and `factory`.
fn addresses<'a>(ctx: &mut Ctx, fields: &mut Fields<'a>) -> Option<Addresses<'a>> {
    match (fields.get("address"), fields.get("factory")) {
        (Some(_), Some(factory)) => {
            let message = "give either `address` or `factory`, not both";
            ctx.error(&factory.origin, fields.key("factory"), message);
            None
        }
        (None, None) => {
            let message = "missing required key: give `address` (one or a list) or `factory`";
            ctx.error(fields.origin, fields.key("address"), message);
            None
        }
        (Some(node), None) => fixed(ctx, &fields.key("address"), node).map(Addresses::Fixed),
        (None, Some(node)) => factory(ctx, &fields.key("factory"), node).map(Addresses::Factory),
    }
}

fn fixed(ctx: &mut Ctx, key: &str, node: &Node) -> Option<Vec<Address>> {
    let items = ctx.strings(key, node, true)?;
    if items.is_empty() {
        ctx.error(&node.origin, key, "at least one address is required");
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (item_key, text, item) in items {
        match parse_address(text) {
            Ok(address) if out.contains(&address) => {
                ctx.error(
                    &item.origin,
                    item_key,
                    format!("address {text} is listed more than once"),
                );
                ok = false;
            }
            Ok(address) => out.push(address),
            Err(e) => {
                ctx.error(&item.origin, item_key, e.to_string());
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

fn factory<'a>(ctx: &mut Ctx, key: &str, node: &'a Node) -> Option<FactoryRef<'a>> {
    let mut fields = ctx.table(key, node, schema::FACTORY)?;
    let mut part = |ctx: &mut Ctx, name: &str| {
        let node = fields.required(ctx, name)?;
        let text = ctx.string(&fields.key(name), node)?;
        Some((text.to_owned(), &node.origin))
    };
    let contract = part(ctx, "contract");
    let event = part(ctx, "event");
    let parameter = part(ctx, "parameter");
    fields.finish(ctx);
    Some(FactoryRef {
        key: key.to_owned(),
        contract: contract?,
        event: event?,
        parameter: parameter?,
    })
}
