//! The portfolio's one-statement read: a vault that gains a collateral
//! after a portfolio was served shows it in the next answer (the answer's
//! read assumes the collateral lists it last saw, and must notice a new one).

use alloy_primitives::{Address, U256};
use tributary_api::positions::{Catalog, CatalogEntry};
use tributary_api::{ApiChain, ApiConfig};
use tributary_config::ContractKind;
use tributary_store::write::Batch;
use tributary_testkit::Backend;
use tributary_types::{StateKey, StateKind, StateWrite};

use crate::fixture::{App, ETH};

both!(a_new_collateral_is_seen_by_the_next_answer);

const VAULT: Address = Address::repeat_byte(0xa2);
const FIRST: Address = Address::repeat_byte(0xc1);
const SECOND: Address = Address::repeat_byte(0xc2);
const ME: Address = Address::repeat_byte(0x11);

fn config() -> ApiConfig {
    ApiConfig {
        chains: vec![ApiChain {
            name: "eth".into(),
            chain_id: ETH,
            confirmations: 12,
        }],
        positions: Catalog {
            entries: vec![CatalogEntry {
                chain_id: ETH,
                name: "Vault".into(),
                kind: ContractKind::CdpVault,
                addresses: vec![VAULT],
                discovered: false,
                asset: None,
                stable: false,
            }],
        },
        ..ApiConfig::default()
    }
}

/// A collateral `token` in the vault, `amount` of it deposited by [`ME`].
fn collateral(token: Address, amount: u64) -> Vec<StateWrite> {
    let w = |key, value: u64| StateWrite {
        key,
        value: U256::from(value),
    };
    vec![
        w(
            StateKey::account(StateKind::VaultCollateralToken, VAULT, token),
            1,
        ),
        w(
            StateKey::account(StateKind::VaultThreshold, VAULT, token),
            8_000,
        ),
        w(
            StateKey::paired(StateKind::VaultCollateral, VAULT, token, ME),
            amount,
        ),
    ]
}

fn block(number: u64, state: Vec<StateWrite>) -> Batch {
    let header = tributary_types::BlockHeader {
        number,
        hash: alloy_primitives::B256::from(U256::from(number)),
        parent_hash: alloy_primitives::B256::from(U256::from(number - 1)),
        timestamp: 1_700_000_000 + number,
    };
    Batch {
        chain_id: ETH,
        parent: (number > 1).then(|| number - 1),
        cursor: Some(header),
        headers: vec![header],
        state,
        ..Batch::default()
    }
}

/// (collateral, amount) of every vault position, and the answer's block.
async fn positions(app: &App) -> (Vec<(String, String)>, u64) {
    let body = app
        .ok(&format!("/v1/accounts/{ME}/portfolio?chain=eth"))
        .await;
    let list = body["vault_positions"]
        .as_array()
        .unwrap_or_else(|| panic!("no vault_positions in {body}"))
        .iter()
        .map(|v| {
            (
                v["collateral"].as_str().unwrap_or_default().to_lowercase(),
                v["collateral_amount"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    (list, body["block"]["number"].as_u64().unwrap_or_default())
}

async fn a_new_collateral_is_seen_by_the_next_answer(backend: Backend) {
    let app = App::empty(backend, config()).await;
    app.store
        .register_chain(ETH, "eth", 12)
        .await
        .expect("register");
    app.store
        .commit(&block(1, collateral(FIRST, 5)))
        .await
        .expect("commit 1");
    let first = format!("{FIRST}").to_lowercase();
    let second = format!("{SECOND}").to_lowercase();
    assert_eq!(
        positions(&app).await,
        (vec![(first.clone(), "5".into())], 1)
    );
    // The same answer again, served from what the first taught.
    assert_eq!(
        positions(&app).await,
        (vec![(first.clone(), "5".into())], 1)
    );

    app.store
        .commit(&block(2, collateral(SECOND, 7)))
        .await
        .expect("commit 2");
    let (mut got, at) = positions(&app).await;
    got.sort();
    assert_eq!(
        (got, at),
        (vec![(first, "5".into()), (second, "7".into())], 2),
        "{backend:?}"
    );
}
