//! The files `tributary init` writes.

/// Where `tributary init` writes [`init_example_abi`], relative to the config file.
pub const INIT_EXAMPLE_ABI_PATH: &str = "abis/Example.json";

/// The commented `tributary.toml` that `tributary init` writes. It loads as
/// is, together with [`init_example_abi`] written to [`INIT_EXAMPLE_ABI_PATH`].
pub fn init_template() -> &'static str {
    include_str!("init/tributary.toml")
}

/// The example JSON ABI the init template's `Example` contract refers to.
pub fn init_example_abi() -> &'static str {
    include_str!("init/Example.json")
}
