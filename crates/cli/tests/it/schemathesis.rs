//! Runs schemathesis (from PyPI, installed into a venv under `target/` on
//! first use) against `tributary serve` on an indexed database: every
//! described operation is fuzzed and must answer without a 5xx, with the
//! status, content type, headers and body its OpenAPI document promises.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use tributary_testkit::TestChain;

use crate::procs::{free_port, get_json, tributary, wait_indexed};

/// The venv holding schemathesis, created if missing.
fn schemathesis() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/schemathesis-venv");
    let bin = venv.join("bin/schemathesis");
    if bin.exists() {
        return bin;
    }
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3 is needed to install schemathesis");
    assert!(status.success(), "python3 -m venv failed");
    let status = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "schemathesis"])
        .status()
        .expect("pip");
    assert!(status.success(), "pip install schemathesis failed");
    bin
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_schema_violation() {
    let schemathesis = schemathesis();
    let chain = TestChain::spawn().await.expect("anvil");
    let token = chain
        .deploy_token("Fuzz", "FUZZ", 18)
        .await
        .expect("deploy");
    for i in 1..=5u8 {
        chain
            .mint(
                token,
                Address::repeat_byte(i),
                U256::from(u64::from(i) * 1000),
            )
            .await
            .expect("mint");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("tributary.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"sqlite://{}\"\n\n\
             [[chain]]\nname = \"test\"\nchain_id = {}\nrpc = [\"{}\"]\nconfirmations = 2\npoll_interval_ms = 50\n\n\
             [[contract]]\nname = \"Fuzz\"\nchain = \"test\"\nkind = \"erc20\"\naddress = \"{token}\"\nstart_block = 0\n",
            dir.path().join("fuzz.db").display(),
            chain.chain_id(),
            chain.rpc_url()
        ),
    )
    .expect("config");
    let port = free_port();
    // `start` indexes the seeded chain and serves it.
    let _server = tributary("start", &config, Some(port), &dir.path().join("start.log"));
    let head = chain.head().await.expect("head");
    wait_indexed(port, head, Duration::from_secs(60)).await;
    assert!(get_json(port, "/openapi.json").await.is_some());

    let started = Instant::now();
    let output = Command::new(&schemathesis)
        .arg("run")
        .arg(format!("http://127.0.0.1:{port}/openapi.json"))
        .args(["--checks", "all"])
        // Its findings (addresses and non-empty strings) are in the document
        // as patterns and lengths; what is left cannot be written in OpenAPI:
        // `after` only accepts cursors the API issued (a random string is a
        // forged cursor, 400), and `from_block <= to_block`.
        .args(["--exclude-checks", "positive_data_acceptance"])
        // The streaming endpoints never end a response; their contract is
        // tested in tributary-api's live tests.
        .args(["--exclude-path", "/v1/ws", "--exclude-path", "/v1/sse"])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args([
            "--max-examples",
            "40",
            "--workers",
            "2",
            "--request-timeout",
            "10",
        ])
        .args(["--max-time", "45"])
        .arg("--suppress-health-check=all")
        .env("NO_COLOR", "1")
        .output()
        .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{stdout}\n{stderr}"
    );
    eprintln!(
        "schemathesis passed in {:.0} s:\n{}",
        started.elapsed().as_secs_f64(),
        stdout.lines().rev().take(12).collect::<Vec<_>>().join("\n")
    );
}
