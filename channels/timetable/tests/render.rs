//! The timetable channel rendered natively on recorded ADE exports (agora_channel_sdk::testing).

use agora_channel_sdk::ErrorKind;
use agora_channel_sdk::testing::{Harness, Persona};
use agora_channel_timetable::Timetable;

/// Monday 2026-11-23, 06:00 UTC (07:00 in Paris).
const MONDAY_MORNING: i64 = 1_795_413_600_000;

fn harness() -> Harness {
    Harness::new(env!("CARGO_MANIFEST_DIR"))
        .now_unix_ms(MONDAY_MORNING)
        .config("resources", vec!["etape:L1MATH=1205,1206", "uid:claire.dubois=3001"])
        .recording_file("tests/fixtures/ade.toml")
}

fn alice() -> Persona {
    Persona::new("alice.martin").with(
        "supannEtuInscription",
        "[etab={UAI}0751717J][anneeinsc=2026][etape={UAI:0751717J}L1MATH]",
    )
}

#[test]
fn a_student_sees_her_week_in_paris_time() {
    let page = harness().persona(alice()).render::<Timetable>();
    let text = page.text();
    assert!(text.contains("Aujourd'hui"), "{text}");
    assert!(
        text.contains("08:30–10:30") && text.contains("Analyse 1 - CM"),
        "{text}"
    );
    assert!(text.contains("mercredi 25 novembre"), "{text}");
    assert!(!text.contains("Exporté"), "{text}");
}

#[test]
fn escaped_text_is_unescaped_once() {
    let page = harness()
        .persona(Persona::new("claire.dubois"))
        .locale("en")
        .render::<Timetable>();
    let text = page.text();
    // `\\n` in the file is a backslash and an n, not a line break.
    assert!(text.contains(r"Programmation C : printf(\n) et C:\temp"), "{text}");
    assert!(text.contains("Salle machines 3"), "{text}");
    assert!(text.contains("L1 INFO G1") && text.contains("DUBOIS Claire"), "{text}");
}

#[test]
fn someone_without_resources_is_not_applicable() {
    let page = harness().persona(Persona::new("nobody")).render::<Timetable>();
    assert_eq!(page.error_kind(), ErrorKind::NotApplicable);
    assert!(page.fetched().is_empty());
}

#[test]
fn ade_down_is_a_backend_failure() {
    let page = harness().persona(alice()).backend_down("ade").render::<Timetable>();
    assert_eq!(page.error_kind(), ErrorKind::BackendUnavailable);
}
