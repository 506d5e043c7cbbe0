//! A portfolio answer against the chain's own views at the same block:
//! exact for amounts, 1e-9 relative for ratios.

use alloy::primitives::{Address, U256};
use serde_json::Value;
use tributary_testkit::TestChain;
use tributary_testkit::protocol::Protocol;

/// `field` of `row` as an exact integer (a decimal string).
fn int(row: &Value, field: &str) -> U256 {
    let text = row[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not a string in {row}"));
    text.parse()
        .unwrap_or_else(|e| panic!("{field} = {text:?}: {e}"))
}

/// The row of `list` whose `field` is `address` (EIP-55 in answers).
fn row_for<'a>(list: &'a Value, field: &str, address: Address) -> Option<&'a Value> {
    let want = address.to_checksum(None);
    list.as_array()
        .expect("list")
        .iter()
        .find(|r| r[field].as_str() == Some(want.as_str()))
}

fn assert_close(what: &str, got: f64, want: f64) {
    let scale = want.abs().max(1e-18);
    assert!(
        ((got - want) / scale).abs() <= 1e-9,
        "{what}: indexed {got} chain {want}"
    );
}

/// Every field of `answer` (the user's portfolio at `block`) that the chain
/// can answer equals the chain's view; returns how many were compared.
pub async fn portfolio_matches_chain(
    chain: &TestChain,
    p: &Protocol,
    user: Address,
    answer: &Value,
    block: u64,
) -> usize {
    let at = Some(block);
    let mut compared = 0;
    // LP positions: balance, supply and floor(lp × reserve / supply).
    for pair in &p.pairs {
        let lp = chain.balance_of(*pair, user, at).await.expect("lp");
        let row = row_for(&answer["lp_positions"], "pair", *pair);
        if lp.is_zero() {
            assert!(row.is_none(), "{user}: zero LP in {pair} listed");
            continue;
        }
        let row = row.unwrap_or_else(|| panic!("{user}: LP in {pair} missing: {answer}"));
        let supply = chain.total_supply(*pair, at).await.expect("supply");
        let r = p.reserves(chain, *pair, at).await.expect("reserves");
        assert_eq!(int(row, "lp_balance"), lp, "{user} lp of {pair}");
        assert_eq!(int(row, "total_supply"), supply, "{pair} supply");
        assert_eq!(
            int(row, "token0_amount"),
            lp * r.reserve0 / supply,
            "{user} token0 of {pair}"
        );
        assert_eq!(
            int(row, "token1_amount"),
            lp * r.reserve1 / supply,
            "{user} token1 of {pair}"
        );
        // The demo protocol has no per-pool reward: its GaugeController only
        // weighs gauges and its RewardDistributor pays accounts (compared
        // with `pendingRewards(user)` in the totals below). No chain view
        // attributes rewards to an LP position, so the field is 0.
        assert_eq!(
            int(row, "pending_rewards"),
            U256::ZERO,
            "{user} LP pending rewards in {pair}"
        );
        compared += 5;
    }
    // Vault: collateral per token, debt, health factor.
    let debt = p.debt_of(chain, user, at).await.expect("debt");
    for c in [p.weth, p.wbtc] {
        let amount = p
            .collateral_of(chain, user, c, at)
            .await
            .expect("collateral");
        let rows: Vec<&Value> = answer["vault_positions"]
            .as_array()
            .expect("vaults")
            .iter()
            .filter(|r| r["collateral"].as_str() == Some(c.to_checksum(None).as_str()))
            .collect();
        if amount.is_zero() {
            assert!(rows.is_empty(), "{user}: zero collateral {c} listed");
            continue;
        }
        let row = rows
            .first()
            .unwrap_or_else(|| panic!("{user}: collateral {c} missing: {answer}"));
        assert_eq!(
            int(row, "collateral_amount"),
            amount,
            "{user} collateral {c}"
        );
        assert_eq!(int(row, "debt"), debt, "{user} debt");
        let hf = p.health_factor(chain, user, at).await.expect("hf");
        if debt.is_zero() {
            assert!(
                row["health_factor"].is_null(),
                "{user}: no debt but a health factor"
            );
        } else {
            let want = f64::from(hf) / 1e18;
            let got = row["health_factor"].as_f64().expect("health factor");
            assert_close("health factor", got, want);
        }
        compared += 3;
    }
    // veNFTs: owner, lock and voting power of each; as many as the chain says.
    let locks = answer["venft_positions"].as_array().expect("venfts");
    for row in locks {
        let id = int(row, "token_id");
        assert_eq!(
            p.ve_owner_of(chain, id, at).await.expect("owner"),
            user,
            "veNFT {id} owner"
        );
        let (amount, end) = p.locked(chain, id, at).await.expect("locked");
        assert_eq!(int(row, "locked_amount"), amount, "veNFT {id} amount");
        assert_eq!(
            U256::from(row["lock_end"].as_u64().expect("lock_end")),
            end,
            "veNFT {id} end"
        );
        assert_eq!(
            int(row, "voting_power"),
            p.voting_power(chain, id, at).await.expect("power"),
            "veNFT {id} power"
        );
        compared += 4;
    }
    let owned = p.ve_balance_of(chain, user, at).await.expect("ve balance");
    assert_eq!(U256::from(locks.len()), owned, "{user} veNFT count");
    // Savings, stability pool, ERC-4626 shares, pending rewards.
    let principal = p.principal_of(chain, user, at).await.expect("principal");
    let interest = p.accrued_interest(chain, user, at).await.expect("interest");
    match row_for(&answer["savings"], "contract", p.savings) {
        Some(row) => {
            assert_eq!(int(row, "principal"), principal, "{user} principal");
            assert_eq!(int(row, "accrued_interest"), interest, "{user} interest");
        }
        None => assert!(
            principal.is_zero() && interest.is_zero(),
            "{user} savings missing"
        ),
    }
    let deposit = p.sp_deposit(chain, user, at).await.expect("deposit");
    match row_for(&answer["stability_pool"], "contract", p.stability_pool) {
        Some(row) => assert_eq!(int(row, "deposit"), deposit, "{user} stability deposit"),
        None => assert!(deposit.is_zero(), "{user} stability deposit missing"),
    }
    let shares = chain
        .balance_of(p.vault4626, user, at)
        .await
        .expect("shares");
    match row_for(&answer["erc4626"], "vault", p.vault4626) {
        Some(row) => {
            assert_eq!(int(row, "shares"), shares, "{user} shares");
            let assets = p
                .convert_to_assets(chain, shares, at)
                .await
                .expect("assets");
            assert_eq!(int(row, "assets"), assets, "{user} 4626 assets");
        }
        None => assert!(shares.is_zero(), "{user} 4626 shares missing"),
    }
    let pending = p.pending_rewards(chain, user, at).await.expect("pending");
    assert_eq!(
        int(&answer["totals"], "pending_rewards"),
        pending,
        "{user} pending rewards"
    );
    compared + 9
}

