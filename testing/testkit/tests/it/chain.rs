//! Token deployment, minting, transfers, mining controls and snapshots.

use alloy::primitives::{Address, U256};
use tributary_testkit::{TestChain, TestkitError, anvil_path, contracts::TestToken};

use crate::TestResult;

#[test]
fn anvil_binary_is_found() -> TestResult {
    let path = anvil_path()?;
    assert!(path.is_file(), "{} is not a file", path.display());
    Ok(())
}

#[test]
fn missing_anvil_error_tells_how_to_install_it() {
    let error = TestkitError::AnvilNotFound {
        bundled: "/nowhere/anvil".into(),
    };
    assert!(
        error.to_string().contains("run `npm ci` in the repo root"),
        "{error}"
    );
}

#[tokio::test]
async fn deploy_mint_and_batch_transfer_give_expected_balances() -> TestResult {
    let chain = TestChain::spawn().await?;
    assert_eq!(chain.chain_id(), 31337);
    assert_eq!(chain.dev_accounts().len(), 10);
    assert!(chain.rpc_url().starts_with("http://127.0.0.1:"));
    assert!(chain.ws_url().starts_with("ws://127.0.0.1:"));

    let token = chain.deploy_token("Test Token", "TT", 6).await?;
    let contract = TestToken::new(token, chain.provider());
    assert_eq!(contract.decimals().call().await?, 6);
    assert_eq!(contract.symbol().call().await?, "TT");
    assert_eq!(contract.name().call().await?, "Test Token");

    let dev = chain.dev_accounts();
    let minted = chain.mint(token, dev[0], U256::from(1_000)).await?;
    let recipients = [
        Address::repeat_byte(0xa1),
        Address::repeat_byte(0xa2),
        Address::repeat_byte(0xa1),
    ];
    let amounts = [U256::from(100), U256::from(250), U256::from(5)];
    let batch = chain
        .batch_transfer(token, None, &recipients, &amounts)
        .await?;
    assert!(batch.block_number > minted.block_number);

    assert_eq!(
        chain.balance_of(token, dev[0], None).await?,
        U256::from(645)
    );
    assert_eq!(
        chain.balance_of(token, recipients[0], None).await?,
        U256::from(105)
    );
    assert_eq!(
        chain.balance_of(token, recipients[1], None).await?,
        U256::from(250)
    );
    assert_eq!(chain.total_supply(token, None).await?, U256::from(1_000));
    // Historical reads see the state before the batch.
    assert_eq!(
        chain
            .balance_of(token, dev[0], Some(minted.block_number))
            .await?,
        U256::from(1_000)
    );
    assert_eq!(
        chain
            .balance_of(token, recipients[1], Some(minted.block_number))
            .await?,
        U256::ZERO
    );

    // A transfer from another dev account, and batch minting.
    chain.batch_mint(token, &[dev[3]], &[U256::from(7)]).await?;
    chain
        .transfer(token, Some(3), recipients[1], U256::from(7))
        .await?;
    assert_eq!(
        chain.balance_of(token, recipients[1], None).await?,
        U256::from(257)
    );
    assert_eq!(chain.total_supply(token, None).await?, U256::from(1_007));
    Ok(())
}

#[tokio::test]
async fn reverted_and_invalid_calls_are_errors() -> TestResult {
    let chain = TestChain::spawn().await?;
    let token = chain.deploy_token("T", "T", 18).await?;
    let overspend = chain
        .transfer(token, None, Address::repeat_byte(1), U256::from(1))
        .await;
    assert!(
        overspend.is_err(),
        "transferring without a balance must fail"
    );
    let mismatch = chain
        .batch_mint(token, &[Address::repeat_byte(1)], &[])
        .await;
    assert!(matches!(
        mismatch,
        Err(TestkitError::LengthMismatch {
            left: 1,
            right: 0,
            ..
        })
    ));
    let no_account = chain
        .transfer(token, Some(10), Address::repeat_byte(1), U256::ZERO)
        .await;
    assert!(matches!(
        no_account,
        Err(TestkitError::NoSuchDevAccount {
            index: 10,
            available: 10
        })
    ));
    Ok(())
}

#[tokio::test]
async fn mining_controls_and_snapshots() -> TestResult {
    let chain = TestChain::spawn().await?;
    let start = chain.head().await?;
    chain.mine(5).await?;
    assert_eq!(chain.head().await?, start + 5);

    let token = chain.deploy_token("T", "T", 18).await?;
    let snapshot = chain.snapshot().await?;
    let before = chain.head().await?;
    chain
        .mint(token, Address::repeat_byte(7), U256::from(9))
        .await?;
    assert_eq!(chain.total_supply(token, None).await?, U256::from(9));
    chain.revert(snapshot).await?;
    assert_eq!(chain.head().await?, before);
    assert_eq!(chain.total_supply(token, None).await?, U256::ZERO);
    assert!(
        chain.revert(snapshot).await.is_err(),
        "a snapshot id is single-use"
    );

    chain.set_automine(false).await?;
    assert!(!chain.automine().await?);
    let request = chain.mint_tx(token, Address::repeat_byte(7), U256::from(3))?;
    let _pending = alloy::providers::Provider::send_transaction(chain.provider(), request).await?;
    assert_eq!(
        chain.head().await?,
        before,
        "nothing is mined with automine off"
    );
    chain.mine_one().await?;
    assert_eq!(chain.head().await?, before + 1);
    assert_eq!(chain.total_supply(token, None).await?, U256::from(3));
    chain.set_automine(true).await?;
    assert!(chain.automine().await?);
    Ok(())
}
