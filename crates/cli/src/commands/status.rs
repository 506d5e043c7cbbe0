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
    print_ops(config, &store).await
}

/// How many runs `status` lists.
const RECENT_RUNS: u32 = 10;

/// Lease holders, open dead letters and the latest ingest runs.
async fn print_ops(
    config: &tributary_config::Config,
    store: &tributary_store::Store,
) -> anyhow::Result<()> {
    println!();
    println!(
        "{:<12} {:>12} {:>8}  lease holder",
        "chain", "dead letters", "epoch"
    );
    for c in config.chains.iter() {
        let open = store.open_dead_letters(c.chain_id).await?;
        let (epoch, holder) = match store.lease_holder(c.chain_id).await? {
            Some((e, h)) => (e.to_string(), h),
            None => ("-".into(), "-".into()),
        };
        println!("{:<12} {:>12} {:>8}  {holder}", c.name, open, epoch);
    }
    let runs = store.runs(None, RECENT_RUNS).await?;
    println!();
    println!(
        "{:>6} {:<8} {:<12} {:>10} {:>10} {:<8} {:>9} {:>10}  error",
        "run", "job", "chain", "from", "to", "status", "seconds", "events"
    );
    let show = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
    for r in runs {
        let chain = config
            .chain_by_id(r.chain_id)
            .map_or_else(|| r.chain_id.to_string(), |c| c.name.clone());
        let seconds = r.ended_at.map_or("-".to_string(), |e| {
            format!("{:.1}", (e - r.started_at) as f64 / 1000.0)
        });
        println!(
            "{:>6} {:<8} {:<12} {:>10} {:>10} {:<8} {:>9} {:>10}  {}",
            r.id,
            r.job,
            chain,
            show(r.from_block),
            show(r.to_block),
            r.status.as_str(),
            seconds,
            r.stats
                .get("events")
                .and_then(|v| v.as_u64())
                .map_or("-".into(), |v| v.to_string()),
            r.error.unwrap_or_default()
        );
    }
    Ok(())
}
