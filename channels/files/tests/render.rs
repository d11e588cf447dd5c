//! The files channel rendered natively on a fake home collection.

use agora_channel_files::{Files, size};
use agora_channel_sdk::ErrorKind;
use agora_channel_sdk::dav::File;
use agora_channel_sdk::testing::{Harness, Persona};

fn file(name: &str, modified: i64, size: u64) -> File {
    File {
        name: name.into(),
        href: format!("https://files.univ-agora.fr/alice.martin/{name}"),
        content_type: "application/pdf".into(),
        size,
        modified_unix_ms: modified,
    }
}

fn harness() -> Harness {
    Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(Persona::new("alice.martin"))
        .files([
            file("ancien.pdf", 1_790_000_000_000, 2_000),
            // 2026-12-06 21:37:52 UTC: 22:37 in Paris.
            file("memoire.odt", 1_796_593_072_000, 1_520_000),
            file("notes.txt", 1_795_000_000_000, 12),
        ])
}

#[test]
fn newest_first_with_a_link_to_open_each() {
    let page = harness().render::<Files>();
    let text = page.text();
    let (m, n, a) = (
        text.find("memoire.odt"),
        text.find("notes.txt"),
        text.find("ancien.pdf"),
    );
    assert!(m < n && n < a, "{text}");
    assert!(text.contains("memoire.odt (6 déc. 22:37, 1,5 Mo)"), "{text}");
    assert!(
        page.html()
            .contains("href=\"https://files.univ-agora.fr/alice.martin/memoire.odt\"")
    );
    assert_eq!(size(999, true), "999 B");
}

#[test]
fn no_files_and_failures() {
    let text = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(Persona::new("alice.martin"))
        .locale("en")
        .files([])
        .render::<Files>()
        .text();
    assert!(text.contains("No documents yet."), "{text}");
    assert_eq!(
        harness().dav_refused().render::<Files>().error_kind(),
        ErrorKind::BackendUnavailable
    );
    assert_eq!(
        harness().dav_down().render::<Files>().error_kind(),
        ErrorKind::BackendUnavailable
    );
}
