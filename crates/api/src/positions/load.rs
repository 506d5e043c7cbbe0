//! Turns the state valuing one account (or one pool) reads into the exact
//! inputs `tributary-portfolio` values. The state is held in memory
//! ([`StateAt`]): read from the store in one statement for a live answer
//! ([`super::now`]), so a portfolio never mixes two blocks, or replayed from
//! the state change log for history. Which keys it reads is
//! [`super::keys`]'s to say.

use std::collections::HashMap;

use alloy_primitives::{Address, U256};
use tributary_portfolio::{
    AccountPositions, CollateralInput, LockInput, LpInput, PoolInput, Price, RewardsInput,
    SavingsInput, ShareInput, StabilityInput, TokenInfo, VaultInput,
};
use tributary_store::{Store, StoreError};
use tributary_types::{ChainId, StateKey, StateKind};

use tributary_config::ContractKind;

use super::catalog::{Catalog, CatalogEntry, PRICE_DECIMALS};

mod reads;

pub use reads::{Resolved, StateAt};

/// Decimals assumed for a token the indexer does not track.
const DEFAULT_DECIMALS: u8 = 18;

/// Most veNFTs of one account read for a portfolio.
pub(super) const MAX_LOCKS: u32 = 1000;

/// Values positions of one chain from state held in memory.
pub struct Loader<'a> {
    state: &'a StateAt,
    catalog: &'a Catalog,
    chain_id: ChainId,
    context: &'a Context,
    tokens: HashMap<Address, TokenInfo>,
}

/// What valuing anything on a chain needs besides state: token decimals
/// and every position entry's addresses.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Decimals of the tokens the indexer tracks.
    pub decimals: HashMap<Address, u8>,
    /// Every address of every position entry, by template.
    pub resolved: Resolved,
}

impl<'a> Loader<'a> {
    /// A loader over `state` for `chain_id`.
    pub fn new(
        state: &'a StateAt,
        catalog: &'a Catalog,
        chain_id: ChainId,
        context: &'a Context,
    ) -> Self {
        Self {
            state,
            catalog,
            chain_id,
            context,
            tokens: HashMap::new(),
        }
    }

    /// Decimals and USD price of `token`: 1 USD for a configured stablecoin,
    /// else the latest answer of a feed configured with `asset = token`.
    pub fn token(&mut self, token: Address) -> TokenInfo {
        if let Some(t) = self.tokens.get(&token) {
            return t.clone();
        }
        let decimals = self
            .context
            .decimals
            .get(&token)
            .copied()
            .unwrap_or(DEFAULT_DECIMALS);
        let price = if self.catalog.is_stable(self.chain_id, token) {
            Some(Price {
                answer: Catalog::peg(),
                decimals: PRICE_DECIMALS,
            })
        } else {
            let mut found = None;
            for feed in self.catalog.feeds_of(self.chain_id, token) {
                let answer = self.value(StateKey::global(StateKind::Price, feed));
                if !answer.is_zero() {
                    found = Some(Price {
                        answer,
                        decimals: PRICE_DECIMALS,
                    });
                    break;
                }
            }
            found
        };
        let info = TokenInfo {
            address: token,
            decimals,
            price,
        };
        self.tokens.insert(token, info.clone());
        info
    }

    /// The token an entry holds (`asset`), or an unpriced placeholder.
    fn asset(&mut self, entry: &CatalogEntry) -> TokenInfo {
        match entry.asset {
            Some(a) => self.token(a),
            None => TokenInfo {
                address: Address::ZERO,
                decimals: DEFAULT_DECIMALS,
                price: None,
            },
        }
    }

