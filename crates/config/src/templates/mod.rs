//! Built-in templates: for each kind, its named roles and the event each role
//! binds by default, written as human-readable Solidity signatures.
//!
//! Parameter names follow the OpenZeppelin and Uniswap V2 implementations, so
//! decoded arguments carry the names PRODUCT.md promises.

use alloy::json_abi::{Event, JsonAbi};

use crate::model::ContractKind;

/// One role of a template: an event the template's projection consumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    /// The role's name, also the default event's name (e.g. `Transfer`).
    pub name: &'static str,
    /// The default event, as a human-readable signature.
    pub signature: &'static str,
    /// Whether the role can be switched off with `Role = false`.
    pub optional: bool,
}

impl Role {
    const fn required(name: &'static str, signature: &'static str) -> Self {
        Self {
            name,
            signature,
            optional: false,
        }
    }

    const fn optional(name: &'static str, signature: &'static str) -> Self {
        Self {
            name,
            signature,
            optional: true,
        }
    }

    /// The default event bound to this role.
    pub fn event(&self) -> Event {
        // The signatures are constants of this module; the `every_signature_parses`
        // test guarantees they parse.
        Event::parse(self.signature).unwrap_or_else(|e| {
            unreachable!(
                "built-in signature {:?} does not parse: {e}",
                self.signature
            )
        })
    }
}

const ERC20_TRANSFER: &str =
    "event Transfer(address indexed from, address indexed to, uint256 value)";
const NFT_TRANSFER: &str =
    "event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)";

const ERC20: &[Role] = &[Role::required("Transfer", ERC20_TRANSFER)];
const ERC721: &[Role] = &[
    Role::required("Transfer", NFT_TRANSFER),
    Role::optional(
        "Approval",
        "event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId)",
    ),
];
const ERC4626: &[Role] = &[
    Role::required("Transfer", ERC20_TRANSFER),
    Role::required(
        "Deposit",
        "event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares)",
    ),
    Role::required(
        "Withdraw",
        "event Withdraw(address indexed sender, address indexed receiver, address indexed owner, uint256 assets, uint256 shares)",
    ),
];
const UNISWAP_V2_FACTORY: &[Role] = &[Role::required(
    "PairCreated",
    "event PairCreated(address indexed token0, address indexed token1, address pair, uint256)",
)];
const UNISWAP_V2_PAIR: &[Role] = &[
    Role::required("Transfer", ERC20_TRANSFER),
    Role::required(
        "Mint",
        "event Mint(address indexed sender, uint256 amount0, uint256 amount1)",
    ),
    Role::required(
        "Burn",
        "event Burn(address indexed sender, uint256 amount0, uint256 amount1, address indexed to)",
    ),
    Role::required(
        "Swap",
        "event Swap(address indexed sender, uint256 amount0In, uint256 amount1In, uint256 amount0Out, uint256 amount1Out, address indexed to)",
    ),
    Role::required("Sync", "event Sync(uint112 reserve0, uint112 reserve1)"),
];
const CDP_VAULT: &[Role] = &[
    Role::required(
        "Deposit",
        "event Deposit(address indexed user, address indexed collateral, uint256 amount)",
    ),
    Role::required(
        "Withdraw",
        "event Withdraw(address indexed user, address indexed collateral, uint256 amount)",
    ),
    Role::required(
        "Borrow",
        "event Borrow(address indexed user, uint256 amount)",
    ),
    Role::required("Repay", "event Repay(address indexed user, uint256 amount)"),
];
const VOTE_ESCROW: &[Role] = &[
    Role::required(
        "LockCreated",
        "event LockCreated(address indexed user, uint256 indexed tokenId, uint256 amount, uint256 lockEnd)",
    ),
    Role::required(
        "LockIncreased",
        "event LockIncreased(uint256 indexed tokenId, uint256 amount, uint256 lockEnd)",
    ),
    Role::required(
        "Withdraw",
        "event Withdraw(uint256 indexed tokenId, uint256 amount)",
    ),
    Role::required("Transfer", NFT_TRANSFER),
];
const SAVINGS: &[Role] = &[
    Role::required(
        "Deposit",
        "event Deposit(address indexed user, uint256 amount)",
    ),
    Role::required(
        "Withdraw",
        "event Withdraw(address indexed user, uint256 amount)",
    ),
];
const STABILITY_POOL: &[Role] = &[Role::required(
    "UserDepositChanged",
    "event UserDepositChanged(address indexed depositor, uint256 newDeposit)",
)];
const GAUGE: &[Role] = &[Role::required(
    "VoteForGauge",
    "event VoteForGauge(uint256 time, address user, address gauge_addr, uint256 weight)",
)];
const REWARDS: &[Role] = &[Role::required(
    "RewardsClaimed",
    "event RewardsClaimed(address indexed user, uint256 amount)",
)];
const PRICE_FEED: &[Role] = &[Role::required(
    "AnswerUpdated",
    "event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt)",
)];

