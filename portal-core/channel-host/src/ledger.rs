//! The ledger of one render: what every capability charges and records, in one place, with
//! every record bounded in count and bytes.
//!
//! * **Requests**: each call to a back-end, the directory or the mail server, granted or not,
//!   counts against `limits.requests`; running out is remembered so the failure says so.
//! * **Refusals**: what the channel asked for and did not get (manifest entries to add), at
//!   most [`MAX_REFUSALS`] records of at most [`MAX_RECORD_BYTES`] each, guest strings
//!   shortened; further refusals are only counted.
//! * **Log**: the channel's own lines *and* the host's lines about this render share the
//!   channel's `limits.log_bytes`; host lines are also rate-limited per publication across
//!   renders ([`HostLines`]), so a flood of refused calls cannot fill the portal's log.
//!
//! Invariant: nothing a guest passes to the host is kept beyond [`MAX_RECORD_BYTES`] per
//! record, and the number of records is fixed, whatever the guest does.

use crate::limits::Limits;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Most refusal records kept for one render.
pub const MAX_REFUSALS: usize = 8;
/// Longest record (refusal or host log line) kept or written, bytes.
pub const MAX_RECORD_BYTES: usize = 240;
/// Longest piece of a guest string quoted in a record, bytes.
pub const MAX_QUOTED_BYTES: usize = 64;
/// Host lines per publication per [`HOST_LINES_WINDOW`].
pub const HOST_LINES_PER_WINDOW: u32 = 20;
/// The window of the host-line rate limit.
pub const HOST_LINES_WINDOW: Duration = Duration::from_secs(60);

/// Quote a guest-provided string for a record: at most [`MAX_QUOTED_BYTES`], control
/// characters replaced, the original length said when shortened.
pub fn quoted(s: &str) -> String {
    let mut out: String = truncate(s, MAX_QUOTED_BYTES)
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.len() > MAX_QUOTED_BYTES {
        out.push_str(&format!("… ({} bytes)", s.len()));
    }
    out
}

/// The longest prefix of `s` of at most `max` bytes ending on a character boundary.
pub fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Rate limit of the host's log lines about renders, per publication, shared by every render
/// of an engine. A window of [`HOST_LINES_WINDOW`] allows [`HOST_LINES_PER_WINDOW`] lines;
/// the next window's first line says how many were suppressed.
#[derive(Default)]
pub struct HostLines {
    windows: Mutex<HashMap<Arc<str>, Window>>,
}

struct Window {
    started: Instant,
    written: u32,
    suppressed: u64,
}

impl HostLines {
    /// Whether a line about `publication` may be written now, and how many lines were
    /// suppressed in the window before (to say so once).
    pub fn admit(&self, publication: &Arc<str>) -> Option<u64> {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let w = windows.entry(publication.clone()).or_insert(Window {
            started: now,
            written: 0,
            suppressed: 0,
        });
        let mut carried = 0;
        if now.duration_since(w.started) >= HOST_LINES_WINDOW {
            carried = w.suppressed;
            *w = Window {
                started: now,
                written: 0,
                suppressed: 0,
            };
        }
        if w.written >= HOST_LINES_PER_WINDOW {
            w.suppressed += 1;
            return None;
        }
        w.written += 1;
        Some(carried)
    }
}

/// What went into one render's ledger, read once it is over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// Refusals kept (bounded).
    pub refusals: Vec<String>,
    /// Refusals beyond [`MAX_REFUSALS`], counted only.
    pub refusals_dropped: u32,
    /// Whether the channel asked for more than `limits.requests`.
    pub requests_exhausted: bool,
}

/// The ledger of one render (see the module docs).
pub struct Ledger {
    channel: Arc<str>,
    publication: Arc<str>,
    limits: Limits,
    host_lines: Arc<HostLines>,
    requests_made: u32,
    log_bytes: u32,
    record: Record,
    cpu: Arc<crate::cpu::CpuMeter>,
}

/// The request budget of the render is spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestsExhausted(pub u32);

impl Ledger {
    /// The render's CPU meter (host calls run their work outside it: [`Ledger::host_work`]).
    pub fn cpu(&self) -> Arc<crate::cpu::CpuMeter> {
        self.cpu.clone()
    }

    /// Run `work`, the host's for this render (a back-end call, a directory search …),
    /// without charging its CPU to the guest's budget.
    pub fn host_work<F: std::future::Future>(&self, work: F) -> crate::cpu::Unmetered<F> {
        crate::cpu::Unmetered::new(work, self.cpu.clone())
    }

    /// A fresh ledger for one render of `publication` of `channel`.
    pub fn new(channel: Arc<str>, publication: Arc<str>, limits: Limits, host_lines: Arc<HostLines>) -> Self {
        Ledger {
            channel,
            publication,
            limits,
            host_lines,
            requests_made: 0,
            log_bytes: 0,
            record: Record::default(),
            cpu: Arc::default(),
        }
    }

