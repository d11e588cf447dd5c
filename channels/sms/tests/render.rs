//! The "sms" card rendered natively (agora_channel_sdk::testing).

use agora_channel_sdk::testing::{Harness, Persona};
use agora_channel_sms::Sms;

const DIRECTORY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/demo/directory.ldif");

fn david() -> Persona {
    Persona::from_ldif_file(DIRECTORY, "david.moreau").expect("a person of the demo directory")
}

#[test]
fn the_card_leads_to_the_portals_sms_page_in_the_persons_language() {
    let page = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(david())
        .locale("en")
        .render::<Sms>();
    let html = page.html();
    assert!(html.contains("href=\"/sms\""), "{html}");
    assert!(page.text().contains("nobody sees the numbers"), "{}", page.text());
    assert!(page.fetched().is_empty() && page.refusals().is_empty());
}

#[test]
fn the_establishments_rule_is_shown_escaped() {
    let page = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(david())
        .config("note", "Urgences <b>seulement</b>")
        .render::<Sms>();
    assert!(
        page.html().contains("Urgences &lt;b&gt;seulement&lt;/b&gt;"),
        "{}",
        page.html()
    );
    assert!(page.text().contains("Écrire un SMS"));
}

#[test]
fn a_guest_is_asked_to_sign_in() {
    let page = Harness::new(env!("CARGO_MANIFEST_DIR")).guest().render::<Sms>();
    assert!(page.text().contains("Connectez-vous"), "{}", page.text());
}
