//! The async half of planning: reading what the planner needs from the chain at a block, and
//! following veNFT and DemoNFT ownership through the contracts' events.

use std::collections::BTreeMap;

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::{Filter, Log},
    sol_types::SolEvent,
};
use futures::{StreamExt, TryStreamExt, stream};

use super::plan::{Lock, UserState};
use crate::{
    TestChain, TestkitError,
    contracts::{DemoNFT, VotingEscrow},
    protocol::Protocol,
};

/// Users read at once (each read is a dozen calls in parallel).
const CONCURRENCY: usize = 16;

/// veNFT and DemoNFT state rebuilt from events, so no enumeration views are needed.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    ve_owner: BTreeMap<U256, Address>,
    ve_lock: BTreeMap<U256, (U256, u64)>,
    nft_owner: BTreeMap<U256, Address>,
}

impl Tracker {
    /// Applies the escrow's and the NFT's events of blocks `from..=to`.
    pub(crate) async fn scan(
        &mut self,
        chain: &TestChain,
        p: &Protocol,
        from: u64,
        to: u64,
    ) -> Result<(), TestkitError> {
        let filter = Filter::new()
            .address(vec![p.escrow, p.nft])
            .from_block(from)
            .to_block(to);
        let logs = chain
            .provider()
            .get_logs(&filter)
            .await
            .map_err(TestkitError::rpc("eth_getLogs"))?;
        for log in &logs {
            if log.address() == p.escrow {
                self.apply_escrow(log);
            } else {
                self.apply_nft(log);
            }
        }
        Ok(())
    }

    fn apply_escrow(&mut self, log: &Log) {
        let Some(topic) = log.topic0() else { return };
        if *topic == VotingEscrow::Transfer::SIGNATURE_HASH {
            let Ok(e) = log.log_decode::<VotingEscrow::Transfer>() else {
                return;
            };
            let e = e.inner.data;
            if e.to == Address::ZERO {
                self.ve_owner.remove(&e.tokenId);
                self.ve_lock.remove(&e.tokenId);
            } else {
                self.ve_owner.insert(e.tokenId, e.to);
            }
        } else if *topic == VotingEscrow::LockCreated::SIGNATURE_HASH {
            let Ok(e) = log.log_decode::<VotingEscrow::LockCreated>() else {
                return;
            };
            let e = e.inner.data;
            self.ve_lock
                .insert(e.tokenId, (e.amount, to_u64(e.lockEnd)));
        } else if *topic == VotingEscrow::LockIncreased::SIGNATURE_HASH {
            let Ok(e) = log.log_decode::<VotingEscrow::LockIncreased>() else {
                return;
            };
            let e = e.inner.data;
            if let Some(lock) = self.ve_lock.get_mut(&e.tokenId) {
                *lock = (lock.0 + e.amount, to_u64(e.lockEnd));
            }
        }
    }

    fn apply_nft(&mut self, log: &Log) {
        if log.topic0() != Some(&DemoNFT::Transfer::SIGNATURE_HASH) {
            return;
        }
        if let Ok(e) = log.log_decode::<DemoNFT::Transfer>() {
            let e = e.inner.data;
            self.nft_owner.insert(e.tokenId, e.to);
        }
    }

    /// Live locks with their owners.
    pub(crate) fn locks(&self) -> BTreeMap<U256, Lock> {
        self.ve_lock
            .iter()
            .filter_map(|(id, (amount, end))| {
                let owner = *self.ve_owner.get(id)?;
                Some((
                    *id,
                    Lock {
                        owner,
                        amount: *amount,
                        end: *end,
                    },
                ))
            })
            .collect()
    }

    /// DemoNFT owners.
    pub(crate) fn nfts(&self) -> BTreeMap<U256, Address> {
        self.nft_owner.clone()
    }
}

fn to_u64(value: U256) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

/// Reserves of `p.pairs` at `block`, each as (other token, USDP).
pub(crate) async fn read_reserves(
    chain: &TestChain,
    p: &Protocol,
    block: u64,
) -> Result<[(U256, U256); 2], TestkitError> {
    let mut out = [(U256::ZERO, U256::ZERO); 2];
    for (k, slot) in out.iter_mut().enumerate() {
        let r = p.reserves(chain, p.pairs[k], Some(block)).await?;
        let (other, usdp) = p.pair_tokens(k);
        // token0 is the smaller address.
        *slot = if other < usdp {
            (r.reserve0, r.reserve1)
        } else {
            (r.reserve1, r.reserve0)
        };
    }
    Ok(out)
}

/// Every user's balances and positions at `block`, in `users` order.
pub(crate) async fn read_users(
    chain: &TestChain,
    p: &Protocol,
    users: &[Address],
    block: u64,
) -> Result<Vec<UserState>, TestkitError> {
    stream::iter(users.iter().copied())
        .map(|user| read_user(chain, p, user, block))
        .buffered(CONCURRENCY)
        .try_collect()
        .await
}

async fn read_user(
    chain: &TestChain,
    p: &Protocol,
    user: Address,
    block: u64,
) -> Result<UserState, TestkitError> {
    let b = Some(block);
    let (weth, wbtc, gov, usdp, lp0, lp1) = tokio::try_join!(
        chain.balance_of(p.weth, user, b),
        chain.balance_of(p.wbtc, user, b),
        chain.balance_of(p.gov, user, b),
        chain.balance_of(p.usdp, user, b),
        chain.balance_of(p.pairs[0], user, b),
        chain.balance_of(p.pairs[1], user, b),
    )?;
    let (c0, c1, debt, principal, sp_deposit, shares) = tokio::try_join!(
        p.collateral_of(chain, user, p.weth, b),
        p.collateral_of(chain, user, p.wbtc, b),
        p.debt_of(chain, user, b),
        p.principal_of(chain, user, b),
        p.sp_deposit(chain, user, b),
        chain.balance_of(p.vault4626, user, b),
    )?;
    Ok(UserState {
        weth,
        wbtc,
        gov,
        usdp,
        lp: [lp0, lp1],
        collateral: [c0, c1],
        debt,
        principal,
        sp_deposit,
        shares,
    })
}
