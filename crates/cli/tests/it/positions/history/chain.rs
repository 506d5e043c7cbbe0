//! The expected side of the history test: portfolio inputs built from the
//! demo contracts' own views at a block, valued by the same pure functions.

use alloy::primitives::{Address, U256};
use tributary_api::positions::portfolio as pf;
use tributary_testkit::TestChain;
use tributary_testkit::protocol::Protocol;

/// Decimals and price of a demo token at `block` (USDP is the stablecoin).
pub(super) async fn token(
    chain: &TestChain,
    p: &Protocol,
    t: Address,
    block: u64,
) -> pf::TokenInfo {
    let (decimals, feed) = if t == p.weth {
        (18, Some(p.weth_feed))
    } else if t == p.wbtc {
        (8, Some(p.wbtc_feed))
    } else if t == p.gov {
        (18, Some(p.gov_feed))
    } else {
        (18, None)
    };
    let answer = match feed {
        Some(f) => p
            .price(chain, f, Some(block))
            .await
            .expect("price")
            .into_raw(),
        None if t == p.usdp => U256::from(100_000_000u64),
        None => U256::ZERO,
    };
    pf::TokenInfo {
        address: t,
        decimals,
        price: (!answer.is_zero()).then_some(pf::Price {
            answer,
            decimals: 8,
        }),
    }
}

/// A pair's pool input from its views at `block`.
pub(super) async fn pool_input(
    chain: &TestChain,
    p: &Protocol,
    pair: Address,
    block: u64,
) -> pf::PoolInput {
    let at = Some(block);
    let (t0, t1) = p.pair_tokens_of(chain, pair).await.expect("tokens");
    let r = p.reserves(chain, pair, at).await.expect("reserves");
    let weight = p.gauge_weight(chain, pair, at).await.expect("weight");
    let gauge = !weight.is_zero();
    pf::PoolInput {
        pair,
        token0: token(chain, p, t0, block).await,
        token1: token(chain, p, t1, block).await,
        reserve0: r.reserve0,
        reserve1: r.reserve1,
        total_supply: chain.total_supply(pair, at).await.expect("supply"),
        gauge_weight: weight,
        total_weight: if gauge {
            p.total_weight(chain, at).await.expect("total")
        } else {
            U256::ZERO
        },
        emission_rate: if gauge {
            p.emission_rate(chain, at).await.expect("rate")
        } else {
            U256::ZERO
        },
        reward_token: if gauge {
            Some(token(chain, p, p.gov, block).await)
        } else {
            None
        },
    }
}

/// The account's positions from the contracts' views at `block`.
pub(super) async fn positions(
    chain: &TestChain,
    p: &Protocol,
    user: Address,
    block: u64,
    timestamp: u64,
) -> pf::AccountPositions {
    let at = Some(block);
    let mut out = pf::AccountPositions {
        timestamp,
        lp: Vec::new(),
        vaults: Vec::new(),
        locks: Vec::new(),
        savings: Vec::new(),
        stability: Vec::new(),
        erc4626: Vec::new(),
        rewards: Vec::new(),
    };
    for pair in &p.pairs {
        let lp = chain.balance_of(*pair, user, at).await.expect("lp");
        if lp.is_zero() {
            continue;
        }
        let pool = pool_input(chain, p, *pair, block).await;
        out.lp.push(pf::LpInput {
            pair: *pair,
            apr: pf::pool_apr(&pool),
            token0: pool.token0.clone(),
            token1: pool.token1.clone(),
            lp_balance: lp,
            total_supply: pool.total_supply,
            reserve0: pool.reserve0,
            reserve1: pool.reserve1,
            pending_rewards: U256::ZERO,
        });
    }
    let debt = p.debt_of(chain, user, at).await.expect("debt");
    let mut collaterals = Vec::new();
    let mut tokens = p.collaterals(chain, at).await.expect("collaterals");
    tokens.sort();
    for c in tokens {
        let amount = p
            .collateral_of(chain, user, c, at)
            .await
            .expect("collateral");
        if amount.is_zero() {
            continue;
        }
        let lt = p.liquidation_threshold(chain, c, at).await.expect("lt");
        collaterals.push(pf::CollateralInput {
            token: token(chain, p, c, block).await,
            amount,
            lt_bps: u32::try_from(lt).expect("lt"),
        });
    }
    if !collaterals.is_empty() || !debt.is_zero() {
        out.vaults.push(pf::VaultInput {
            vault: p.vault,
            debt,
            collaterals,
        });
    }
    let deposit = p.sp_deposit(chain, user, at).await.expect("deposit");
    if !deposit.is_zero() {
        out.stability.push(pf::StabilityInput {
            contract: p.stability_pool,
            deposit,
            token: token(chain, p, p.usdp, block).await,
        });
    }
    let shares = chain
        .balance_of(p.vault4626, user, at)
        .await
        .expect("shares");
    if !shares.is_zero() {
        out.erc4626.push(pf::ShareInput {
            vault: p.vault4626,
            shares,
            total_supply: chain.total_supply(p.vault4626, at).await.expect("supply"),
            total_assets: p.total_assets(chain, at).await.expect("assets"),
            decimals: 18,
            asset: token(chain, p, p.usdp, block).await,
        });
    }
    out
}
