//! The help channel rendered and searched natively (agora_channel_sdk::testing), on the FAQ
//! the demo publishes (config/channels.toml's `help`, copied here).

use agora_channel_help::Help;
use agora_channel_sdk::ErrorKind;
use agora_channel_sdk::testing::{Harness, Persona};

fn faq() -> Vec<&'static str> {
    vec![
        "# Compte et mot de passe|Account and password",
        "*|J’ai oublié mon mot de passe, que faire ?|Réinitialisez-le sur [le service des comptes](https://compte.univ-agora.fr) avec votre adresse personnelle.|I forgot my password, what can I do?|Reset it on [the account service](https://compte.univ-agora.fr) with your personal address.",
        "# Études|Studies",
        "students|Où trouver mon certificat de scolarité ?|Dans « Scolarité en ligne », rubrique Documents.|Where is my school certificate?|In “Online registrar”, under Documents.",
        "# Wi-Fi|Wi-Fi",
        "*|Comment me connecter au Wi-Fi eduroam ?|Identifiant : votre adresse de messagerie ; mot de passe : celui de l’ENT.|How do I connect to the eduroam Wi-Fi?|Login: your email address; password: your portal password.",
    ]
}

fn harness(populations: &[&str]) -> Harness {
    let mut persona = Persona::new("someone");
    for p in populations {
        persona = persona.with("agoraPopulations", p);
    }
    Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(persona)
        .config("entries", faq())
        .config("contact_url", "https://support.univ-agora.fr/new")
}

#[test]
fn questions_are_closed_details_under_their_topic_for_the_person_s_populations() {
    let page = harness(&["students"]).render::<Help>();
    let html = page.html();
    assert!(
        html.contains("<h3>Compte et mot de passe</h3><details class=\"help-entry\"><summary>J’ai oublié mon mot de passe, que faire ?</summary><p>Réinitialisez-le sur <a href=\"https://compte.univ-agora.fr\">le service des comptes</a>"),
        "{html}"
    );
    assert!(html.contains("Où trouver mon certificat de scolarité ?"), "{html}");
    assert!(
        html.contains("<label for=\"help-q\">Chercher dans l’aide</label>"),
        "{html}"
    );
    assert!(
        page.text().contains("Vous n’avez pas trouvé ? Demandez au support"),
        "{}",
        page.text()
    );
    assert!(page.fetched().is_empty(), "no back-end");
    let staff = harness(&["admin-staff"]).locale("en").render::<Help>();
    let text = staff.text();
    assert!(
        text.contains("Account and password") && text.contains("eduroam"),
        "{text}"
    );
    assert!(!text.contains("school certificate"), "students only: {text}");
}

#[test]
fn guests_see_the_questions_for_everyone() {
    let page = harness(&[]).guest().render::<Help>();
    assert!(page.text().contains("eduroam"), "{}", page.text());
    assert!(!page.text().contains("certificat"), "{}", page.text());
}

#[test]
fn the_channel_s_own_search_opens_the_answers_found() {
    let page = harness(&["students"])
        .param("q", "WIFI")
        .param("tab", "aide")
        .render::<Help>();
    let html = page.html();
    assert!(html.contains("1 réponse pour « WIFI » :"), "{html}");
    assert!(
        html.contains(
            "<h3>Wi-Fi</h3><dl class=\"help-found\"><dt>Comment me connecter au Wi-Fi eduroam ?</dt><dd>Identifiant"
        ),
        "{html}"
    );
    assert!(!html.contains("mot de passe, que faire"), "{html}");
    assert!(html.contains("name=\"tab\" value=\"aide\""), "{html}");
    let none = harness(&["students"])
        .locale("en")
        .param("q", "parking")
        .render::<Help>();
    assert!(none.text().contains("No answer matches “parking”."), "{}", none.text());
}

#[test]
fn the_portal_search_finds_questions_by_their_answers_too() {
    let found = harness(&["students"]).search::<Help>("mot de passe").expect("search");
    let titles: Vec<&str> = found.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "J’ai oublié mon mot de passe, que faire ?",
            "Comment me connecter au Wi-Fi eduroam ?"
        ]
    );
    assert!(
        found[0]
            .description
            .starts_with("Réinitialisez-le sur le service des comptes")
    );
    assert!(
        found[0].link.starts_with("/?help.q=J%E2%80%99ai%20oubli"),
        "{}",
        found[0].link
    );
    let on_a_tab = harness(&[])
        .config("tab", "aide")
        .search::<Help>("eduroam")
        .expect("search");
    assert!(
        on_a_tab[0].link.starts_with("/?tab=aide&help.q=Comment"),
        "{}",
        on_a_tab[0].link
    );
    let en = harness(&[]).locale("en").search::<Help>("certificate").expect("search");
    assert!(en.is_empty(), "not a student: {en:?}");
}

#[test]
fn a_malformed_entry_is_misconfiguration_and_markup_stays_text() {
    let bad = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .config("entries", vec!["*|question sans réponse"])
        .render::<Help>();
    assert_eq!(bad.error_kind(), ErrorKind::BadConfig);
    let hostile = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .config(
            "entries",
            vec![
                "# <script>x</script>|t",
                "*|<img src=x onerror=alert(1)>?|[clic](javascript:alert(2)) <b>gras</b>|q|a",
            ],
        )
        .param("q", "<script>")
        .render::<Help>();
    let html = hostile.html();
    for markup in ["<script", "<img", "<b>", "href=\"javascript"] {
        assert!(!html.contains(markup), "`{markup}` in {html}");
    }
    let empty = Harness::new(env!("CARGO_MANIFEST_DIR")).render::<Help>();
    assert!(
        empty.text().contains("Aucune question pour l’instant."),
        "{}",
        empty.text()
    );
}
