//! Failure memory for slots: a circuit breaker per slot variant (publication + cache key)
//! and per publication, so a failing back-end costs one render per back-off period instead
//! of one per page view.
//!
//! * A slot variant whose render fails is **open**: page views get the remembered view (the
//!   last good render with its age, or the error card) without rendering, for a back-off of
//!   [`FIRST_BACKOFF`] doubling at each failed probe up to [`MAX_BACKOFF`].
//! * Once the back-off is over it is **half-open**: one page view probes (renders); the
//!   others keep the remembered view until the probe ends. A good render closes it.
//! * "Nothing to show for this user" (`not-applicable`) is an answer, not a failure: it is
//!   remembered for [`NOT_APPLICABLE_FOR`].
//! * A publication whose renders failed [`PUBLICATION_THRESHOLD`] times in a row, across
//!   variants, is open as a whole: variants not seen yet are not rendered either (term start,
//!   a dead back-end, thousands of users) until its own probe succeeds.
//!
//! Pure bookkeeping over `now_ms` values given by the caller: no clock, no I/O. With several
//! nodes, [`super::failures`] shares these states through Redis.

use std::collections::HashMap;
use std::sync::Mutex;

/// Back-off after the first failure, ms.
pub const FIRST_BACKOFF: i64 = 1_000;
/// Longest back-off, ms.
pub const MAX_BACKOFF: i64 = 60_000;
/// How long a `not-applicable` answer is remembered, ms.
pub const NOT_APPLICABLE_FOR: i64 = 60_000;
/// Consecutive failures of a publication (any variant) that open it as a whole.
pub const PUBLICATION_THRESHOLD: u32 = 5;

/// How long one probe holds the others back: a probe whose render was dropped (the browser
/// went away) frees the way after this, ms.
pub const PROBE_HOLD: i64 = 30_000;

/// One breaker's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct State {
    failures: u32,
    open_until: i64,
    /// A probe is under way until then (0: none).
    probe_until: i64,
}

/// What the caller should do for one page view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Closed: render.
    Render,
    /// Half-open: render, as the one probe of this back-off period.
    Probe,
    /// Open: do not render, serve the remembered view.
    Remembered,
}

/// Breakers by key; bounded by the caller (keys are slot variants and publications).
#[derive(Debug, Default)]
pub struct Breakers {
    states: Mutex<HashMap<String, State>>,
}

/// The back-off after `failures` consecutive failures: [`FIRST_BACKOFF`] doubling, at most
/// [`MAX_BACKOFF`].
pub fn backoff(failures: u32) -> i64 {
    let doublings = failures.saturating_sub(1).min(16);
    (FIRST_BACKOFF << doublings).min(MAX_BACKOFF)
}

impl Breakers {
    /// Whether to render `key` now.
    pub fn decide(&self, key: &str, now_ms: i64) -> Decision {
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        let Some(s) = states.get_mut(key) else {
            return Decision::Render;
        };
        if now_ms < s.open_until {
            return Decision::Remembered;
        }
        if s.open_until == 0 {
            // Failures counted (a publication under its threshold), never opened.
            return Decision::Render;
        }
        if now_ms < s.probe_until {
            return Decision::Remembered;
        }
        s.probe_until = now_ms + PROBE_HOLD;
        Decision::Probe
    }

    /// Whether `key` is open (would not render now), without taking a probe.
    #[cfg(test)]
    fn is_open(&self, key: &str, now_ms: i64) -> bool {
        let states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        states
            .get(key)
            .is_some_and(|s| now_ms < s.open_until || now_ms < s.probe_until)
    }

    /// Failures counted and end of the back-off of `key`, if it has a state.
    pub fn state(&self, key: &str) -> Option<(u32, i64)> {
        let states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        states.get(key).map(|s| (s.failures, s.open_until))
    }

    /// Take a state learnt elsewhere (another node): `key` is open until `open_until` after
    /// `failures` failures. A probe this node was making is over.
    pub fn adopt(&self, key: &str, failures: u32, open_until: i64) {
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        let s = states.entry(key.to_string()).or_default();
        s.failures = s.failures.max(failures);
        s.open_until = s.open_until.max(open_until);
        s.probe_until = 0;
    }

    /// The probe this node took on `key` will not run (another node's state decided):
    /// the next view may take one again.
    pub fn release(&self, key: &str) {
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = states.get_mut(key) {
            s.probe_until = 0;
        }
    }

    /// A render of `key` succeeded: close it.
    pub fn succeeded(&self, key: &str) {
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        states.remove(key);
    }

