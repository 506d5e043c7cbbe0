//! `tributary init`: a commented config and an example ABI to start from.

use std::path::Path;

use anyhow::Context;

use crate::exit::UsageError;

/// Writes `DIR/tributary.toml` and `DIR/abis/Example.json`, never overwriting.
pub fn init(dir: &Path) -> anyhow::Result<()> {
    let config = dir.join("tributary.toml");
    let abi = dir.join("abis").join("Example.json");
    for path in [&config, &abi] {
        if path.exists() {
            return Err(UsageError(format!(
                "{} already exists; not overwriting it",
                path.display()
            ))
            .into());
        }
    }
    std::fs::create_dir_all(dir.join("abis"))
        .with_context(|| format!("creating {}", dir.join("abis").display()))?;
    std::fs::write(&config, tributary_config::init_template())
        .with_context(|| format!("writing {}", config.display()))?;
    std::fs::write(&abi, tributary_config::init_example_abi())
        .with_context(|| format!("writing {}", abi.display()))?;
    println!("wrote {} and {}", config.display(), abi.display());
    println!(
        "next: edit the [[chain]] rpc and the [[contract]] entries, then run `tributary start -c {}`",
        config.display()
    );
    Ok(())
}
