//! The pure half of the protocol workload: a seeded planner that turns the state read before a
//! round into that round's transactions. Every user sends at most one transaction per random
//! round and only spends what it held before the round, so each planned transaction stays
//! valid whatever order the other users' transactions run in.

mod resolve;

use std::collections::BTreeMap;

use alloy::primitives::{Address, I256, U256};
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::protocol::{
    Action, GOV_PRICE, MAXTIME, Protocol, WBTC_LT_BPS, WBTC_PRICE, WETH_LT_BPS, WETH_PRICE,
};

/// 10^18.
pub(crate) const E18: u128 = 1_000_000_000_000_000_000;
/// One day in seconds.
pub(crate) const DAY: u64 = 86_400;

/// What a user holds and owes, read at the block before a round.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct UserState {
    pub weth: U256,
    pub wbtc: U256,
    pub gov: U256,
    pub usdp: U256,
    /// LP balances of `pairs[0]` and `pairs[1]`.
    pub lp: [U256; 2],
    /// Vault collateral: WETH, WBTC.
    pub collateral: [U256; 2],
    pub debt: U256,
    pub principal: U256,
    pub sp_deposit: U256,
    pub shares: U256,
}

/// A live veNFT, from the escrow's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lock {
    pub owner: Address,
    pub amount: U256,
    pub end: u64,
}

/// Everything a random round is planned from.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    /// The timestamp the round's block will have.
    pub exec_time: u64,
    /// Reserves of each pair as (other token, USDP).
    pub reserves: [(U256, U256); 2],
    /// One entry per user, in the planner's user order.
    pub users: Vec<UserState>,
    /// Live veNFTs by token id.
    pub locks: BTreeMap<U256, Lock>,
    /// DemoNFT owners by token id.
    pub nfts: BTreeMap<U256, Address>,
}

/// The seeded planner; it also keeps the feed prices it has set.
#[derive(Debug)]
pub(crate) struct Planner {
    rng: StdRng,
    users: Vec<Address>,
    /// Prices (8 decimals) of WETH, WBTC, GOV as last set.
    prices: [i64; 3],
    /// What each user was minted: WETH, WBTC, GOV, USDP.
    funding: Vec<[U256; 4]>,
}

