//! `Store::read_state`: every arm finds exactly its keys, with the block and
//! the decimals, in one statement or (past the bind limit) in one snapshot.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, U256};
use tributary_store::Store;
use tributary_store::positions::KeySelector;
use tributary_store::read::TokenRow;
use tributary_store::state_read::StateArm;
use tributary_testkit::Backend;
use tributary_types::{StateKey, StateKind, StateWrite};

use super::{CHAIN, batch, header, open};

both!(
    every_arm_reads_exactly_its_keys,
    arms_past_the_bind_limit_read_one_snapshot
);

const ME: Address = Address::repeat_byte(0x11);
const OTHER: Address = Address::repeat_byte(0x22);
const PAIR: Address = Address::repeat_byte(0xa1);
const UNHELD_PAIR: Address = Address::repeat_byte(0xa2);
const ESCROW: Address = Address::repeat_byte(0xe5);
const FEED: Address = Address::repeat_byte(0xf1);

fn w(key: StateKey, value: u64) -> StateWrite {
    StateWrite {
        key,
        value: U256::from(value),
    }
}

fn owner_value(a: Address) -> U256 {
    U256::from_be_bytes(a.into_word().0)
}

/// A state with keys of several kinds, ours and another account's.
fn writes() -> Vec<StateWrite> {
    let mut out = vec![
        w(StateKey::account(StateKind::Balance, PAIR, ME), 5),
        w(StateKey::account(StateKind::Balance, PAIR, OTHER), 6),
        w(StateKey::account(StateKind::VaultDebt, PAIR, ME), 7),
        w(StateKey::supply(PAIR), 100),
        w(StateKey::global(StateKind::Reserve0, PAIR), 1000),
        w(StateKey::supply(UNHELD_PAIR), 200),
        w(StateKey::global(StateKind::Reserve0, UNHELD_PAIR), 2000),
        w(StateKey::global(StateKind::Price, FEED), 42),
    ];
    for id in 1..=3u64 {
        let holder = if id == 2 { OTHER } else { ME };
        out.push(StateWrite {
            key: StateKey::id(StateKind::NftOwner, ESCROW, U256::from(id)),
            value: owner_value(holder),
        });
        out.push(w(
            StateKey::id(StateKind::LockAmount, ESCROW, U256::from(id)),
            10 * id,
        ));
        out.push(w(
            StateKey::id(StateKind::LockEnd, ESCROW, U256::from(id)),
            1_000 + id,
        ));
    }
    out
}

async fn seeded(backend: Backend) -> (tributary_testkit::TestDb, Store) {
    let (db, store) = open(backend).await;
    store
        .commit(&batch(None, 1, vec![], writes(), vec![]))
        .await
        .expect("commit");
    store
        .record_tokens(&[TokenRow {
            chain_id: CHAIN,
            address: PAIR,
            contract: "P".into(),
            kind: "uniswap_v2_pair".into(),
            symbol: None,
            decimals: Some(18),
        }])
        .await
        .expect("tokens");
    (db, store)
}

fn as_map(values: Vec<(StateKey, U256)>) -> BTreeMap<StateKey, U256> {
    let n = values.len();
    let map: BTreeMap<_, _> = values.into_iter().collect();
    assert_eq!(map.len(), n, "a key read twice");
    map
}

async fn every_arm_reads_exactly_its_keys(backend: Backend) {
    let (_db, store) = seeded(backend).await;
    let arms = vec![
        StateArm::About(ME.into_word()),
        StateArm::Keys(KeySelector {
            kind: StateKind::Price,
            scopes: vec![FEED, Address::repeat_byte(0xf2)],
            subjects: None,
        }),
        StateArm::Held {
            kinds: vec![StateKind::Supply, StateKind::Reserve0],
            held: StateKind::Balance,
            scopes: vec![PAIR, UNHELD_PAIR],
            holder: ME,
        },
        StateArm::Owned {
            collection: ESCROW,
            owner: ME,
            limit: 10,
            kinds: vec![StateKind::LockAmount, StateKind::LockEnd],
        },
    ];
    let read = store.read_state(CHAIN, &arms).await.expect("read");
    let block = read.block.expect("indexed block");
    assert_eq!((block.number, block.hash), (1, header(1, 1).hash));
    assert_eq!(read.decimals.get(&PAIR), Some(&18));
    let got = as_map(read.values);
    let all: BTreeMap<StateKey, U256> = writes().into_iter().map(|w| (w.key, w.value)).collect();
    let want: BTreeMap<StateKey, U256> = all
        .into_iter()
        .filter(|(k, _)| {
            let lock = k.scope == ESCROW && k.subject_id() != U256::from(2);
            k.subject == ME.into_word()
                || k.kind == StateKind::Price
                || (k.scope == PAIR && k.subject == B256::ZERO)
                || lock
        })
        .collect();
    assert_eq!(got, want, "{backend:?}");

    // The limit keeps the lowest ids, for the owner keys and the lock keys alike.
    let read = store
        .read_state(
            CHAIN,
            &[StateArm::Owned {
                collection: ESCROW,
                owner: ME,
                limit: 1,
                kinds: vec![StateKind::LockAmount],
            }],
        )
        .await
        .expect("read");
    let ids: Vec<(StateKind, U256)> = as_map(read.values)
        .keys()
        .map(|k| (k.kind, k.subject_id()))
        .collect();
    assert_eq!(
        ids,
        vec![
            (StateKind::NftOwner, U256::from(1)),
            (StateKind::LockAmount, U256::from(1))
        ]
    );

    // Nothing indexed on another chain: no block, no values.
    let empty = store.read_state(CHAIN + 1, &arms).await.expect("read");
    assert!(empty.block.is_none() && empty.values.is_empty() && empty.decimals.is_empty());
}

async fn arms_past_the_bind_limit_read_one_snapshot(backend: Backend) {
    let (_db, store) = seeded(backend).await;
    // 40,000 candidate scopes: more binds than one statement may carry.
    let mut scopes: Vec<Address> = (0..40_000u32)
        .map(|i| {
            let mut a = [0u8; 20];
            a[..4].copy_from_slice(&i.to_be_bytes());
            Address::from(a)
        })
        .collect();
    scopes.push(PAIR);
    scopes.push(UNHELD_PAIR);
    let arms = vec![
        StateArm::Keys(KeySelector {
            kind: StateKind::Supply,
            scopes,
            subjects: Some(vec![B256::ZERO]),
        }),
        StateArm::About(ME.into_word()),
    ];
    let read = store.read_state(CHAIN, &arms).await.expect("read");
    assert_eq!(read.block.map(|b| b.number), Some(1));
    let got = as_map(read.values);
    assert_eq!(got.get(&StateKey::supply(PAIR)), Some(&U256::from(100)));
    assert_eq!(
        got.get(&StateKey::supply(UNHELD_PAIR)),
        Some(&U256::from(200))
    );
    assert_eq!(
        got.get(&StateKey::account(StateKind::Balance, PAIR, ME)),
        Some(&U256::from(5))
    );
    assert_eq!(got.len(), 2 + 2, "{got:?}");
}
