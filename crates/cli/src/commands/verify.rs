//! `tributary verify [--sample N]`: indexed state against the chain's own
//! views at the indexed block, every difference listed.

use tributary_config::Config;
use tributary_engine::verify::{VerifyReport, verify_chain};
use tributary_source::EvmSource;

use crate::commands::open_store;

/// Verifies every chain; fails (exit 1) when any value differs.
pub async fn verify(config: &Config, sample: Option<usize>) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let mut total = 0;
    for chain in &config.chains {
        let source = EvmSource::connect(tributary_engine::setup::rpc_settings(chain)).await?;
        let report = verify_chain(&store, &source, chain.chain_id, sample).await?;
        print_report(&chain.name, &report);
        total += report.differences.len();
    }
    if total > 0 {
        anyhow::bail!("{total} indexed values differ from the chain");
    }
    Ok(())
}

fn print_report(name: &str, report: &VerifyReport) {
    println!(
        "{name} (chain {}): {} values checked at block {}, {} differences",
        report.chain_id,
        report.checked,
        report.block,
        report.differences.len()
    );
    for d in &report.differences {
        let chain = d
            .chain
            .map_or_else(|| "call failed".to_string(), |v| v.to_string());
        println!(
            "  {:?} {} {} via {}: indexed {} chain {}",
            d.key.kind, d.key.scope, d.key.subject, d.view, d.indexed, chain
        );
    }
}

/// How often `start`/`index` verify a sample of the indexed state.
const PERIOD: std::time::Duration = std::time::Duration::from_secs(600);
/// Values compared per chain each period.
const PERIODIC_SAMPLE: usize = 1000;

/// Verifies a sample of every chain every [`PERIOD`] until shutdown, exporting
/// `tributary_verify_mismatches{chain_id}` and logging each difference.
pub async fn verify_periodically(
    config: Config,
    store: tributary_store::Store,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(PERIOD) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        for chain in &config.chains {
            let source = match EvmSource::connect(tributary_engine::setup::rpc_settings(chain))
                .await
            {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(chain = %chain.name, error = %e, "verify: cannot reach the node");
                    continue;
                }
            };
            match verify_chain(&store, &source, chain.chain_id, Some(PERIODIC_SAMPLE)).await {
                Ok(report) => {
                    for d in &report.differences {
                        tracing::warn!(chain = %chain.name, block = report.block, kind = ?d.key.kind, scope = %d.key.scope, view = d.view, indexed = %d.indexed, chain_value = ?d.chain, "verify: indexed value differs from the chain");
                    }
                    tracing::info!(chain = %chain.name, block = report.block, checked = report.checked, differences = report.differences.len(), "verify: sample compared with the chain");
                }
                Err(e) => tracing::warn!(chain = %chain.name, error = %e, "verify failed"),
            }
        }
    }
}