impl Planner {
    /// `count` users derived from `seed`.
    pub(crate) fn new(seed: u64, count: usize) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let users = (0..count)
            .map(|_| Address::from(rng.random::<[u8; 20]>()))
            .collect();
        Self {
            rng,
            users,
            prices: [WETH_PRICE, WBTC_PRICE, GOV_PRICE],
            funding: Vec::new(),
        }
    }

    pub(crate) fn users(&self) -> &[Address] {
        &self.users
    }

    /// Owner transactions: mint every user WETH, WBTC, GOV and USDP, and give each a reward rate.
    pub(crate) fn setup(&mut self, p: &Protocol) -> Vec<(Address, Action)> {
        let mut txs = Vec::new();
        for i in 0..self.users.len() {
            let user = self.users[i];
            let amounts = [
                U256::from(self.rng.random_range(5..=50u64)) * U256::from(E18),
                U256::from(self.rng.random_range(10_000_000..=200_000_000u64)), // 0.1–2 WBTC
                U256::from(self.rng.random_range(1_000..=20_000u64)) * U256::from(E18),
                U256::from(self.rng.random_range(1_000..=20_000u64)) * U256::from(E18),
            ];
            for (token, amount) in [p.weth, p.wbtc, p.gov, p.usdp].into_iter().zip(amounts) {
                txs.push((
                    p.owner,
                    Action::Mint {
                        token,
                        to: user,
                        amount,
                    },
                ));
            }
            let rate = U256::from(
                self.rng
                    .random_range(1_000_000_000_000..=1_000_000_000_000_000u64),
            );
            txs.push((p.owner, Action::SetRewardRate { user, rate }));
            self.funding.push(amounts);
        }
        txs
    }

    /// Every user approves every spender, then opens a position in every contract, within its
    /// minted amounts. One user in five borrows up to a health factor of 1.25–1.45 against
    /// WETH only: the later price drop takes those below 1.2.
    pub(crate) fn onboarding(&mut self, p: &Protocol, exec_time: u64) -> Vec<(Address, Action)> {
        let mut txs = Vec::new();
        for i in 0..self.users.len() {
            let user = self.users[i];
            let approvals = [
                (p.weth, p.router),
                (p.weth, p.vault),
                (p.wbtc, p.vault),
                (p.gov, p.router),
                (p.gov, p.escrow),
                (p.usdp, p.router),
                (p.usdp, p.savings),
                (p.usdp, p.stability_pool),
                (p.usdp, p.vault4626),
                (p.pairs[0], p.router),
                (p.pairs[1], p.router),
            ];
            for (token, spender) in approvals {
                let amount = U256::MAX;
                txs.push((
                    user,
                    Action::Approve {
                        token,
                        spender,
                        amount,
                    },
                ));
            }
            let [weth, wbtc, gov, usdp] = self.funding[i];
            let risky = i % 5 == 0;
            let weth_deposit = self.part(weth, 30, 70);
            let wbtc_deposit = if risky {
                U256::ZERO
            } else {
                self.part(wbtc, 0, 60)
            };
            let mut collateral = [weth_deposit, U256::ZERO];
            txs.push((
                user,
                Action::VaultDeposit {
                    collateral: p.weth,
                    amount: weth_deposit,
                },
            ));
            if !wbtc_deposit.is_zero() {
                collateral[1] = wbtc_deposit;
                txs.push((
                    user,
                    Action::VaultDeposit {
                        collateral: p.wbtc,
                        amount: wbtc_deposit,
                    },
                ));
            }
            let hf_percent = if risky {
                self.rng.random_range(125..=145u64)
            } else {
                self.rng.random_range(160..=400u64)
            };
            let borrow =
                weighted(collateral, self.prices) * U256::from(100) / U256::from(hf_percent);
            txs.push((user, Action::Borrow { amount: borrow }));
            let mut usdp_left = usdp + borrow;

            // Liquidity at the seeded prices, with 2% more USDP than needed (the router takes
            // what the pool's ratio asks for).
            let weth_lp = self.part(weth - weth_deposit, 10, 40);
            let gov_lp = self.part(gov, 10, 30);
            for (token, amount, price) in
                [(p.weth, weth_lp, WETH_PRICE), (p.gov, gov_lp, GOV_PRICE)]
            {
                let usdp_max = amount * U256::from(price) / U256::from(100_000_000)
                    * U256::from(102)
                    / U256::from(100);
                if usdp_max <= usdp_left && !usdp_max.is_zero() {
                    usdp_left -= usdp_max;
                    let (token_a, token_b) = (token, p.usdp);
                    txs.push((
                        user,
                        Action::AddLiquidity {
                            token_a,
                            token_b,
                            amount_a: amount,
                            amount_b: usdp_max,
                        },
                    ));
                }
            }
            let lock_amount = self.part(gov - gov_lp, 20, 50);
            let lock_end = exec_time + self.lock_duration();
            txs.push((
                user,
                Action::CreateLock {
                    amount: lock_amount,
                    lock_end,
                },
            ));
            let savings = self.part(usdp_left, 10, 30);
            usdp_left -= savings;
            let sp = self.part(usdp_left, 10, 30);
            usdp_left -= sp;
            let assets = self.part(usdp_left, 10, 30);
            txs.push((user, Action::SavingsDeposit { amount: savings }));
            txs.push((user, Action::SpProvide { amount: sp }));
            txs.push((user, Action::Deposit4626 { assets }));
            let gauge = p.pairs[self.rng.random_range(0..p.pairs.len())];
            let weight = U256::from(self.rng.random_range(1..=10_000u64));
            txs.push((user, Action::Vote { gauge, weight }));
            txs.push((user, Action::MintNft));
        }
        txs
    }

    /// Owner transactions moving the prices: small random moves every step, and WETH cut to
    /// 80% of its starting price at `drop` (the liquidation-range event).
    pub(crate) fn price_moves(&mut self, p: &Protocol, drop: bool) -> Vec<(Address, Action)> {
        let feeds = [p.weth_feed, p.wbtc_feed, p.gov_feed];
        let spreads = [1, 3, 5]; // percent either way
        let mut txs = Vec::new();
        for k in 0..3 {
            let price = if k == 0 && drop {
                WETH_PRICE / 5 * 4
            } else {
                let percent = self.rng.random_range(100 - spreads[k]..=100 + spreads[k]);
                self.prices[k] / 100 * percent
            };
            self.prices[k] = price;
            let answer = I256::try_from(price).unwrap_or(I256::ONE);
            txs.push((
                p.owner,
                Action::SetPrice {
                    feed: feeds[k],
                    answer,
                },
            ));
        }
        txs
    }

    /// One action (or none) per user for a random round.
    pub(crate) fn step(&mut self, p: &Protocol, snap: &Snapshot) -> (Vec<(Address, Action)>, u64) {
        let mut txs = Vec::new();
        let mut skipped = 0;
        for i in 0..self.users.len() {
            // Expired locks are withdrawn more often than a uniform pick would.
            let mut planned = if self.rng.random_bool(0.3) {
                resolve::expired_lock(self, snap, i)
            } else {
                None
            };
            for _ in 0..3 {
                if planned.is_some() {
                    break;
                }
                let kind = self.rng.random_range(0..resolve::KINDS);
                planned = resolve::resolve(self, p, snap, i, kind);
            }
            match planned {
                Some(action) => txs.push((self.users[i], action)),
                None => skipped += 1,
            }
        }
        (txs, skipped)
    }

    /// A random share of `amount` between `low` and `high` percent.
    pub(crate) fn part(&mut self, amount: U256, low: u64, high: u64) -> U256 {
        amount * U256::from(self.rng.random_range(low..=high)) / U256::from(100)
    }

    /// A lock duration: a third are 7–30 days (they expire in the workload's time jump), the
    /// rest 60 days to four years.
    pub(crate) fn lock_duration(&mut self) -> u64 {
        if self.rng.random_bool(1.0 / 3.0) {
            self.rng.random_range(7 * DAY..=30 * DAY)
        } else {
            self.rng.random_range(60 * DAY..=MAXTIME - DAY)
        }
    }
}

