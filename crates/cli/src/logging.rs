//! Logging (tracing) and the Prometheus metrics recorder.

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::cli::{Global, LogFormat};

/// Installs the log subscriber and the metrics recorder.
pub fn init(global: &Global) -> anyhow::Result<PrometheusHandle> {
    let default = match global.verbose {
        0 => "info,sqlx=warn",
        1 => "debug,sqlx=warn,hyper=info,reqwest=info",
        _ => "trace",
    };
    let filter =
        EnvFilter::try_from_env("TRIBUTARY_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match global.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    }
    .map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))?;
    let handle = PrometheusBuilder::new().install_recorder()?;
    Ok(handle)
}
