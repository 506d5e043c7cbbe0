//! A temporary project directory to write configs and ABIs into.

use std::path::PathBuf;

use tempfile::TempDir;
use tributary_config::{Config, ConfigError, ConfigErrors};

/// A checksummed address usable in configs.
pub const ADDR_A: &str = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
/// Another checksummed address.
pub const ADDR_B: &str = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";

/// A `[[chain]]` named bsc (chain id 56).
pub const CHAIN: &str = r#"
[[chain]]
name = "bsc"
chain_id = 56
rpc = ["https://a.example", "https://b.example"]
"#;

/// A JSON ABI with events `Foo(address indexed who, uint256 amount)` and
/// `Bar(uint256 id)`.
pub const FOO_ABI: &str = r#"[
  {"type":"event","name":"Foo","anonymous":false,"inputs":[
    {"name":"who","type":"address","indexed":true},
    {"name":"amount","type":"uint256","indexed":false}]},
  {"type":"event","name":"Bar","anonymous":false,"inputs":[
    {"name":"id","type":"uint256","indexed":false}]}
]"#;

/// A project directory.
pub struct Project {
    pub dir: TempDir,
}

impl Project {
    /// An empty project with `abis/Foo.json` = [`FOO_ABI`].
    pub fn new() -> Self {
        let project = Self {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        project.write("abis/Foo.json", FOO_ABI);
        project
    }

    /// Writes `content` to `relative` (creating folders).
    pub fn write(&self, relative: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, content).expect("write");
        path
    }

    /// Writes `toml` as tributary.toml and loads it with `env`.
    pub fn load_env(&self, toml: &str, env: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        let path = self.write("tributary.toml", toml);
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        tributary_config::load(&path, &env)
    }

    /// Writes `toml` as tributary.toml and loads it without overrides.
    pub fn load(&self, toml: &str) -> Result<Config, ConfigErrors> {
        self.load_env(toml, &[])
    }

    /// Loads `toml`, which must fail, and returns the problems.
    pub fn errors(&self, toml: &str) -> Vec<ConfigError> {
        match self.load(toml) {
            Ok(config) => panic!("expected errors, got {config:#?}"),
            Err(errors) => errors.0,
        }
    }
}

/// The 1-based line of the first line of `text` containing `needle`.
pub fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle:?} not in text"))
}

/// Asserts that `errors` holds exactly one problem, at `key` on `line`, whose
/// message contains `message`.
#[track_caller]
pub fn assert_single(errors: &[ConfigError], key: &str, line: usize, message: &str) {
    assert_eq!(errors.len(), 1, "expected one error, got: {errors:#?}");
    assert_error(errors, key, line, message);
}

/// Asserts that some problem is at `key` on `line` with `message` in its text.
#[track_caller]
pub fn assert_error(errors: &[ConfigError], key: &str, line: usize, message: &str) {
    let found = errors
        .iter()
        .find(|e| e.key == key)
        .unwrap_or_else(|| panic!("no error for key {key:?}; errors: {errors:#?}"));
    assert_eq!(found.line, Some(line), "line of {key}: {found}");
    assert!(found.column.is_some(), "column of {key}: {found}");
    assert!(found.message.contains(message), "message of {key}: {found}");
    assert_eq!(found.source_env, None);
}
