//! Per-render resource limits.

use serde::Deserialize;
use std::time::Duration;

/// Limits applied to every render of a channel. Defaults follow the reference design;
/// a manifest may lower or raise them within [`Limits::CEILING`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Linear memory cap, MiB.
    pub memory_mib: u32,
    /// Guest CPU time per render, ms (time spent waiting on host calls does not count).
    pub cpu_ms: u32,
    /// Wall-clock budget for a whole render, host calls included, ms.
    pub wall_ms: u32,
    /// Outbound back-end requests per render.
    pub requests: u32,
    /// Timeout of one back-end request, ms (a binding may set a shorter one).
    pub request_timeout_ms: u32,
    /// Largest back-end response body, bytes.
    pub response_bytes: u32,
    /// Largest HTML output, bytes.
    pub output_bytes: u32,
    /// Log volume per render, bytes.
    pub log_bytes: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_mib: 32,
            cpu_ms: 50,
            wall_ms: 2500,
            requests: 8,
            request_timeout_ms: 2000,
            response_bytes: 2 * 1024 * 1024,
            output_bytes: 256 * 1024,
            log_bytes: 8 * 1024,
        }
    }
}

impl Limits {
    /// The most any manifest may ask for.
    pub const CEILING: Limits = Limits {
        memory_mib: 256,
        cpu_ms: 2000,
        wall_ms: 30_000,
        requests: 64,
        request_timeout_ms: 30_000,
        response_bytes: 32 * 1024 * 1024,
        output_bytes: 4 * 1024 * 1024,
        log_bytes: 256 * 1024,
    };

    /// The first limit above the ceiling, as `(key, value, ceiling)`.
    pub fn first_above_ceiling(&self) -> Option<(&'static str, u32, u32)> {
        let c = Self::CEILING;
        [
            ("memory_mib", self.memory_mib, c.memory_mib),
            ("cpu_ms", self.cpu_ms, c.cpu_ms),
            ("wall_ms", self.wall_ms, c.wall_ms),
            ("requests", self.requests, c.requests),
            ("request_timeout_ms", self.request_timeout_ms, c.request_timeout_ms),
            ("response_bytes", self.response_bytes, c.response_bytes),
            ("output_bytes", self.output_bytes, c.output_bytes),
            ("log_bytes", self.log_bytes, c.log_bytes),
        ]
        .into_iter()
        .find(|(_, v, max)| v > max || *v == 0)
    }

    /// Wall-clock budget as a duration.
    pub fn wall(&self) -> Duration {
        Duration::from_millis(u64::from(self.wall_ms))
    }

    /// Guest CPU budget as a duration.
    pub fn cpu(&self) -> Duration {
        Duration::from_millis(u64::from(self.cpu_ms))
    }
}
