//! Comparing what tributary indexed with what the chain itself says: the
//! oracle of every end-to-end test.

use std::collections::HashMap;

use alloy::primitives::{Address, B256, U256};
use alloy::providers::Provider;
use alloy::rpc::types::Filter;
use tributary_store::Store;
use tributary_store::read::{EventPosition, EventQuery, HolderPosition};

use crate::TestChain;

/// Every holder of `token` in the store, paged through the keyset cursor.
pub async fn indexed_holders(store: &Store, chain_id: u64, token: Address) -> Vec<(Address, U256)> {
    let mut snap = store.snapshot().await.expect("snapshot");
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = snap
            .holders(chain_id, token, after, 1000)
            .await
            .expect("holders");
        let Some(last) = page.last() else { break };
        after = Some(HolderPosition {
            balance: last.balance,
            account: last.account,
        });
        out.extend(page.iter().map(|h| (h.account, h.balance)));
    }
    snap.finish().await.expect("finish");
    out
}

/// Asserts the store reflects `block`, every account's indexed balance equals
/// `balanceOf` there, nobody else holds the token, and holders sum to
/// `totalSupply`.
pub async fn assert_token_matches_chain(
    chain: &TestChain,
    store: &Store,
    token: Address,
    accounts: &[Address],
    block: u64,
) {
    let chain_id = chain.chain_id();
    let mut snap = store.snapshot().await.expect("snapshot");
    let indexed = snap
        .indexed_block(chain_id)
        .await
        .expect("indexed")
        .expect("something indexed");
    let supply = snap.total_supply(chain_id, token).await.expect("supply");
    snap.finish().await.expect("finish");
    assert_eq!(indexed.number, block, "the store reflects another block");
    let holders = indexed_holders(store, chain_id, token).await;
    let balances: HashMap<Address, U256> = holders.iter().copied().collect();
    assert_eq!(
        balances.len(),
        holders.len(),
        "a holder listed twice: {holders:?}"
    );
    let mut chain_nonzero = 0;
    for a in accounts {
        let want = chain
            .balance_of(token, *a, Some(block))
            .await
            .expect("balanceOf");
        assert_eq!(
            balances.get(a).copied().unwrap_or_default(),
            want,
            "balance of {a} at block {block}"
        );
        chain_nonzero += usize::from(!want.is_zero());
    }
    assert_eq!(
        holders.len(),
        chain_nonzero,
        "indexed holders beyond the accounts the chain knows of"
    );
    let chain_supply = chain
        .total_supply(token, Some(block))
        .await
        .expect("totalSupply");
    assert_eq!(supply, chain_supply, "total supply at block {block}");
    assert_eq!(
        holders.iter().map(|h| h.1).sum::<U256>(),
        chain_supply,
        "holders do not sum to total supply"
    );
}

/// Asserts the stored events of `token` are exactly the chain's logs up to
/// `block`: same positions and transactions, each once, in order. Returns
/// their count.
pub async fn assert_events_match_chain(
    chain: &TestChain,
    store: &Store,
    token: Address,
    block: u64,
) -> usize {
    let logs = chain
        .provider()
        .get_logs(&Filter::new().address(token).from_block(0).to_block(block))
        .await
        .expect("eth_getLogs");
    let want: Vec<(u64, u64, B256)> = logs
        .iter()
        .map(|l| {
            (
                l.block_number.unwrap_or_default(),
                l.log_index.unwrap_or_default(),
                l.transaction_hash.unwrap_or_default(),
            )
        })
        .collect();
    let mut got = Vec::new();
    let mut snap = store.snapshot().await.expect("snapshot");
    let mut after = None;
    loop {
        let q = EventQuery {
            chain_id: Some(chain.chain_id()),
            address: Some(token),
            after,
            limit: 1000,
            ..EventQuery::default()
        };
        let page = snap.events(&q).await.expect("events");
        let Some(last) = page.last() else { break };
        after = Some(EventPosition {
            block_number: last.block_number,
            log_index: last.log_index,
            chain_id: last.chain_id,
        });
        got.extend(
            page.iter()
                .map(|e| (e.block_number, e.log_index, e.tx_hash)),
        );
    }
    snap.finish().await.expect("finish");
    assert_eq!(
        got.len(),
        want.len(),
        "stored event count differs from the chain's log count"
    );
    assert_eq!(got, want, "stored events differ from the chain's logs");
    got.len()
}
