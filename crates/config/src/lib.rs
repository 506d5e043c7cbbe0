//! `tributary.toml`: parsing, environment overrides and validation.
//!
//! [`load`] and [`parse_str`] turn a configuration file into a typed
//! [`Config`] or into [`ConfigErrors`] listing every problem, each with its
//! file, line, column and key (or the environment variable it came from). The
//! library never reads the process environment and never exits: callers pass
//! the environment in (`std::env::vars().collect::<Vec<_>>()` in a binary).
//!
//! Overrides are `TRIBUTARY_<SECTION>__<KEY>=value` (case-insensitive, `__`
//! between path segments); `[[chain]]` and `[[contract]]` entries are chosen by
//! name or index: `TRIBUTARY_CHAIN__BSC__RPC`, `TRIBUTARY_CONTRACT__0__START_BLOCK`.
//! Values are read as TOML when they parse (`12`, `["http://a", "http://b"]`),
//! otherwise as strings.

mod address;
mod env;
mod error;
mod fingerprint;
mod init;
mod model;
mod on_error;
mod read;
mod resolve;
mod schema;
pub mod templates;
mod tree;

use std::path::Path;

use toml::de::DeTable;

pub use address::{AddressError, parse_address};
pub use error::{ConfigError, ConfigErrors};
pub use init::{INIT_EXAMPLE_ABI_PATH, init_example_abi, init_template};
pub use model::{
    AddressSource, ApiConfig, BloomCheck, CacheConfig, ChainConfig, Config, ContractConfig,
    ContractKind, DatabaseConfig, UnknownKind,
};
pub use on_error::{OnError, UnknownOnError};

use crate::read::Ctx;
use crate::tree::{Node, Origin};

/// Reads the configuration file at `path`, applies the environment overrides
/// in `env`, and resolves and validates it.
pub fn load(path: &Path, env: &[(String, String)]) -> Result<Config, ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.to_path_buf(),
        line: None,
        column: None,
        key: String::new(),
        message: format!("cannot read config file: {e}"),
        source_env: None,
    })?;
    parse_str(&text, path, env)
}

/// Parses configuration `text` as if read from `file` (named in messages;
/// relative paths in the text resolve against its directory), applies the
/// environment overrides in `env`, and resolves and validates it.
pub fn parse_str(
    text: &str,
    file: &Path,
    env: &[(String, String)],
) -> Result<Config, ConfigErrors> {
    let mut ctx = Ctx::new(file, text);
    let (document, syntax_errors) = DeTable::parse_recoverable(text);
    for error in &syntax_errors {
        let origin = Origin::File(error.span().unwrap_or(0..0));
        ctx.error(
            &origin,
            "",
            format!("invalid TOML: {}", error.message().trim()),
        );
    }
    if !ctx.errors.is_empty() {
        return Err(ConfigErrors(ctx.errors));
    }
    let mut root = Node::from_document(&document);
    env::apply(&mut ctx, &mut root, env);
    match resolve::resolve(&mut ctx, &root) {
        Some(config) if ctx.errors.is_empty() => Ok(config),
        _ => {
            if ctx.errors.is_empty() {
                let message = "internal error: the configuration could not be resolved \
                               although no problem was found";
                ctx.error(&root.origin, "", message);
            }
            Err(ConfigErrors(ctx.errors))
        }
    }
}
