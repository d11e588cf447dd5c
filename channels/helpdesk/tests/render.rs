//! The helpdesk channel rendered natively on recorded iTop answers
//! (agora_channel_sdk::testing).

use agora_channel_helpdesk::Helpdesk;
use agora_channel_sdk::ErrorKind;
use agora_channel_sdk::testing::{Harness, Persona, Recording};

const DIRECTORY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/demo/directory.ldif");
const CALL: &str = "POST itop /webservices/rest.php?version=1.3";

fn person(uid: &str) -> Persona {
    Persona::from_ldif_file(DIRECTORY, uid).expect("a person of the demo directory")
}

fn harness(uid: &str, fixture: &str) -> Harness {
    Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(person(uid))
        .config("itop_url", "https://support.univ-agora.fr/")
        .recording_file(fixture)
}

#[test]
fn alice_sees_her_requests_open_first_with_their_status_and_date() {
    let page = harness("alice.martin", "tests/fixtures/alice.toml").render::<Helpdesk>();
    assert_eq!(page.fetched(), [CALL]);
    let text = page.text();
    for line in [
        "2 demandes en cours",
        "R-000012 Pas d'accès au Wi-Fi eduroam Prise en charge · mise à jour le 30 nov. 2026 à 14h22 · suivie par Jean Dupont",
        "R-000027 Logiciel MATLAB pour le TP d'analyse En attente de votre réponse · mise à jour le 27 nov. 2026 à 17h05",
        "R-000019 Réinitialiser mon mot de passe ENT Résolue · mise à jour le 2 oct. 2026 à 11h45",
        "Faire une nouvelle demande",
        "Toutes mes demandes",
    ] {
        assert!(text.contains(line), "`{line}` missing: {text}");
    }
    assert!(
        text.find("R-000012") < text.find("R-000027") && text.find("R-000027") < text.find("R-000019"),
        "open first, most recent first: {text}"
    );
    assert!(!text.contains("Imprimante"), "not Bruno's: {text}");
    let html = page.html();
    assert!(
        html.contains("href=\"https://support.univ-agora.fr/pages/exec.php/object/view/UserRequest/12?exec_module=itop-portal-base&amp;exec_page=index.php&amp;portal_id=itop-portal\""),
        "{html}"
    );
    assert!(
        html.contains(
            "href=\"https://support.univ-agora.fr/pages/exec.php/browse/services?exec_module=itop-portal-base"
        ),
        "{html}"
    );
    assert!(html.contains("<time datetime=\"2026-11-30T13:22:05Z\">"), "{html}");
    assert!(!html.contains("<script"), "{html}");
}

#[test]
fn english_pages_and_the_institution_s_time_zone() {
    let page = harness("alice.martin", "tests/fixtures/alice.toml")
        .locale("en")
        .time_zone("Indian/Reunion")
        .config("itop_time_zone", "Europe/Paris")
        .render::<Helpdesk>();
    let text = page.text();
    for line in [
        "2 open requests",
        "In progress · updated 30 Nov 2026, 17:22 · handled by Jean Dupont",
        "Resolved · updated 2 Oct 2026, 13:45",
        "Open a new request",
        "All my requests",
    ] {
        assert!(text.contains(line), "`{line}` missing: {text}");
    }
    assert!(!text.contains("Prise en charge"), "{text}");
}

#[test]
fn preferences_choose_how_many_and_whether_closed_ones_show() {
    let page = harness("alice.martin", "tests/fixtures/alice.toml")
        .config("max_items", 1)
        .render::<Helpdesk>();
    let text = page.text();
    assert!(text.contains("R-000012") && !text.contains("R-000027"), "{text}");
    assert!(text.contains("Et 2 de plus sur le portail d’assistance."), "{text}");
    let open_only = harness("alice.martin", "tests/fixtures/alice.toml")
        .config("show_closed", false)
        .render::<Helpdesk>();
    assert!(!open_only.text().contains("R-000019"), "{}", open_only.text());
}

#[test]
fn someone_itop_does_not_know_gets_an_empty_state_and_the_new_request_link() {
    let page = harness("claire.dubois", "tests/fixtures/alice.toml").render::<Helpdesk>();
    let text = page.text();
    assert!(text.contains("Vous n’avez aucune demande en cours."), "{text}");
    assert!(text.contains("Faire une nouvelle demande"), "{text}");
    assert!(!page.html().contains("<ul"), "{}", page.html());
}

#[test]
fn a_quote_in_the_mail_is_escaped_in_the_oql_and_finds_the_person() {
    // The recorded answer names the request whose key is the escaped literal only
    // (`'o\'brien@univ.fr'`, JSON-encoded then form-encoded); anything else finds nothing.
    let escaped = Recording::load("tests/fixtures/alice.toml").expect("recording");
    let page = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(Persona::new("s.obrien").with("mail", "o'brien@univ.fr"))
        .config("itop_url", "https://support.univ-agora.fr")
        .recording_file("tests/fixtures/quote.toml")
        .recording(escaped)
        .render::<Helpdesk>();
    assert!(page.text().contains("R-000040 Clavier cassé"), "{}", page.text());
}

#[test]
fn guests_and_people_without_a_mail_are_not_asked_about() {
    let guest = harness("alice.martin", "tests/fixtures/alice.toml")
        .guest()
        .render::<Helpdesk>();
    assert_eq!(guest.error_kind(), ErrorKind::NotApplicable);
    assert!(guest.fetched().is_empty());
    let nomail = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(Persona::new("nobody"))
        .config("itop_url", "https://support.univ-agora.fr")
        .recording_file("tests/fixtures/alice.toml")
        .render::<Helpdesk>();
    assert_eq!(nomail.error_kind(), ErrorKind::NotApplicable);
    assert!(nomail.fetched().is_empty());
}

#[test]
fn a_refusal_is_misconfiguration_an_outage_is_unavailable_html_is_garbage() {
    let kind = |fixture: &str| harness("alice.martin", fixture).render::<Helpdesk>().error_kind();
    assert_eq!(kind("tests/fixtures/refused.toml"), ErrorKind::BadConfig);
    assert_eq!(
        kind("tests/fixtures/internal-error.toml"),
        ErrorKind::BackendUnavailable
    );
    assert_eq!(kind("tests/fixtures/maintenance.toml"), ErrorKind::BackendUnavailable);
    assert_eq!(kind("tests/fixtures/login-page.toml"), ErrorKind::BackendGarbage);
    let down = harness("alice.martin", "tests/fixtures/alice.toml")
        .backend_down("itop")
        .render::<Helpdesk>();
    assert_eq!(down.error_kind(), ErrorKind::BackendUnavailable);
}

#[test]
fn a_class_or_field_that_is_not_a_name_is_refused_before_any_call() {
    let page = harness("alice.martin", "tests/fixtures/alice.toml")
        .config("caller_field", "email = '' OR 1")
        .render::<Helpdesk>();
    assert_eq!(page.error_kind(), ErrorKind::BadConfig);
    assert!(page.fetched().is_empty());
}

#[test]
fn markup_in_itop_fields_stays_text() {
    let page = harness("alice.martin", "tests/fixtures/hostile.toml").render::<Helpdesk>();
    let html = page.html();
    for markup in ["<script", "<img", "<b>", "<i>", "onmouseover=\""] {
        assert!(!html.contains(markup), "`{markup}` in {html}");
    }
    let text = page.text();
    assert!(text.contains("<b>R-1</b> <script>alert(2)</script>"), "{text}");
}
