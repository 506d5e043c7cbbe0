//! A seeder of DeFi positions for every account, written key for key as the
//! engine's projections write them (`crates/engine/src/project`): an LP
//! stake in a Uniswap V2 pair, a CDP vault (collateral, debt), a vote-escrow
//! lock and a savings deposit, with the pair's reserves and tokens, the
//! vault's collateral list and threshold, and price feeds for every
//! non-stable token so that USD values and health factors are real numbers.
//! [`Positions::catalog`] is the API's view of the same contracts.

use alloy_primitives::{Address, U256};
use tributary_api::positions::{Catalog, CatalogEntry};
use tributary_config::ContractKind;
use tributary_store::read::TokenRow;
use tributary_types::{StateKey, StateKind, StateWrite};

use crate::seed::{self, Balances, CHAIN_ID, Seeder};

/// A USD stablecoin (18 decimals, worth 1 USD): debt, savings, token1 of the pair.
pub const STABLE: Address = Address::repeat_byte(0x5d);
/// The vault's collateral (18 decimals, fed at [`COLLATERAL_PRICE`]).
pub const COLLATERAL: Address = Address::repeat_byte(0xc0);
/// The escrow's locked token (18 decimals, fed at [`GOV_PRICE`]).
pub const GOV: Address = Address::repeat_byte(0x90);
/// The Uniswap V2 pair: the bench token against the stablecoin.
pub const PAIR: Address = Address::repeat_byte(0xa1);
/// The CDP vault.
pub const VAULT: Address = Address::repeat_byte(0xa2);
/// The vote escrow.
pub const ESCROW: Address = Address::repeat_byte(0xa3);
/// The savings contract (holds the stablecoin).
pub const SAVINGS: Address = Address::repeat_byte(0xa4);
/// Feeds of the bench token, the collateral and the locked token.
pub const FEEDS: [(Address, Address, u64); 3] = [
    (
        Address::repeat_byte(0xf1),
        Address::repeat_byte(0xbe),
        BENCH_PRICE,
    ),
    (Address::repeat_byte(0xf2), COLLATERAL, COLLATERAL_PRICE),
    (Address::repeat_byte(0xf3), GOV, GOV_PRICE),
];
/// Bench token price, 8 decimals (0.50 USD).
const BENCH_PRICE: u64 = 50_000_000;
/// Collateral price, 8 decimals (2,000 USD).
const COLLATERAL_PRICE: u64 = 200_000_000_000;
/// Locked token price, 8 decimals (3 USD).
const GOV_PRICE: u64 = 300_000_000;
/// Liquidation threshold of the collateral, basis points.
const THRESHOLD_BPS: u64 = 8_000;
/// One whole 18-decimal token.
const ONE: u64 = 1_000_000_000_000_000_000;
/// Seconds in a year.
const YEAR: u64 = 365 * 86_400;

/// Balances (as [`Balances`]) plus one position of each kind per account.
#[derive(Debug, Clone, Copy)]
pub struct Positions {
    /// How many accounts the whole seed has.
    pub accounts: u64,
}

fn whole(n: u64) -> U256 {
    U256::from(n) * U256::from(ONE)
}

/// The value stored for an address-valued key (as `pair::address_value`).
fn address_value(a: Address) -> U256 {
    U256::from_be_bytes(a.into_word().0)
}

/// LP tokens of account `i`.
fn lp(i: u64) -> U256 {
    whole(i % 97 + 1)
}

/// Collateral of account `i`: 1 to 10 whole tokens.
fn collateral(i: u64) -> U256 {
    whole(i % 10 + 1)
}

/// Debt of account `i`: 30 % to 69 % of its collateral's USD value, so
/// health factors spread from about 1.16 to 2.67 (a few raise alerts).
fn debt(i: u64) -> U256 {
    let usd = (i % 10 + 1) * (COLLATERAL_PRICE / 100_000_000);
    whole(usd) * U256::from(30 + i % 40) / U256::from(100)
}

/// The escrow token id of account `i` (ids start at 1).
fn lock_id(i: u64) -> U256 {
    U256::from(i + 1)
}

fn write(key: StateKey, value: U256) -> StateWrite {
    StateWrite { key, value }
}

impl Positions {
    /// The API's catalog of the seeded contracts, as `Catalog::from_config`
    /// builds it from a config listing them.
    pub fn catalog() -> Catalog {
        let entry = |name: &str, kind, addresses: Vec<Address>, asset, stable| CatalogEntry {
            chain_id: CHAIN_ID,
            name: name.to_string(),
            kind,
            addresses,
            discovered: false,
            asset,
            stable,
        };
        let mut entries = vec![
            entry(
                seed::CONTRACT,
                ContractKind::Erc20,
                vec![seed::token()],
                None,
                false,
            ),
            entry("Stable", ContractKind::Erc20, vec![STABLE], None, true),
            entry(
                "Collateral",
                ContractKind::Erc20,
                vec![COLLATERAL],
                None,
                false,
            ),
            entry("Gov", ContractKind::Erc20, vec![GOV], None, false),
            entry("Pair", ContractKind::UniswapV2Pair, vec![PAIR], None, false),
            entry(
                "Vault",
                ContractKind::CdpVault,
                vec![VAULT],
                Some(STABLE),
                false,
            ),
            entry(
                "Escrow",
                ContractKind::VoteEscrow,
                vec![ESCROW],
                Some(GOV),
                false,
            ),
            entry(
                "Savings",
                ContractKind::Savings,
                vec![SAVINGS],
                Some(STABLE),
                false,
            ),
        ];
        for (n, (feed, asset, _)) in FEEDS.iter().enumerate() {
            entries.push(entry(
                &format!("Feed{n}"),
                ContractKind::PriceFeed,
                vec![*feed],
                Some(*asset),
                false,
            ));
        }
        Catalog { entries }
    }

