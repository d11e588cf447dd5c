//! Structured logs (tracing) and Prometheus metrics.

use crate::config::{LogConfig, LogFormat};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use tracing_subscriber::EnvFilter;

/// Install the log subscriber (once per process; later calls do nothing).
pub fn init_logs(config: &LogConfig) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.filter));
    // Logs go to stderr: stdout is for command output (`explain UID > file`).
    let result = if config.format == LogFormat::Json {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .json()
            .with_current_span(false)
            .try_init()
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init()
    };
    if result.is_err() {
        tracing::debug!("log subscriber already installed");
    }
}

/// The process-wide Prometheus recorder, installed on first use.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics may be empty");
            }
            handle
        })
        .clone()
}

#[cfg(test)]
mod tests {
    #[test]
    fn counters_show_in_the_prometheus_text() {
        let handle = super::metrics_handle();
        metrics::counter!("agora_test_total", "kind" => "unit").increment(2);
        let text = handle.render();
        assert!(text.contains("agora_test_total{kind=\"unit\"} 2"), "{text}");
    }
}
