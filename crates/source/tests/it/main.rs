//! Integration tests of `tributary-source` against a real anvil node.

mod bloom;
mod chain;
mod fetch;
mod heads;
