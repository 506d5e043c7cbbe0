//! `/holders` of an NFT collection ranks owners by how many tokens they own
//! (never by a balance kept under the same contract), pages through them,
//! and reports the collection's supply and block.

use alloy_primitives::{Address, U256};
use axum::http::StatusCode;
use tributary_store::read::TokenRow;
use tributary_store::write::Batch;
use tributary_testkit::Backend;
use tributary_types::{StateKey, StateKind, StateWrite};

use crate::fixture::{App, ETH, acct, config, header};

fn collection() -> Address {
    Address::repeat_byte(0xc7)
}

async fn nft_holders_rank_by_count_and_page(backend: Backend) {
    let app = App::empty(backend, config()).await;
    app.store
        .register_chain(ETH, "eth", 12)
        .await
        .expect("register");
    let count = |owner: u8, n: u64| StateWrite {
        key: StateKey::account(StateKind::NftCount, collection(), acct(owner)),
        value: U256::from(n),
    };
    let mut state = vec![count(1, 2), count(2, 5), count(3, 2), count(4, 1)];
    // A balance-kind row under the collection must not count as a holder.
    state.push(StateWrite {
        key: StateKey::balance(collection(), acct(9)),
        value: U256::from(1000),
    });
    state.push(StateWrite {
        key: StateKey::supply(collection()),
        value: U256::from(10),
    });
    let batch = Batch {
        chain_id: ETH,
        parent: None,
        cursor: Some(header(ETH, 3)),
        state,
        headers: vec![header(ETH, 3)],
        tokens: vec![TokenRow {
            chain_id: ETH,
            address: collection(),
            contract: "TokenA".into(),
            kind: "erc721".into(),
            symbol: None,
            decimals: None,
        }],
        ..Batch::default()
    };
    app.store.commit(&batch).await.expect("commit");

    let uri = format!("/v1/tokens/{}/holders?limit=3", collection());
    let (status, first) = app.get(&uri).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let owners = |page: &serde_json::Value| -> Vec<(String, u64)> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| {
                assert!(i.get("balance").is_none_or(|b| b.is_null()), "{i}");
                (
                    i["account"].as_str().expect("account").to_string(),
                    i["count"].as_u64().expect("count"),
                )
            })
            .collect()
    };
    let name = |b: u8| acct(b).to_checksum(None);
    assert_eq!(
        owners(&first),
        [(name(2), 5), (name(1), 2), (name(3), 2)],
        "{first}"
    );
    assert_eq!(first["total_supply"], "10");
    assert_eq!(first["block"]["number"], 3);
    let next = first["next"].as_str().expect("a next page");
    let (status, second) = app.get(&format!("{uri}&after={next}")).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(owners(&second), [(name(4), 1)]);
    assert!(second["next"].is_null(), "{second}");
}

both!(nft_holders_rank_by_count_and_page);
