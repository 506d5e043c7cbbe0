//! Bad config gets exit code 2 and a message naming the file, line and key;
//! `init` writes a config that loads.

use std::process::Command;

fn tributary(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tributary"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run tributary")
}

fn status_with(config: &str) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("abis")).expect("abis");
    std::fs::write(dir.path().join("abis/Token.json"), r#"[{"type":"event","name":"Transfer","anonymous":false,"inputs":[{"name":"from","type":"address","indexed":true},{"name":"to","type":"address","indexed":true},{"name":"value","type":"uint256","indexed":false}]}]"#).expect("abi");
    std::fs::write(dir.path().join("bad.toml"), config).expect("write");
    let out = tributary(&["status", "-c", "bad.toml"], dir.path());
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const CHAIN: &str = "[[chain]]\nname = \"eth\"\nchain_id = 1\nrpc = [\"http://127.0.0.1:1\"]\n\n";

#[test]
fn each_config_error_exits_2_naming_file_line_and_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "unknown key",
            "[database]\nurll = \"sqlite://x.db\"\n",
            "bad.toml:2",
        ),
        (
            "bad address",
            &format!(
                "{CHAIN}[[contract]]\nname = \"T\"\nchain = \"eth\"\nkind = \"erc20\"\naddress = \"0x1234\"\n"
            ),
            "bad.toml:10",
        ),
        (
            "missing ABI file",
            &format!(
                "{CHAIN}[[contract]]\nname = \"T\"\nchain = \"eth\"\nkind = \"events\"\nabi = \"abis/Missing.json\"\naddress = \"0x0000000000000000000000000000000000000001\"\n"
            ),
            "Missing.json",
        ),
        (
            "unknown chain",
            "[[contract]]\nname = \"T\"\nchain = \"nope\"\nkind = \"erc20\"\naddress = \"0x0000000000000000000000000000000000000001\"\n",
            "bad.toml:3",
        ),
        (
            "unknown event",
            &format!(
                "{CHAIN}[[contract]]\nname = \"T\"\nchain = \"eth\"\nkind = \"events\"\nabi = \"abis/Token.json\"\naddress = \"0x0000000000000000000000000000000000000001\"\nevents = [\"Transfr\"]\n"
            ),
            "Transfr",
        ),
    ];
    for (what, config, needle) in cases {
        let (code, stderr) = status_with(config);
        assert_eq!(code, 2, "{what}: exit code; stderr: {stderr}");
        assert!(
            stderr.contains(needle),
            "{what}: message should name {needle:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{what}: panicked: {stderr}");
    }
}

#[test]
fn unknown_key_names_the_key_path() {
    let (code, stderr) = status_with(&format!(
        "{CHAIN}[[contract]]\nname = \"T\"\nchain = \"eth\"\nkind = \"erc20\"\naddress = \"0x0000000000000000000000000000000000000001\"\nstart_blok = 5\n"
    ));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("start_blok") && stderr.contains("bad.toml:11"),
        "{stderr}"
    );
}

#[test]
fn env_override_errors_name_the_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("t.toml"), CHAIN).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_tributary"))
        .args(["status", "-c", "t.toml"])
        .env("TRIBUTARY_CHAIN__ETH__CONFIRMATIONS", "many")
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("TRIBUTARY_CHAIN__ETH__CONFIRMATIONS"),
        "{stderr}"
    );
}

#[test]
fn init_writes_a_config_that_loads_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = tributary(&["init", "."], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dir.path().join("tributary.toml").exists() && dir.path().join("abis/Example.json").exists()
    );
    let loaded = tributary_config::load(&dir.path().join("tributary.toml"), &[]);
    assert!(
        loaded.is_ok(),
        "init template must load: {:?}",
        loaded.err()
    );
    let again = tributary(&["init", "."], dir.path());
    assert_eq!(again.status.code(), Some(2), "second init must refuse");
}
