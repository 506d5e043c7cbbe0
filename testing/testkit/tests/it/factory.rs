//! The factory creates its child with CREATE2 and the child's first Transfer shares the block.

use alloy::{
    primitives::{Address, U256, keccak256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};
use tributary_testkit::{
    TestChain,
    contracts::{TestFactory, TestPair, TestToken},
};

use crate::TestResult;

#[tokio::test]
async fn create_pair_and_mint_puts_pair_created_and_first_transfer_in_one_block() -> TestResult {
    let chain = TestChain::spawn().await?;
    let factory = chain.deploy_factory().await?;
    let token_a = chain.deploy_token("A", "A", 18).await?;
    let token_b = chain.deploy_token("B", "B", 18).await?;
    let holder = Address::repeat_byte(0x42);

    let (pair, block) = chain
        .create_pair_and_mint(factory, token_a, token_b, holder, U256::from(77))
        .await?;

    // CREATE2 with salt keccak(token0 ++ token1) and TestPair's init code.
    let (token0, token1) = if token_a < token_b {
        (token_a, token_b)
    } else {
        (token_b, token_a)
    };
    let salt = keccak256([token0.as_slice(), token1.as_slice()].concat());
    assert_eq!(pair, factory.create2(salt, keccak256(&TestPair::BYTECODE)));

    let logs = chain
        .provider()
        .get_logs(&Filter::new().from_block(block).to_block(block))
        .await?;
    let created: Vec<_> = logs
        .iter()
        .filter(|l| l.address() == factory)
        .map(|l| l.log_decode::<TestFactory::PairCreated>())
        .collect::<Result<_, _>>()?;
    assert_eq!(created.len(), 1);
    let event = &created[0].inner.data;
    assert_eq!(
        (event.token0, event.token1, event.pair),
        (token0, token1, pair)
    );
    assert_eq!(
        event._3,
        U256::from(1),
        "the fourth field is the pair count"
    );
    let raw = logs
        .iter()
        .find(|l| l.address() == factory)
        .ok_or("no factory log")?;
    assert_eq!(
        raw.topics()[0],
        keccak256("PairCreated(address,address,address,uint256)")
    );

    let transfers: Vec<_> = logs
        .iter()
        .filter(|l| l.address() == pair)
        .map(|l| l.log_decode::<TestToken::Transfer>())
        .collect::<Result<_, _>>()?;
    assert_eq!(transfers.len(), 1);
    let transfer = &transfers[0].inner.data;
    assert_eq!(
        (transfer.from, transfer.to, transfer.value),
        (Address::ZERO, holder, U256::from(77))
    );
    assert_eq!(transfers[0].block_number, Some(block));
    assert_eq!(created[0].block_number, Some(block));
    // The pair emits the standard ERC-20 Transfer.
    assert_eq!(
        TestToken::Transfer::SIGNATURE_HASH,
        keccak256("Transfer(address,address,uint256)")
    );
    assert_eq!(chain.balance_of(pair, holder, None).await?, U256::from(77));

    // The same tokens cannot be paired twice.
    let again = chain
        .create_pair_and_mint(factory, token_b, token_a, holder, U256::from(1))
        .await;
    assert!(again.is_err());
    Ok(())
}
