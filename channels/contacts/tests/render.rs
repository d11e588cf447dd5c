//! The contacts channel rendered natively on a fake address book.

use agora_channel_contacts::Contacts;
use agora_channel_sdk::ErrorKind;
use agora_channel_sdk::dav::Contact;
use agora_channel_sdk::testing::{Harness, Persona};

fn harness() -> Harness {
    Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(Persona::new("alice.martin"))
        .publication("contacts")
        .contacts([
            Contact {
                full_name: "Chloé Dubois".into(),
                emails: vec!["chloe.dubois@univ-agora.fr".into()],
                phones: vec!["+33 1 23 45 67 89".into()],
                organisation: "Scolarité".into(),
            },
            Contact {
                full_name: "Paul <b>Martin</b>".into(),
                emails: vec!["paul.martin@example.org".into()],
                ..Contact::default()
            },
        ])
}

#[test]
fn every_contact_is_listed_with_links_and_escaped() {
    let page = harness().render::<Contacts>();
    let html = page.html();
    assert!(html.contains("name=\"contacts.q\""), "{html}");
    assert!(html.contains("href=\"mailto:chloe.dubois@univ-agora.fr\""), "{html}");
    assert!(html.contains("href=\"tel:+33123456789\""), "{html}");
    assert!(html.contains("Paul &lt;b&gt;Martin&lt;/b&gt;"), "{html}");
    assert!(page.text().contains("Chloé Dubois (Scolarité)"), "{}", page.text());
}

#[test]
fn a_search_is_accent_blind_and_an_empty_answer_says_so() {
    let text = harness().param("q", "chloe").render::<Contacts>().text();
    assert!(text.contains("Chloé Dubois") && !text.contains("Paul"), "{text}");
    let text = harness().param("q", "zorglub").locale("en").render::<Contacts>().text();
    assert!(text.contains("No contact matches “zorglub”."), "{text}");
}

#[test]
fn failures_are_an_unavailable_service() {
    assert_eq!(
        harness().dav_refused().render::<Contacts>().error_kind(),
        ErrorKind::BackendUnavailable
    );
    assert_eq!(
        harness().dav_down().render::<Contacts>().error_kind(),
        ErrorKind::BackendUnavailable
    );
}
