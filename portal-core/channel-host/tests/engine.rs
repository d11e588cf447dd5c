//! The engine keeps compiled artefacts keyed by component hash, refuses what is not a
//! component with the file named, and gives each render a fresh store.

mod common;

use agora_channel_host::engine::LoadError;
use agora_channel_host::publication::PublicationSpec;
use agora_channel_host::{Attributes, ChannelEngine, EngineOptions, Publication, RenderRequest};
use std::path::PathBuf;
use std::sync::Arc;

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("agora-engine-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn compiled_artefacts_are_kept_by_component_hash_and_reused() {
    let artefacts = temp("artefacts");
    let engine = ChannelEngine::new(EngineOptions {
        artifact_dir: Some(artefacts.clone()),
        max_instances: 8,
        ..Default::default()
    })
    .expect("engine");
    let first = engine
        .load_package(&common::packages().join("misbehaving"))
        .expect("loads");
    let files: Vec<_> = std::fs::read_dir(&artefacts)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        files[0].starts_with(&first.component_hash) && files[0].ends_with(".cwasm"),
        "{files:?}"
    );
    let modified = std::fs::metadata(artefacts.join(&files[0]))
        .and_then(|m| m.modified())
        .expect("mtime");

    // A second engine (a restart) reuses the artefact instead of compiling again.
    let engine = ChannelEngine::new(EngineOptions {
        artifact_dir: Some(artefacts.clone()),
        max_instances: 8,
        ..Default::default()
    })
    .expect("engine");
    let second = engine
        .load_package(&common::packages().join("misbehaving"))
        .expect("loads");
    assert_eq!(first.component_hash, second.component_hash);
    assert_eq!(
        std::fs::metadata(artefacts.join(&files[0]))
            .and_then(|m| m.modified())
            .expect("mtime"),
        modified
    );
}

#[test]
fn a_file_that_is_not_a_component_is_refused_with_its_name() {
    let dir = temp("garbage");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(
        common::packages().join("misbehaving/channel.toml"),
        dir.join("channel.toml"),
    )
    .expect("copy");
    std::fs::write(dir.join("channel.wasm"), b"definitely not wasm").expect("write");
    let engine = ChannelEngine::new(EngineOptions {
        max_instances: 4,
        ..Default::default()
    })
    .expect("engine");
    let err = engine.load_package(&dir).unwrap_err();
    assert!(matches!(err, LoadError::Compile { .. }), "{err}");
    assert!(err.to_string().contains("channel.wasm"), "{err}");
}

#[tokio::test]
async fn a_trap_does_not_poison_the_next_render() {
    let engine = ChannelEngine::new(EngineOptions {
        max_instances: 8,
        ..Default::default()
    })
    .expect("engine");
    let channel = engine
        .load_package(&common::packages().join("misbehaving"))
        .expect("loads");
    let publish = |mode: &str| {
        let spec: PublicationSpec = toml::from_str(&format!(
            "package = \"misbehaving\"\nconfig = {{ mode = \"{mode}\" }}\nbackends.slow = {{ url = \"http://127.0.0.1:9/\" }}\nbackends.echo = {{ url = \"http://127.0.0.1:9/\" }}"
        ))
        .expect("spec");
        Arc::new(Publication::new(mode, &spec, &channel.manifest).expect("publication"))
    };
    let request = RenderRequest {
        time_zone: "Europe/Paris".into(),
        locale: "en".into(),
        now_unix_ms: 0,
        signed_in: true,
        attributes: Arc::new(Attributes::new()),
        portal_url: "http://x/".into(),
        params: Default::default(),
        services: Default::default(),
    };
    for _ in 0..3 {
        assert!(
            engine
                .render(&channel, &publish("panic"), request.clone())
                .await
                .is_err()
        );
        let ok = engine
            .render(&channel, &publish("ok"), request.clone())
            .await
            .expect("renders after a trap");
        assert!(ok.html.contains("All good"));
    }
}

#[test]
fn a_hostile_icon_is_refused_at_load_naming_the_key_and_a_sound_one_kept() {
    let dir = temp("icon");
    std::fs::create_dir_all(&dir).expect("dir");
    let source = common::packages().join("misbehaving");
    std::fs::copy(source.join("channel.wasm"), dir.join("channel.wasm")).expect("wasm");
    let manifest = std::fs::read_to_string(source.join("channel.toml")).expect("manifest");
    let with_icon = manifest.replacen("category = \"test\"", "category = \"test\"\nicon = \"icon.svg\"", 1);
    std::fs::write(dir.join("channel.toml"), &with_icon).expect("write");
    let engine = ChannelEngine::new(EngineOptions {
        max_instances: 4,
        ..Default::default()
    })
    .expect("engine");
    std::fs::write(
        dir.join("icon.svg"),
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><script>alert(1)</script></svg>"#,
    )
    .expect("icon");
    let err = engine.load_package(&dir).expect_err("a script in the icon");
    let text = err.to_string();
    assert!(text.contains("[channel.icon]") && text.contains("<script>"), "{text}");
    std::fs::write(
        dir.join("icon.svg"),
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 2"><circle cx="1" cy="1" r="1"/></svg>"#,
    )
    .expect("icon");
    let loaded = engine.load_package(&dir).expect("a plain icon");
    assert!(loaded.icon.as_deref().is_some_and(|i| i.contains("<circle")));
    std::fs::write(
        dir.join("channel.toml"),
        with_icon.replace("icon.svg", "../../etc/passwd"),
    )
    .expect("write");
    assert!(
        engine
            .load_package(&dir)
            .expect_err("outside the package")
            .to_string()
            .contains("a file name")
    );
}