    /// A render of `key` failed (`answer`: it was a `not-applicable` answer). Returns whether
    /// this opened the breaker (closed → open: the moment to log a warning).
    pub fn failed(&self, key: &str, now_ms: i64, answer: bool) -> bool {
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        if states.len() > 100_000 {
            // Stale entries of variants nobody views any more.
            states.retain(|_, s| s.open_until + MAX_BACKOFF > now_ms);
        }
        let s = states.entry(key.to_string()).or_default();
        let opened = s.failures == 0;
        s.failures = s.failures.saturating_add(1);
        s.probe_until = 0;
        s.open_until = now_ms
            + if answer {
                NOT_APPLICABLE_FOR
            } else {
                backoff(s.failures)
            };
        opened
    }

    /// Count a failure of publication `key` towards [`PUBLICATION_THRESHOLD`]; returns whether
    /// the publication is now open.
    pub fn publication_failed(&self, key: &str, now_ms: i64) -> bool {
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        let s = states.entry(key.to_string()).or_default();
        s.failures = s.failures.saturating_add(1);
        s.probe_until = 0;
        if s.failures >= PUBLICATION_THRESHOLD {
            s.open_until = now_ms + backoff(s.failures + 1 - PUBLICATION_THRESHOLD);
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_opens_for_the_back_off_then_one_probe_goes_through() {
        let b = Breakers::default();
        assert_eq!(b.decide("k", 0), Decision::Render);
        assert!(b.failed("k", 0, false), "first failure opens");
        assert_eq!(b.decide("k", 500), Decision::Remembered);
        assert_eq!(b.decide("k", 1_000), Decision::Probe, "half-open: one probe");
        assert_eq!(b.decide("k", 1_001), Decision::Remembered, "only one probe at a time");
        assert!(!b.failed("k", 1_100, false), "still open, not newly opened");
        assert_eq!(b.decide("k", 2_500), Decision::Remembered, "back-off doubled to 2 s");
        assert_eq!(b.decide("k", 3_100), Decision::Probe);
        b.succeeded("k");
        assert_eq!(b.decide("k", 3_200), Decision::Render);
        assert!(b.failed("k", 3_300, false), "a new failure after success opens again");
    }

    #[test]
    fn back_off_is_capped() {
        let b = Breakers::default();
        for i in 0..40 {
            b.failed("k", i, false);
        }
        assert!(b.is_open("k", 39 + MAX_BACKOFF - 1));
        assert!(!b.is_open("k", 39 + MAX_BACKOFF));
    }

    #[test]
    fn not_applicable_is_remembered_longer() {
        let b = Breakers::default();
        b.failed("k", 0, true);
        assert!(b.is_open("k", NOT_APPLICABLE_FOR - 1));
        assert!(!b.is_open("k", NOT_APPLICABLE_FOR));
    }

    #[test]
    fn a_publication_opens_after_repeated_failures_across_variants() {
        let b = Breakers::default();
        for i in 0..PUBLICATION_THRESHOLD - 1 {
            assert!(!b.publication_failed("p", i64::from(i)));
            assert_eq!(b.decide("p", i64::from(i)), Decision::Render, "under the threshold");
        }
        assert!(b.publication_failed("p", 10));
        assert!(b.is_open("p", 11));
        b.succeeded("p");
        assert!(!b.is_open("p", 12));
    }

    #[test]
    fn a_probe_that_never_ends_frees_the_way_after_its_hold() {
        let b = Breakers::default();
        b.failed("k", 0, false);
        assert_eq!(b.decide("k", 1_000), Decision::Probe);
        assert_eq!(b.decide("k", 1_000 + PROBE_HOLD - 1), Decision::Remembered);
        assert_eq!(
            b.decide("k", 1_000 + PROBE_HOLD),
            Decision::Probe,
            "the dropped probe expired"
        );
        b.release("k");
        assert_eq!(b.decide("k", 1_000 + PROBE_HOLD + 1), Decision::Probe, "released");
    }

    #[test]
    fn an_adopted_state_opens_and_ends_a_probe() {
        let b = Breakers::default();
        b.failed("k", 0, false);
        assert_eq!(b.decide("k", 1_000), Decision::Probe);
        b.adopt("k", 3, 5_000);
        assert_eq!(b.state("k"), Some((3, 5_000)));
        assert_eq!(b.decide("k", 4_999), Decision::Remembered);
        assert_eq!(
            b.decide("k", 5_000),
            Decision::Probe,
            "the probe taken before was released"
        );
    }
}
