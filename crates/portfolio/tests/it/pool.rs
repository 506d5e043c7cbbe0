//! Pool state and APR.

use tributary_portfolio::{PoolInput, pool, pool_apr};

use crate::common::{TS, addr, e, token, u, usdc, weth};

fn input() -> PoolInput {
    PoolInput {
        pair: addr(0x11),
        token0: weth(),
        token1: usdc(),
        reserve0: e(100, 18),
        reserve1: e(300_000, 6),
        total_supply: e(1000, 18),
        gauge_weight: u(25),
        total_weight: u(100),
        emission_rate: e(1, 18),
        reward_token: Some(token(0x55, 18, Some((50_000_000, 8)))),
    }
}

#[test]
fn apr_is_yearly_emissions_over_tvl() {
    // 1 token/s × 31536000 s × 25 % = 7884000 tokens at $0.5 = $3942000 over $600000.
    assert_eq!(pool_apr(&input()), Some(6.57));
    let state = pool(&input(), TS);
    assert_eq!(state.tvl_usd.to_string(), "600000");
    assert_eq!(state.apr, Some(6.57));
    assert_eq!(
        (state.reserve0, state.total_supply),
        (e(100, 18), e(1000, 18))
    );
}

#[test]
fn apr_is_none_when_undefined() {
    let unpriced = PoolInput {
        reward_token: Some(token(0x55, 18, None)),
        ..input()
    };
    assert_eq!(pool_apr(&unpriced), None);
    assert_eq!(
        pool_apr(&PoolInput {
            reward_token: None,
            ..input()
        }),
        None
    );
    assert_eq!(
        pool_apr(&PoolInput {
            total_weight: u(0),
            ..input()
        }),
        None
    );
    let empty = PoolInput {
        reserve0: u(0),
        reserve1: u(0),
        ..input()
    };
    assert_eq!(pool_apr(&empty), None);
    assert_eq!(pool(&empty, TS).tvl_usd.to_string(), "0");
    assert_eq!(
        pool_apr(&PoolInput {
            gauge_weight: u(0),
            ..input()
        }),
        Some(0.0)
    );
}

#[test]
fn serializes_in_api_conventions() {
    let json = serde_json::to_value(pool(&input(), TS)).unwrap();
    assert_eq!(json["pair"], addr(0x11).to_checksum(None));
    assert_eq!(json["reserve1"], "300000000000");
    assert_eq!(json["tvl_usd"], "600000");
    assert_eq!(json["apr"], 6.57);
}
