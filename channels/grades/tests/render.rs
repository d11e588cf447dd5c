//! The grades channel rendered natively on recorded Apogée answers
//! (agora_channel_sdk::testing).

use agora_channel_grades::Grades;
use agora_channel_sdk::ErrorKind;
use agora_channel_sdk::testing::{Harness, Persona};

const DIRECTORY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/demo/directory.ldif");

/// Both SOAP calls, to the service path of the manifest's default.
const CALLS: [&str; 2] = [
    "POST apogee /services/PedagogiqueMetier",
    "POST apogee /services/PedagogiqueMetier",
];

fn person(uid: &str) -> Persona {
    Persona::from_ldif_file(DIRECTORY, uid).expect("a person of the demo directory")
}

/// Bruno Leroy (supannEtuId 21900456): M1 in 2025 with both sessions, M2 in 2026 with one
/// element graded so far.
fn bruno() -> Harness {
    Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(person("bruno.leroy"))
        .recording_file("tests/fixtures/leroy.toml")
}

#[test]
fn bruno_s_results_are_hidden_until_he_asks_most_recent_year_first() {
    let page = bruno().render::<Grades>();
    let html = page.html();
    assert!(
        html.starts_with("<details class=\"grades\"><summary>Afficher mes notes</summary>"),
        "closed, nothing to click away on a shared screen: {html}"
    );
    let text = page.text();
    for line in [
        "2026–2027 · M2 Informatique - Intelligence artificielle Master Informatique",
        "Résultats de l'année pas encore publiés.",
        "Apprentissage profond 6 17/20 — Admis —",
        "Projet de fin d'études 9 — —",
        "2025–2026 · M1 Informatique Master Informatique",
        "Session 1 : 11,42/20 — Ajourné",
        "Session 2 : 12,87/20 — Admis — mention Assez bien",
        "Compilation 6 9,5/20 — Ajourné 13/20 — Admis",
        "Réseaux avancés 6 15,75/20 — Admis —",
        "Stage 12 A — Admis —",
    ] {
        assert!(text.contains(line), "`{line}` missing: {text}");
    }
    assert!(
        text.find("2026–2027").expect("2026") < text.find("2025–2026").expect("2025"),
        "{text}"
    );
    assert_eq!(page.fetched(), CALLS);
    assert!(page.refusals().is_empty(), "{:?}", page.refusals());
}

#[test]
fn english_pages_read_grades_the_english_way() {
    let page = bruno().locale("en").render::<Grades>();
    assert!(page.html().contains("<summary>Show my grades</summary>"));
    assert!(
        page.html()
            .contains("<strong>Session 2</strong>: 12.87/20 — Admis — honours: Assez bien"),
        "no space before the colon in English: {}",
        page.html()
    );
    let text = page.text();
    for line in [
        "Year results not published yet.",
        "Element ECTS Session 1 Session 2",
        "11.42/20 — Ajourné",
        "Compilation 6 9.5/20 — Ajourné 13/20 — Admis",
    ] {
        assert!(text.contains(line), "`{line}` missing: {text}");
    }
    assert!(!text.contains("Afficher") && !text.contains("Élément"), "{text}");
}

#[test]
fn the_years_and_the_detail_shown_follow_the_preferences() {
    let page = bruno()
        .config("years", 1)
        .config("show_elements", false)
        .render::<Grades>();
    let text = page.text();
    assert!(text.contains("M2 Informatique"), "{text}");
    assert!(!text.contains("M1 Informatique"), "one year: {text}");
    assert!(!page.html().contains("<table"), "no detail: {}", page.html());
}