    /// The channel's limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The channel id (for metrics).
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The publication id.
    pub fn publication(&self) -> &str {
        &self.publication
    }

    /// Charge one outbound call (back-end, directory, mail), granted or not.
    pub fn take_request(&mut self) -> Result<(), RequestsExhausted> {
        if self.requests_made >= self.limits.requests {
            if !self.record.requests_exhausted {
                self.record.requests_exhausted = true;
                let line = format!("ran out of its {} requests for this render", self.limits.requests);
                self.host_line(&line);
            }
            return Err(RequestsExhausted(self.limits.requests));
        }
        self.requests_made += 1;
        Ok(())
    }

    /// Record a refusal (`text` already quotes guest strings with [`quoted`]) and write a
    /// host line about it, within the log budget and the rate limit.
    pub fn refuse(&mut self, text: &str) {
        let text = truncate(text, MAX_RECORD_BYTES);
        if self.record.refusals.len() < MAX_REFUSALS {
            if !self.record.refusals.iter().any(|r| r == text) {
                self.record.refusals.push(text.to_string());
            }
        } else {
            self.record.refusals_dropped = self.record.refusals_dropped.saturating_add(1);
        }
        self.host_line(&format!("refused: {text}"));
    }

    /// Write a host line (a warning) about this render, charged to the channel's log budget
    /// and rate-limited per publication.
    pub fn host_line(&mut self, text: &str) {
        let text = truncate(text, MAX_RECORD_BYTES);
        if !self.charge_log(text.len()) {
            return;
        }
        if let Some(suppressed) = self.host_lines.admit(&self.publication) {
            if suppressed > 0 {
                tracing::warn!(channel = %self.channel, publication = %self.publication, suppressed, "host lines about this publication were suppressed (rate limit)");
            }
            tracing::warn!(channel = %self.channel, publication = %self.publication, "{text}");
        }
    }

    /// Take `bytes` from the log budget; false when it is spent.
    fn charge_log(&mut self, bytes: usize) -> bool {
        let left = self.limits.log_bytes.saturating_sub(self.log_bytes) as usize;
        if left == 0 {
            return false;
        }
        self.log_bytes += bytes.min(left) as u32;
        true
    }

    /// What is left of the log budget, bytes; spends it.
    pub fn take_log_budget(&mut self, wanted: usize) -> usize {
        let left = self.limits.log_bytes.saturating_sub(self.log_bytes) as usize;
        let granted = wanted.min(left);
        self.log_bytes += granted as u32;
        granted
    }

    /// What the render recorded.
    pub fn record(&self) -> &Record {
        &self.record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger(limits: Limits) -> Ledger {
        Ledger::new("c".into(), "p".into(), limits, Arc::new(HostLines::default()))
    }

    #[test]
    fn refusals_are_bounded_in_count_and_bytes() {
        let mut l = ledger(Limits::default());
        let huge = "x".repeat(1 << 20);
        for i in 0..1000 {
            l.refuse(&format!("attribute `{}{i}` is not granted", quoted(&huge)));
        }
        let r = l.record();
        assert_eq!(r.refusals.len(), MAX_REFUSALS);
        assert!(r.refusals.iter().all(|s| s.len() <= MAX_RECORD_BYTES), "{r:?}");
        assert_eq!(r.refusals_dropped, 1000 - MAX_REFUSALS as u32);
    }

    #[test]
    fn requests_are_counted_and_exhaustion_remembered() {
        let mut l = ledger(Limits {
            requests: 2,
            ..Limits::default()
        });
        assert!(l.take_request().is_ok());
        assert!(l.take_request().is_ok());
        assert_eq!(l.take_request(), Err(RequestsExhausted(2)));
        assert!(l.record().requests_exhausted);
    }

    #[test]
    fn host_lines_spend_the_log_budget() {
        let mut l = ledger(Limits {
            log_bytes: 100,
            ..Limits::default()
        });
        l.host_line(&"y".repeat(80));
        assert_eq!(l.take_log_budget(1000), 20);
        assert_eq!(l.take_log_budget(1000), 0);
    }

    #[test]
    fn host_lines_are_rate_limited_per_publication() {
        let lines = HostLines::default();
        let a: Arc<str> = "a".into();
        let b: Arc<str> = "b".into();
        for _ in 0..HOST_LINES_PER_WINDOW {
            assert!(lines.admit(&a).is_some());
        }
        assert!(lines.admit(&a).is_none());
        assert!(lines.admit(&b).is_some(), "another publication has its own window");
    }

    #[test]
    fn quoted_guest_strings_are_short_and_printable() {
        let q = quoted(&format!("a\nb{}", "é".repeat(100)));
        assert!(q.starts_with("a?b"));
        assert!(q.len() < MAX_QUOTED_BYTES + 20, "{q}");
        assert!(q.ends_with("bytes)"));
    }
}
