//! Channel render overhead: the portal's render path (fresh store, CPU and memory budgets,
//! manifest policy, context, sanitising) against a bare wasmtime instantiate + call of the
//! same component (`misbehaving` in `ok` mode) on an engine with the same pooling and epoch
//! settings. Run with `cargo xtask bench`.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use agora_channel_host::publication::PublicationSpec;
use agora_channel_host::{Attributes, ChannelEngine, EngineOptions, Publication, RenderRequest};
use criterion::{Criterion, criterion_group, criterion_main};
use std::path::PathBuf;
use std::sync::Arc;
use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

fn package() -> PathBuf {
    let dir = std::env::var_os("AGORA_CHANNEL_PACKAGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/channels"))
        .join("misbehaving");
    assert!(
        dir.join("channel.wasm").exists(),
        "run `cargo xtask bench` (channels are not built)"
    );
    dir
}

fn bare_engine() -> Engine {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(64)
        .total_core_instances(256)
        .total_memories(128)
        .total_tables(256)
        .max_memory_size(256 << 20);
    let mut config = Config::new();
    config
        .epoch_interruption(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config).expect("engine")
}

fn context() -> Val {
    Val::Record(vec![
        ("publication".into(), Val::String("bench".into())),
        ("locale".into(), Val::String("fr".into())),
        ("now-unix-ms".into(), Val::S64(0)),
        ("signed-in".into(), Val::Bool(true)),
        ("config-json".into(), Val::String("{\"mode\":\"ok\"}".into())),
        ("portal-url".into(), Val::String("http://127.0.0.1/".into())),
    ])
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = package();

    // Portal path.
    let engine = ChannelEngine::new(EngineOptions {
        max_instances: 64,
        ..EngineOptions::default()
    })
    .expect("engine");
    let channel = engine.load_package(&dir).expect("load");
    let spec: PublicationSpec = toml::from_str(
        "package = \"misbehaving\"\nconfig = { mode = \"ok\" }\nbackends.slow = { url = \"http://127.0.0.1:9/\" }\nbackends.echo = { url = \"http://127.0.0.1:9/\" }",
    )
    .expect("spec");
    let publication = Arc::new(Publication::new("bench", &spec, &channel.manifest).expect("publication"));
    let mut attrs = Attributes::new();
    attrs.insert("displayName".into(), vec!["Alice Martin".into()]);
    let attrs = Arc::new(attrs);
    let request = RenderRequest {
        time_zone: "Europe/Paris".into(),
        locale: "fr".into(),
        now_unix_ms: 0,
        signed_in: true,
        attributes: attrs,
        portal_url: "http://127.0.0.1/".into(),
        params: Default::default(),
        services: Default::default(),
    };

    // Bare path: same component, imports linked as traps (the `ok` mode calls none).
    let bare = bare_engine();
    let component = Component::from_file(&bare, dir.join("channel.wasm")).expect("component");
    let mut linker: Linker<()> = Linker::new(&bare);
    linker.define_unknown_imports_as_traps(&component).expect("traps");
    let pre = linker.instantiate_pre(&component).expect("pre");

    let mut group = c.benchmark_group("render");
    group.bench_function("bare_wasmtime_instantiate_call", |b| {
        b.iter(|| {
            let mut store = Store::new(&bare, ());
            store.set_epoch_deadline(100);
            let instance = pre.instantiate(&mut store).expect("instantiate");
            let func = instance.get_func(&mut store, "render").expect("render export");
            let mut out = [Val::Bool(false)];
            func.call(&mut store, &[context()], &mut out).expect("call");
            out
        })
    });
    group.bench_function("portal_render_path", |b| {
        b.to_async(&rt).iter(|| async {
            engine
                .render(&channel, &publication, request.clone())
                .await
                .expect("render")
        })
    });
    group.finish();
}

criterion_group!(render, benches);
criterion_main!(render);
