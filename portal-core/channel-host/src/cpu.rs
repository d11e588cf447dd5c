//! Guest CPU accounting from the thread CPU clock.
//!
//! A render is a future; the guest only runs while that future is polled, on whichever
//! worker thread polls it. [`Metered`] reads the polling thread's CPU clock before and after
//! each poll and adds the difference to the render's [`CpuMeter`]; the epoch callback (which
//! runs inside a poll) reads the meter plus the CPU of the poll under way. Time the render
//! spends waiting (back-ends, a busy machine, other tasks on the same thread) is not CPU of
//! this thread and is never charged. Neither is the host's own work for the guest (a TLS
//! handshake, decompressing a back-end's body, a directory search): host calls run inside
//! [`Unmetered`], whose polls are taken back off the meter.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

/// CPU time consumed by the calling thread, ns.
#[cfg(unix)]
pub fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant of the platform.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0;
    }
    (ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
}

/// CPU time consumed by the calling thread, ns (platforms without a thread CPU clock fall
/// back to a monotonic clock, which charges waiting too).
#[cfg(not(unix))]
pub fn thread_cpu_ns() -> u64 {
    use std::sync::LazyLock;
    static START: LazyLock<std::time::Instant> = LazyLock::new(std::time::Instant::now);
    START.elapsed().as_nanos() as u64
}

/// The CPU a render has used so far, shared by its [`Metered`] future and its epoch callback.
#[derive(Debug, Default)]
pub struct CpuMeter {
    /// CPU of finished polls, ns.
    spent_ns: AtomicU64,
    /// Thread CPU clock when the poll under way started (0: no poll under way).
    poll_started_ns: AtomicU64,
    /// CPU of the host's own work inside those polls ([`Unmetered`]), ns.
    host_ns: AtomicU64,
}

impl CpuMeter {
    /// CPU used so far, including the poll under way (call it from inside a poll).
    pub fn used(&self) -> Duration {
        let started = self.poll_started_ns.load(Ordering::Relaxed);
        let current = if started == 0 {
            0
        } else {
            thread_cpu_ns().saturating_sub(started)
        };
        let host = self.host_ns.load(Ordering::Relaxed);
        Duration::from_nanos(
            self.spent_ns
                .load(Ordering::Relaxed)
                .saturating_add(current)
                .saturating_sub(host),
        )
    }
}

/// A future whose polls are charged to a [`CpuMeter`].
pub struct Metered<F> {
    inner: Pin<Box<F>>,
    meter: Arc<CpuMeter>,
}

impl<F> Metered<F> {
    /// Charge `inner`'s polls to `meter`.
    pub fn new(inner: F, meter: Arc<CpuMeter>) -> Self {
        Metered {
            inner: Box::pin(inner),
            meter,
        }
    }
}

impl<F: Future> Future for Metered<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let start = thread_cpu_ns().max(1);
        self.meter.poll_started_ns.store(start, Ordering::Relaxed);
        let out = self.inner.as_mut().poll(cx);
        let spent = thread_cpu_ns().saturating_sub(start);
        self.meter.poll_started_ns.store(0, Ordering::Relaxed);
        self.meter.spent_ns.fetch_add(spent, Ordering::Relaxed);
        out
    }
}

/// A host call's future, inside a [`Metered`] render: the CPU of its polls is the host's,
/// not the guest's, and is taken back off the meter.
pub struct Unmetered<F> {
    inner: Pin<Box<F>>,
    meter: Arc<CpuMeter>,
}

impl<F> Unmetered<F> {
    /// Run `inner` uncharged to `meter`.
    pub fn new(inner: F, meter: Arc<CpuMeter>) -> Self {
        Unmetered {
            inner: Box::pin(inner),
            meter,
        }
    }
}

impl<F: Future> Future for Unmetered<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let start = thread_cpu_ns();
        let out = self.inner.as_mut().poll(cx);
        let spent = thread_cpu_ns().saturating_sub(start);
        self.meter.host_ns.fetch_add(spent, Ordering::Relaxed);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn waiting_is_not_charged_and_work_is() {
        let meter = Arc::new(CpuMeter::default());
        Metered::new(tokio::time::sleep(Duration::from_millis(60)), meter.clone()).await;
        assert!(meter.used() < Duration::from_millis(20), "{:?}", meter.used());
        Metered::new(
            async {
                // 40 ms of this thread's CPU, however long that takes on a busy machine.
                let start = thread_cpu_ns();
                let mut x = 0u64;
                while thread_cpu_ns() - start < 40_000_000 {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            },
            meter.clone(),
        )
        .await;
        assert!(meter.used() >= Duration::from_millis(40), "{:?}", meter.used());
    }

    /// 40 ms of this thread's CPU.
    async fn busy() {
        let start = thread_cpu_ns();
        let mut x = 0u64;
        while thread_cpu_ns() - start < 40_000_000 {
            x = std::hint::black_box(x.wrapping_add(1));
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_hosts_work_for_the_guest_is_not_charged() {
        let meter = Arc::new(CpuMeter::default());
        let inner = meter.clone();
        Metered::new(
            async move {
                Unmetered::new(busy(), inner.clone()).await;
                tokio::task::yield_now().await;
                Unmetered::new(busy(), inner).await;
            },
            meter.clone(),
        )
        .await;
        assert!(meter.used() < Duration::from_millis(20), "{:?}", meter.used());
        // The guest's own work around the host's still is.
        let inner = meter.clone();
        Metered::new(
            async move {
                busy().await;
                Unmetered::new(busy(), inner).await;
            },
            meter.clone(),
        )
        .await;
        let used = meter.used();
        assert!(
            used >= Duration::from_millis(40) && used < Duration::from_millis(70),
            "{used:?}"
        );
    }
}
