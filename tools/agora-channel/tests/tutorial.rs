//! The tutorial of docs/channel-authors.md, run as an author would: `new`, `test`, `package`,
//! then the package loaded and rendered by the portal's engine for a persona.
//! It builds a fresh crate (natively, then for wasm32-wasip2) in its own target folder.

use agora_channel_host::publication::PublicationSpec;
use agora_channel_host::render::RenderRequest;
use agora_channel_host::{Attributes, ChannelEngine, EngineOptions, Publication};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// The service's status document, served on a loopback port (one answer per connection).
fn serve_status() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten().take(8) {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let body =
                r#"{"items": [{"title": "BU Sciences: ouverte jusqu'à 22 h", "url": "https://bu.univ.fr/horaires"}]}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{address}")
}

fn agora_channel(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_agora-channel"))
        .args(args)
        .current_dir(dir)
        // The generated crate's builds are kept apart from the workspace's (and reused by
        // the next run of this test).
        .env("CARGO_TARGET_DIR", workspace().join("target/tutorial"))
        .output()
        .expect("runs agora-channel");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "agora-channel {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace")
}

#[test]
fn new_test_package_then_the_portal_s_engine_renders_it() {
    let parent = std::env::temp_dir().join(format!("agora-tutorial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&parent);
    std::fs::create_dir_all(&parent).expect("temp dir");

    // 1. new
    agora_channel(&parent, &["new", "library-hours"]);
    let dir = parent.join("library-hours");
    assert!(dir.join("channel.toml").exists() && dir.join("tests/render.rs").exists());
    // 2. test: the manifest checked and the template's tests green.
    agora_channel(&dir, &["test"]);
    // 4. package: built for wasm32-wasip2 and loaded by the engine.
    let package = agora_channel(&dir, &["package"]);
    let package = PathBuf::from(package.trim());
    assert!(package.join("channel.wasm").exists(), "{}", package.display());

    // What the portal does with it: load the package, check a publication, render.
    let engine = ChannelEngine::new(EngineOptions::default()).expect("engine");
    let channel = engine.load_package(&package).expect("the package loads");
    assert_eq!(channel.manifest.channel.id, "library-hours");
    let spec: PublicationSpec = toml::from_str(&format!(
        r#"package = "library-hours"
           title = {{ fr = "Horaires de la BU", en = "Library hours" }}
           backends.api = {{ url = "{}" }}"#,
        serve_status()
    ))
    .expect("publication");
    let publication = Arc::new(
        Publication::new("library-hours", &spec, &channel.manifest).expect("the publication fits the manifest"),
    );
    let mut alice = Attributes::new();
    alice.insert("uid".into(), vec!["alice.martin".into()]);
    alice.insert("displayName".into(), vec!["Alice Martin".into()]);
    let request = RenderRequest {
        locale: "fr".into(),
        now_unix_ms: 1_795_420_800_000,
        signed_in: true,
        attributes: Arc::new(alice),
        portal_url: "http://127.0.0.1/".into(),
        params: Default::default(),
        services: Default::default(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let rendered = runtime
        .block_on(engine.render(&channel, &publication, request))
        .expect("the channel renders in the portal's engine");
    assert!(rendered.html.contains("Bonjour Alice Martin"), "{}", rendered.html);
    assert!(rendered.html.contains("BU Sciences"), "{}", rendered.html);

    // A channel with a syntax error in its manifest is stopped at `test`, naming the key.
    let manifest = std::fs::read_to_string(dir.join("channel.toml")).expect("manifest");
    std::fs::write(
        dir.join("channel.toml"),
        manifest.replace("requests = 2", "requests = \"two\""),
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_agora-channel"))
        .arg("test")
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("channel.toml") && err.contains("requests"), "{err}");
    let _ = std::fs::remove_dir_all(&parent);
}
