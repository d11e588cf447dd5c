//! How long a signed-in session lives: an idle limit (time since the last request,
//! `session.idle_minutes`) and an absolute limit (time since sign-in, `auth.absolute_hours`),
//! whichever comes first. Times are milliseconds since the Unix epoch, as stored in the session.

use crate::config::PortalConfig;

/// Why a session is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expired {
    /// No request for longer than the idle limit.
    Idle,
    /// Signed in for longer than the absolute limit, however active.
    Absolute,
}

/// The two limits of a signed-in session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Longest time between two requests, in ms.
    pub idle_ms: i64,
    /// Longest time since sign-in, in ms.
    pub absolute_ms: i64,
}

/// The last-seen stamp is rewritten at most this often, to spare the session store a write
/// per request.
const SEEN_REFRESH_MS: i64 = 60_000;

impl SessionLimits {
    /// The limits the configuration sets.
    pub fn from_config(config: &PortalConfig) -> Self {
        SessionLimits {
            idle_ms: config.session.idle_minutes as i64 * 60_000,
            absolute_ms: config.auth.absolute_hours as i64 * 3_600_000,
        }
    }

    /// Whether a session last seen at `last_seen` and signed in at `signed_in_at` is over at
    /// `now`. A session without a last-seen stamp (`None`) is over: limits fail closed.
    pub fn check(&self, now: i64, last_seen: Option<i64>, signed_in_at: Option<i64>) -> Result<(), Expired> {
        let seen = last_seen.unwrap_or(i64::MIN / 2);
        if now.saturating_sub(seen) > self.idle_ms {
            return Err(Expired::Idle);
        }
        let signed_in_at = signed_in_at.unwrap_or(seen);
        if now.saturating_sub(signed_in_at) > self.absolute_ms {
            return Err(Expired::Absolute);
        }
        Ok(())
    }

    /// Whether the last-seen stamp should be rewritten at `now`.
    pub fn refresh_seen(&self, now: i64, last_seen: Option<i64>) -> bool {
        last_seen.is_none_or(|seen| now.saturating_sub(seen) > SEEN_REFRESH_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const HOUR: i64 = 60 * MIN;

    fn limits() -> SessionLimits {
        SessionLimits {
            idle_ms: 120 * MIN,
            absolute_ms: 12 * HOUR,
        }
    }

    #[test]
    fn an_active_session_lives_until_the_absolute_limit() {
        let l = limits();
        let t0 = 1_800_000_000_000;
        assert_eq!(l.check(t0 + MIN, Some(t0), Some(t0)), Ok(()));
        // Seen a minute ago, signed in 11 h 59 ago: still on.
        assert_eq!(
            l.check(t0 + 12 * HOUR - MIN, Some(t0 + 12 * HOUR - 2 * MIN), Some(t0)),
            Ok(())
        );
        // Active all along, but past 12 h: over.
        assert_eq!(
            l.check(t0 + 12 * HOUR + 1, Some(t0 + 12 * HOUR), Some(t0)),
            Err(Expired::Absolute)
        );
    }

    #[test]
    fn an_idle_session_ends_after_the_idle_limit() {
        let l = limits();
        let t0 = 1_800_000_000_000;
        assert_eq!(l.check(t0 + 120 * MIN, Some(t0), Some(t0)), Ok(()));
        assert_eq!(l.check(t0 + 120 * MIN + 1, Some(t0), Some(t0)), Err(Expired::Idle));
    }

    #[test]
    fn missing_stamps_fail_closed() {
        let l = limits();
        let now = 1_800_000_000_000;
        assert_eq!(l.check(now, None, Some(now)), Err(Expired::Idle));
        assert_eq!(l.check(now, None, None), Err(Expired::Idle));
        // No sign-in stamp: counted from the last-seen one.
        assert_eq!(l.check(now, Some(now), None), Ok(()));
        // A clock that went backwards is not a reason to end a session, nor to overflow.
        assert_eq!(l.check(0, Some(now), Some(now)), Ok(()));
        assert_eq!(l.check(i64::MAX, Some(i64::MIN), None), Err(Expired::Idle));
    }

    #[test]
    fn the_last_seen_stamp_is_rewritten_at_most_once_a_minute() {
        let l = limits();
        let now = 1_800_000_000_000;
        assert!(l.refresh_seen(now, None));
        assert!(!l.refresh_seen(now, Some(now - 30_000)));
        assert!(l.refresh_seen(now, Some(now - 61_000)));
    }

    #[test]
    fn limits_come_from_the_configuration() {
        let mut config = PortalConfig::default();
        config.session.idle_minutes = 30;
        config.auth.absolute_hours = 8;
        assert_eq!(
            SessionLimits::from_config(&config),
            SessionLimits {
                idle_ms: 30 * MIN,
                absolute_ms: 8 * HOUR
            }
        );
    }
}
