//! Whatever a channel passes to the host, the host keeps and writes a bounded amount of it:
//! floods of huge attribute names, paths, back-end names, log lines and cache keys leave the
//! portal's memory and log within fixed bounds (issue 10, findings 1 and 2).
//!
//! One test in its own binary: it measures the process's heap (a counting allocator) and the
//! bytes written to the log, which other tests running at the same time would disturb.

mod common;

use agora_channel_host::RenderFailure;
use agora_channel_host::ledger::{MAX_RECORD_BYTES, MAX_REFUSALS};
use common::{CURRENT, LogBytes, PEAK};
use std::sync::atomic::Ordering;

#[global_allocator]
static ALLOCATOR: common::Counting = common::Counting;

/// Peak heap above the level before `f`, and log bytes written during `f`.
async fn measure<F: std::future::Future<Output = T>, T>(log: &LogBytes, f: F) -> (T, usize, usize) {
    let logged_before = log.written();
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f.await;
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    let logged = log.written() - logged_before;
    (out, peak, logged)
}

#[tokio::test(flavor = "current_thread")]
async fn floods_leave_host_memory_and_log_bounded() {
    let log = LogBytes::default();
    log.install();
    let (engine, channel) = common::engine();
    const MIB: usize = 1 << 20;

    // 200 attribute names of 1 MiB: the host once kept each (the CPU budget may end it first).
    let p = common::publish(&channel, "attr-flood", "attr-flood", "");
    let (result, peak, logged) = measure(&log, engine.render(&channel, &p, common::request())).await;
    match &result {
        Err(RenderFailure::Channel { refusals, .. }) => {
            assert!(refusals.len() <= MAX_REFUSALS, "{} refusals kept", refusals.len());
            assert!(refusals.iter().all(|r| r.len() <= MAX_RECORD_BYTES));
        }
        Err(RenderFailure::CpuBudget(_)) => {}
        other => panic!("expected the channel's own error, got {other:?}"),
    }
    assert!(peak < 8 * MIB, "attribute flood: host peak grew by {} MiB", peak / MIB);
    assert!(logged < 16 * 1024, "attribute flood: {logged} bytes of log");

    // 32 invalid 1 MiB paths: each refusal was a 1 MiB warning.
    let p = common::publish(&channel, "path-flood", "path-flood", "");
    let (_, peak, logged) = measure(&log, engine.render(&channel, &p, common::request())).await;
    assert!(peak < 8 * MIB, "path flood: host peak grew by {} MiB", peak / MIB);
    assert!(logged < 16 * 1024, "path flood: {logged} bytes of log");

    // 24 undeclared 1 MiB back-end names: they count against `limits.requests` (8).
    let p = common::publish(&channel, "name-flood", "name-flood", "");
    let (result, peak, logged) = measure(&log, engine.render(&channel, &p, common::request())).await;
    assert_eq!(result.unwrap_err(), RenderFailure::RequestBudget(8));
    assert!(peak < 8 * MIB, "name flood: host peak grew by {} MiB", peak / MIB);
    assert!(logged < 16 * 1024, "name flood: {logged} bytes of log");

    // 1,000 log lines of 1 MiB (the CPU budget may end it first): within `limits.log_bytes`
    // (8 KiB) plus the fields.
    let p = common::publish(&channel, "log-flood", "log-flood", "");
    let (_, _, logged) = measure(&log, engine.render(&channel, &p, common::request())).await;
    assert!(logged < 16 * 1024, "log flood: {logged} bytes of log");

    // 1,000 cache entries under 1 MiB keys: refused, nothing kept.
    let p = common::publish(&channel, "cache-flood", "cache-flood", "");
    let (_, peak, logged) = measure(&log, engine.render(&channel, &p, common::request())).await;
    assert!(peak < 8 * MIB, "cache flood: host peak grew by {} MiB", peak / MIB);
    assert!(logged < 16 * 1024, "cache flood: {logged} bytes of log");

    // Host lines about one publication are rate-limited across renders.
    let p = common::publish(&channel, "path-flood-again", "path-flood", "");
    let (_, _, logged) = measure(&log, async {
        for _ in 0..50 {
            let _ = engine.render(&channel, &p, common::request()).await;
        }
    })
    .await;
    assert!(logged < 32 * 1024, "50 renders wrote {logged} bytes of host lines");
}