/// `/nfts?collection=` of `user` (all pages) against `ownerOf` and `balanceOf`.
pub async fn nfts_match_chain(chain: &TestChain, p: &Protocol, api: &str, user: Address) -> usize {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    let block = loop {
        let mut url = format!("{api}/v1/accounts/{user}/nfts?collection={}&limit=2", p.nft);
        if let Some(a) = &after {
            url.push_str(&format!("&after={a}"));
        }
        let page: Value = reqwest::get(&url)
            .await
            .expect("nfts")
            .json()
            .await
            .expect("json");
        for item in page["items"].as_array().expect("items") {
            ids.push(int(item, "token_id"));
        }
        match page["next"].as_str() {
            Some(n) => after = Some(n.to_string()),
            None => break page["block"]["number"].as_u64().expect("block"),
        }
    };
    let at = Some(block);
    for id in &ids {
        assert_eq!(
            p.nft_owner_of(chain, *id, at).await.expect("owner"),
            user,
            "NFT {id}"
        );
    }
    let count = p.nft_balance_of(chain, user, at).await.expect("count");
    assert_eq!(U256::from(ids.len()), count, "{user} NFT count");
    ids.len() + 1
}

/// History answers: hourly buckets, oldest first, never past the answered
/// block; the newest account point at the answered block equals the portfolio.
pub async fn history_is_hourly(api: &str, users: &[Address], pairs: &[Address]) {
    let mut points_seen = 0;
    for (path, subject) in users
        .iter()
        .map(|u| ("accounts", *u))
        .chain(pairs.iter().map(|p| ("pools", *p)))
    {
        let url = format!("{api}/v1/{path}/{subject}/history?timeframe=1y");
        let answer: Value = reqwest::get(&url)
            .await
            .expect("history")
            .json()
            .await
            .expect("json");
        let head = answer["block"]["number"].as_u64().expect("block");
        let points = answer["points"].as_array().expect("points");
        let mut previous = 0;
        for p in points {
            let t = p["timestamp"].as_u64().expect("timestamp");
            assert_eq!(t % 3600, 0, "{url}: bucket {t} is not an hour");
            assert!(t > previous, "{url}: buckets out of order");
            previous = t;
            assert!(
                p["block_number"].as_u64().expect("block") <= head,
                "{url}: point past the answer's block"
            );
            let field = if path == "pools" {
                "tvl_usd"
            } else {
                "net_worth_usd"
            };
            assert!(p[field].is_string(), "{url}: point without {field}: {p}");
        }
        if path == "accounts"
            && let Some(last) = points.last()
            && last["block_number"].as_u64() == Some(head)
        {
            let portfolio: Value = reqwest::get(format!("{api}/v1/accounts/{subject}/portfolio"))
                .await
                .expect("portfolio")
                .json()
                .await
                .expect("json");
            assert_eq!(
                last["net_worth_usd"], portfolio["totals"]["net_worth_usd"],
                "{url}: newest point"
            );
        }
        points_seen += points.len();
    }
    assert!(
        points_seen > users.len(),
        "only {points_seen} history points"
    );
}

/// `/holders` of the NFT collection: owners with counts, each equal to the
/// chain's `balanceOf`, ranked by count.
pub async fn nft_holders_match_chain(chain: &TestChain, p: &Protocol, api: &str) -> usize {
    let url = format!("{api}/v1/tokens/{}/holders?limit=1000", p.nft);
    let page: Value = reqwest::get(&url)
        .await
        .expect("holders")
        .json()
        .await
        .expect("json");
    let block = page["block"]["number"].as_u64().expect("block");
    let items = page["items"].as_array().expect("items");
    assert!(!items.is_empty(), "{url}: no holders");
    let mut previous = u64::MAX;
    for item in items {
        let count = item["count"]
            .as_u64()
            .unwrap_or_else(|| panic!("{url}: no count in {item}"));
        assert!(
            item.get("balance").is_none(),
            "{url}: an NFT holder with a balance"
        );
        assert!(count <= previous, "{url}: not ranked by count");
        previous = count;
        let owner: Address = item["account"]
            .as_str()
            .expect("account")
            .parse()
            .expect("address");
        let chain_count = p
            .nft_balance_of(chain, owner, Some(block))
            .await
            .expect("balanceOf");
        assert_eq!(U256::from(count), chain_count, "{owner} NFT count");
    }
    items.len()
}
