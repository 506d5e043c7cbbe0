//! From the (overridden) TOML tree to a validated [`Config`], collecting every
//! problem on the way.

mod abi;
mod asset;
mod chain;
mod contract;
mod events;
mod factory;
mod role_args;
mod roles;
mod sections;
mod values;

use std::collections::HashMap;

use self::contract::{Addresses, Partial};
use crate::fingerprint::{self, Inputs, Source};
use crate::model::{AddressSource, Config, ContractConfig};
use crate::read::Ctx;
use crate::schema;
use crate::tree::Node;

/// Resolves `root`; `None` when any problem was recorded in `ctx`.
pub(crate) fn resolve(ctx: &mut Ctx, root: &Node) -> Option<Config> {
    let mut fields = ctx.table("", root, schema::ROOT)?;
    let database = sections::database(ctx, fields.get("database"));
    let api = sections::api(ctx, fields.get("api"));
    let cache = fields.get("cache").map(|node| sections::cache(ctx, node));
    let chains = match fields.get("chain") {
        Some(node) => chain::chains(ctx, node),
        None => {
            ctx.error(&root.origin, "chain", "at least one [[chain]] is required");
            Vec::new()
        }
    };
    let partials: Vec<Partial<'_>> = match fields.get("contract") {
        Some(node) => chain::array_of_tables(ctx, "contract", node)
            .iter()
            .enumerate()
            .map(|(i, item)| contract::read(ctx, i, item, &chains))
            .collect(),
        None => Vec::new(),
    };
    fields.finish(ctx);
    check_unique_names(ctx, &partials);
    let targets = factory::link(ctx, &partials);
    if !ctx.errors.is_empty() {
        return None;
    }
    let contracts = build_contracts(&partials, &targets)?;
    Some(Config {
        file: ctx.file.clone(),
        database: database?,
        api: api?,
        cache: match cache {
            Some(cache) => Some(cache?),
            None => None,
        },
        chains: chains
            .into_iter()
            .map(|slot| slot.config)
            .collect::<Option<_>>()?,
        contracts,
    })
}

fn check_unique_names(ctx: &mut Ctx, partials: &[Partial<'_>]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, partial) in partials.iter().enumerate() {
        let Some((name, origin)) = &partial.name else {
            continue;
        };
        let folded = name.to_lowercase();
        match seen.get(&folded) {
            Some(first) => {
                let message =
                    format!("duplicate contract name \"{name}\" (also contract[{first}])");
                ctx.error(origin, format!("{}.name", partial.key), message);
            }
            None => {
                seen.insert(folded, i);
            }
        }
    }
}

/// Builds every contract once all of them are known to be valid; fingerprints
/// of factory children include their factory's fingerprint, so factories are
/// fingerprinted first (the links are acyclic at this point).
fn build_contracts(
    partials: &[Partial<'_>],
    targets: &[Option<usize>],
) -> Option<Vec<ContractConfig>> {
    let mut fingerprints: Vec<Option<String>> = vec![None; partials.len()];
    for _ in 0..partials.len() {
        for (i, partial) in partials.iter().enumerate() {
            if fingerprints[i].is_some() {
                continue;
            }
            let parent = match targets[i] {
                Some(t) => match &fingerprints[t] {
                    Some(fp) => Some(fp.clone()),
                    None => continue,
                },
                None => None,
            };
            fingerprints[i] = Some(fingerprint_of(partial, parent.as_deref())?);
        }
    }
    partials
        .iter()
        .zip(fingerprints)
        .map(|(partial, fingerprint)| {
            let (name, _) = partial.name.clone()?;
            let (chain, chain_id) = partial.chain.clone()?;
            let addresses = match partial.addresses.as_ref()? {
                Addresses::Fixed(addresses) => AddressSource::Fixed(addresses.clone()),
                Addresses::Factory(f) => AddressSource::Factory {
                    contract: f.contract.0.clone(),
                    event: f.event.0.clone(),
                    parameter: f.parameter.0.clone(),
                },
            };
            Some(ContractConfig {
                name,
                chain,
                chain_id,
                kind: partial.kind?,
                addresses,
                start_block: partial.start_block?,
                abi: partial.abi.clone()?,
                events: partial.events.clone()?,
                roles: partial.roles.clone(),
                role_args: partial.role_args.clone(),
                asset: partial.asset?,
                stable: partial.stable?,
                fingerprint: fingerprint?,
            })
        })
        .collect()
}

fn fingerprint_of(partial: &Partial<'_>, parent: Option<&str>) -> Option<String> {
    let source = match partial.addresses.as_ref()? {
        Addresses::Fixed(addresses) => Source::Fixed(addresses),
        Addresses::Factory(f) => Source::Factory {
            parent: parent?,
            event: &f.event.0,
            parameter: &f.parameter.0,
        },
    };
    Some(fingerprint::fingerprint(&Inputs {
        kind: partial.kind?,
        chain_id: partial.chain.as_ref()?.1,
        source,
        start_block: partial.start_block?,
        events: partial.events.as_deref()?,
        roles: &partial.roles,
        role_args: &partial.role_args,
        asset: partial.asset?,
        stable: partial.stable?,
    }))
}
