//! Finding the anvil binary and starting it on a free port.

use std::{
    ffi::OsString,
    path::{Path, PathBuf},
};

use alloy::node_bindings::{Anvil, AnvilInstance};

use crate::TestkitError;

/// Environment variable that overrides where the anvil binary is.
pub const ANVIL_ENV: &str = "TRIBUTARY_ANVIL";

/// Where `npm ci` in the repo root installs anvil, relative to the workspace root.
const BUNDLED_ANVIL: &str = "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";

/// The workspace root: two levels above this crate's manifest directory (fixed at compile time).
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .unwrap_or(manifest)
        .to_path_buf()
}

/// The anvil binary `npm ci` installs into the workspace's `node_modules`.
pub fn bundled_anvil_path() -> PathBuf {
    workspace_root().join(BUNDLED_ANVIL)
}

/// Finds the anvil binary.
///
/// Looks, in order, at the `TRIBUTARY_ANVIL` environment variable (which must then name an
/// existing file), at `<workspace root>/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil`,
/// and at `anvil` on `PATH`.
pub fn anvil_path() -> Result<PathBuf, TestkitError> {
    if let Some(path) = std::env::var_os(ANVIL_ENV).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(TestkitError::AnvilEnvInvalid { path })
        };
    }
    let bundled = bundled_anvil_path();
    if bundled.is_file() {
        return Ok(bundled);
    }
    find_on_path("anvil").ok_or(TestkitError::AnvilNotFound { bundled })
}

/// The first file called `name` in a directory of `PATH`.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Starts anvil on 127.0.0.1 with an OS-chosen free port and the extra `args`.
///
/// Blocks until anvil prints its address; run it off the async executor (see
/// [`crate::TestChain::spawn_with`]).
pub fn spawn_anvil(path: &Path, args: Vec<OsString>) -> Result<AnvilInstance, TestkitError> {
    Anvil::at(path)
        .host("127.0.0.1")
        .port(0_u16)
        .args(args)
        .try_spawn()
        .map_err(|source| TestkitError::AnvilSpawn {
            path: path.to_path_buf(),
            source,
        })
}
