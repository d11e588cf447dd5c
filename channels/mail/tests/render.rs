//! The mail channel rendered natively on a recorded mailbox (agora_channel_sdk::testing).

use agora_channel_mail::Mail;
use agora_channel_sdk::ErrorKind;
use agora_channel_sdk::mail::{Message, Summary};
use agora_channel_sdk::testing::{Harness, Persona};

/// What Dovecot answered for Alice's inbox in the demo, senders in three time zones.
fn inbox() -> Summary {
    Summary {
        mailbox: "INBOX".into(),
        messages: 12,
        unseen: 2,
        latest: vec![
            Message {
                uid: 12,
                from: "=?UTF-8?Q?Scolarit=C3=A9?= <scolarite@univ-agora.fr>".into(),
                subject: "=?UTF-8?B?UsOpc3VsdGF0cyBkdSBzZW1lc3RyZQ==?=".into(),
                date: "Mon, 23 Nov 2026 08:02:00 +0100".into(),
                seen: false,
            },
            Message {
                uid: 11,
                from: "Prof. Tremblay <tremblay@umontreal.ca>".into(),
                subject: "Stage à Montréal".into(),
                // 08:30 in Montréal is 14:30 in Paris.
                date: "Sun, 22 Nov 2026 08:30:00 -0500".into(),
                seen: false,
            },
            Message {
                uid: 10,
                from: "noreply@moodle.univ-agora.fr".into(),
                subject: "Devoir rendu".into(),
                date: "Sat, 21 Nov 2026 22:15:00 +0000".into(),
                seen: true,
            },
        ],
    }
}

fn harness() -> Harness {
    Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(Persona::new("alice.martin"))
        .config("webmail_url", "https://webmail.univ-agora.fr/")
        .mailbox(inbox())
}

#[test]
fn dates_are_shown_in_the_institution_s_time_zone() {
    let text = harness().render::<Mail>().text();
    assert!(text.contains("23 nov. 08:02"), "{text}");
    assert!(
        text.contains("22 nov. 14:30"),
        "Montréal's 08:30 is 14:30 in Paris: {text}"
    );
    assert!(text.contains("21 nov. 23:15"), "22:15 UTC is 23:15 in Paris: {text}");
    let reunion = harness()
        .config("timezone", "Indian/Reunion")
        .locale("en")
        .render::<Mail>()
        .text();
    assert!(reunion.contains("22 Nov 17:30"), "{reunion}");
}

#[test]
fn unread_messages_are_counted_named_and_notified() {
    let page = harness().render::<Mail>();
    let text = page.text();
    assert!(text.contains("2 messages non lus"), "{text}");
    assert!(
        text.contains("Résultats du semestre") && text.contains("Scolarité"),
        "{text}"
    );
    let raised = page.notifications();
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].title, "2 nouveaux messages");
    assert_eq!(raised[0].link.as_deref(), Some("https://webmail.univ-agora.fr/"));
}

#[test]
fn guests_and_refused_logins_say_so() {
    let guest = harness().guest().render::<Mail>();
    assert_eq!(guest.error_kind(), ErrorKind::NotApplicable);
    let refused = harness().mail_refused().render::<Mail>();
    assert_eq!(refused.error_kind(), ErrorKind::BackendUnavailable);
}

#[test]
fn an_unknown_time_zone_is_a_configuration_error() {
    let page = harness().config("timezone", "Mars/Olympus").render::<Mail>();
    assert_eq!(page.error_kind(), ErrorKind::BadConfig);
}
