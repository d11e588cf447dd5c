//! The agenda channel rendered natively on a fake calendar (agora_channel_sdk::testing).

use agora_channel_agenda::Agenda;
use agora_channel_sdk::ErrorKind;
use agora_channel_sdk::dav::Event;
use agora_channel_sdk::testing::{Harness, Persona};

/// Monday 7 December 2026, 08:00 in Paris (07:00 UTC).
const NOW: i64 = 1_796_626_800_000;
const HOUR: i64 = 3_600_000;

fn event(uid: &str, summary: &str, start: i64, hours: i64) -> Event {
    Event {
        uid: uid.into(),
        summary: summary.into(),
        location: "Amphi B".into(),
        start_unix_ms: start,
        end_unix_ms: start + hours * HOUR,
        ..Event::default()
    }
}

fn harness() -> Harness {
    Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(Persona::new("alice.martin"))
        .now_unix_ms(NOW)
        .time_zone("Europe/Paris")
        .events([
            event("1", "Algèbre linéaire", NOW + 2 * HOUR, 2),
            event("2", "TD de physique", NOW + 26 * HOUR, 1),
            event("3", "Examen", NOW + 50 * HOUR, 3),
            event("4", "Bien plus tard", NOW + 40 * 24 * HOUR, 1),
            Event {
                uid: "5".into(),
                summary: "Journée portes ouvertes".into(),
                start_unix_ms: 1_796_688_000_000, // 2026-12-08, a date
                end_unix_ms: 1_796_688_000_000 + 24 * HOUR,
                all_day: true,
                ..Event::default()
            },
        ])
}

#[test]
fn next_events_are_grouped_by_day_in_the_institution_s_zone() {
    let text = harness().render::<Agenda>().text();
    assert!(text.contains("Aujourd'hui"), "{text}");
    assert!(
        text.contains("10:00–12:00 Algèbre linéaire — Amphi B"),
        "08:00 UTC + 2 h is 10:00 in Paris: {text}"
    );
    assert!(text.contains("Demain"), "{text}");
    assert!(text.contains("Toute la journée Journée portes ouvertes"), "{text}");
    assert!(text.contains("mercredi 9 décembre"), "{text}");
    assert!(!text.contains("Bien plus tard"), "beyond the days shown: {text}");
    let today = text.find("Aujourd'hui").unwrap_or_default();
    let tomorrow = text.find("Demain").unwrap_or_default();
    assert!(today < tomorrow, "{text}");
}

#[test]
fn in_english_and_another_zone() {
    let text = harness()
        .locale("en")
        .time_zone("Indian/Reunion")
        .render::<Agenda>()
        .text();
    assert!(text.contains("Today"), "{text}");
    assert!(
        text.contains("13:00–15:00 Algèbre linéaire"),
        "Réunion is UTC+4: {text}"
    );
    assert!(text.contains("Wednesday 9 December"), "{text}");
}

#[test]
fn an_empty_agenda_says_so() {
    let text = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(Persona::new("alice.martin"))
        .now_unix_ms(NOW)
        .events([])
        .render::<Agenda>()
        .text();
    assert!(text.contains("Aucun événement dans les 7 prochains jours."), "{text}");
}

#[test]
fn a_refusing_or_down_server_is_an_unavailable_service_and_guests_see_nothing() {
    assert_eq!(
        harness().dav_refused().render::<Agenda>().error_kind(),
        ErrorKind::BackendUnavailable
    );
    assert_eq!(
        harness().dav_down().render::<Agenda>().error_kind(),
        ErrorKind::BackendUnavailable
    );
    assert_eq!(
        harness().guest().render::<Agenda>().error_kind(),
        ErrorKind::NotApplicable
    );
}
