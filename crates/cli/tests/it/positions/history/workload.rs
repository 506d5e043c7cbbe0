//! The workload of the history test: the demo protocol driven over several
//! hours of block time.

use alloy::primitives::{Address, I256, U256};
use alloy::providers::Provider;
use tributary_store::Store;
use tributary_testkit::protocol::Protocol;
use tributary_testkit::{Action, TestChain};

use super::super::setup;
use super::HOUR;

const E18: u64 = 1_000_000_000_000_000_000;

fn e18(n: u64) -> U256 {
    U256::from(n) * U256::from(E18)
}

async fn act(chain: &TestChain, p: &Protocol, from: Address, action: Action) {
    p.act(chain, from, &action)
        .await
        .unwrap_or_else(|e| panic!("{action:?}: {e}"));
}

/// A second store indexed after every phase of the drive: many batches
/// ending mid-hour, where the main store gets one backfill batch.
pub(super) type Incremental<'a> = (&'a tributary_config::Config, &'a Store);

/// Hours of activity: LP, vault, price moves, swaps, votes, a stability
/// deposit and vault shares, with one hour without any block.
pub(super) async fn drive(
    chain: &TestChain,
    p: &Protocol,
    user: Address,
    trader: Address,
    incremental: Incremental<'_>,
) {
    let phase = move || async move {
        setup::index_to_head(chain, incremental.0, incremental.1).await;
    };
    for a in [user, trader] {
        Protocol::fund_eth(chain, a, e18(100)).await.expect("eth");
    }
    let head_time = chain
        .provider()
        .get_block_by_number(Default::default())
        .await
        .expect("block")
        .expect("latest")
        .header
        .timestamp;
    // Start a little into a fresh hour.
    let start = head_time - head_time % HOUR + 2 * HOUR + 60;
    Protocol::increase_time(chain, start - head_time)
        .await
        .expect("time");
    for (token, amount) in [(p.weth, e18(20)), (p.gov, e18(10_000))] {
        act(
            chain,
            p,
            user,
            Action::Mint {
                token,
                to: user,
                amount,
            },
        )
        .await;
        act(
            chain,
            p,
            trader,
            Action::Mint {
                token,
                to: trader,
                amount,
            },
        )
        .await;
    }
    for spender in [p.vault, p.router, p.stability_pool, p.vault4626] {
        for token in [p.weth, p.usdp, p.gov] {
            for who in [user, trader] {
                act(
                    chain,
                    p,
                    who,
                    Action::Approve {
                        token,
                        spender,
                        amount: U256::MAX,
                    },
                )
                .await;
            }
        }
    }
    act(
        chain,
        p,
        user,
        Action::VaultDeposit {
            collateral: p.weth,
            amount: e18(10),
        },
    )
    .await;
    act(chain, p, user, Action::Borrow { amount: e18(9_000) }).await;
    act(
        chain,
        p,
        trader,
        Action::VaultDeposit {
            collateral: p.weth,
            amount: e18(10),
        },
    )
    .await;
    act(chain, p, trader, Action::Borrow { amount: e18(5_000) }).await;
    let weth_usdp = (0..p.pairs.len())
        .find(|i| {
            let (a, b) = p.pair_tokens(*i);
            a == p.weth || b == p.weth
        })
        .expect("a WETH pair");
    let (token_a, token_b) = p.pair_tokens(weth_usdp);
    let amount = |t: Address| if t == p.weth { e18(1) } else { e18(3_000) };
    act(
        chain,
        p,
        user,
        Action::AddLiquidity {
            token_a,
            token_b,
            amount_a: amount(token_a),
            amount_b: amount(token_b),
        },
    )
    .await;

    // Hour +1: prices move, the trader swaps and votes.
    phase().await;
    Protocol::increase_time(chain, HOUR).await.expect("time");
    act(
        chain,
        p,
        p.owner,
        Action::SetPrice {
            feed: p.weth_feed,
            answer: I256::try_from(280_000_000_000_i64).expect("price"),
        },
    )
    .await;
    act(
        chain,
        p,
        trader,
        Action::Swap {
            token_in: p.weth,
            token_out: p.usdp,
            amount_in: e18(1),
            min_out: U256::ZERO,
        },
    )
    .await;
    act(
        chain,
        p,
        trader,
        Action::Vote {
            gauge: p.pairs[0],
            weight: U256::from(70),
        },
    )
    .await;
    act(
        chain,
        p,
        trader,
        Action::Vote {
            gauge: p.pairs[1],
            weight: U256::from(30),
        },
    )
    .await;

    // Hour +2 has no block; hour +3: deposits and another move.
    phase().await;
    Protocol::increase_time(chain, 2 * HOUR)
        .await
        .expect("time");
    act(chain, p, user, Action::SpProvide { amount: e18(500) }).await;
    act(chain, p, user, Action::Deposit4626 { assets: e18(700) }).await;
    act(chain, p, trader, Action::Deposit4626 { assets: e18(300) }).await;
    act(
        chain,
        p,
        p.owner,
        Action::SetPrice {
            feed: p.gov_feed,
            answer: I256::try_from(300_000_000_i64).expect("price"),
        },
    )
    .await;
    act(
        chain,
        p,
        trader,
        Action::Swap {
            token_in: p.usdp,
            token_out: p.weth,
            amount_in: e18(400),
            min_out: U256::ZERO,
        },
    )
    .await;

    // Hour +4: a crash and a repayment, and a vote change.
    phase().await;
    Protocol::increase_time(chain, HOUR).await.expect("time");
    act(
        chain,
        p,
        p.owner,
        Action::SetPrice {
            feed: p.weth_feed,
            answer: I256::try_from(150_000_000_000_i64).expect("price"),
        },
    )
    .await;
    act(chain, p, user, Action::Repay { amount: e18(1_000) }).await;
    act(
        chain,
        p,
        trader,
        Action::Vote {
            gauge: p.pairs[1],
            weight: U256::from(90),
        },
    )
    .await;
    // Blocks enough for all of the above to be final: one backfill batch.
    phase().await;
    Protocol::increase_time(chain, HOUR).await.expect("time");
    chain.mine(20).await.expect("mine");
}
