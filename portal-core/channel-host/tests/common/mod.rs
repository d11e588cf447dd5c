//! Shared set-up of the host's integration tests: the misbehaving test channel, published in
//! a given mode, rendered on an engine of its own.

#![allow(dead_code)]

use agora_channel_host::publication::PublicationSpec;
use agora_channel_host::{Attributes, ChannelEngine, EngineOptions, LoadedChannel, Publication, RenderRequest};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Where `cargo xtask` installed the channel packages.
pub fn packages() -> PathBuf {
    let dir = std::env::var_os("AGORA_CHANNEL_PACKAGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/channels"));
    assert!(
        dir.join("misbehaving/channel.wasm").exists(),
        "channels are not built: run `cargo xtask test`"
    );
    dir
}

/// An engine and the misbehaving channel loaded on it.
pub fn engine() -> (ChannelEngine, LoadedChannel) {
    let engine = ChannelEngine::new(EngineOptions {
        max_instances: 32,
        ..Default::default()
    })
    .expect("engine");
    let channel = engine.load_package(&packages().join("misbehaving")).expect("loads");
    (engine, channel)
}

/// Publication `id` of the misbehaving channel in `mode`, with extra config `extra`
/// (TOML inline-table entries, e.g. `iterations = 5`).
pub fn publish(channel: &LoadedChannel, id: &str, mode: &str, extra: &str) -> Arc<Publication> {
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(", {extra}")
    };
    let spec: PublicationSpec = toml::from_str(&format!(
        "package = \"misbehaving\"\nconfig = {{ mode = \"{mode}\"{extra} }}\nbackends.slow = {{ url = \"http://127.0.0.1:9/\" }}\nbackends.echo = {{ url = \"http://127.0.0.1:9/base\" }}"
    ))
    .expect("spec");
    Arc::new(Publication::new(id, &spec, &channel.manifest).expect("publication"))
}

/// A signed-in request with a display name.
pub fn request() -> RenderRequest {
    let mut attributes = Attributes::new();
    attributes.insert("displayName".into(), vec!["Alice Martin".into()]);
    RenderRequest {
        time_zone: "Europe/Paris".into(),
        locale: "en".into(),
        now_unix_ms: 0,
        signed_in: true,
        attributes: Arc::new(attributes),
        portal_url: "http://127.0.0.1/".into(),
        params: Default::default(),
        services: Default::default(),
    }
}

/// Counts the process's heap, for the tests that bound it (each declares it as its
/// `#[global_allocator]`).
pub struct Counting;

/// Bytes allocated now.
pub static CURRENT: AtomicUsize = AtomicUsize::new(0);
/// Highest [`CURRENT`] since it was last reset.
pub static PEAK: AtomicUsize = AtomicUsize::new(0);

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

/// A log sink counting the bytes written.
#[derive(Clone, Default)]
pub struct LogBytes(pub Arc<Mutex<usize>>);

impl LogBytes {
    /// Bytes written so far.
    pub fn written(&self) -> usize {
        *self.0.lock().expect("lock")
    }

    /// Install a global subscriber writing the host's and channels' lines into this sink.
    pub fn install(&self) {
        let sink = self.clone();
        tracing_subscriber::fmt()
            .with_env_filter("warn,agora_channel_host=trace,channel=trace")
            .with_writer(move || sink.clone())
            .init();
    }
}

impl Write for LogBytes {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        *self.0.lock().expect("lock") += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
