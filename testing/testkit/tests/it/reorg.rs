//! `anvil_reorg` replaces blocks (new hashes) and applies the replacement transactions.

use alloy::primitives::{Address, U256};
use tributary_testkit::{ReorgTx, TestChain};

use crate::TestResult;

#[tokio::test]
async fn reorg_changes_hashes_and_applies_replacement_txs() -> TestResult {
    let chain = TestChain::spawn().await?;
    let token = chain.deploy_token("T", "T", 18).await?;
    let dev = chain.dev_accounts();
    chain.mint(token, dev[0], U256::from(1_000)).await?;
    let kept = chain.head().await?;

    // Three blocks that the reorg will replace; the second holds a transfer to `dropped`.
    let dropped = Address::repeat_byte(0xd0);
    chain.mine(1).await?;
    let dropped_tx = chain.transfer(token, None, dropped, U256::from(10)).await?;
    chain.mine(1).await?;
    let head = chain.head().await?;
    assert_eq!(head, kept + 3);
    assert_eq!(dropped_tx.block_number, kept + 2);
    let mut old_hashes = Vec::new();
    for n in kept + 1..=head {
        old_hashes.push(chain.block_hash(n).await?);
    }
    let kept_hash = chain.block_hash(kept).await?;

    let added = Address::repeat_byte(0xad);
    let replacement = vec![
        ReorgTx {
            tx: chain.transfer_tx(token, None, added, U256::from(25))?,
            block_offset: 0,
        },
        ReorgTx {
            tx: chain.mint_tx(token, added, U256::from(5))?,
            block_offset: 2,
        },
    ];
    chain.reorg(3, replacement).await?;

    assert_eq!(chain.head().await?, head, "a reorg keeps the height");
    assert_eq!(
        chain.block_hash(kept).await?,
        kept_hash,
        "the common ancestor is untouched"
    );
    for (n, old) in (kept + 1..=head).zip(&old_hashes) {
        assert_ne!(
            chain.block_hash(n).await?,
            *old,
            "block {n} must have a new hash"
        );
    }
    assert_eq!(
        chain.balance_of(token, dropped, None).await?,
        U256::ZERO,
        "the replaced transfer is gone"
    );
    assert_eq!(chain.balance_of(token, added, None).await?, U256::from(30));
    assert_eq!(
        chain.balance_of(token, added, Some(kept + 1)).await?,
        U256::from(25)
    );
    assert_eq!(
        chain.balance_of(token, added, Some(kept + 2)).await?,
        U256::from(25)
    );
    assert_eq!(
        chain.balance_of(token, dev[0], None).await?,
        U256::from(975)
    );
    assert_eq!(chain.total_supply(token, None).await?, U256::from(1_005));
    Ok(())
}
