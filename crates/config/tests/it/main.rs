//! Integration tests of tributary-config: real files in a temporary directory.

mod chain_ops;
mod defi;
mod env;
mod errors;
mod factory;
mod fingerprint;
mod init;
mod role_args;
mod serving_keys;
mod support;
mod templates;
