//! `/metrics` of a `tributary start` after a short index run carries every
//! metric the operations list names: head/indexed/finalized block and lag
//! per chain, events, batch latency, RPC requests and errors by method and
//! kind, retries, reorgs and their depth, dead letters, cache hits and
//! misses, verify mismatches; and `/readyz` turns 200 once synced.

use std::time::{Duration, Instant};

use alloy::primitives::U256;
use tributary_testkit::{Backend, TestChain, TestDb};

use crate::procs::{free_port, get_json, metrics, sample, tributary, wait_indexed};

#[tokio::test]
async fn metrics_list_is_exported_sqlite() {
    metrics_list_is_exported(Backend::Sqlite).await;
}

#[tokio::test]
async fn metrics_list_is_exported_postgres() {
    metrics_list_is_exported(Backend::Postgres).await;
}

async fn metrics_list_is_exported(backend: Backend) {
    let chain = TestChain::spawn().await.expect("anvil");
    let token = chain.deploy_token("Met", "MET", 18).await.expect("deploy");
    let dev = chain.dev_accounts();
    chain
        .mint(token, dev[0], U256::from(1_000_000u64))
        .await
        .expect("mint");
    for (i, to) in dev.iter().enumerate().skip(1).take(3) {
        chain
            .transfer(token, Some(0), *to, U256::from(i as u64))
            .await
            .expect("transfer");
    }
    let db = TestDb::new(backend).await.expect("database");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("tributary.toml");
    // A dead endpoint first: requests to it fail (connection refused), are
    // retried and fail over to anvil.
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"{}\"\n\n[[chain]]\nname = \"test\"\nchain_id = {}\n\
             rpc = [\"http://127.0.0.1:{}\", \"{}\"]\nconfirmations = 5\npoll_interval_ms = 50\n\n\
             [[contract]]\nname = \"Met\"\nchain = \"test\"\nkind = \"erc20\"\naddress = \"{token}\"\n",
            db.url,
            chain.chain_id(),
            free_port(),
            chain.rpc_url()
        ),
    )
    .expect("config");
    let port = free_port();
    let mut proc = tributary("start", &config, Some(port), &dir.path().join("start.log"));
    let head = chain.head().await.expect("head");
    wait_indexed(port, head, Duration::from_secs(60)).await;
    let (code, body) = get_json(port, "/readyz").await.expect("readyz");
    assert_eq!(
        (code, &body["ready"]),
        (200, &serde_json::json!(true)),
        "{body}"
    );

    // A reorg of the last two blocks while following.
    chain.reorg(2, Vec::new()).await.expect("anvil_reorg");
    let deadline = Instant::now() + Duration::from_secs(30);
    while sample(&metrics(port).await, "tributary_reorgs_total") != Some(1.0) {
        proc.assert_running("tributary start");
        assert!(Instant::now() < deadline, "the reorg was not counted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The same question twice: a miss, then a hit.
    let path = format!("/v1/accounts/{}/balances", dev[1]);
    for _ in 0..2 {
        let (code, body) = get_json(port, &path).await.expect("balances");
        assert_eq!(code, 200, "{body}");
    }

    let text = metrics(port).await;
    for name in [
        "tributary_head_block",
        "tributary_indexed_block",
        "tributary_finalized_block",
        "tributary_lag_blocks",
        "tributary_events_total",
        "tributary_batch_seconds",
        "tributary_rpc_requests_total",
        "tributary_rpc_errors_total",
        "tributary_rpc_retries_total",
        "tributary_reorgs_total",
        "tributary_reorg_depth",
        "tributary_dead_letters_total",
        "tributary_cache_hits_total",
        "tributary_cache_misses_total",
        "tributary_verify_mismatches",
    ] {
        assert!(
            sample(&text, name).is_some(),
            "{name} missing from:\n{text}"
        );
        assert!(
            text.contains(&format!("# HELP {name} ")),
            "{name} has no description:\n{text}"
        );
    }
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix}…\n{text}"))
            .to_string()
    };
    assert!(line("tributary_head_block{").contains("chain=\"test\""));
    let errors = line("tributary_rpc_errors_total{");
    assert!(
        errors.contains("method=\"") && errors.contains("kind=\""),
        "{errors}"
    );
    assert!(line("tributary_rpc_retries_total{").contains("method=\""));
    assert!(
        sample(&text, "tributary_events_total").is_some_and(|v| v >= 4.0),
        "{text}"
    );
    assert!(sample(&text, "tributary_cache_hits_total").is_some_and(|v| v >= 1.0));
    assert_eq!(sample(&text, "tributary_dead_letters_total"), Some(0.0));
    assert_eq!(sample(&text, "tributary_verify_mismatches"), Some(0.0));
    assert_eq!(sample(&text, "tributary_reorg_depth_count"), Some(1.0));
    proc.assert_running("tributary start");
}
