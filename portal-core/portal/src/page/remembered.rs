//! What a slot shows while its breaker is open ([`super::breaker`]): the last good render
//! with its age, else the failure in words with how long it has lasted.

use super::slot::{CachedRender, SlotView};

/// What is remembered of a failing slot variant (or publication) while its breaker is open.
#[derive(Debug, Clone)]
pub(super) struct Remembered {
    pub(super) reason_key: &'static str,
    pub(super) detail: String,
    /// The first failure of this run of failures, ms.
    pub(super) since_ms: i64,
    pub(super) last_good: Option<CachedRender>,
}

impl Remembered {
    pub(super) fn view(&self, now: i64) -> SlotView {
        match &self.last_good {
            Some(c) => SlotView::Stale {
                html: c.html.clone(),
                title: c.title.clone(),
                age_seconds: (now - c.rendered_at_ms).max(0) / 1000,
                reason_key: self.reason_key,
            },
            None => SlotView::Failed {
                reason_key: self.reason_key,
                detail: self.detail.clone(),
                since_seconds: Some((now - self.since_ms).max(0) / 1000),
            },
        }
    }
}