    /// Every position of `account`, valued at block time `timestamp`.
    pub fn account(&mut self, account: Address, timestamp: u64) -> AccountPositions {
        let mine = self.mine(account);
        let get = |kind, scope| mine.get(&(kind, scope)).copied().unwrap_or_default();
        let mut p = AccountPositions {
            timestamp,
            lp: Vec::new(),
            vaults: Vec::new(),
            locks: Vec::new(),
            savings: Vec::new(),
            stability: Vec::new(),
            erc4626: Vec::new(),
            rewards: Vec::new(),
        };
        for (_, pair) in self.all_of(ContractKind::UniswapV2Pair) {
            let lp_balance = get(StateKind::Balance, pair);
            if lp_balance.is_zero() {
                continue;
            }
            if let Some(pool) = self.pool(pair) {
                p.lp.push(LpInput {
                    pair,
                    apr: tributary_portfolio::pool_apr(&pool),
                    token0: pool.token0,
                    token1: pool.token1,
                    lp_balance,
                    total_supply: pool.total_supply,
                    reserve0: pool.reserve0,
                    reserve1: pool.reserve1,
                    // The demo protocol, like Curve-style controllers without
                    // per-gauge reward contracts, accrues no reward per LP
                    // position: its GaugeController only weighs gauges and
                    // its RewardDistributor pays accounts (see `rewards`).
                    // Nothing on chain is attributable to one pool's LP
                    // tokens, so this stays 0 rather than an estimate.
                    pending_rewards: U256::ZERO,
                });
            }
        }
        for (_, vault) in self.all_of(ContractKind::CdpVault) {
            if let Some(v) = self.vault(vault, account, get(StateKind::VaultDebt, vault)) {
                p.vaults.push(v);
            }
        }
        for (entry, escrow) in self.all_of(ContractKind::VoteEscrow) {
            let token = self.asset(&entry);
            let ids = self.owned(account, escrow);
            for token_id in ids {
                let amount = self.value(StateKey::id(StateKind::LockAmount, escrow, token_id));
                let end = self.value(StateKey::id(StateKind::LockEnd, escrow, token_id));
                if amount.is_zero() {
                    continue;
                }
                p.locks.push(LockInput {
                    escrow,
                    token_id,
                    amount,
                    lock_end: u64::try_from(end).unwrap_or(u64::MAX),
                    token: token.clone(),
                });
            }
        }
        for (entry, s) in self.all_of(ContractKind::Savings) {
            let principal = get(StateKind::SavingsPrincipal, s);
            let accrued_interest = get(StateKind::SavingsInterest, s);
            if principal.is_zero() && accrued_interest.is_zero() {
                continue;
            }
            let token = self.asset(&entry);
            p.savings.push(SavingsInput {
                contract: s,
                principal,
                accrued_interest,
                token,
            });
        }
        for (entry, sp) in self.all_of(ContractKind::StabilityPool) {
            let deposit = get(StateKind::StabilityDeposit, sp);
            if deposit.is_zero() {
                continue;
            }
            let token = self.asset(&entry);
            p.stability.push(StabilityInput {
                contract: sp,
                deposit,
                token,
            });
        }
        for (entry, v) in self.all_of(ContractKind::Erc4626) {
            let shares = get(StateKind::Balance, v);
            if shares.is_zero() {
                continue;
            }
            let total_supply = self.value(StateKey::supply(v));
            let total_assets = self.value(StateKey::global(StateKind::TotalAssets, v));
            let decimals = self
                .context
                .decimals
                .get(&v)
                .copied()
                .unwrap_or(DEFAULT_DECIMALS);
            let asset = self.asset(&entry);
            p.erc4626.push(ShareInput {
                vault: v,
                shares,
                total_supply,
                total_assets,
                decimals,
                asset,
            });
        }
        for (entry, r) in self.all_of(ContractKind::Rewards) {
            let pending = get(StateKind::PendingRewards, r);
            if pending.is_zero() {
                continue;
            }
            let token = self.asset(&entry);
            p.rewards.push(RewardsInput {
                contract: r,
                pending,
                token,
            });
        }
        p
    }

    /// One account's position in a CDP vault (`None` when it has none).
    fn vault(&mut self, vault: Address, account: Address, debt: U256) -> Option<VaultInput> {
        let collaterals: Vec<Address> = self
            .scope(StateKind::VaultCollateralToken, vault)
            .into_iter()
            .map(|(subject, _)| Address::from_word(subject))
            .collect();
        let mut keys = Vec::with_capacity(collaterals.len() * 2);
        for c in &collaterals {
            keys.push(StateKey::paired(
                StateKind::VaultCollateral,
                vault,
                *c,
                account,
            ));
            keys.push(StateKey::account(StateKind::VaultThreshold, vault, *c));
        }
        let values = self.values(&keys);
        let mut rows = Vec::new();
        for c in collaterals {
            let amount = values
                .get(&StateKey::paired(
                    StateKind::VaultCollateral,
                    vault,
                    c,
                    account,
                ))
                .copied()
                .unwrap_or_default();
            if amount.is_zero() {
                continue;
            }
            let lt = values
                .get(&StateKey::account(StateKind::VaultThreshold, vault, c))
                .copied()
                .unwrap_or_default();
            rows.push(CollateralInput {
                token: self.token(c),
                amount,
                lt_bps: u32::try_from(lt).unwrap_or(u32::MAX),
            });
        }
        if rows.is_empty() && debt.is_zero() {
            return None;
        }
        Some(VaultInput {
            vault,
            debt,
            collaterals: rows,
        })
    }

    /// A pair's state with its gauge's emissions (`None` before its tokens are known).
    pub fn pool(&mut self, pair: Address) -> Option<PoolInput> {
        let keys = [
            StateKey::supply(pair),
            StateKey::global(StateKind::Reserve0, pair),
            StateKey::global(StateKind::Reserve1, pair),
            StateKey::global(StateKind::PairToken0, pair),
            StateKey::global(StateKind::PairToken1, pair),
        ];
        let v = self.values(&keys);
        let get = |k: &StateKey| v.get(k).copied().unwrap_or_default();
        let (t0, t1) = (get(&keys[3]), get(&keys[4]));
        if t0.is_zero() || t1.is_zero() {
            return None;
        }
        let token0 = self.token(Address::from_word(t0.into()));
        let token1 = self.token(Address::from_word(t1.into()));
        let mut pool = PoolInput {
            pair,
            token0,
            token1,
            reserve0: get(&keys[1]),
            reserve1: get(&keys[2]),
            total_supply: get(&keys[0]),
            gauge_weight: U256::ZERO,
            total_weight: U256::ZERO,
            emission_rate: U256::ZERO,
            reward_token: None,
        };
        for (entry, ctrl) in self.all_of(ContractKind::Gauge) {
            let weight = self.value(StateKey::account(StateKind::GaugeWeight, ctrl, pair));
            if weight.is_zero() {
                continue;
            }
            pool.gauge_weight = weight;
            pool.total_weight = self.value(StateKey::global(StateKind::GaugeTotalWeight, ctrl));
            pool.emission_rate = self.value(StateKey::global(StateKind::EmissionRate, ctrl));
            pool.reward_token = Some(self.asset(&entry));
            break;
        }
        Some(pool)
    }
}

/// Addresses of an entry: fixed, or discovered by its factory.
pub async fn addresses(
    store: &Store,
    chain_id: ChainId,
    entry: &CatalogEntry,
) -> Result<Vec<Address>, StoreError> {
    if entry.discovered {
        store.discovered(chain_id, &entry.name).await
    } else {
        Ok(entry.addresses.clone())
    }
}
