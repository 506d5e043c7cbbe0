//! `replay --since/--until` maps a time window to blocks by their
//! timestamps (blocks mined at known times on anvil), with exit 2 for bad
//! windows; `checksum` prints the same digests before and after `rebuild`;
//! a bad `bloom_check` exits 2 naming file, line and key.

use std::path::Path;
use std::process::{Command, Output};

use alloy::primitives::U256;
use alloy::providers::Provider;
use tributary_testkit::{Backend, TestChain, TestDb};

/// When the window's blocks start (2033-05-18T03:33:20Z).
const T0: u64 = 2_000_000_000;

fn tributary(args: &[&str], config: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tributary"))
        .args(args)
        .arg("-c")
        .arg(config)
        .output()
        .expect("run tributary")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

async fn rpc(chain: &TestChain, method: &'static str, params: serde_json::Value) {
    chain
        .provider()
        .raw_request::<_, serde_json::Value>(method.into(), params)
        .await
        .unwrap_or_else(|e| panic!("{method}: {e}"));
}

/// Every block's timestamp, from the node.
async fn timestamps(chain: &TestChain) -> Vec<u64> {
    let head = chain.head().await.expect("head");
    let mut out = Vec::new();
    for n in 0..=head {
        let block = chain
            .provider()
            .get_block_by_number(n.into())
            .await
            .expect("block")
            .expect("exists");
        out.push(block.header.timestamp);
    }
    out
}

/// The blocks of `[since, until]` by a plain scan (the oracle).
fn expected(ts: &[u64], since: u64, until: u64) -> Option<(u64, u64)> {
    let inside: Vec<u64> = (0..ts.len() as u64)
        .filter(|&n| ts[n as usize] >= since && ts[n as usize] <= until)
        .collect();
    Some((*inside.first()?, *inside.last()?))
}

#[tokio::test]
async fn replay_by_time_window_sqlite() {
    replay_by_time_window(Backend::Sqlite).await;
}

#[tokio::test]
async fn replay_by_time_window_postgres() {
    replay_by_time_window(Backend::Postgres).await;
}

async fn replay_by_time_window(backend: Backend) {
    let chain = TestChain::spawn().await.expect("anvil");
    let token = chain.deploy_token("Win", "WIN", 18).await.expect("deploy");
    let dev = chain.dev_accounts();
    chain
        .mint(token, dev[0], U256::from(1_000_000u64))
        .await
        .expect("mint");
    // Block k at T0 (a transfer), then blocks every 60 s, a transfer in each
    // second one's place, ending with a transfer.
    rpc(&chain, "evm_setNextBlockTimestamp", serde_json::json!([T0])).await;
    chain
        .transfer(token, Some(0), dev[1], U256::from(5u64))
        .await
        .expect("transfer");
    let k = chain.head().await.expect("head");
    rpc(&chain, "anvil_mine", serde_json::json!(["0x5", "0x3c"])).await;
    rpc(
        &chain,
        "evm_setNextBlockTimestamp",
        serde_json::json!([T0 + 360]),
    )
    .await;
    chain
        .transfer(token, Some(0), dev[2], U256::from(7u64))
        .await
        .expect("transfer");
    let ts = timestamps(&chain).await;
    let head = ts.len() as u64 - 1;
    assert_eq!(
        &ts[k as usize..=k as usize + 5],
        &[T0, T0 + 60, T0 + 120, T0 + 180, T0 + 240, T0 + 300],
        "anvil mined the blocks at the times asked for"
    );
    assert_eq!(ts[head as usize], T0 + 360);

    let db = TestDb::new(backend).await.expect("database");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("tributary.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"{}\"\n\n[[chain]]\nname = \"test\"\nchain_id = {}\nrpc = [\"{}\"]\nconfirmations = 2\npoll_interval_ms = 50\n\n\
             [[contract]]\nname = \"Win\"\nchain = \"test\"\nkind = \"erc20\"\naddress = \"{token}\"\n",
            db.url,
            chain.chain_id(),
            chain.rpc_url()
        ),
    )
    .expect("config");
    let out = tributary(&["index", "--exit-when-synced"], &config);
    assert!(out.status.success(), "{}", text(&out));

    let rfc = |t: u64| {
        // T0 is 2033-05-18T03:33:20Z; the windows stay within that day.
        let day = 3 * 3600 + 33 * 60 + 20 + (t - T0);
        format!(
            "2033-05-18T{:02}:{:02}:{:02}Z",
            day / 3600,
            day / 60 % 60,
            day % 60
        )
    };
    assert_eq!(rfc(T0 + 61), "2033-05-18T03:34:21Z");
    let windows: Vec<(String, String, u64, u64)> = vec![
        // Exactly on block times: both ends included.
        (
            (T0 + 60).to_string(),
            (T0 + 180).to_string(),
            T0 + 60,
            T0 + 180,
        ),
        // Between block times, RFC 3339 with an offset and a fraction.
        (
            rfc(T0 + 61),
            "2033-05-18T05:36:19.9+02:00".into(),
            T0 + 61,
            T0 + 179,
        ),
        // Reaching past the head: up to the head.
        (
            (T0 + 250).to_string(),
            (T0 + 99_999).to_string(),
            T0 + 250,
            T0 + 99_999,
        ),
        // From before genesis.
        ("0".into(), (T0 + 1).to_string(), 0, T0 + 1),
    ];
    for (since, until, s, u) in &windows {
        let (from, to) = expected(&ts, *s, *u).expect("blocks in the window");
        let out = tributary(
            &[
                "replay", "--chain", "test", "--since", since, "--until", until,
            ],
            &config,
        );
        assert!(out.status.success(), "{since}..{until}: {}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(&format!(
                "replayed test blocks {from}..={to}: 0 missing events"
            )),
            "{since}..{until}: {}",
            text(&out)
        );
    }
    assert_eq!(expected(&ts, T0 + 61, T0 + 179), Some((k + 2, k + 2)));

    // Bad windows: exit 2 and a message naming the problem.
    let genesis = ts[0];
    let bad: Vec<(Vec<String>, String)> = vec![
        (
            vec![
                "--since".into(),
                (T0 + 61).to_string(),
                "--until".into(),
                (T0 + 119).to_string(),
            ],
            "no block of chain test has a timestamp in".into(),
        ),
        (
            vec![
                "--since".into(),
                (T0 + 200).to_string(),
                "--until".into(),
                (T0 + 100).to_string(),
            ],
            "--since is after --until".into(),
        ),
        (
            vec![
                "--since".into(),
                "0".into(),
                "--until".into(),
                (genesis - 1).to_string(),
            ],
            "before chain test's genesis block".into(),
        ),
        (
            vec![
                "--since".into(),
                (T0 + 10_000_000).to_string(),
                "--until".into(),
                (T0 + 20_000_000).to_string(),
            ],
            "after chain test's head".into(),
        ),
        (
            vec![
                "--since".into(),
                "tomorrow".into(),
                "--until".into(),
                "1".into(),
            ],
            "--since \"tomorrow\"".into(),
        ),
        (
            vec![
                "--since".into(),
                "1".into(),
                "--until".into(),
                "2033-02-30T00:00:00Z".into(),
            ],
            "--until \"2033-02-30T00:00:00Z\": input is out of range".into(),
        ),
        (
            vec![
                "--from".into(),
                "1".into(),
                "--to".into(),
                "2".into(),
                "--since".into(),
                "1".into(),
                "--until".into(),
                "2".into(),
            ],
            "cannot be used with".into(),
        ),
        (vec!["--since".into(), "1".into()], "--until".into()),
    ];
    for (args, message) in &bad {
        let mut all = vec!["replay", "--chain", "test"];
        all.extend(args.iter().map(String::as_str));
        let out = tributary(&all, &config);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message.as_str()),
            "{args:?}: expected {message:?} in {}",
            text(&out)
        );
    }

    // The replay runs are on record with the blocks the windows mapped to.
    let store = tributary_store::Store::connect(&db.url)
        .await
        .expect("store");
    let runs = store.runs(None, 20).await.expect("runs");
    let replays: Vec<(Option<u64>, Option<u64>)> = runs
        .iter()
        .filter(|r| r.job == "replay")
        .map(|r| (r.from_block, r.to_block))
        .collect();
    assert_eq!(replays.len(), windows.len(), "{runs:#?}");
    assert!(replays.contains(&(Some(k + 2), Some(k + 2))), "{replays:?}");
    store.close().await;

    // checksum: the same digests before and after a rebuild, as lines and as JSON.
    let before = tributary(&["checksum", "--chain", "test"], &config);
    assert!(before.status.success(), "{}", text(&before));
    let lines = String::from_utf8_lossy(&before.stdout).into_owned();
    let rows: Vec<Vec<&str>> = lines
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines.lines().next(),
        Some(format!("# chain test ({})", chain.chain_id()).as_str())
    );
    let tables: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(
        tables,
        [
            "chains",
            "events",
            "state",
            "tokens",
            "discovered",
            "dead_letters",
            "state_log"
        ]
    );
    assert_eq!(rows[1][1], "3", "mint and two transfers: {lines}");
    assert!(
        rows.iter().all(|r| r.len() == 3 && r[2].len() == 64),
        "{lines}"
    );
    let out = tributary(&["rebuild"], &config);
    assert!(out.status.success(), "{}", text(&out));
    let after = tributary(&["checksum", "--chain", "test"], &config);
    assert_eq!(
        String::from_utf8_lossy(&after.stdout),
        lines,
        "rebuild changed a table"
    );
    let json = tributary(&["checksum", "--json"], &config);
    assert!(json.status.success(), "{}", text(&json));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(doc["chains"][0]["chain"], "test");
    assert_eq!(doc["chains"][0]["tables"]["events"]["rows"], 3);
    assert_eq!(doc["chains"][0]["tables"]["state"]["digest"], rows[2][2]);
    let out = tributary(&["checksum", "--chain", "nope"], &config);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--chain \"nope\""));
}

#[test]
fn a_bad_bloom_check_exits_2_naming_file_line_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("bad.toml");
    std::fs::write(
        &config,
        "[[chain]]\nname = \"eth\"\nchain_id = 1\nrpc = [\"http://127.0.0.1:1\"]\nbloom_check = \"never\"\n",
    )
    .expect("write");
    let out = tributary(&["status"], &config);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml:5")
            && stderr.contains("chain[0].bloom_check")
            && stderr.contains("expected one of: off, tail, always"),
        "{stderr}"
    );
}
