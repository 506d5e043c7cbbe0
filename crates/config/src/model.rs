//! The resolved, validated configuration: what the rest of tributary reads.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use alloy::json_abi::{Event, JsonAbi};
use alloy::primitives::Address;
use serde::{Deserialize, Serialize};
use tributary_types::ChainId;
use url::Url;

use crate::on_error::OnError;

/// A loaded and validated `tributary.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file it was loaded from, as given by the caller.
    pub file: PathBuf,
    /// `[database]`.
    pub database: DatabaseConfig,
    /// `[api]`.
    pub api: ApiConfig,
    /// `[cache]`, when configured.
    pub cache: Option<CacheConfig>,
    /// Every `[[chain]]`, in file order.
    pub chains: Vec<ChainConfig>,
    /// Every `[[contract]]`, in file order.
    pub contracts: Vec<ContractConfig>,
}

impl Config {
    /// The chain named `name`.
    pub fn chain(&self, name: &str) -> Option<&ChainConfig> {
        self.chains.iter().find(|c| c.name == name)
    }

    /// The chain with id `chain_id`.
    pub fn chain_by_id(&self, chain_id: ChainId) -> Option<&ChainConfig> {
        self.chains.iter().find(|c| c.chain_id == chain_id)
    }

    /// The contract entry named `name`.
    pub fn contract(&self, name: &str) -> Option<&ContractConfig> {
        self.contracts.iter().find(|c| c.name == name)
    }

    /// The contract entries on chain `chain` (by name), in file order.
    pub fn contracts_on<'a>(&'a self, chain: &'a str) -> impl Iterator<Item = &'a ContractConfig> {
        self.contracts.iter().filter(move |c| c.chain == chain)
    }
}

/// `[database]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseConfig {
    /// A connection URL ready for sqlx: `sqlite:///abs/path.db?mode=rwc` (a
    /// relative SQLite path is resolved against the config file's directory) or
    /// a `postgres://` URL as written.
    pub url: String,
}

impl DatabaseConfig {
    /// Whether this is the embedded SQLite backend.
    pub fn is_sqlite(&self) -> bool {
        self.url.starts_with("sqlite:")
    }
}

/// `[api]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    /// Address the HTTP server binds (default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// Allowed CORS origins (`*` or `scheme://host[:port]`); empty disables CORS.
    pub cors_origins: Vec<String>,
    /// Per-request timeout in milliseconds (default 10000).
    pub request_timeout_ms: u64,
    /// Sustained requests per second per client IP (default 1000); 0 turns
    /// the per-client rate limit off.
    pub rate_limit_per_second: u32,
    /// Requests a client may make at once (default twice the per-second rate).
    pub rate_limit_burst: u32,
}

/// `[cache]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheConfig {
    /// `redis://` or `rediss://` URL of the shared cache and pub/sub; absent:
    /// this process's memory only, notices from the store's cursors.
    pub redis_url: Option<Url>,
    /// Whether answers are cached (default true).
    pub enabled: bool,
    /// Most bytes of answers kept in memory per process (default 256 MiB).
    pub max_bytes: u64,
}

/// One `[[chain]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainConfig {
    /// Unique name, referenced by contracts and the API.
    pub name: String,
    /// Unique EIP-155 chain id.
    pub chain_id: ChainId,
    /// HTTP(S) JSON-RPC endpoints, in failover order (at least one).
    pub rpc: Vec<Url>,
    /// Optional WS(S) endpoint for `newHeads` push.
    pub ws: Option<Url>,
    /// Finality depth: blocks at or below `head - confirmations` are final (default 12).
    pub confirmations: u64,
    /// Head polling interval in milliseconds (default 1000, > 0).
    pub poll_interval_ms: u64,
    /// Largest `eth_getLogs` block range (default 10000, > 0).
    pub max_block_range: u64,
    /// Log ranges fetched ahead in parallel (default 4, 1..=64).
    pub fetch_concurrency: usize,
    /// Above the finality depth a batch commits at the head, or once it
    /// holds 3x this many events (in memory); below it, a backfill writes
    /// events every `batch_events` and
    /// commits every `commit_interval_ms`, or sooner once it changed 8x
    /// `batch_events` keys (default 20000, > 0).
    pub batch_events: usize,
    /// Below the finality depth, the longest a backfill batch stays open,
    /// in milliseconds: a crash loses at most this much work, and the
    /// indexed block moves on at least this often (default 3000, > 0).
    pub commit_interval_ms: u64,
    /// How often, in blocks, state that accrues between events (interest,
    /// pending rewards) is re-read for every known account (default 100, > 0).
    pub refresh_blocks: u64,
    /// What a configured log that fails to decode or project does (default
    /// [`OnError::DeadLetter`]).
    pub on_error: OnError,
    /// `/readyz` answers 503 while the indexed block is more than this many
    /// blocks behind the head (default 5).
    pub max_lag_blocks: u64,
    /// Which fetched ranges get the dropped-log (`logsBloom`) check (default
    /// [`BloomCheck::Tail`]).
    pub bloom_check: BloomCheck,
}

