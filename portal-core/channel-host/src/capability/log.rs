//! `agora:channel/log`: channel logs become tracing events tagged with the channel and
//! publication, capped per render.

use crate::bindings::agora::channel::log::{Host, Level};
use crate::render::RenderState;

/// Prefix the SDK's panic hook puts before a panic message.
pub const PANIC_PREFIX: &str = "panic: ";

impl Host for RenderState {
    async fn log(&mut self, level: Level, message: String) {
        if let Some(panic) = message.strip_prefix(PANIC_PREFIX) {
            self.last_panic = Some(truncate(panic, 512).to_string());
        }
        let budget = self.limits.log_bytes.saturating_sub(self.log_bytes) as usize;
        if budget == 0 {
            return;
        }
        let text = truncate(&message, budget);
        self.log_bytes += text.len() as u32;
        let channel = &self.manifest.channel.id;
        let publication = &self.publication.id;
        match level {
            Level::Trace => tracing::trace!(target: "channel", %channel, %publication, "{text}"),
            Level::Debug => tracing::debug!(target: "channel", %channel, %publication, "{text}"),
            Level::Info => tracing::info!(target: "channel", %channel, %publication, "{text}"),
            Level::Warn => tracing::warn!(target: "channel", %channel, %publication, "{text}"),
            Level::Error => tracing::error!(target: "channel", %channel, %publication, "{text}"),
        }
    }
}

/// The longest prefix of `s` of at most `max` bytes ending on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(super::truncate("héllo", 2), "h");
        assert_eq!(super::truncate("héllo", 3), "hé");
        assert_eq!(super::truncate("abc", 10), "abc");
    }
}
