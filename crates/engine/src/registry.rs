//! Which contract entries a log belongs to, and the addresses factories add
//! at run time.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use alloy::dyn_abi::DynSolValue;
use alloy::primitives::{Address, B256};
use tributary_config::{AddressSource, ContractConfig, ContractKind};
use tributary_source::LogFilter;
use tributary_types::RawLog;

use crate::EngineError;
use crate::project::{self, Projection};
use tributary_abi::EventDecoder;

/// One configured contract entry, ready to route and decode logs.
#[derive(Debug)]
pub struct ContractEntry {
    /// Config name.
    pub name: String,
    /// Template kind.
    pub kind: ContractKind,
    /// Logs below this block are ignored.
    pub start_block: u64,
    /// Decoders of the indexed events, with the template role each is bound to.
    pub decoders: Vec<(EventDecoder, Option<String>)>,
    /// The built-in projection, if the kind has one.
    pub projection: Option<Box<dyn Projection>>,
    /// Per decoder whose event orders its arguments unlike its role: for
    /// each role parameter, the index of that argument in the event.
    pub role_args: Vec<Option<Vec<usize>>>,
    /// Config fingerprint of the projection.
    pub fingerprint: String,
    /// Whether addresses come from a factory.
    pub discovered: bool,
    /// Current addresses (fixed, or discovered so far).
    pub addresses: BTreeSet<Address>,
}

/// A factory event that adds addresses to a child entry.
#[derive(Debug, Clone, Copy)]
struct FactoryLink {
    factory: usize,
    child: usize,
    selector: B256,
    parameter: usize,
}

/// A log matched to an entry and decoded.
#[derive(Debug, Clone)]
pub struct Routed {
    /// Index of the entry in the registry.
    pub entry: usize,
    /// Index of the decoder in the entry.
    pub decoder: usize,
}

/// All contract entries of one chain.
#[derive(Debug)]
pub struct Registry {
    entries: Vec<ContractEntry>,
    /// Entries by address; looked up for every log, hence the hasher made
    /// for fixed-size keys rather than SipHash.
    by_address: alloy::primitives::map::AddressHashMap<Vec<usize>>,
    links: Vec<FactoryLink>,
}

impl ContractEntry {
    /// Decoded `values` of decoder `decoder` in its role's parameter order
    /// (what projections read), reordered only when the bound event orders
    /// them differently.
    pub fn role_values<'a>(
        &self,
        decoder: usize,
        values: &'a [DynSolValue],
    ) -> Cow<'a, [DynSolValue]> {
        match self.role_args.get(decoder).and_then(Option::as_ref) {
            Some(order) => Cow::Owned(
                order
                    .iter()
                    .filter_map(|at| values.get(*at).cloned())
                    .collect(),
            ),
            None => Cow::Borrowed(values),
        }
    }
}

impl Registry {
    /// Builds the registry of one chain's contract entries.
    pub fn new(contracts: &[&ContractConfig]) -> Result<Self, EngineError> {
        let mut entries = Vec::with_capacity(contracts.len());
        for c in contracts {
            let mut decoders = Vec::new();
            let mut role_args = Vec::new();
            for event in &c.events {
                let decoder = EventDecoder::new(event.clone()).map_err(|e| EngineError::Abi {
                    contract: c.name.clone(),
                    event: event.name.clone(),
                    reason: e.to_string(),
                })?;
                let role = c
                    .roles
                    .iter()
                    .find(|(_, e)| e.selector() == event.selector())
                    .map(|(r, _)| r.clone());
                let order = role
                    .as_ref()
                    .and_then(|r| c.role_args.get(r))
                    .filter(|o| o.iter().enumerate().any(|(i, at)| i != *at))
                    .cloned();
                role_args.push(order);
                decoders.push((decoder, role));
            }
            let (addresses, discovered) = match &c.addresses {
                AddressSource::Fixed(list) => (list.iter().copied().collect(), false),
                AddressSource::Factory { .. } => (BTreeSet::new(), true),
            };
            entries.push(ContractEntry {
                name: c.name.clone(),
                kind: c.kind,
                start_block: c.start_block,
                decoders,
                projection: project::for_kind(c.kind),
                role_args,
                fingerprint: c.fingerprint.clone(),
                discovered,
                addresses,
            });
        }
        let mut links = Vec::new();
        for (child, c) in contracts.iter().enumerate() {
            let AddressSource::Factory {
                contract,
                event,
                parameter,
            } = &c.addresses
            else {
                continue;
            };
            let factory = entries
                .iter()
                .position(|e| &e.name == contract)
                .ok_or_else(|| {
                    EngineError::Config(format!(
                        "contract {:?}: factory contract {contract:?} is not on chain {:?}",
                        c.name, c.chain
                    ))
                })?;
            let (decoder, _) = entries[factory]
                .decoders
                .iter()
                .find(|(d, _)| &d.abi.name == event)
                .ok_or_else(|| {
                    EngineError::Config(format!(
                        "contract {:?}: factory event {event:?} is not indexed for {contract:?}",
                        c.name
                    ))
                })?;
            let inputs = &decoder.abi.inputs;
            let index = inputs
                .iter()
                .position(|p| &p.name == parameter)
                .or_else(|| {
                    parameter
                        .parse::<usize>()
                        .ok()
                        .filter(|i| *i < inputs.len())
                })
                .ok_or_else(|| {
                    EngineError::Config(format!(
                        "contract {:?}: factory parameter {parameter:?} is not in {event:?}",
                        c.name
                    ))
                })?;
            links.push(FactoryLink {
                factory,
                child,
                selector: decoder.selector(),
                parameter: index,
            });
        }
        let mut registry = Self {
            entries,
            by_address: Default::default(),
            links,
        };
        registry.reindex();
        Ok(registry)
    }