/// `[[chain]] bloom_check`: where blocks' `logsBloom` is compared with the
/// `eth_getLogs` answer, to catch endpoints that silently drop logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum BloomCheck {
    /// `"off"`: never.
    Off,
    /// `"tail"`: the unfinalized tail, whose headers are fetched anyway.
    #[default]
    Tail,
    /// `"always"`: backfill too (one more header per block).
    Always,
}

impl BloomCheck {
    /// Every mode, in documentation order.
    pub const ALL: [BloomCheck; 3] = [BloomCheck::Off, BloomCheck::Tail, BloomCheck::Always];

    /// The name used in `tributary.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            BloomCheck::Off => "off",
            BloomCheck::Tail => "tail",
            BloomCheck::Always => "always",
        }
    }
}

impl fmt::Display for BloomCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BloomCheck {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BloomCheck::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown bloom_check \"{s}\"; expected one of: {}",
                    BloomCheck::ALL.map(BloomCheck::as_str).join(", ")
                )
            })
    }
}

/// One `[[contract]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractConfig {
    /// Unique name (the API's `contract=`).
    pub name: String,
    /// Name of the chain it lives on.
    pub chain: String,
    /// Id of that chain.
    pub chain_id: ChainId,
    /// Template, or [`ContractKind::Events`] for raw events only.
    pub kind: ContractKind,
    /// Where its addresses come from.
    pub addresses: AddressSource,
    /// First block to index (default 0).
    pub start_block: u64,
    /// The ABI from the `abi` file, or the template's built-in ABI.
    pub abi: JsonAbi,
    /// The events to index: the chosen events for kind `events`, or the
    /// template's role events (after overrides), in role order.
    pub events: Vec<Event>,
    /// Role name -> bound event (templates only; empty for kind `events`).
    /// An overriding event may name and order its parameters differently from
    /// the role's default signature (and, with `args`, have more of them), so
    /// projections read a role's arguments through [`ContractConfig::role_args`],
    /// never by name or by the role's own positions.
    pub roles: BTreeMap<String, Event>,
    /// Role name -> for each parameter of the role's default signature (in its
    /// order), the position of that parameter in the bound event's inputs (ABI
    /// order). Identity when the override keeps the role's order; present for
    /// every bound role (the keys of [`ContractConfig::roles`]).
    pub role_args: BTreeMap<String, Vec<usize>>,
    /// The token the contract is about, by kind: price_feed the token whose USD
    /// price the feed gives (required); cdp_vault the debt stablecoin;
    /// vote_escrow the locked token; savings and stability_pool the deposit
    /// token; rewards and gauge the reward token; erc4626 the underlying asset.
    /// `None` for other kinds (which reject `asset`) or when not given.
    pub asset: Option<Address>,
    /// Kind erc20 only: the token is worth exactly 1 USD (default false).
    pub stable: bool,
    /// Hex SHA-256 of everything that affects projection output (kind, chain,
    /// addresses or factory, start block, events, role bindings and argument
    /// order, asset, stable); unchanged by renaming the contract or editing comments.
    pub fingerprint: String,
}

