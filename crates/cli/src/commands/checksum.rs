//! `tributary checksum [--chain C] [--json]`: per-table digests of the data
//! derived from each chain, to compare two stores (SQLite and PostgreSQL
//! alike) or one store before and after `rebuild`. Each chain's block starts
//! with a `# chain NAME (ID)` line, then one `table rows digest` line per table.

use tributary_config::Config;

use crate::commands::open_store;
use crate::exit::UsageError;

/// Prints the digests of every chain (or `chain`), as lines or one JSON document.
pub async fn checksum(config: &Config, chain: Option<&str>, json: bool) -> anyhow::Result<()> {
    if let Some(name) = chain
        && config.chain(name).is_none()
    {
        return Err(UsageError(format!(
            "--chain {name:?}: no such chain in {}",
            config.file.display()
        ))
        .into());
    }
    let store = open_store(config).await?;
    let mut out = Vec::new();
    for c in config
        .chains
        .iter()
        .filter(|c| chain.is_none_or(|n| n == c.name))
    {
        let sums = store.checksums(c.chain_id).await?;
        if json {
            let tables: serde_json::Map<String, serde_json::Value> = sums
                .iter()
                .map(|s| {
                    (
                        s.table.to_string(),
                        serde_json::json!({"rows": s.rows, "digest": s.hex()}),
                    )
                })
                .collect();
            out.push(serde_json::json!({
                "chain": c.name,
                "chain_id": c.chain_id,
                "tables": tables,
            }));
        } else {
            println!("# chain {} ({})", c.name, c.chain_id);
            for s in &sums {
                println!("{:<14} {:>12} {}", s.table, s.rows, s.hex());
            }
        }
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "chains": out }))?
        );
    }
    store.close().await;
    Ok(())
}
