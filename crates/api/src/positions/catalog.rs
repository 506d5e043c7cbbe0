//! What the API knows of the configured position contracts: their template,
//! addresses, priced asset and whether a token is a USD stablecoin.

use alloy_primitives::{Address, U256};
use tributary_config::{AddressSource, Config};
use tributary_types::ChainId;

/// The templates that hold positions (the config's `kind`, by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionKind {
    /// `erc20`.
    Erc20,
    /// `erc721`.
    Erc721,
    /// `erc4626`.
    Erc4626,
    /// `uniswap_v2_pair`.
    Pair,
    /// `cdp_vault`.
    CdpVault,
    /// `vote_escrow`.
    VoteEscrow,
    /// `savings`.
    Savings,
    /// `stability_pool`.
    StabilityPool,
    /// `gauge`.
    Gauge,
    /// `rewards`.
    Rewards,
    /// `price_feed`.
    PriceFeed,
}

impl PositionKind {
    /// The kind a config `kind` names, if it holds positions.
    pub fn from_config(kind: &str) -> Option<Self> {
        Some(match kind {
            "erc20" => Self::Erc20,
            "erc721" => Self::Erc721,
            "erc4626" => Self::Erc4626,
            "uniswap_v2_pair" => Self::Pair,
            "cdp_vault" => Self::CdpVault,
            "vote_escrow" => Self::VoteEscrow,
            "savings" => Self::Savings,
            "stability_pool" => Self::StabilityPool,
            "gauge" => Self::Gauge,
            "rewards" => Self::Rewards,
            "price_feed" => Self::PriceFeed,
            _ => return None,
        })
    }
}

/// One configured contract entry that holds positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    /// Chain it lives on.
    pub chain_id: ChainId,
    /// Config name.
    pub name: String,
    /// Template.
    pub kind: PositionKind,
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
            .filter_map(|c| {
                let kind = PositionKind::from_config(c.kind.as_str())?;
                let (addresses, discovered) = match &c.addresses {
                    AddressSource::Fixed(a) => (a.clone(), false),
                    AddressSource::Factory { .. } => (Vec::new(), true),
                };
                Some(CatalogEntry {
                    chain_id: c.chain_id,
                    name: c.name.clone(),
                    kind,
                    addresses,
                    discovered,
                    asset: c.asset,
                    stable: c.stable,
                })
            })
            .collect();
        Self { entries }
    }

    /// Entries of `kind` on `chain_id`.
    pub fn of(&self, chain_id: ChainId, kind: PositionKind) -> impl Iterator<Item = &CatalogEntry> {
        self.entries
            .iter()
            .filter(move |e| e.chain_id == chain_id && e.kind == kind)
    }

    /// Whether `token` is a configured stablecoin on `chain_id`.
    pub fn is_stable(&self, chain_id: ChainId, token: Address) -> bool {
        self.of(chain_id, PositionKind::Erc20)
            .any(|e| e.stable && e.addresses.contains(&token))
    }

    /// Feeds pricing `token` on `chain_id`.
    pub fn feeds_of(&self, chain_id: ChainId, token: Address) -> Vec<Address> {
        self.of(chain_id, PositionKind::PriceFeed)
            .filter(|e| e.asset == Some(token))
            .flat_map(|e| e.addresses.iter().copied())
            .collect()
    }

    /// Whether any position template is configured on `chain_id`.
    pub fn has_positions(&self, chain_id: ChainId) -> bool {
        self.entries
            .iter()
            .any(|e| e.chain_id == chain_id && e.kind != PositionKind::Erc20)
    }

    /// The peg answer of a stablecoin: 1 USD at [`PRICE_DECIMALS`].
    pub fn peg() -> U256 {
        U256::from(10u64.pow(u32::from(PRICE_DECIMALS)))
    }
}