/// The vault's threshold-weighted collateral value (the health factor's numerator) for WETH
/// and WBTC amounts at `prices`, term by term exactly like `USDPVault.healthFactor`.
pub(crate) fn weighted(collateral: [U256; 2], prices: [i64; 3]) -> U256 {
    let term = |amount: U256, price: i64, scale: u64, lt: u64| {
        amount * U256::from(price) * U256::from(scale) / U256::from(100_000_000u64) * U256::from(lt)
            / U256::from(10_000u64)
    };
    term(collateral[0], prices[0], 1, WETH_LT_BPS)
        + term(collateral[1], prices[1], 10_000_000_000, WBTC_LT_BPS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_matches_the_vault_formula_by_hand() {
        // 2 WETH at 3000 with LT 80% = 4800; 0.5 WBTC at 60000 with LT 75% = 22500.
        let collateral = [U256::from(2 * E18), U256::from(50_000_000u64)];
        let expected = U256::from(27_300u64) * U256::from(E18);
        assert_eq!(
            weighted(collateral, [WETH_PRICE, WBTC_PRICE, GOV_PRICE]),
            expected
        );
    }

    #[test]
    fn same_seed_same_users_and_plans() {
        let plan = |seed| {
            let mut planner = Planner::new(seed, 10);
            let p = demo_addresses();
            let setup = planner.setup(&p);
            let onboarding = planner.onboarding(&p, 1_000);
            (planner.users().to_vec(), setup, onboarding)
        };
        assert_eq!(plan(5), plan(5));
        assert_ne!(plan(5).0, plan(6).0);
    }

    #[test]
    fn risky_users_borrow_to_a_health_factor_of_1_25_to_1_45() {
        let p = demo_addresses();
        let mut planner = Planner::new(3, 10);
        planner.setup(&p);
        let onboarding = planner.onboarding(&p, 1_000);
        let user = planner.users()[0]; // user 0 is one of the risky fifth
        let of_user = |pick: fn(&Action) -> Option<U256>| {
            onboarding
                .iter()
                .filter(|(from, _)| *from == user)
                .find_map(|(_, a)| pick(a))
        };
        let deposit = of_user(|a| match a {
            Action::VaultDeposit { amount, .. } => Some(*amount),
            _ => None,
        });
        let borrow = of_user(|a| match a {
            Action::Borrow { amount } => Some(*amount),
            _ => None,
        });
        let (deposit, borrow) = (deposit.unwrap(), borrow.unwrap());
        let hf = weighted([deposit, U256::ZERO], planner.prices) * U256::from(100) / borrow;
        assert!((U256::from(125)..=U256::from(146)).contains(&hf), "{hf}");
    }

    fn demo_addresses() -> Protocol {
        let a = |n: u8| Address::repeat_byte(n);
        Protocol {
            owner: a(0xee),
            usdp: a(10),
            weth: a(11),
            wbtc: a(12),
            gov: a(13),
            weth_feed: a(14),
            wbtc_feed: a(15),
            gov_feed: a(16),
            factory: a(17),
            router: a(18),
            pairs: vec![a(1), a(2)],
            vault: a(19),
            escrow: a(20),
            savings: a(21),
            stability_pool: a(22),
            gauges: a(23),
            rewards: a(24),
            vault4626: a(25),
            nft: a(26),
            deployed_at: 1,
        }
    }
}
