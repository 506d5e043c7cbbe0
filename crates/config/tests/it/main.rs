//! Integration tests of tributary-config: real files in a temporary directory.

mod defi;
mod env;
mod errors;
mod factory;
mod fingerprint;
mod init;
mod role_args;
mod support;
mod templates;
