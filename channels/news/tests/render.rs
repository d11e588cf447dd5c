//! The news channel rendered natively on recorded feeds (agora_channel_sdk::testing).

use agora_channel_news::News;
use agora_channel_sdk::ErrorKind;
use agora_channel_sdk::testing::{Harness, Persona};

/// 2026-11-23T08:00:00Z, a few days after the recorded items.
const NOW: i64 = 1_795_420_800_000;

fn harness() -> Harness {
    Harness::new(env!("CARGO_MANIFEST_DIR"))
        .now_unix_ms(NOW)
        .recording_file("tests/fixtures/campus.toml")
        .recording_file("tests/fixtures/entities.toml")
}

#[test]
fn the_campus_feed_is_listed_newest_first_with_the_feed_title() {
    let page = harness()
        .config("path", "/campus.xml")
        .config("max_items", 3)
        .render::<News>();
    assert_eq!(page.title(), Some("Université Agora — Actualités"));
    let text = page.text();
    let first = text.find("Inscriptions pédagogiques").expect("newest item");
    let second = text.find("Nuit de la lecture").expect("second item");
    assert!(first < second, "{text}");
    assert!(!text.contains("Fermeture administrative"), "only 3 items: {text}");
    assert!(text.contains("il y a 2 j"), "{text}");
    assert_eq!(page.fetched(), ["GET feed /campus.xml"]);
}

#[test]
fn english_pages_say_when_in_english() {
    let page = harness().config("path", "/campus.xml").locale("en-GB").render::<News>();
    assert!(page.text().contains("2 d ago"), "{}", page.text());
}

#[test]
fn character_references_in_summaries_are_decoded_once() {
    let page = harness().config("path", "/entities.xml").render::<News>();
    let text = page.text();
    assert!(
        text.contains("Café offert à la résidence – déjà 200 inscrits « bravo » & <merci>"),
        "{text}"
    );
    assert_eq!(page.title(), Some("Cafétéria"));
    // What the channel returns stays escaped markup.
    assert!(page.html().contains("&lt;merci&gt;"), "{}", page.html());
}

#[test]
fn a_population_gets_its_own_feed() {
    let alice = Persona::new("alice.martin")
        .with("agoraPopulations", "l1-ufr27")
        .with("agoraPopulations", "students");
    let page = harness()
        .persona(alice)
        .config("path", "/campus.xml")
        .config("population_paths", vec!["l1-ufr27=/l1.xml"])
        .render::<News>();
    assert_eq!(page.fetched(), ["GET feed /l1.xml"]);
}

#[test]
fn the_feed_is_fetched_once_per_ttl_for_everyone() {
    let mut h = harness().config("path", "/campus.xml");
    let first = h.render::<News>();
    assert_eq!(first.fetched().len(), 1);
    let second = h.render::<News>();
    assert!(second.fetched().is_empty(), "served from the channel's cache");
    assert_eq!(first.html(), second.html());
}

#[test]
fn a_down_feed_is_a_backend_failure_and_garbage_is_said_so() {
    let down = harness()
        .config("path", "/campus.xml")
        .backend_down("feed")
        .render::<News>();
    assert_eq!(down.error_kind(), ErrorKind::BackendUnavailable);
    let garbage = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .recording(agora_channel_sdk::testing::Recording::get(
            "feed",
            "",
            "<html>not a feed",
        ))
        .render::<News>();
    assert_eq!(garbage.error_kind(), ErrorKind::BackendGarbage);
}
