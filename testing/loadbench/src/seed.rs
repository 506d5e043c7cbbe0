//! Seeding a store through its public write path: one [`Batch`] per chunk of
//! accounts, each a new block, exactly as the engine commits.
//!
//! What is seeded per account is a [`Seeder`]; balances exist today and
//! position seeders plug in the same way as their projections land.

use alloy_primitives::{Address, B256, U256};
use tributary_store::Store;
use tributary_store::read::TokenRow;
use tributary_store::write::Batch;
use tributary_types::{BlockHeader, StateKey, StateWrite};

/// Chain the benchmark data lives on.
pub const CHAIN_ID: u64 = 31337;
/// Its config name.
pub const CHAIN: &str = "bench";
/// Config name of the benchmark token contract.
pub const CONTRACT: &str = "Bench";
/// Accounts per committed batch.
const CHUNK: u64 = 25_000;

/// The `i`-th seeded account.
pub fn account(i: u64) -> Address {
    Address::from_word(B256::from(U256::from(0x1_0000_0000u64 + i)))
}

/// The benchmark token.
pub fn token() -> Address {
    Address::repeat_byte(0xbe)
}

/// Writes the state of a range of accounts.
pub trait Seeder {
    /// Tokens to record once, before any account.
    fn tokens(&self) -> Vec<TokenRow>;
    /// The state of accounts `from..to`.
    fn writes(&self, from: u64, to: u64) -> Vec<StateWrite>;
}

/// An ERC-20 balance for every account, and the token's supply.
#[derive(Debug, Clone, Copy)]
pub struct Balances {
    /// How many accounts the whole seed has.
    pub accounts: u64,
}

impl Seeder for Balances {
    fn tokens(&self) -> Vec<TokenRow> {
        vec![TokenRow {
            chain_id: CHAIN_ID,
            address: token(),
            contract: CONTRACT.to_string(),
            kind: "erc20".to_string(),
            symbol: Some("BNCH".to_string()),
            decimals: Some(18),
        }]
    }

    fn writes(&self, from: u64, to: u64) -> Vec<StateWrite> {
        let mut writes: Vec<StateWrite> = (from..to)
            .map(|i| StateWrite {
                key: StateKey::balance(token(), account(i)),
                value: balance(i),
            })
            .collect();
        if to == self.accounts {
            let supply = (0..self.accounts).fold(U256::ZERO, |s, i| s + balance(i));
            writes.push(StateWrite {
                key: StateKey::supply(token()),
                value: supply,
            });
        }
        writes
    }
}

/// Balance of account `i`: spread out, with ties.
fn balance(i: u64) -> U256 {
    U256::from((i * 7919) % 100_003 + 1) * U256::from(10u64.pow(15))
}

fn header(number: u64) -> BlockHeader {
    BlockHeader {
        number,
        hash: B256::from(U256::from(number + 1)),
        parent_hash: B256::from(U256::from(number)),
        timestamp: 1_700_000_000 + number,
    }
}

/// Commits `accounts` accounts of `seeder` into an empty `store`, one block
/// per chunk. Returns the last block.
pub async fn seed(store: &Store, accounts: u64, seeder: &dyn Seeder) -> anyhow::Result<u64> {
    store.register_chain(CHAIN_ID, CHAIN, 0).await?;
    let mut parent = None;
    let mut block = 0;
    let mut from = 0;
    let mut tokens = seeder.tokens();
    while from < accounts || parent.is_none() {
        let to = (from + CHUNK).min(accounts);
        block += 1;
        let batch = Batch {
            chain_id: CHAIN_ID,
            parent,
            cursor: Some(header(block)),
            state: seeder.writes(from, to),
            headers: vec![header(block)],
            tokens: std::mem::take(&mut tokens),
            finalized: block,
            ..Batch::default()
        };
        store.commit(&batch).await?;
        parent = Some(block);
        from = to;
    }
    Ok(block)
}
