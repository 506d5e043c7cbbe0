//! Odd data: tokens whose `symbol()` holds a NUL byte, bytes that are not
//! UTF-8, or nothing; events whose string argument does; amounts up to
//! 2^256-1 moved around and burnt; and
//! every log index served past 2^32 by the proxy. Balances must be exact,
//! every event stored once with its (shifted) log index, and the API must
//! answer 200 with a sane symbol and page through the big log indexes.

use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::{Address, Bytes, U256};
use rand::{Rng, SeedableRng, rngs::StdRng};
use tributary_chaos::compare::mismatches_of_events_shifted;
use tributary_chaos::{Indexing, Outcome, config, erc20, mismatches_of_balances, wait_synced};
use tributary_engine::IndexerOptions;
use tributary_testkit::proxy::{FaultSpec, RpcProxy};
use tributary_testkit::{Backend, TestChain};

use crate::cases::open_store;

alloy::sol!(
    /// `testing/contracts/OddToken.sol`: a TestToken with any bytes as symbol.
    #[sol(rpc)]
    OddToken,
    "../artifacts/OddToken.json"
);

/// What the proxy adds to every log index: past 2^31 (a signed 32-bit
/// overflow) and past 2^32 (an unsigned one).
pub(crate) const LOG_INDEX_OFFSET: u64 = (1 << 32) + (1 << 31) + 5;