impl ContractConfig {
    /// The fixed addresses, if not discovered through a factory.
    pub fn fixed_addresses(&self) -> Option<&[Address]> {
        match &self.addresses {
            AddressSource::Fixed(addresses) => Some(addresses),
            AddressSource::Factory { .. } => None,
        }
    }

    /// Where parameter `param` (counted in the role's default signature) of
    /// role `role` sits in the bound event's inputs, if that role is bound.
    pub fn role_arg(&self, role: &str, param: usize) -> Option<usize> {
        self.role_args.get(role)?.get(param).copied()
    }
}

/// Where a contract's addresses come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressSource {
    /// `address = "0x.."` or a list (at least one, no duplicates).
    Fixed(Vec<Address>),
    /// Discovered at run time from another contract's event.
    Factory {
        /// Name of the factory contract entry (same chain).
        contract: String,
        /// Name of an event indexed for that contract.
        event: String,
        /// The address parameter of that event that carries the new
        /// contract's address: its name, or its zero-based position (digits;
        /// Solidity names never start with one).
        parameter: String,
    },
}

/// What a contract is: a built-in template or raw events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractKind {
    /// Raw events of a user ABI only.
    Events,
    /// ERC-20 token.
    Erc20,
    /// ERC-721 collection.
    Erc721,
    /// ERC-4626 tokenized vault.
    Erc4626,
    /// Uniswap V2 factory (pair discovery).
    UniswapV2Factory,
    /// Uniswap V2 pair.
    UniswapV2Pair,
    /// Collateralized debt position vault.
    CdpVault,
    /// Vote-escrow (veNFT) locks.
    VoteEscrow,
    /// Savings deposits.
    Savings,
    /// Stability pool deposits.
    StabilityPool,
    /// Gauge votes (Curve GaugeController).
    Gauge,
    /// Reward claims.
    Rewards,
    /// Chainlink-style price feed.
    PriceFeed,
}

impl ContractKind {
    /// Every kind, in documentation order.
    pub const ALL: [ContractKind; 13] = [
        ContractKind::Events,
        ContractKind::Erc20,
        ContractKind::Erc721,
        ContractKind::Erc4626,
        ContractKind::UniswapV2Factory,
        ContractKind::UniswapV2Pair,
        ContractKind::CdpVault,
        ContractKind::VoteEscrow,
        ContractKind::Savings,
        ContractKind::StabilityPool,
        ContractKind::Gauge,
        ContractKind::Rewards,
        ContractKind::PriceFeed,
    ];

    /// The name used in `tributary.toml`, e.g. `uniswap_v2_pair`.
    pub fn as_str(self) -> &'static str {
        match self {
            ContractKind::Events => "events",
            ContractKind::Erc20 => "erc20",
            ContractKind::Erc721 => "erc721",
            ContractKind::Erc4626 => "erc4626",
            ContractKind::UniswapV2Factory => "uniswap_v2_factory",
            ContractKind::UniswapV2Pair => "uniswap_v2_pair",
            ContractKind::CdpVault => "cdp_vault",
            ContractKind::VoteEscrow => "vote_escrow",
            ContractKind::Savings => "savings",
            ContractKind::StabilityPool => "stability_pool",
            ContractKind::Gauge => "gauge",
            ContractKind::Rewards => "rewards",
            ContractKind::PriceFeed => "price_feed",
        }
    }

    /// Whether this kind is a built-in template (everything but `events`).
    pub fn is_template(self) -> bool {
        self != ContractKind::Events
    }
}

impl fmt::Display for ContractKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind name that is not one of [`ContractKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind \"{name}\"; expected one of: {}", kind_names())]
pub struct UnknownKind {
    /// The name that was given.
    pub name: String,
}

/// The names of every kind, comma separated.
fn kind_names() -> String {
    ContractKind::ALL.map(ContractKind::as_str).join(", ")
}

impl FromStr for ContractKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ContractKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind { name: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip_through_str_and_serde() {
        for kind in ContractKind::ALL {
            assert_eq!(kind.as_str().parse::<ContractKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).expect("serializes");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        let err = "erc21".parse::<ContractKind>().expect_err("unknown");
        assert!(
            err.to_string()
                .starts_with("unknown kind \"erc21\"; expected one of: events, erc20")
        );
    }
}
