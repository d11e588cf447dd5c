//! The failure memory of slots as the renderer uses it: this node's [`Breakers`] and, with
//! several nodes, their copy on Redis. A back-end one node found down is not asked by the
//! others during its back-off, a publication opened on one node is open on all, and once a
//! back-off is over one probe runs across all nodes, not one per node.
//!
//! * Local first: while this node's breaker is open, nothing is asked of Redis.
//! * Before a render (never on a cache hit), one `MGET` reads the publication's and the
//!   variant's shared states and the publication's failure count.
//! * A failure writes the variant's state (kept past its back-off for [`MAX_BACKOFF`], so the
//!   next failure on any node doubles it) and counts towards the publication's threshold
//!   within [`COUNT_WINDOW`]; at [`PUBLICATION_THRESHOLD`] the publication's state is written.
//! * A success deletes what it read, so every node renders again at once.
//! * Redis down or slow (`[redis] timeout_ms`): each node keeps its own memory, as with one
//!   node; it is logged at debug level (the session store already reports Redis down).

use super::breaker::{Breakers, Decision, MAX_BACKOFF, PROBE_HOLD, PUBLICATION_THRESHOLD, backoff};
use agora_shared::Redis;
use std::time::Duration;

/// Publication failures are counted across nodes within this window, ms.
pub const COUNT_WINDOW: i64 = 60_000;

/// One breaker's state as the nodes share it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Shared {
    /// Open until this time (Unix ms).
    open_until: i64,
    /// Consecutive failures.
    failures: u32,
    /// Why, as an i18n key (`slot::failure_key`).
    reason: String,
    /// The technical detail shown folded under the error card.
    detail: String,
}

