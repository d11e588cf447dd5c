//! Grades from Pégase through the portal (issue 16, item 4): the grades channel with
//! `system = "pegase"` against the Pégase simulator of `examples/sis-simulator` (its INS and
//! COC services and its CAS REST token call), the application JWT obtained by the host once
//! and reused by every render and both services; a wrong password and a back-end that is
//! down give the student a clear message in the slot, never a code or a trace.

use agora_sis_simulator::Simulator;
use agora_tests::page::publication_chunk;
use agora_tests::{Site, one_column_layout, repo_root};

/// A Pégase publication of the grades channel whose services and token call are at `url`.
fn pegase(id: &str, url: &str, password: &str) -> String {
    let auth = format!(
        "auth = {{ type = \"jwt\", token_url = \"{url}/cas/v1/tickets\", username = \"agora-ent\", password = \"{password}\" }}"
    );
    format!(
        "[channels.{id}]\npackage = \"grades\"\ntitle = {{ fr = \"Mes notes (Pégase)\", en = \"My grades (Pégase)\" }}\nconfig = {{ system = \"pegase\", establishment = \"ETAB00\" }}\nbackends.pegase-ins = {{ url = \"{url}/api/ins/ext/v2\", {auth} }}\nbackends.pegase-coc = {{ url = \"{url}/api/coc/publication/v2\", {auth} }}\n\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn students_see_their_pegase_grades_with_one_token_and_clear_messages_when_it_fails() {
    let sis = Simulator::start_dir(&repo_root().join("examples/sis-simulator/data")).expect("simulator");
    let channels = [
        pegase("grades-pegase", &sis.url, "demo-pegase"),
        pegase("grades-wrong-password", &sis.url, "not-the-password"),
        pegase("grades-down", "http://127.0.0.1:9", "demo-pegase"),
    ]
    .concat();
    let ids = ["grades-pegase", "grades-wrong-password", "grades-down"];
    let site = Site::new("pegase-grades", &channels, &one_column_layout(&ids));
    let portal = site.start().await;

    // Alice (supannEtuId 22400123) is an L1 learner of the simulated Pégase.
    let alice = portal.client();
    portal.sign_in(&alice, "alice.martin").await;
    let page = portal.get_page(&alice, "/?lang=en").await;
    let grades = publication_chunk(&page, "grades-pegase");
    assert!(
        grades.contains("<details") && grades.contains("Show my grades"),
        "{grades}"
    );
    for text in [
        "2026–2027 · L1 Mathématiques",
        "Licence Mathématiques",
        "Analyse 1",
        "14.5/20 — Admis",
        "Algèbre linéaire",
        "8.25/20 — Ajourné",
        "Semestre 1",
    ] {
        assert!(grades.contains(text), "`{text}` missing: {grades}");
    }
    assert_eq!(
        sis.pegase_token_calls(),
        1,
        "one token for INS and COC, and for the render of the slot"
    );

    for id in ["grades-wrong-password", "grades-down"] {
        let chunk = publication_chunk(&page, id);
        assert!(
            chunk.contains("The service behind this content is unavailable for now."),
            "{id}: {chunk}"
        );
        assert!(chunk.contains("role=\"alert\""), "{id} is an error card: {chunk}");
        for leak in ["not-the-password", "demo-pegase", "401", "token", "panicked", "Bearer"] {
            assert!(!chunk.contains(leak), "{id} shows `{leak}`: {chunk}");
        }
    }
    assert!(page.trim_end().ends_with("</html>"), "the page is whole");

    // Bruno's renders (another user: not the cached render) reuse the token.
    let bruno = portal.client();
    portal.sign_in(&bruno, "bruno.leroy").await;
    let page = portal.get_page(&bruno, "/").await;
    let grades = publication_chunk(&page, "grades-pegase");
    for text in [
        "Apprentissage profond",
        "17/20 — Admis",
        "M1 Informatique",
        "12,87/20 — Admis — mention Assez bien",
    ] {
        assert!(grades.contains(text), "`{text}` missing: {grades}");
    }
    assert!(!grades.contains("2024–2025"), "the cancelled inscription: {grades}");
    assert_eq!(sis.pegase_token_calls(), 1, "the token is reused across renders");

    // A teacher has no supannEtuId: Pégase is not asked.
    let claire = portal.client();
    portal.sign_in(&claire, "claire.dubois").await;
    let page = portal.get_page(&claire, "/?lang=en").await;
    assert!(
        publication_chunk(&page, "grades-pegase").contains("Nothing to show for you here"),
        "{page}"
    );
    assert_eq!(sis.pegase_token_calls(), 1);
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_demo_shows_master_s_students_their_pegase_grades() {
    let (site, _backend) = agora_tests::api::shipped_site("pegase-demo").await;
    let portal = site.start().await;
    let bruno = portal.client();
    portal.sign_in(&bruno, "bruno.leroy").await;
    let page = portal.get_page(&bruno, "/?tab=scolarite&lang=en").await;
    let grades = publication_chunk(&page, "grades-pegase");
    for text in [
        "Show my grades",
        "M2 Informatique - Intelligence artificielle",
        "Apprentissage profond",
        "17/20 — Admis",
        "12.87/20 — Admis — honours: Assez bien",
    ] {
        assert!(grades.contains(text), "`{text}` missing: {grades}");
    }
    // Alice's L1 is still in Apogée: no Pégase tab for her.
    let alice = portal.client();
    portal.sign_in(&alice, "alice.martin").await;
    let page = portal.get_page(&alice, "/?tab=scolarite").await;
    assert!(!page.contains("data-publication=\"grades-pegase\""));
    assert!(page.contains("data-publication=\"grades\""), "Apogée's grades stay");
    portal.stop().await;
}