/// The roles of `kind`, in the order its events are listed (empty for `events`).
pub fn roles(kind: ContractKind) -> &'static [Role] {
    match kind {
        ContractKind::Events => &[],
        ContractKind::Erc20 => ERC20,
        ContractKind::Erc721 => ERC721,
        ContractKind::Erc4626 => ERC4626,
        ContractKind::UniswapV2Factory => UNISWAP_V2_FACTORY,
        ContractKind::UniswapV2Pair => UNISWAP_V2_PAIR,
        ContractKind::CdpVault => CDP_VAULT,
        ContractKind::VoteEscrow => VOTE_ESCROW,
        ContractKind::Savings => SAVINGS,
        ContractKind::StabilityPool => STABILITY_POOL,
        ContractKind::Gauge => GAUGE,
        ContractKind::Rewards => REWARDS,
        ContractKind::PriceFeed => PRICE_FEED,
    }
}

/// The role of `kind` named `name`, if any.
pub fn role(kind: ContractKind, name: &str) -> Option<&'static Role> {
    roles(kind).iter().find(|r| r.name == name)
}

/// What a contract's `asset` names for `kind`, or `None` when the kind takes
/// no `asset`.
pub fn asset_meaning(kind: ContractKind) -> Option<&'static str> {
    match kind {
        ContractKind::PriceFeed => Some("the token whose USD price the feed gives"),
        ContractKind::CdpVault => Some("the debt stablecoin"),
        ContractKind::VoteEscrow => Some("the locked token"),
        ContractKind::Savings | ContractKind::StabilityPool => Some("the deposit token"),
        ContractKind::Rewards | ContractKind::Gauge => Some("the reward token"),
        ContractKind::Erc4626 => Some("the underlying asset"),
        ContractKind::Events
        | ContractKind::Erc20
        | ContractKind::Erc721
        | ContractKind::UniswapV2Factory
        | ContractKind::UniswapV2Pair => None,
    }
}

/// Whether a contract of `kind` must give `asset` (a price feed is useless
/// without knowing what it prices).
pub fn asset_required(kind: ContractKind) -> bool {
    kind == ContractKind::PriceFeed
}

/// The built-in ABI of `kind`: every role's default event.
pub fn template_abi(kind: ContractKind) -> JsonAbi {
    let mut abi = JsonAbi::new();
    for role in roles(kind) {
        let event = role.event();
        abi.events
            .entry(event.name.clone())
            .or_default()
            .push(event);
    }
    abi
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signature_parses_and_every_template_has_roles() {
        for kind in ContractKind::ALL {
            assert_eq!(roles(kind).is_empty(), !kind.is_template(), "{kind}");
            for role in roles(kind) {
                let event = Event::parse(role.signature).expect(role.signature);
                assert_eq!(event.name, role.name, "{kind}");
                // Overrides are matched to role parameters by name: names must be unique.
                let mut names: Vec<&str> = event.inputs.iter().map(|p| p.name.as_str()).collect();
                names.retain(|n| !n.is_empty());
                let count = names.len();
                names.sort_unstable();
                names.dedup();
                assert_eq!(names.len(), count, "{kind} {}", role.name);
            }
            assert!(
                !asset_required(kind) || asset_meaning(kind).is_some(),
                "{kind}"
            );
        }
    }

    #[test]
    fn uniswap_factory_pair_created_has_the_canonical_selector() {
        let event = roles(ContractKind::UniswapV2Factory)[0].event();
        assert_eq!(
            event.selector().to_string(),
            "0x0d3648bd0f6ba80134a33ba9275ac585d9d315f0ad8355cddefde31afa28d0e9"
        );
    }

    #[test]
    fn template_abi_holds_every_role_event() {
        let abi = template_abi(ContractKind::UniswapV2Pair);
        assert_eq!(abi.events().count(), 5);
        assert!(abi.event("Sync").is_some());
    }
}
