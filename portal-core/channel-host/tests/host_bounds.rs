//! Whatever a channel passes to the host, the host keeps and writes a bounded amount of it:
//! floods of huge attribute names, paths, back-end names, log lines and cache keys leave the
//! portal's memory and log within fixed bounds (issue 10, findings 1 and 2).
//!
//! One test in its own binary: it measures the process's heap (a counting allocator) and the
//! bytes written to the log, which other tests running at the same time would disturb.

mod common;

use agora_channel_host::RenderFailure;
use agora_channel_host::ledger::{MAX_RECORD_BYTES, MAX_REFUSALS};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: delegates to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A log sink counting the bytes written.
#[derive(Clone, Default)]
struct LogBytes(Arc<Mutex<usize>>);

impl Write for LogBytes {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        *self.0.lock().expect("lock") += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Peak heap above the level before `f`, and log bytes written during `f`.
async fn measure<F: std::future::Future<Output = T>, T>(log: &LogBytes, f: F) -> (T, usize, usize) {
    let logged_before = *log.0.lock().expect("lock");
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f.await;
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    let logged = *log.0.lock().expect("lock") - logged_before;
    (out, peak, logged)
}

#[tokio::test(flavor = "current_thread")]
async fn floods_leave_host_memory_and_log_bounded() {
    let log = LogBytes::default();
    let sink = log.clone();
    tracing_subscriber::fmt()
        .with_env_filter("warn,agora_channel_host=trace,channel=trace")
        .with_writer(move || sink.clone())
        .init();
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

    // 100 undeclared 1 MiB back-end names: they count against `limits.requests` (8).
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
