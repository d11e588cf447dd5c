//! The "my groups" channel rendered natively for people of the demo directory, with the
//! groups the portal hands it (agora_channel_sdk::testing).

use agora_channel_groups::Groups;
use agora_channel_sdk::testing::{Harness, Persona};

const DIRECTORY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/demo/directory.ldif");

fn person(uid: &str) -> Persona {
    Persona::from_ldif_file(DIRECTORY, uid).expect("a person of the demo directory")
}

fn harness() -> Harness {
    Harness::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_groups_are_links_to_their_pages_in_the_portals_order() {
    let alice = person("alice.martin")
        .with("agoraGroup", "tutorat-l1")
        .with("agoraGroupName", "Tutorat L1 <maths>")
        .with("agoraGroup", "chorale")
        .with("agoraGroupName", "Chorale");
    let page = harness().persona(alice).render::<Groups>();
    let html = page.html();
    assert!(
        html.contains("<a href=\"/groups/tutorat-l1\">Tutorat L1 &lt;maths&gt;</a>"),
        "names are escaped: {html}"
    );
    assert!(html.find("tutorat-l1").expect("first") < html.find("chorale").expect("second"));
    assert!(html.contains("href=\"/groups#create\""), "{html}");
    assert!(page.refusals().is_empty(), "{:?}", page.refusals());
}

#[test]
fn nobody_in_a_group_is_told_how_to_find_one_in_their_language() {
    let page = harness().persona(person("bruno.leroy")).locale("en").render::<Groups>();
    let text = page.text();
    assert!(text.contains("You are in no group yet."), "{text}");
    assert!(text.contains("Find a group"), "{text}");
}

#[test]
fn past_the_configured_number_a_link_leads_to_all_of_them() {
    let mut alice = person("alice.martin");
    for i in 0..5 {
        alice = alice
            .with("agoraGroup", &format!("g{i}"))
            .with("agoraGroupName", &format!("Groupe {i}"));
    }
    let page = harness().persona(alice).config("max", 3).render::<Groups>();
    let html = page.html();
    assert!(html.contains("Groupe 2") && !html.contains("Groupe 3"), "{html}");
    assert!(html.contains("Tous mes groupes (5)"), "{html}");
}

#[test]
fn a_guest_is_asked_to_sign_in() {
    let page = harness().guest().render::<Groups>();
    assert!(page.text().contains("Connectez-vous"), "{}", page.text());
}