/// The odd symbols, by contract name.
fn symbols() -> [(&'static str, Vec<u8>); 3] {
    [
        ("OddNul", b"N\0L".to_vec()),
        ("OddLatin1", vec![0xff, 0xfe, b'B', b'A', b'D', 0xc3]),
        ("OddEmpty", Vec::new()),
    ]
}

/// The strings `note` emits: a NUL inside, bytes that are not UTF-8, none,
/// and a long mix of all.
pub(crate) fn note_texts() -> Vec<Vec<u8>> {
    let mut long: Vec<u8> = (0..=255u8).collect();
    long.extend(b"\0tail\xff");
    vec![
        b"nul\0inside".to_vec(),
        vec![0xff, 0xfe, 0xfd, b'x', 0xc3],
        Vec::new(),
        long,
    ]
}

/// A fourth OddToken indexed as a plain `events` contract (its ABI from the
/// artifact): its `Note` events carry [`note_texts`]. Returns its address
/// and its `[[contract]]` entry (the ABI file lives in `dir`).
async fn notes_contract(chain: &TestChain, dir: &std::path::Path) -> (Address, String) {
    let notes = OddToken::deploy(chain.provider().clone(), Bytes::from_static(b"NOTE"))
        .await
        .expect("deploy OddToken");
    for text in note_texts() {
        notes
            .note(Bytes::from(text))
            .send()
            .await
            .expect("send note")
            .get_receipt()
            .await
            .expect("note receipt");
    }
    chain
        .mint(*notes.address(), chain.dev_accounts()[0], U256::MAX)
        .await
        .expect("mint");
    let artifact = concat!(env!("CARGO_MANIFEST_DIR"), "/../artifacts/OddToken.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(artifact).expect("artifact"))
            .expect("artifact JSON");
    let abi = dir.join("OddToken.abi.json");
    std::fs::write(&abi, json["abi"].to_string()).expect("write abi");
    let entry = format!(
        "[[contract]]\nname = \"{NOTES}\"\nchain = \"test\"\nkind = \"events\"\nabi = \"{}\"\naddress = \"{}\"\n\n",
        abi.display(),
        notes.address()
    );
    (*notes.address(), entry)
}

/// Config name of the notes contract.
const NOTES: &str = "OddNotes";

/// Mints 2^256-1 to one dev account, then moves seeded random amounts (up
/// to whole balances) around, burns some and mints it back.
async fn huge_transfers(chain: &TestChain, token: Address, rng: &mut StdRng) {
    let dev = chain.dev_accounts();
    let odd = OddToken::new(token, chain.provider());
    let first = rng.random_range(0..dev.len());
    chain
        .mint(token, dev[first], U256::MAX)
        .await
        .expect("mint max");
    for k in 0..8 {
        let from = rng.random_range(0..dev.len());
        let to = dev[rng.random_range(0..dev.len())];
        let balance = chain.balance_of(token, dev[from], None).await.expect("bal");
        if balance.is_zero() {
            continue;
        }
        // Every third move takes the whole balance; else a random share.
        let amount = if k % 3 == 0 {
            balance
        } else {
            U256::from_limbs(rng.random::<[u64; 4]>()) % balance + U256::from(1)
        };
        odd.transfer(to, amount)
            .from(dev[from])
            .send()
            .await
            .expect("send transfer")
            .get_receipt()
            .await
            .expect("transfer receipt");
    }
    let holder = dev[first];
    let burn = chain.balance_of(token, holder, None).await.expect("bal") / U256::from(3);
    odd.burn(burn)
        .from(holder)
        .send()
        .await
        .expect("send burn")
        .get_receipt()
        .await
        .expect("burn receipt");
    chain.mint(token, dev[0], burn).await.expect("mint back");
}

/// Three odd tokens, uint256-max amounts, log indexes past 2^32; checked in
/// the store and through the API.
pub async fn odd_data(backend: Backend, seed: u64) -> Outcome {
    odd_data_with(backend, seed, true).await
}

/// [`odd_data`] without the NUL-byte symbol: the rest of the odd data on
/// its own, so one failure does not hide the others.
pub async fn odd_data_without_nul_symbol(backend: Backend, seed: u64) -> Outcome {
    odd_data_with(backend, seed, false).await
}

async fn odd_data_with(backend: Backend, seed: u64, nul_symbol: bool) -> Outcome {
    let what = if nul_symbol {
        "NUL/non-UTF-8/empty symbols"
    } else {
        "non-UTF-8/empty symbols (no NUL)"
    };
    let mut out = Outcome {
        case: format!(
            "odd data: {what}, odd event strings, 2^256-1 amounts, log index > 2^32 ({backend:?})"
        ),
        ..Outcome::default()
    };
    let chain = Arc::new(TestChain::spawn().await.expect("anvil"));
    let mut rng = StdRng::seed_from_u64(seed);
    let mut tokens = Vec::new();
    let chosen = symbols()
        .into_iter()
        .filter(|(_, symbol)| nul_symbol || !symbol.contains(&0));
    for (name, symbol) in chosen {
        let token = OddToken::deploy(chain.provider().clone(), Bytes::from(symbol))
            .await
            .expect("deploy OddToken");
        tokens.push((name.to_string(), *token.address()));
    }
    for (_, token) in &tokens {
        huge_transfers(&chain, *token, &mut rng).await;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (notes, notes_entry) = notes_contract(&chain, dir.path()).await;
    chain.mine(6).await.expect("mine");
    let proxy = RpcProxy::start(&chain.rpc_url(), FaultSpec::none(seed))
        .await
        .expect("proxy");
    proxy.set_log_index_offset(LOG_INDEX_OFFSET);
    let (db, store) = open_store(backend).await;
    let mut contracts: String = tokens
        .iter()
        .map(|(name, t)| erc20(name, *t, None))
        .collect();
    contracts.push_str(&notes_entry);
    let cfg = config(proxy.url(), chain.chain_id(), &db.url, 5, &contracts);
    let settings = tributary_engine::setup::rpc_settings(&cfg.chains[0]);
    let ix = Indexing::start(&cfg, &store, settings, IndexerOptions::default()).await;
    // A small chain: 30 s is ample, and a stuck indexer fails fast.
    let head = match wait_synced(&chain, &store, Duration::from_secs(30)).await {
        Ok(head) => head,
        Err(e) => {
            println!("MISMATCH: odd data: {e}");
            out.mismatches += 1;
            let _ = ix.stop().await;
            return out;
        }
    };
    let accounts = chain.dev_accounts();
    for (_, token) in &tokens {
        out.mismatches += mismatches_of_balances(&chain, &store, *token, &accounts, head).await;
        out.mismatches +=
            mismatches_of_events_shifted(&chain, &store, *token, head, LOG_INDEX_OFFSET).await;
    }
    out.mismatches +=
        mismatches_of_events_shifted(&chain, &store, notes, head, LOG_INDEX_OFFSET).await;
    let (bad, api) = crate::odd_api::api_mismatches(&store, &chain, &tokens, NOTES).await;
    out.mismatches += bad;
    if let Err(e) = ix.stop().await {
        println!("MISMATCH: indexer ended with {e}");
        out.mismatches += 1;
    }
    let symbols = match store.snapshot().await {
        Ok(mut snap) => {
            let rows = snap.tokens(Some(chain.chain_id()), None).await;
            let _ = snap.finish().await;
            format!(
                "{:?}",
                rows.map(|r| r.into_iter().map(|t| t.symbol).collect::<Vec<_>>())
            )
        }
        Err(e) => e.to_string(),
    };
    out.runs = 1;
    out.faults = proxy.counts().shifted_log_indexes;
    out.notes =
        format!("log indexes shifted by {LOG_INDEX_OFFSET}; stored symbols {symbols}; {api}");
    out
}
