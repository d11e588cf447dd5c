//! The contract grows without breaking built channels: `tests/fixtures/links-0.1.0/` is the
//! "links" channel as built before `agora:channel/notify` existed (its component imports
//! only the interfaces of then). It still loads on today's host and renders, so 0.1 grew
//! by a new interface without breaking anything built against it.

use agora_channel_host::publication::PublicationSpec;
use agora_channel_host::{Attributes, ChannelEngine, EngineOptions, Publication, RenderRequest};
use std::path::PathBuf;
use std::sync::Arc;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/links-0.1.0")
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