#[test]
fn a_publication_is_notified_without_its_grade() {
    let page = bruno().param("tab", "etudes").render::<Grades>();
    let raised = page.notifications();
    assert_eq!(raised.len(), 1, "session 1 of 2026 only: {raised:?}");
    let n = &raised[0];
    assert_eq!(n.key, "results:2026:M2INFO:s1:1");
    assert_eq!(
        n.title,
        "Nouveaux résultats publiés : M2 Informatique - Intelligence artificielle, session 1"
    );
    assert_eq!(
        n.body,
        "2026–2027 : 1 résultat(s) publié(s). Ouvrez « Notes et résultats » pour les voir."
    );
    assert_eq!(n.link.as_deref(), Some("/?tab=etudes"));
    assert!(!n.title.contains("17") && !n.body.contains("17/"), "{n:?}");
    let en = bruno().locale("en").render::<Grades>();
    assert_eq!(
        en.notifications()[0].title,
        "New results published: M2 Informatique - Intelligence artificielle, session 1"
    );
    assert_eq!(en.notifications()[0].link.as_deref(), Some("/"));
}

#[test]
fn a_student_apogee_does_not_know_has_no_results_yet() {
    let page = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(Persona::new("nouveau.inscrit").with("supannEtuId", "999"))
        .recording_file("tests/fixtures/unknown-student.toml")
        .render::<Grades>();
    assert!(
        page.text().contains("Aucun résultat n'est encore disponible."),
        "{}",
        page.text()
    );
    assert_eq!(page.fetched().len(), 1, "the second call is not made");
    assert!(page.notifications().is_empty());
}

#[test]
fn guests_and_staff_have_no_grades_and_apogee_is_not_asked() {
    let guest = bruno().guest().render::<Grades>();
    assert_eq!(guest.error_kind(), ErrorKind::NotApplicable);
    assert!(guest.fetched().is_empty());
    let claire = bruno().persona(person("claire.dubois")).render::<Grades>();
    assert_eq!(claire.error_kind(), ErrorKind::NotApplicable);
    assert!(claire.fetched().is_empty());
}

fn answered(fixture: &str) -> ErrorKind {
    Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(person("bruno.leroy"))
        .recording_file(fixture)
        .render::<Grades>()
        .error_kind()
}

#[test]
fn apogee_down_or_failing_is_a_back_end_outage() {
    let down = bruno().backend_down("apogee").render::<Grades>();
    assert_eq!(down.error_kind(), ErrorKind::BackendUnavailable);
    assert_eq!(
        answered("tests/fixtures/maintenance.toml"),
        ErrorKind::BackendUnavailable
    );
    assert_eq!(
        answered("tests/fixtures/database-fault.toml"),
        ErrorKind::BackendUnavailable
    );
    // HTTP 500 is Apogée's status for a SOAP fault; a 500 without one (the servlet
    // container's own error page) is the server failing, not an unreadable answer.
    assert_eq!(
        answered("tests/fixtures/tomcat-500.toml"),
        ErrorKind::BackendUnavailable
    );
}

#[test]
fn something_else_than_apogee_answering_is_garbage() {
    assert_eq!(answered("tests/fixtures/portal-page.toml"), ErrorKind::BackendGarbage);
}

#[test]
fn markup_in_apogee_labels_stays_text() {
    let page = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(Persona::new("mallory").with("supannEtuId", "21900999"))
        .recording_file("tests/fixtures/hostile.toml")
        .render::<Grades>();
    let html = page.html();
    for markup in ["<script", "<img", "<b>", "</p><form", "<a href", "<i>", "<u>"] {
        assert!(!html.contains(markup), "`{markup}` in {html}");
    }
    let text = page.text();
    for line in [
        "Licence <script>alert(1)</script>",
        "L3 <img src=x onerror=alert(2)>",
        "<b>20/20 — Admis </p><form action=//evil.example> — mention \"Très\" bien & plus",
        "<a href=\"javascript:alert(3)\">Cours</a> <i>6 15/20 — <u>Admis",
    ] {
        assert!(text.contains(line), "`{line}` missing: {text}");
    }
}

/// Bruno Leroy's results from Pégase's REST services (`system = "pegase"`).
fn bruno_on_pegase() -> Harness {
    Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(person("bruno.leroy"))
        .config("system", "pegase")
        .config("establishment", "ETAB00")
        .recording_file("tests/fixtures/pegase-leroy.toml")
}

