//! `tributary status`: progress of every chain, from the store.

use crate::commands::open_store;

/// Prints one line per chain.
pub async fn status(config: &tributary_config::Config) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let mut snap = store.snapshot().await?;
    let chains = snap.chains().await?;
    snap.finish().await?;
    println!(
        "{:<12} {:>10} {:>12} {:>12} {:>12} {:>8} {:>12}  last error",
        "chain", "chain_id", "head", "indexed", "finalized", "lag", "events"
    );
    for c in config.chains.iter() {
        let row = chains.iter().find(|r| r.chain_id == c.chain_id);
        let head = row.and_then(|r| r.head.map(|h| h.number));
        let indexed = row.and_then(|r| r.indexed.map(|h| h.number));
        let finalized = head.map(|h| h.saturating_sub(c.confirmations));
        let lag = match (head, indexed) {
            (Some(h), Some(i)) => h.saturating_sub(i).to_string(),
            _ => "-".into(),
        };
        let show = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
        println!(
            "{:<12} {:>10} {:>12} {:>12} {:>12} {:>8} {:>12}  {}",
            c.name,
            c.chain_id,
            show(head),
            show(indexed),
            show(finalized),
            lag,
            row.map_or(0, |r| r.events),
            row.and_then(|r| r.last_error.clone()).unwrap_or_default()
        );
    }
    Ok(())
}
