//! The contract grows without breaking built channels:
//! - `tests/fixtures/links-0.1.0/` is the "links" channel as built before
//!   `agora:channel/notify` existed (its component imports only the interfaces of then): 0.1
//!   grew by a new interface without breaking anything built against it;
//! - `tests/fixtures/links-0.1-final/` is the same channel built on the last day of 0.1
//!   (world `searchable-channel@0.1.0`): after 0.2 (a render context with the time zone and
//!   the tab) it still loads, renders and answers searches, beside 0.2 components;
//! - a manifest naming another contract than its component's is refused at load.

use agora_channel_host::publication::PublicationSpec;
use agora_channel_host::{Attributes, ChannelEngine, EngineOptions, Publication, RenderRequest};
use std::path::PathBuf;
use std::sync::Arc;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/links-0.1.0")
}

fn fixtures(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

fn request(locale: &str) -> RenderRequest {
    let mut attributes = Attributes::new();
    attributes.insert("agoraPopulations".into(), vec!["students".into()]);
    RenderRequest {
        time_zone: "Europe/Paris".into(),
        locale: locale.into(),
        now_unix_ms: 0,
        signed_in: true,
        attributes: Arc::new(attributes),
        portal_url: "http://127.0.0.1/".into(),
        params: Default::default(),
        services: Default::default(),
    }
}

#[tokio::test]
async fn the_last_0_1_component_renders_and_searches_beside_0_2_ones() {
    use agora_channel_host::contract::Contract;
    let wasm = std::fs::read(fixtures("links-0.1-final").join("channel.wasm")).expect("fixture component");
    let has = |needle: &[u8]| wasm.windows(needle.len()).any(|w| w == needle);
    assert!(
        has(b"agora:channel/types@0.1.0") && !has(b"agora:channel/context@0.2.0"),
        "a 0.1 component"
    );
    let engine = ChannelEngine::new(EngineOptions {
        max_instances: 4,
        ..Default::default()
    })
    .expect("engine");
    let channel = engine
        .load_package(&fixtures("links-0.1-final"))
        .expect("a 0.1 component still loads");
    let spec: PublicationSpec = toml::from_str(
        "package = \"links\"\ntitle = { fr = \"Liens\", en = \"Links\" }\nconfig.links = [\"*|Emploi du temps|Timetable|https://ade.univ.fr/\"]\n",
    )
    .expect("spec");
    let publication = Arc::new(Publication::new("links", &spec, &channel.manifest).expect("publication"));
    let rendered = engine
        .render(&channel, &publication, request("en"))
        .await
        .expect("renders");
    assert!(rendered.html.contains("https://ade.univ.fr/"), "{}", rendered.html);
    let found = engine
        .search(&channel, &publication, request("en"), "timetable")
        .await
        .expect("searches");
    assert!(found.iter().any(|f| f.link == "https://ade.univ.fr/"), "{found:?}");

    // A 0.2 component of today, on the same engine.
    let packages = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/channels/links");
    if packages.join("channel.wasm").exists() {
        let today = engine.load_package(&packages).expect("a 0.2 component loads");
        assert_eq!(Contract::of_world(&today.manifest.channel.world), Some(Contract::V0_2));
        let publication = Arc::new(Publication::new("links", &spec, &today.manifest).expect("publication"));
        let rendered = engine
            .render(&today, &publication, request("fr"))
            .await
            .expect("0.2 renders");
        assert!(rendered.html.contains("Emploi du temps"), "{}", rendered.html);
    }
}

#[test]
fn a_manifest_naming_another_contract_than_its_component_s_is_refused() {
    let dir = std::env::temp_dir().join(format!("agora-contract-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    for file in ["channel.wasm", "icon.svg"] {
        std::fs::copy(fixtures("links-0.1-final").join(file), dir.join(file)).expect("copy");
    }
    let manifest = std::fs::read_to_string(fixtures("links-0.1-final").join("channel.toml")).expect("manifest");
    std::fs::write(
        dir.join("channel.toml"),
        manifest.replace("agora:channel/searchable-channel@0.1.0", "agora:channel/channel@0.2.0"),
    )
    .expect("write");
    let engine = ChannelEngine::new(EngineOptions {
        max_instances: 2,
        ..Default::default()
    })
    .expect("engine");
    let err = engine.load_package(&dir).expect_err("refused").to_string();
    assert!(
        err.contains("built against agora:channel 0.1") && err.contains("agora:channel/channel@0.2.0"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_component_built_before_the_notify_interface_loads_and_renders() {
    let wasm = std::fs::read(fixture().join("channel.wasm")).expect("fixture component");
    // It really predates `notify`: the interface name is nowhere in its imports.
    assert!(
        !wasm
            .windows(b"agora:channel/notify".len())
            .any(|w| w == b"agora:channel/notify"),
        "the fixture must be a component built before agora:channel/notify"
    );
    assert!(
        wasm.windows(b"agora:channel/person".len())
            .any(|w| w == b"agora:channel/person")
    );
    let engine = ChannelEngine::new(EngineOptions {
        max_instances: 4,
        ..Default::default()
    })
    .expect("engine");
    let channel = engine
        .load_package(&fixture())
        .expect("a 0.1 component built earlier still loads");
    let spec: PublicationSpec = toml::from_str(
        "package = \"links\"\ntitle = { fr = \"Liens\", en = \"Links\" }\nconfig.links = [\"*|ENT|ENT|https://ent.univ.fr/\"]\n",
    )
    .expect("spec");
    let publication = Arc::new(Publication::new("links", &spec, &channel.manifest).expect("publication"));
    let mut attributes = Attributes::new();
    attributes.insert("agoraPopulations".into(), vec!["students".into()]);
    let rendered = engine
        .render(
            &channel,
            &publication,
            RenderRequest {
                time_zone: "Europe/Paris".into(),
                locale: "en".into(),
                now_unix_ms: 0,
                signed_in: true,
                attributes: Arc::new(attributes),
                portal_url: "http://127.0.0.1/".into(),
                params: Default::default(),
                services: Default::default(),
            },
        )
        .await
        .expect("renders");
    assert!(rendered.html.contains("https://ent.univ.fr/"), "{}", rendered.html);
    assert!(rendered.notifications.is_empty());
}
