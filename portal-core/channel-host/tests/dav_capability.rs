//! The `dav` capability of `agora:channel@0.3.0` through the engine: the agenda, contacts and
//! files channels as built by `cargo xtask channels` (skipped when they are not), rendered on
//! a fake [`DavService`]; a 0.3 component under a 0.2 manifest refused; a 0.2-manifest
//! channel built with today's SDK (0.3) still served as 0.2.

use agora_channel_host::contract::Contract;
use agora_channel_host::publication::PublicationSpec;
use agora_channel_host::{
    Attributes, ChannelEngine, ChannelErrorKind, DavContact, DavEvent, DavFailure, DavFile, DavService, EngineOptions,
    Publication, RenderFailure, RenderRequest, Services,
};
use futures::future::BoxFuture;
use std::path::PathBuf;
use std::sync::Arc;

fn package(id: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/channels")
        .join(id);
    dir.join("channel.wasm").exists().then_some(dir)
}

struct FakeDav(Option<DavFailure>);

impl DavService for FakeDav {
    fn events(&self, from: i64, _to: i64, _max: u32) -> BoxFuture<'_, Result<Vec<DavEvent>, DavFailure>> {
        Box::pin(async move {
            match &self.0 {
                Some(f) => Err(f.clone()),
                None => Ok(vec![DavEvent {
                    uid: "e1".into(),
                    summary: "Soutenance".into(),
                    location: "Salle 12".into(),
                    description: String::new(),
                    start_unix_ms: from + 3_600_000,
                    end_unix_ms: from + 7_200_000,
                    all_day: false,
                }]),
            }
        })
    }
    fn contacts<'a>(&'a self, _q: &'a str, _max: u32) -> BoxFuture<'a, Result<Vec<DavContact>, DavFailure>> {
        Box::pin(async move {
            Ok(vec![DavContact {
                full_name: "Chloé Dubois".into(),
                emails: vec!["chloe@univ.example".into()],
                ..DavContact::default()
            }])
        })
    }
    fn files(&self, _max: u32) -> BoxFuture<'_, Result<Vec<DavFile>, DavFailure>> {
        Box::pin(async move {
            Ok(vec![DavFile {
                name: "memoire.odt".into(),
                href: "https://files.univ.example/alice/memoire.odt".into(),
                content_type: String::new(),
                size: 10,
                modified_unix_ms: 1_796_593_072_000,
            }])
        })
    }
}

fn request(dav: Option<Arc<dyn DavService>>) -> RenderRequest {
    RenderRequest {
        time_zone: "Europe/Paris".into(),
        locale: "fr".into(),
        now_unix_ms: 1_796_626_800_000,
        signed_in: true,
        attributes: Arc::new(Attributes::new()),
        portal_url: "http://127.0.0.1/".into(),
        params: Default::default(),
        services: Services {
            dav,
            ..Default::default()
        },
    }
}

fn engine() -> ChannelEngine {
    ChannelEngine::new(EngineOptions {
        max_instances: 4,
        ..Default::default()
    })
    .expect("engine")
}

#[tokio::test]
async fn the_dav_channels_render_what_the_host_reads_and_fail_cleanly_without_it() {
    let engine = engine();
    for (id, expected) in [
        ("agenda", "Soutenance"),
        ("contacts", "Chloé Dubois"),
        ("files", "memoire.odt"),
    ] {
        let Some(dir) = package(id) else {
            eprintln!("{id} is not built (cargo xtask channels): skipped");
            continue;
        };
        let channel = engine.load_package(&dir).expect("loads");
        assert_eq!(
            Contract::of_world(&channel.manifest.channel.world),
            Some(Contract::V0_3)
        );
        let spec: PublicationSpec = toml::from_str(&format!(
            "package = \"{id}\"\ntitle = {{ fr = \"{id}\", en = \"{id}\" }}\n"
        ))
        .expect("spec");
        let publication = Arc::new(Publication::new(id, &spec, &channel.manifest).expect("publication"));
        let rendered = engine
            .render(&channel, &publication, request(Some(Arc::new(FakeDav(None)))))
            .await
            .expect("renders");
        assert!(rendered.html.contains(expected), "{id}: {}", rendered.html);
        // No DAV server on this portal: the channel is not applicable, not broken.
        let failure = engine
            .render(&channel, &publication, request(None))
            .await
            .expect_err("no server");
        assert!(
            matches!(
                failure,
                RenderFailure::Channel {
                    kind: ChannelErrorKind::NotApplicable,
                    ..
                }
            ),
            "{id}: {failure:?}"
        );
    }
    if let Some(dir) = package("agenda") {
        let channel = engine.load_package(&dir).expect("loads");
        let spec: PublicationSpec =
            toml::from_str("package = \"agenda\"\ntitle = { fr = \"Agenda\", en = \"Agenda\" }\n").expect("spec");
        let publication = Arc::new(Publication::new("agenda", &spec, &channel.manifest).expect("publication"));
        let refused = Some(Arc::new(FakeDav(Some(DavFailure::AuthFailed("HTTP 401".into())))) as Arc<dyn DavService>);
        let failure = engine
            .render(&channel, &publication, request(refused))
            .await
            .expect_err("refused");
        assert!(
            matches!(
                failure,
                RenderFailure::Channel {
                    kind: ChannelErrorKind::BackendUnavailable,
                    ..
                }
            ),
            "{failure:?}"
        );
    }
}

#[test]
fn a_0_3_component_under_a_0_2_manifest_is_refused_and_0_2_manifests_still_load() {
    let engine = engine();
    if let Some(dir) = package("agenda") {
        let tmp = std::env::temp_dir().join(format!("agora-dav-contract-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).expect("dir");
        for file in ["channel.wasm", "icon.svg"] {
            std::fs::copy(dir.join(file), tmp.join(file)).expect("copy");
        }
        let manifest = std::fs::read_to_string(dir.join("channel.toml")).expect("manifest");
        std::fs::write(
            tmp.join("channel.toml"),
            manifest.replace("channel@0.3.0", "channel@0.2.0"),
        )
        .expect("write");
        let err = engine.load_package(&tmp).expect_err("refused").to_string();
        assert!(err.contains("built against agora:channel 0.3"), "{err}");
        let _ = std::fs::remove_dir_all(&tmp);
    }
    if let Some(dir) = package("mail") {
        let mail = engine
            .load_package(&dir)
            .expect("a 0.2 manifest over today's SDK loads");
        assert_eq!(Contract::of_world(&mail.manifest.channel.world), Some(Contract::V0_2));
    }
}
