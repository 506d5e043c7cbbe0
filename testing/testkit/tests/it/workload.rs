//! The workload generator emits what it says and the chain agrees with its balance model.

use alloy::{primitives::U256, providers::Provider, rpc::types::Filter, sol_types::SolEvent};
use tributary_testkit::{TestChain, WorkloadSpec, contracts::TestToken};

use crate::TestResult;

#[tokio::test]
async fn workload_balances_sum_to_total_supply() -> TestResult {
    let chain = TestChain::spawn().await?;
    let token = chain.deploy_token("Load", "LD", 18).await?;
    // Balances that exist before the workload must be taken into account.
    chain
        .mint(token, chain.dev_accounts()[0], U256::from(123))
        .await?;

    let spec = WorkloadSpec {
        recipients_per_tx: 200,
        txs_per_block: 20,
        ..WorkloadSpec::new(20_000, 400, 42)
    };
    let summary = chain.transfer_workload(token, &spec).await?;
    assert!(summary.events >= 20_000, "{} events", summary.events);
    assert!(summary.transactions >= 100);
    assert!(
        summary.holder_transactions > 0,
        "some batches come from random holders"
    );
    assert!(
        summary.mint_transactions > 1,
        "some batches mint (besides the funding)"
    );
    assert!(summary.last_block > summary.first_block);
    assert!(
        summary.last_block - summary.first_block < summary.transactions / 10,
        "transactions are packed many per block"
    );
    assert_eq!(
        summary.accounts.len(),
        410,
        "400 random accounts and 10 dev accounts"
    );

    // Every touched balance matches the model, and they add up to totalSupply.
    let mut sum = U256::ZERO;
    for account in &summary.accounts {
        let balance = chain.balance_of(token, *account, None).await?;
        assert_eq!(
            Some(&balance),
            summary.balances.get(account),
            "balance of {account}"
        );
        sum += balance;
    }
    let supply = chain.total_supply(token, None).await?;
    assert_eq!(sum, supply);
    assert_eq!(supply, summary.total_supply);

    // The chain holds exactly that many Transfer events in the workload's blocks.
    let filter = Filter::new()
        .address(token)
        .event_signature(TestToken::Transfer::SIGNATURE_HASH)
        .from_block(summary.first_block)
        .to_block(summary.last_block);
    let logs = chain.provider().get_logs(&filter).await?;
    assert_eq!(logs.len() as u64, summary.events);

    // Automine is back on: a plain transfer is mined by itself.
    assert!(chain.automine().await?);
    chain
        .mint(token, summary.accounts[0], U256::from(1))
        .await?;
    Ok(())
}

#[tokio::test]
async fn same_seed_same_events() -> TestResult {
    let spec = WorkloadSpec {
        recipients_per_tx: 50,
        txs_per_block: 5,
        ..WorkloadSpec::new(1_000, 30, 9)
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let chain = TestChain::spawn().await?;
        let token = chain.deploy_token("Load", "LD", 18).await?;
        let summary = chain.transfer_workload(token, &spec).await?;
        runs.push((summary.balances, summary.total_supply, summary.events));
    }
    assert_eq!(runs[0], runs[1]);
    Ok(())
}

#[tokio::test]
async fn invalid_spec_is_refused() -> TestResult {
    let chain = TestChain::spawn().await?;
    let token = chain.deploy_token("Load", "LD", 18).await?;
    let spec = WorkloadSpec {
        mint_tx_percent: 60,
        holder_tx_percent: 50,
        ..WorkloadSpec::new(10, 3, 1)
    };
    let error = chain
        .transfer_workload(token, &spec)
        .await
        .err()
        .ok_or("spec should be refused")?;
    assert!(error.to_string().contains("must not exceed 100"), "{error}");
    Ok(())
}
