//! The canonical Uniswap V2 core (npm bytecode) deploys, mints, swaps and burns.

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::Filter,
};
use tributary_testkit::{
    TestChain,
    uniswap::{IUniswapV2Pair, UniswapV2, amount_out},
};

use crate::TestResult;

#[tokio::test]
async fn canonical_uniswap_v2_mints_swaps_and_burns() -> TestResult {
    let chain = TestChain::spawn().await?;
    let uni = UniswapV2::deploy(&chain).await?;
    let token_a = chain.deploy_token("A", "A", 18).await?;
    let token_b = chain.deploy_token("B", "B", 6).await?;
    let pair = uni.create_pair(&chain, token_a, token_b).await?;
    let (token0, token1) = uni.tokens(&chain, pair).await?;
    assert_eq!(
        (token0, token1),
        if token_a < token_b {
            (token_a, token_b)
        } else {
            (token_b, token_a)
        }
    );

    let lp_holder = Address::repeat_byte(0x11);
    let (amount0, amount1) = (U256::from(4_000_000u64), U256::from(1_000_000u64));
    let liquidity = uni
        .add_liquidity(&chain, pair, amount0, amount1, lp_holder)
        .await?;
    // sqrt(4e6 * 1e6) - MINIMUM_LIQUIDITY, which the canonical pair locks at the zero address.
    assert_eq!(liquidity, U256::from(2_000_000u64 - 1000));
    assert_eq!(
        chain.balance_of(pair, Address::ZERO, None).await?,
        U256::from(1000)
    );
    assert_eq!(
        chain.total_supply(pair, None).await?,
        U256::from(2_000_000u64)
    );

    let trader = Address::repeat_byte(0x22);
    let amount_in = U256::from(10_000u64);
    let out = uni.swap(&chain, pair, token0, amount_in, trader).await?;
    assert_eq!(out, amount_out(amount_in, amount0, amount1));
    assert!(out > U256::ZERO);
    assert_eq!(chain.balance_of(token1, trader, None).await?, out);
    let reserves = uni.reserves(&chain, pair, None).await?;
    assert_eq!(
        (reserves.reserve0, reserves.reserve1),
        (amount0 + amount_in, amount1 - out)
    );
    assert_eq!(
        reserves.reserve0,
        chain.balance_of(token0, pair, None).await?
    );

    let block = chain.head().await?;
    let logs = chain
        .provider()
        .get_logs(
            &Filter::new()
                .address(pair)
                .from_block(block)
                .to_block(block),
        )
        .await?;
    let swap = logs
        .iter()
        .find_map(|l| l.log_decode::<IUniswapV2Pair::Swap>().ok())
        .ok_or("no Swap event")?;
    assert_eq!(
        (swap.inner.amount0In, swap.inner.amount1Out, swap.inner.to),
        (amount_in, out, trader)
    );

    // Burn half of the holder's LP (moved to dev account 0, which the helper burns from).
    let owner = chain.dev_account(None)?;
    let half = liquidity / U256::from(2);
    let lp = Address::repeat_byte(0x33);
    let minted = uni
        .add_liquidity(
            &chain,
            pair,
            U256::from(400_000u64),
            U256::from(100_000u64),
            owner,
        )
        .await?;
    assert!(minted > U256::ZERO);
    let (got0, got1) = uni.burn(&chain, pair, minted.min(half), lp).await?;
    assert!(got0 > U256::ZERO && got1 > U256::ZERO);
    assert_eq!(chain.balance_of(token0, lp, None).await?, got0);
    let reserves = uni.reserves(&chain, pair, None).await?;
    assert_eq!(
        reserves.reserve1,
        chain.balance_of(token1, pair, None).await?
    );
    Ok(())
}
