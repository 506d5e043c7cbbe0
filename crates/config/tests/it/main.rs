//! Integration tests of tributary-config: real files in a temporary directory.

mod env;
mod errors;
mod factory;
mod fingerprint;
mod init;
mod support;
mod templates;
