//! What the API knows of the configured position contracts: their template,
//! addresses, priced asset and whether a token is a USD stablecoin.

use alloy_primitives::{Address, U256};
use tributary_config::{AddressSource, Config, ContractKind};
use tributary_types::ChainId;

/// One configured contract entry that holds positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    /// Chain it lives on.
    pub chain_id: ChainId,
    /// Config name.
    pub name: String,
    /// Template.
    pub kind: ContractKind,
    /// Fixed addresses (empty when a factory discovers them).
    pub addresses: Vec<Address>,
    /// Whether a factory discovers its addresses (read from the store).
    pub discovered: bool,
    /// The token it holds, prices or pays (config `asset`).
    pub asset: Option<Address>,
    /// For `erc20`: worth exactly 1 USD.
    pub stable: bool,
}

/// Every position contract, in config order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// The entries.
    pub entries: Vec<CatalogEntry>,
}

/// Chainlink feeds answer with 8 decimals; so does our stablecoin peg.
pub const PRICE_DECIMALS: u8 = 8;

impl Catalog {
    /// Every configured contract whose template holds positions.
    pub fn from_config(config: &Config) -> Self {
        let entries = config
            .contracts
            .iter()
            .filter(|c| holds_positions(c.kind))
            .map(|c| {
                let (addresses, discovered) = match &c.addresses {
                    AddressSource::Fixed(a) => (a.clone(), false),
                    AddressSource::Factory { .. } => (Vec::new(), true),
                };
                CatalogEntry {
                    chain_id: c.chain_id,
                    name: c.name.clone(),
                    kind: c.kind,
                    addresses,
                    discovered,
                    asset: c.asset,
                    stable: c.stable,
                }
            })
            .collect();
        Self { entries }
    }

    /// Entries of `kind` on `chain_id`.
    pub fn of(&self, chain_id: ChainId, kind: ContractKind) -> impl Iterator<Item = &CatalogEntry> {
        self.entries
            .iter()
            .filter(move |e| e.chain_id == chain_id && e.kind == kind)
    }

    /// Whether `token` is a configured stablecoin on `chain_id`.
    pub fn is_stable(&self, chain_id: ChainId, token: Address) -> bool {
        self.of(chain_id, ContractKind::Erc20)
            .any(|e| e.stable && e.addresses.contains(&token))
    }

    /// Feeds pricing `token` on `chain_id`.
    pub fn feeds_of(&self, chain_id: ChainId, token: Address) -> Vec<Address> {
        self.of(chain_id, ContractKind::PriceFeed)
            .filter(|e| e.asset == Some(token))
            .flat_map(|e| e.addresses.iter().copied())
            .collect()
    }

    /// Whether any position template is configured on `chain_id`.
    pub fn has_positions(&self, chain_id: ChainId) -> bool {
        self.entries
            .iter()
            .any(|e| e.chain_id == chain_id && e.kind != ContractKind::Erc20)
    }

    /// The peg answer of a stablecoin: 1 USD at [`PRICE_DECIMALS`].
    pub fn peg() -> U256 {
        U256::from(10u64.pow(u32::from(PRICE_DECIMALS)))
    }
}

/// Whether entries of `kind` hold positions (or price them).
fn holds_positions(kind: ContractKind) -> bool {
    !matches!(kind, ContractKind::Events | ContractKind::UniswapV2Factory)
}
