//! The canonical Uniswap V2 core (the `@uniswap/v2-core` npm bytecode, not our
//! `DemoPair`) indexed with the `uniswap_v2_factory` and `uniswap_v2_pair`
//! templates: after liquidity from two users, swaps both ways, an LP transfer
//! and a burn, the indexed LP balances, supply, reserves and portfolio shares
//! equal the chain's own answers, on SQLite and PostgreSQL.

use std::collections::BTreeMap;
use std::path::Path;

use alloy::primitives::{Address, U256};
use serde_json::Value;
use tributary_config::Config;
use tributary_store::Store;
use tributary_testkit::uniswap::UniswapV2;
use tributary_testkit::{Backend, TestChain, TestDb};

use super::{portfolio, setup};

/// `n` whole tokens of `decimals`.
fn units(n: u64, decimals: u8) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(decimals))
}

/// `field` of `row` as an exact integer (a decimal string).
fn int(row: &Value, field: &str) -> U256 {
    let text = row[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not a string in {row}"));
    text.parse()
        .unwrap_or_else(|e| panic!("{field} = {text:?}: {e}"))
}

/// The block number an answer reflects.
fn block_of(answer: &Value) -> u64 {
    answer["block"]["number"]
        .as_u64()
        .unwrap_or_else(|| panic!("no block in {answer}"))
}

async fn get_json(url: &str) -> Value {
    let response = reqwest::get(url).await.expect("request");
    assert_eq!(response.status(), 200, "{url}");
    response.json().await.expect("json")
}

/// Factory + factory-discovered pairs + both tokens, on chain `test`.
fn config(chain: &TestChain, db: &TestDb, factory: Address, tokens: [Address; 2]) -> Config {
    let text = format!(
        r#"[database]
url = "{db}"

[[chain]]
name = "test"
chain_id = {chain_id}
rpc = ["{rpc}"]
confirmations = 12
poll_interval_ms = 50
refresh_blocks = 1

[[contract]]
name = "TokenA"
chain = "test"
kind = "erc20"
address = "{a}"

[[contract]]
name = "TokenB"
chain = "test"
kind = "erc20"
address = "{b}"

[[contract]]
name = "UniFactory"
chain = "test"
kind = "uniswap_v2_factory"
address = "{factory}"

[[contract]]
name = "UniPairs"
chain = "test"
kind = "uniswap_v2_pair"
factory = {{ contract = "UniFactory", event = "PairCreated", parameter = "pair" }}
"#,
        db = db.url,
        chain_id = chain.chain_id(),
        rpc = chain.rpc_url(),
        a = tokens[0],
        b = tokens[1],
    );
    tributary_config::parse_str(&text, Path::new("/tmp/tributary-uniswap.toml"), &[])
        .unwrap_or_else(|e| panic!("uniswap config does not load: {e}\n{text}"))
}

/// The chain after the scenario, and who may hold LP tokens.
struct Scenario {
    chain: TestChain,
    uni: UniswapV2,
    tokens: [Address; 2],
    pair: Address,
    /// The two liquidity providers, then the receiver of an LP transfer.
    users: [Address; 3],
}

/// Two users add liquidity (unbalanced the second time: the pair keeps the
/// excess), swaps go both ways, user 1 sends LP to user 2, user 0 burns a third.
async fn scenario() -> Scenario {
    let chain = TestChain::spawn().await.expect("anvil");
    let uni = UniswapV2::deploy(&chain).await.expect("deploy factory");
    // Different decimals, so a mixed-up token0/token1 cannot pass.
    let token_a = chain.deploy_token("Token A", "TKA", 18).await.expect("A");
    let token_b = chain.deploy_token("Token B", "TKB", 6).await.expect("B");
    let pair = uni
        .create_pair(&chain, token_a, token_b)
        .await
        .expect("createPair");
    let (token0, _) = uni.tokens(&chain, pair).await.expect("tokens");
    // Amounts as (A, B) whatever the sort order of the two addresses.
    let sorted = |a: U256, b: U256| if token0 == token_a { (a, b) } else { (b, a) };
    let dev = |i| chain.dev_account(Some(i)).expect("dev account");
    // User 0 is dev account 0: the testkit's burn sends its LP tokens.
    let users = [dev(0), dev(1), Address::repeat_byte(0x42)];

    let (a0, b0) = sorted(units(1_000, 18), units(2_000, 6));
    let lp0 = uni
        .add_liquidity(&chain, pair, a0, b0, users[0])
        .await
        .expect("liquidity 0");
    let (a1, b1) = sorted(units(250, 18), units(600, 6));
    let lp1 = uni
        .add_liquidity(&chain, pair, a1, b1, users[1])
        .await
        .expect("liquidity 1");
    assert!(!lp0.is_zero() && !lp1.is_zero());
    for (token_in, amount, to) in [
        (token_a, units(10, 18), users[1]),
        (token_b, units(55, 6), users[0]),
        (token_a, units(3, 18), users[2]),
    ] {
        let out = uni
            .swap(&chain, pair, token_in, amount, to)
            .await
            .expect("swap");
        assert!(!out.is_zero(), "swap paid nothing");
    }
    chain
        .transfer(pair, Some(1), users[2], lp1 / U256::from(4))
        .await
        .expect("LP transfer");
    let (out0, out1) = uni
        .burn(&chain, pair, lp0 / U256::from(3), users[0])
        .await
        .expect("burn");
    assert!(!out0.is_zero() && !out1.is_zero(), "burn paid nothing");
    Scenario {
        chain,
        uni,
        tokens: [token_a, token_b],
        pair,
        users,
    }
}

/// `/v1/tokens/{pair}/holders` equals `balanceOf` of every holder and
/// `totalSupply`. The zero address is the mint/burn sink, never a holder, but
/// canonical V2 mints MINIMUM_LIQUIDITY to it: the supply counts those.
async fn holders_match_chain(s: &Scenario, api: &str) {
    let page = get_json(&format!("{api}/v1/tokens/{}/holders?limit=100", s.pair)).await;
    assert!(page["next"].is_null(), "more than 100 holders: {page}");
    let at = Some(block_of(&page));
    let supply = s.chain.total_supply(s.pair, at).await.expect("supply");
    assert_eq!(int(&page, "total_supply"), supply, "LP supply: {page}");
    let mut indexed = BTreeMap::new();
    for item in page["items"].as_array().expect("items") {
        let account: Address = item["account"]
            .as_str()
            .expect("account")
            .parse()
            .expect("address");
        indexed.insert(account, int(item, "balance"));
    }
    let mut expected = BTreeMap::new();
    for account in [s.pair, s.users[0], s.users[1], s.users[2]] {
        let balance = s
            .chain
            .balance_of(s.pair, account, at)
            .await
            .expect("balanceOf");
        if !balance.is_zero() {
            expected.insert(account, balance);
        }
    }
    assert_eq!(indexed, expected, "LP holders: {page}");
    let locked = s
        .chain
        .balance_of(s.pair, Address::ZERO, at)
        .await
        .expect("balanceOf(0)");
    assert_eq!(locked, U256::from(1000), "MINIMUM_LIQUIDITY");
    assert_eq!(
        expected.values().fold(locked, |sum, b| sum + b),
        supply,
        "the holders and the locked minimum make up the supply"
    );
}

/// `/v1/pools/{pair}` equals `getReserves`, `totalSupply`, `token0`, `token1`.
async fn pool_matches_chain(s: &Scenario, api: &str) {
    let pool = get_json(&format!("{api}/v1/pools/{}", s.pair)).await;
    let at = Some(block_of(&pool));
    let reserves = s
        .uni
        .reserves(&s.chain, s.pair, at)
        .await
        .expect("reserves");
    assert_eq!(
        int(&pool, "reserve0"),
        reserves.reserve0,
        "reserve0: {pool}"
    );
    assert_eq!(
        int(&pool, "reserve1"),
        reserves.reserve1,
        "reserve1: {pool}"
    );
    let supply = s.chain.total_supply(s.pair, at).await.expect("supply");
    assert_eq!(int(&pool, "total_supply"), supply, "supply: {pool}");
    let (token0, token1) = s.uni.tokens(&s.chain, s.pair).await.expect("tokens");
    assert_eq!(pool["token0"], token0.to_checksum(None), "{pool}");
    assert_eq!(pool["token1"], token1.to_checksum(None), "{pool}");
    assert!(s.tokens.contains(&token0) && s.tokens.contains(&token1));
}

/// Each user's LP row: balance, supply and `floor(lp × reserve / supply)`.
async fn portfolios_match_chain(s: &Scenario, api: &str) {
    for user in s.users {
        let answer = portfolio(api, user).await;
        let at = Some(block_of(&answer));
        let lp = s.chain.balance_of(s.pair, user, at).await.expect("lp");
        assert!(!lp.is_zero(), "{user} holds no LP in the scenario");
        let want = s.pair.to_checksum(None);
        let row = answer["lp_positions"]
            .as_array()
            .expect("lp_positions")
            .iter()
            .find(|r| r["pair"].as_str() == Some(want.as_str()))
            .unwrap_or_else(|| panic!("{user}: no LP row for {want}: {answer}"));
        let supply = s.chain.total_supply(s.pair, at).await.expect("supply");
        let r = s
            .uni
            .reserves(&s.chain, s.pair, at)
            .await
            .expect("reserves");
        assert_eq!(int(row, "lp_balance"), lp, "{user} lp");
        assert_eq!(int(row, "total_supply"), supply, "{user} supply");
        assert_eq!(
            int(row, "token0_amount"),
            lp * r.reserve0 / supply,
            "{user} token0"
        );
        assert_eq!(
            int(row, "token1_amount"),
            lp * r.reserve1 / supply,
            "{user} token1"
        );
    }
}

async fn canonical_uniswap_v2_matches_chain(backend: Backend) {
    let s = scenario().await;
    let db = TestDb::new(backend).await.expect("database");
    let store = Store::connect(&db.url).await.expect("store");
    let factory = s.uni.factory;
    let config = config(&s.chain, &db, factory, s.tokens);
    let head = setup::index_to_head(&s.chain, &config, &store).await;
    let api = setup::serve(&config, &store).await;
    holders_match_chain(&s, &api).await;
    pool_matches_chain(&s, &api).await;
    portfolios_match_chain(&s, &api).await;
    println!(
        "{backend:?}: canonical Uniswap V2 pair {} matches the chain at block {head}",
        s.pair
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canonical_uniswap_v2_sqlite() {
    canonical_uniswap_v2_matches_chain(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canonical_uniswap_v2_postgres() {
    canonical_uniswap_v2_matches_chain(Backend::Postgres).await;
}
