//! `agora:channel/log`: channel logs become tracing events tagged with the channel and
//! publication, within the render's log budget (`limits.log_bytes`, shared with the host's
//! own lines about the render, see [`crate::ledger`]).

use super::shape::{Capability, Getter, HasView, View};
use crate::bindings::agora::channel0_1_0::log::{self as wit, Host, Level};
use crate::ledger::truncate;
use crate::manifest::{ChannelManifest, ManifestError};
use wasmtime::component::{Component, Linker};

/// Prefix the SDK's panic hook puts before a panic message.
pub const PANIC_PREFIX: &str = "panic: ";
/// Longest panic message kept.
pub const MAX_PANIC_BYTES: usize = 512;

/// The log capability (always granted).
pub struct Log;

/// Per-render state: the last panic message the SDK's hook reported.
#[derive(Debug, Default)]
pub struct LogState {
    /// The panic message, if the channel panicked.
    pub last_panic: Option<String>,
}

impl Capability for Log {
    const INTERFACE: &'static str = "agora:channel/log";
    type Grant = ();
    type Hook = ();
    type State = LogState;

    fn grant(_manifest: &ChannelManifest) -> Result<(), ManifestError> {
        Ok(())
    }

    fn prepare(_grant: &(), _hook: ()) -> LogState {
        LogState::default()
    }

    fn link<T: Send + 'static>(
        linker: &mut Linker<T>,
        _component: &Component,
        get: Getter<T, LogState>,
    ) -> wasmtime::Result<()> {
        wit::add_to_linker::<T, HasView<LogState>>(linker, get)
    }
}

impl Host for View<'_, LogState> {
    async fn log(&mut self, level: Level, message: String) {
        if let Some(panic) = message.strip_prefix(PANIC_PREFIX) {
            self.state.last_panic = Some(truncate(panic, MAX_PANIC_BYTES).to_string());
        }
        let budget = self.ledger.take_log_budget(message.len());
        if budget == 0 {
            return;
        }
        let text = truncate(&message, budget);
        let channel = self.ledger.channel();
        let publication = self.ledger.publication();
        match level {
            Level::Trace => tracing::trace!(target: "channel", %channel, %publication, "{text}"),
            Level::Debug => tracing::debug!(target: "channel", %channel, %publication, "{text}"),
            Level::Info => tracing::info!(target: "channel", %channel, %publication, "{text}"),
            Level::Warn => tracing::warn!(target: "channel", %channel, %publication, "{text}"),
            Level::Error => tracing::error!(target: "channel", %channel, %publication, "{text}"),
        }
    }
}