    /// Config names of every seeded contract.
    pub fn contracts() -> Vec<String> {
        Self::catalog()
            .entries
            .into_iter()
            .map(|e| e.name)
            .collect()
    }

    /// Contract-wide state: prices, the pair's tokens and reserves, the
    /// vault's collateral list and threshold (written once, first block).
    fn globals(&self) -> Vec<StateWrite> {
        let mut w = Vec::new();
        for (feed, _, price) in FEEDS {
            w.push(write(
                StateKey::global(StateKind::Price, feed),
                U256::from(price),
            ));
            w.push(write(
                StateKey::global(StateKind::PriceUpdatedAt, feed),
                U256::from(1_700_000_000u64),
            ));
        }
        let supply = (0..self.accounts).fold(U256::ZERO, |s, i| s + lp(i));
        // Reserves at the feeds' ratio (0.50 USD a bench token), so the LP
        // stake is worth what the pair's TVL says.
        w.extend([
            write(
                StateKey::global(StateKind::PairToken0, PAIR),
                address_value(seed::token()),
            ),
            write(
                StateKey::global(StateKind::PairToken1, PAIR),
                address_value(STABLE),
            ),
            write(
                StateKey::global(StateKind::Reserve0, PAIR),
                supply * U256::from(2),
            ),
            write(StateKey::global(StateKind::Reserve1, PAIR), supply),
            write(
                StateKey::account(StateKind::VaultCollateralToken, VAULT, COLLATERAL),
                U256::from(1),
            ),
            write(
                StateKey::account(StateKind::VaultThreshold, VAULT, COLLATERAL),
                U256::from(THRESHOLD_BPS),
            ),
        ]);
        w
    }

    /// Supplies, once every account is written (last block).
    fn supplies(&self) -> Vec<StateWrite> {
        let lp_supply = (0..self.accounts).fold(U256::ZERO, |s, i| s + lp(i));
        vec![
            write(StateKey::supply(PAIR), lp_supply),
            write(StateKey::supply(ESCROW), U256::from(self.accounts)),
        ]
    }
}

impl Seeder for Positions {
    fn tokens(&self) -> Vec<TokenRow> {
        let mut tokens = Balances {
            accounts: self.accounts,
        }
        .tokens();
        let token = |address, contract: &str, kind: &str, symbol: &str, decimals| TokenRow {
            chain_id: CHAIN_ID,
            address,
            contract: contract.to_string(),
            kind: kind.to_string(),
            symbol: Some(symbol.to_string()),
            decimals,
        };
        tokens.extend([
            token(STABLE, "Stable", "erc20", "USDB", Some(18)),
            token(COLLATERAL, "Collateral", "erc20", "WETH", Some(18)),
            token(GOV, "Gov", "erc20", "GOV", Some(18)),
            token(PAIR, "Pair", "uniswap_v2_pair", "BNCH-USDB", Some(18)),
        ]);
        tokens
    }

    fn writes(&self, from: u64, to: u64) -> Vec<StateWrite> {
        let mut w = Balances {
            accounts: self.accounts,
        }
        .writes(from, to);
        if from == 0 {
            w.extend(self.globals());
        }
        let start = 1_700_000_000u64;
        for i in from..to {
            let a = seed::account(i);
            let id = lock_id(i);
            w.extend([
                write(StateKey::balance(PAIR, a), lp(i)),
                write(
                    StateKey::paired(StateKind::VaultCollateral, VAULT, COLLATERAL, a),
                    collateral(i),
                ),
                write(StateKey::account(StateKind::VaultDebt, VAULT, a), debt(i)),
                write(
                    StateKey::id(StateKind::NftOwner, ESCROW, id),
                    address_value(a),
                ),
                write(
                    StateKey::account(StateKind::NftCount, ESCROW, a),
                    U256::from(1),
                ),
                write(
                    StateKey::id(StateKind::LockAmount, ESCROW, id),
                    whole(i % 50 + 1),
                ),
                write(
                    StateKey::id(StateKind::LockEnd, ESCROW, id),
                    U256::from(start + YEAR + (i % 1000) * 86_400),
                ),
                write(
                    StateKey::account(StateKind::SavingsPrincipal, SAVINGS, a),
                    whole(i % 1000 + 1),
                ),
                write(
                    StateKey::account(StateKind::SavingsInterest, SAVINGS, a),
                    whole(i % 1000 + 1) / U256::from(20),
                ),
            ]);
        }
        if to == self.accounts {
            w.extend(self.supplies());
        }
        w
    }
}