#[test]
fn bruno_s_pegase_results_read_as_his_apogee_ones_did() {
    let page = bruno_on_pegase().render::<Grades>();
    assert!(page.refusals().is_empty(), "{:?}", page.refusals());
    assert_eq!(
        page.fetched(),
        [
            "GET pegase-ins /gestion/inscription/ETAB00/21900456/",
            "GET pegase-coc /etablissements/ETAB00/periodes/PER-2026/apprenants/21900456/chemins/MINFO%3EMINFO-M2",
            "GET pegase-coc /etablissements/ETAB00/periodes/PER-2025/apprenants/21900456/chemins/MINFO%3EMINFO-M1",
        ],
        "the learner's file, then each valid year's path; never Apogée"
    );
    assert!(
        page.html()
            .starts_with("<details class=\"grades\"><summary>Afficher mes notes</summary>")
    );
    let text = page.text();
    for line in [
        "2026–2027 · M2 Informatique - Intelligence artificielle Master Informatique",
        "Résultats de l'année pas encore publiés.",
        "Apprentissage profond 6 17/20 — Admis —",
        "Projet de fin d'études — —",
        "2025–2026 · M1 Informatique Master Informatique",
        "Session 1 : 11,42/20 — Ajourné",
        "Session 2 : 12,87/20 — Admis — mention Assez bien",
        "Compilation 6 9,5/20 — Ajourné 13/20 — Admis",
        "Réseaux avancés 6 15,75/20 — Admis —",
        "Stage 12 Admis —",
        "Anglais professionnel 0 Défaillant —",
    ] {
        assert!(text.contains(line), "`{line}` missing: {text}");
    }
    assert!(!text.contains("2024"), "the cancelled inscription is not shown: {text}");
    let n = &page.notifications()[0];
    assert_eq!(n.key, "results:2026:MINFO-M2:s1:1");
}

#[test]
fn one_pegase_year_costs_two_calls() {
    let page = bruno_on_pegase().config("years", 1).render::<Grades>();
    assert_eq!(page.fetched().len(), 2, "{:?}", page.fetched());
    assert!(!page.text().contains("M1 Informatique"), "{}", page.text());
}

#[test]
fn a_learner_pegase_does_not_know_has_no_results_yet() {
    let page = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(Persona::new("nouveau.inscrit").with("supannEtuId", "999"))
        .config("system", "pegase")
        .config("establishment", "ETAB00")
        .recording_file("tests/fixtures/pegase-unknown-student.toml")
        .render::<Grades>();
    assert!(
        page.text().contains("Aucun résultat n'est encore disponible."),
        "{}",
        page.text()
    );
    assert_eq!(page.fetched().len(), 1, "COC is not asked");
}

#[test]
fn pegase_down_failing_or_answering_garbage_is_said_as_such() {
    let down = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(person("bruno.leroy"))
        .config("system", "pegase")
        .config("establishment", "ETAB00")
        .backend_down("pegase-ins")
        .render::<Grades>();
    assert_eq!(down.error_kind(), ErrorKind::BackendUnavailable);
    let fresh = |fixture: &str| {
        Harness::new(env!("CARGO_MANIFEST_DIR"))
            .persona(person("bruno.leroy"))
            .config("system", "pegase")
            .config("establishment", "ETAB00")
            .recording_file(fixture)
            .render::<Grades>()
            .error_kind()
    };
    assert_eq!(fresh("tests/fixtures/pegase-500.toml"), ErrorKind::BackendUnavailable);
    assert_eq!(fresh("tests/fixtures/pegase-garbage.toml"), ErrorKind::BackendGarbage);
    assert_eq!(
        fresh("tests/fixtures/pegase-coc-garbage.toml"),
        ErrorKind::BackendGarbage
    );
}

#[test]
fn a_pegase_publication_without_its_establishment_or_with_an_unknown_system_is_misconfigured() {
    let no_etab = bruno().config("system", "pegase").render::<Grades>();
    assert_eq!(no_etab.error_kind(), ErrorKind::BadConfig);
    assert!(no_etab.fetched().is_empty());
    let sap = bruno().config("system", "sap").render::<Grades>();
    assert_eq!(sap.error_kind(), ErrorKind::BadConfig);
}
