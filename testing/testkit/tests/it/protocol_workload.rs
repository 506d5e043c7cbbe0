//! The seeded protocol workload: valid transactions only, every contract exercised, views
//! consistent afterwards, and the same outcome for the same seed.

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};
use tributary_testkit::{
    Action, Protocol, ProtocolWorkload, TestChain,
    contracts::{
        DemoNFT, DemoPair, GaugeController, PriceFeed, TestToken, USDPVault, VotingEscrow,
    },
};

use crate::{TestResult, protocol::health_factor_from_views};

/// How many logs `address` emitted with `topic0` in `from..=to`.
async fn count(
    chain: &TestChain,
    address: Address,
    topic0: B256,
    from: u64,
    to: u64,
) -> Result<Vec<alloy::rpc::types::Log>, Box<dyn std::error::Error + Send + Sync>> {
    let filter = Filter::new()
        .address(address)
        .event_signature(topic0)
        .from_block(from)
        .to_block(to);
    Ok(chain.provider().get_logs(&filter).await?)
}

#[tokio::test]
async fn small_workload_leaves_a_consistent_chain() -> TestResult {
    let chain = TestChain::spawn().await?;
    let p = Protocol::deploy(&chain).await?;
    let spec = ProtocolWorkload {
        seed: 1,
        users: 20,
        steps: 6,
    };
    let run = p.run_workload(&chain, spec).await?;
    let (first, last) = (run.first_block, run.last_block);

    assert_eq!(run.users.len(), 20);
    assert!(run.reverted.is_empty(), "reverted: {:?}", run.reverted);
    assert!(
        run.transactions > 20 * 20,
        "{} transactions",
        run.transactions
    );
    assert!(last - first < 30, "transactions are packed into few blocks");
    assert!(chain.automine().await?, "automine is restored");
    assert!(
        !run.at_risk.is_empty(),
        "the price drop puts some users under HF 1.2"
    );

    for user in &run.users {
        let view = p.health_factor(&chain, *user, Some(last)).await?;
        assert_eq!(
            view,
            health_factor_from_views(&chain, &p, *user, Some(last)).await?
        );
    }
    for user in &run.at_risk {
        assert!(p.debt_of(&chain, *user, Some(last)).await? > U256::ZERO);
    }

    for pair in &p.pairs {
        let (token0, token1) = p.pair_tokens_of(&chain, *pair).await?;
        let r = p.reserves(&chain, *pair, Some(last)).await?;
        assert_eq!(
            r.reserve0,
            chain.balance_of(token0, *pair, Some(last)).await?
        );
        assert_eq!(
            r.reserve1,
            chain.balance_of(token1, *pair, Some(last)).await?
        );
    }

    let mut total = U256::ZERO;
    for gauge in &p.pairs {
        let mut votes = U256::ZERO;
        for user in &run.users {
            votes += p.user_vote(&chain, *user, *gauge, Some(last)).await?;
        }
        let weight = p.gauge_weight(&chain, *gauge, Some(last)).await?;
        assert_eq!(weight, votes);
        total += weight;
    }
    assert_eq!(p.total_weight(&chain, Some(last)).await?, total);
    assert_eq!(
        p.total_assets(&chain, Some(last)).await?,
        chain.balance_of(p.usdp, p.vault4626, Some(last)).await?
    );

    // Every contract saw activity, including the scenario's special events.
    let ve_transfers = count(
        &chain,
        p.escrow,
        VotingEscrow::Transfer::SIGNATURE_HASH,
        first,
        last,
    )
    .await?;
    let between_users = |logs: &[alloy::rpc::types::Log]| {
        logs.iter()
            .filter_map(|l| l.log_decode::<VotingEscrow::Transfer>().ok())
            .filter(|e| e.inner.from != Address::ZERO && e.inner.to != Address::ZERO)
            .count()
    };
    assert!(
        between_users(&ve_transfers) > 0,
        "veNFTs move between users"
    );
    let burnt = ve_transfers
        .iter()
        .filter_map(|l| l.log_decode::<VotingEscrow::Transfer>().ok())
        .filter(|e| e.inner.to == Address::ZERO)
        .count();
    let withdrawn = count(
        &chain,
        p.escrow,
        VotingEscrow::Withdraw::SIGNATURE_HASH,
        first,
        last,
    )
    .await?;
    assert!(!withdrawn.is_empty(), "expired locks are withdrawn");
    assert_eq!(burnt, withdrawn.len());
    let nft_transfers = count(
        &chain,
        p.nft,
        DemoNFT::Transfer::SIGNATURE_HASH,
        first,
        last,
    )
    .await?;
    assert!(between_users(&nft_transfers) > 0, "NFTs move between users");

    let to_vault4626 = count(
        &chain,
        p.usdp,
        TestToken::Transfer::SIGNATURE_HASH,
        first,
        last,
    )
    .await?
    .iter()
    .filter_map(|l| l.log_decode::<TestToken::Transfer>().ok())
    .filter(|e| e.inner.to == p.vault4626)
    .count();
    let deposits = count(
        &chain,
        p.vault4626,
        tributary_testkit::contracts::DemoVault4626::Deposit::SIGNATURE_HASH,
        first,
        last,
    )
    .await?;
    assert!(
        to_vault4626 > deposits.len(),
        "some USDP is donated to the 4626 vault"
    );

    let drop = count(
        &chain,
        p.weth_feed,
        PriceFeed::AnswerUpdated::SIGNATURE_HASH,
        first,
        last,
    )
    .await?;
    assert!(drop.len() >= 6, "prices move every step");
    for (address, topic, what) in [
        (p.pairs[0], DemoPair::Swap::SIGNATURE_HASH, "swaps"),
        (p.pairs[1], DemoPair::Mint::SIGNATURE_HASH, "liquidity adds"),
        (p.vault, USDPVault::Borrow::SIGNATURE_HASH, "borrows"),
        (
            p.vault,
            USDPVault::Deposit::SIGNATURE_HASH,
            "vault deposits",
        ),
        (
            p.gauges,
            GaugeController::VoteForGauge::SIGNATURE_HASH,
            "votes",
        ),
        (p.escrow, VotingEscrow::LockCreated::SIGNATURE_HASH, "locks"),
    ] {
        assert!(
            !count(&chain, address, topic, first, last).await?.is_empty(),
            "no {what}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn workload_is_deterministic_per_seed() -> TestResult {
    let mut outcomes = Vec::new();
    for _ in 0..2 {
        let chain = TestChain::spawn().await?;
        let p = Protocol::deploy(&chain).await?;
        let spec = ProtocolWorkload {
            seed: 7,
            users: 10,
            steps: 4,
        };
        let run = p.run_workload(&chain, spec).await?;
        let mut state = vec![U256::from(run.transactions), U256::from(run.skipped)];
        for pair in &p.pairs {
            let r = p.reserves(&chain, *pair, None).await?;
            state.extend([
                r.reserve0,
                r.reserve1,
                chain.total_supply(*pair, None).await?,
            ]);
        }
        for user in &run.users {
            state.push(p.debt_of(&chain, *user, None).await?);
            state.push(p.ve_balance_of(&chain, *user, None).await?);
            state.push(chain.balance_of(p.usdp, *user, None).await?);
            state.push(chain.balance_of(p.vault4626, *user, None).await?);
        }
        outcomes.push((run.users, run.last_block - run.first_block, state));
    }
    assert_eq!(outcomes[0], outcomes[1]);
    Ok(())
}

#[tokio::test]
async fn act_batch_packs_one_block_and_reports_reverts() -> TestResult {
    let chain = TestChain::spawn().await?;
    let p = Protocol::deploy(&chain).await?;
    let users = [
        Address::repeat_byte(1),
        Address::repeat_byte(2),
        Address::repeat_byte(3),
    ];
    let mut actions = Vec::new();
    for user in users {
        Protocol::fund_eth(&chain, user, U256::from(10).pow(U256::from(20))).await?;
        actions.push((user, Action::MintNft));
        actions.push((
            user,
            Action::Vote {
                gauge: p.pairs[0],
                weight: U256::from(5),
            },
        ));
    }
    // Token 99 does not exist: this one reverts, and is reported instead of failing the batch.
    actions.push((
        users[0],
        Action::WithdrawLock {
            token_id: U256::from(99),
        },
    ));
    let outcome = p.act_batch(&chain, &actions).await?;
    assert_eq!(outcome.blocks.len(), 1);
    assert_eq!(outcome.sent, 7);
    assert_eq!(outcome.reverted.len(), 1);
    assert!(chain.automine().await?);
    assert_eq!(
        p.gauge_weight(&chain, p.pairs[0], None).await?,
        U256::from(15)
    );
    for (i, user) in users.iter().enumerate() {
        assert_eq!(
            p.nft_owner_of(&chain, U256::from(i + 1), None).await?,
            *user
        );
    }
    Ok(())
}