/// Why a slot is open, to show: i18n key and detail.
pub type Reason = (&'static str, String);

/// What to do for one page view, and what the shared memory said.
#[derive(Debug)]
pub struct Check {
    /// Render, probe, or serve the remembered view.
    pub decision: Decision,
    /// Why another node remembers this slot or its publication as failing (the i18n key as
    /// that node wrote it, and the detail), when that is why the decision is
    /// [`Decision::Remembered`].
    pub reason: Option<(String, String)>,
    /// Shared entries were read that a success must delete.
    seen: bool,
    /// Consecutive failures of the publication as the nodes share them (0: none).
    publication_failures: u32,
    /// The probe lock this view holds (key, this view's token), if it probes for every node.
    lock: Option<(String, String)>,
}

impl Check {
    fn local(decision: Decision) -> Self {
        Check {
            decision,
            reason: None,
            seen: false,
            publication_failures: 0,
            lock: None,
        }
    }
}

/// What a failed render changed.
#[derive(Debug, Clone, Copy)]
pub struct Failed {
    /// The variant's breaker went from closed to open (the moment to log a warning).
    pub opened: bool,
    /// The publication is now open as a whole.
    pub publication_open: bool,
}

/// Breakers of this node, shared with the others on Redis when there are several.
#[derive(Debug, Default)]
pub struct FailureMemory {
    local: Breakers,
    shared: Option<Redis>,
}

impl FailureMemory {
    /// A memory for this node only (`shared`: none) or shared on Redis.
    pub fn new(shared: Option<Redis>) -> Self {
        FailureMemory {
            local: Breakers::default(),
            shared,
        }
    }

    /// Whether to render the variant `key` of the publication `publication` now.
    pub async fn decide(&self, publication: &str, key: &str, now: i64) -> Check {
        // Which key this node's own breakers gave a probe to, if any.
        let (local, probe) = match self.local.decide(publication, now) {
            Decision::Render => {
                let d = self.local.decide(key, now);
                (d, (d == Decision::Probe).then_some(key))
            }
            Decision::Probe => (Decision::Probe, Some(publication)),
            Decision::Remembered => (Decision::Remembered, None),
        };
        let Some(redis) = &self.shared else {
            return Check::local(local);
        };
        if local == Decision::Remembered {
            return Check::local(local);
        }
        let keys = [
            redis.key("failure", publication),
            redis.key("failure", key),
            redis.key("failures", publication),
        ];
        let values = match redis.get_many(&keys).await {
            Ok(v) => v,
            Err(e) => {
                tracing::debug!("shared failure memory unavailable, this node's only: {e}");
                return Check::local(local);
            }
        };
        let seen = values.iter().any(Option::is_some);
        let states: Vec<Option<Shared>> = values
            .iter()
            .take(2)
            .map(|v| v.as_deref().and_then(|b| serde_json::from_slice(b).ok()))
            .collect();
        let mut check = Check {
            seen,
            publication_failures: states.first().and_then(Option::as_ref).map_or(0, |s| s.failures),
            ..Check::local(local)
        };
        // Another node's state decides: this node's probe, if it took one, will not run.
        let remembered = |check: &mut Check, reason: String, detail: String| {
            if let Some(p) = probe {
                self.local.release(p);
            }
            check.decision = Decision::Remembered;
            check.reason = Some((reason, detail));
        };
        let mut expired = None;
        for (k, state) in [publication, key].into_iter().zip(states) {
            let Some(state) = state else { continue };
            if now < state.open_until {
                // Open on another node: open here too, until the same time.
                self.local.adopt(k, state.failures, state.open_until);
                remembered(&mut check, state.reason, state.detail);
                return check;
            }
            expired.get_or_insert((k, state));
        }
        // Past its back-off on every node: one probe for all of them.
        let Some((k, state)) = expired else {
            return check;
        };
        let lock = redis.key("probe", k);
        let token = format!("{:016x}", rand::random::<u64>());
        match redis.create(&lock, token.as_bytes(), millis(PROBE_HOLD)).await {
            Ok(true) => {
                check.decision = Decision::Probe;
                check.lock = Some((lock, token));
            }
            Ok(false) => {
                // Another node probes: look again in a moment.
                self.local.adopt(k, state.failures, now + super::breaker::FIRST_BACKOFF);
                remembered(&mut check, state.reason, state.detail);
            }
            Err(e) => tracing::debug!("shared failure memory unavailable, this node's only: {e}"),
        }
        check
    }

    /// A render of the variant `key` succeeded: close it and its publication, on every node.
    pub async fn succeeded(&self, publication: &str, key: &str, check: &Check) {
        self.local.succeeded(key);
        self.local.succeeded(publication);
        let Some(redis) = &self.shared else { return };
        if check.seen {
            for k in [
                redis.key("failure", publication),
                redis.key("failure", key),
                redis.key("failures", publication),
            ] {
                if let Err(e) = redis.delete(&k).await {
                    tracing::debug!("cannot clear the shared failure memory: {e}");
                    return;
                }
            }
        }
        release(redis, check).await;
    }

    /// A render of `key` failed with `reason` (`answer`: it was a `not-applicable` answer,
    /// remembered but not counted against the publication).
    pub async fn failed(
        &self,
        publication: &str,
        key: &str,
        now: i64,
        answer: bool,
        reason: Reason,
        check: &Check,
    ) -> Failed {
        let opened = self.local.failed(key, now, answer);
        let mut publication_open = !answer && self.local.publication_failed(publication, now);
        let Some(redis) = &self.shared else {
            return Failed {
                opened,
                publication_open,
            };
        };
        let (reason, detail) = reason;
        let state = |failures, open_until| Shared {
            open_until,
            failures,
            reason: reason.to_string(),
            detail: detail.clone(),
        };
        if let Some((failures, open_until)) = self.local.state(key) {
            share(redis, key, &state(failures, open_until), now).await;
        }
        if !answer {
            match redis
                .hit(&redis.key("failures", publication), millis(COUNT_WINDOW))
                .await
            {
                Ok(n) => {
                    let counted = u32::try_from(n).unwrap_or(u32::MAX);
                    // A publication open before (its probe failed) reopens at once, its
                    // back-off doubled; else it opens at the threshold within the window.
                    let failures = if check.publication_failures > 0 {
                        Some(counted.max(check.publication_failures.saturating_add(1)))
                    } else {
                        (counted >= PUBLICATION_THRESHOLD).then_some(counted)
                    };
                    if let Some(failures) = failures.map(|f| f.max(PUBLICATION_THRESHOLD)) {
                        let open_until = now + backoff(failures + 1 - PUBLICATION_THRESHOLD);
                        self.local.adopt(publication, failures, open_until);
                        share(redis, publication, &state(failures, open_until), now).await;
                        publication_open = true;
                    }
                }
                Err(e) => tracing::debug!("cannot count a failure for the other nodes: {e}"),
            }
        }
        release(redis, check).await;
        Failed {
            opened,
            publication_open,
        }
    }
}

/// End the probe `check` holds, if it still holds it (a probe that outlived its hold does not
/// end another node's).
async fn release(redis: &Redis, check: &Check) {
    if let Some((lock, token)) = &check.lock
        && let Err(e) = redis.delete_if(lock, token.as_bytes()).await
    {
        tracing::debug!("cannot end a shared probe (it expires by itself): {e}");
    }
}

/// Tell the other nodes that `key` is in `state`.
async fn share(redis: &Redis, key: &str, state: &Shared, now: i64) {
    let Ok(bytes) = serde_json::to_vec(state) else { return };
    // Kept past the back-off, so the next failure on any node doubles it.
    let keep = millis((state.open_until - now).max(0) + MAX_BACKOFF);
    if let Err(e) = redis.set(&redis.key("failure", key), &bytes, keep).await {
        tracing::debug!("cannot share a failure with the other nodes: {e}");
    }
}

fn millis(ms: i64) -> Duration {
    Duration::from_millis(ms.unsigned_abs())
}