    fn reindex(&mut self) {
        self.by_address.clear();
        for (i, e) in self.entries.iter().enumerate() {
            for a in &e.addresses {
                self.by_address.entry(*a).or_default().push(i);
            }
        }
    }

    /// The entries.
    pub fn entries(&self) -> &[ContractEntry] {
        &self.entries
    }

    /// The entry at `index`.
    pub fn entry(&self, index: usize) -> &ContractEntry {
        &self.entries[index]
    }

    /// Lowest start block of all entries.
    pub fn start_block(&self) -> u64 {
        self.entries
            .iter()
            .map(|e| e.start_block)
            .min()
            .unwrap_or(0)
    }

    /// The `eth_getLogs` filter for every current address and indexed event.
    pub fn filter(&self) -> LogFilter {
        let addresses: BTreeSet<Address> = self.by_address.keys().copied().collect();
        let topics: BTreeSet<B256> = self
            .entries
            .iter()
            .flat_map(|e| e.decoders.iter().map(|(d, _)| d.selector()))
            .collect();
        LogFilter {
            addresses: addresses.into_iter().collect(),
            topics0: topics.into_iter().collect(),
        }
    }

    /// Every current address.
    pub fn addresses(&self) -> BTreeSet<Address> {
        self.by_address.keys().copied().collect()
    }

    /// The entries and decoders a log belongs to.
    pub fn route(&self, log: &RawLog) -> Vec<Routed> {
        let Some(topic0) = log.topic0() else {
            return Vec::new();
        };
        let Some(indices) = self.by_address.get(&log.address) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for &entry in indices {
            let e = &self.entries[entry];
            if log.block_number < e.start_block {
                continue;
            }
            for (decoder, (d, _)) in e.decoders.iter().enumerate() {
                // Several events may share a selector (ERC-20 vs ERC-721 Transfer):
                // the first whose topic count fits is the one.
                if d.selector() == topic0 && d.abi.num_topics() == log.topics.len() {
                    out.push(Routed { entry, decoder });
                    break;
                }
            }
        }
        out
    }

    /// Addresses a decoded factory log reveals: (child entry index, address).
    pub fn discoveries(
        &self,
        routed: &Routed,
        log: &RawLog,
        values: &[DynSolValue],
    ) -> Vec<(usize, Address)> {
        let Some(topic0) = log.topic0() else {
            return Vec::new();
        };
        self.links
            .iter()
            .filter(|l| l.factory == routed.entry && l.selector == topic0)
            .filter_map(|l| match values.get(l.parameter) {
                Some(DynSolValue::Address(a)) => Some((l.child, *a)),
                _ => None,
            })
            .collect()
    }

    /// Adds a discovered address; false when it was known already.
    pub fn add(&mut self, entry: usize, address: Address) -> bool {
        if !self.entries[entry].addresses.insert(address) {
            return false;
        }
        self.by_address.entry(address).or_default().push(entry);
        true
    }

    /// Replaces the discovered addresses of every factory-fed entry.
    pub fn set_discovered(&mut self, discovered: &HashMap<String, Vec<Address>>) {
        for e in &mut self.entries {
            if e.discovered {
                e.addresses = discovered
                    .get(&e.name)
                    .map(|v| v.iter().copied().collect())
                    .unwrap_or_default();
            }
        }
        self.reindex();
    }

    /// Whether any entry is fed by a factory.
    pub fn has_factories(&self) -> bool {
        !self.links.is_empty()
    }
}
