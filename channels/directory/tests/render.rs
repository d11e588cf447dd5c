//! The directory channel rendered natively on the demo directory and a few more people
//! (agora_channel_sdk::testing).

use agora_channel_directory::Directory;
use agora_channel_sdk::ErrorKind;
use agora_channel_sdk::testing::{Harness, Persona, ldif_entries};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/demo/directory.ldif");
const MORE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/more-people.ldif");

/// Everyone of both files, in their order: Alice Martin, Bruno Leroy, Claire Dubois, David
/// Moreau (red-listed), Sophie Moreau, Marc Martinez, Léa Martin (red-listed), Eve Intruse.
fn everyone() -> Vec<Persona> {
    [DEMO, MORE]
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).expect("a fixture");
            ldif_entries(&text).expect("LDIF")
        })
        .map(|attributes| Persona { attributes })
        .collect()
}

/// Claire Dubois looking for someone from her home tab.
fn search(query: &str) -> Harness {
    Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(Persona::from_ldif_file(DEMO, "claire.dubois").expect("Claire"))
        .directory(everyone())
        .param("tab", "home")
        .param("q", query)
}

fn names(html: &str) -> Vec<&str> {
    html.split("<strong>")
        .skip(1)
        .filter_map(|s| s.split_once("</strong>").map(|(n, _)| n))
        .collect()
}

#[test]
fn the_form_comes_alone_until_someone_searches() {
    let page = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(Persona::from_ldif_file(DEMO, "claire.dubois").expect("Claire"))
        .directory(everyone())
        .param("tab", "home")
        .render::<Directory>();
    let html = page.html();
    assert!(
        html.starts_with("<form method=\"get\" action=\"/\" role=\"search\">"),
        "{html}"
    );
    assert!(
        html.contains("<input type=\"hidden\" name=\"tab\" value=\"home\">"),
        "back to the same tab: {html}"
    );
    assert!(
        html.contains("<label for=\"directory-q\">Nom</label> <input id=\"directory-q\" type=\"search\" name=\"directory.q\" value=\"\""),
        "{html}"
    );
    assert!(
        html.contains("<button type=\"submit\">Rechercher</button></form>"),
        "{html}"
    );
    assert!(html.ends_with("</form>"), "nothing searched: {html}");
    let blank = search("   ").render::<Directory>();
    assert!(blank.html().ends_with("</form>"), "{}", blank.html());
}

#[test]
fn people_are_found_by_name_with_the_configured_attributes() {
    let page = search("martin").render::<Directory>();
    let html = page.html();
    assert_eq!(names(html), ["Alice Martin", "Marc Martinez"], "{html}");
    assert!(
        html.contains("value=\"martin\""),
        "the query stays in the field: {html}"
    );
    assert!(
        html.contains(
            "<li><strong>Alice Martin</strong><dl class=\"attribute-list\">\
             <dt>Courriel</dt><dd><a href=\"mailto:alice.martin@etu.univ-agora.fr\">alice.martin@etu.univ-agora.fr</a></dd>\
             <dt>Affectation</dt><dd>UFR27</dd></dl></li>"
        ),
        "{html}"
    );
    assert!(
        html.contains(
            "<dt>Courriel</dt><dd><a href=\"mailto:marc.martinez@univ-agora.fr\">marc.martinez@univ-agora.fr</a>, \
             <a href=\"mailto:m.martinez@lma.univ-agora.fr\">m.martinez@lma.univ-agora.fr</a></dd>\
             <dt>Téléphone</dt><dd><a href=\"tel:0144275218\">01 44 27 52 18</a></dd>\
             <dt>Affectation</dt><dd>UFR27, LMA</dd>"
        ),
        "{html}"
    );
    assert!(page.refusals().is_empty(), "{:?}", page.refusals());
}

#[test]
fn a_red_listed_person_never_appears() {
    for (query, shown) in [
        ("moreau", vec!["Sophie Moreau"]),
        ("david", vec![]),
        ("Léa", vec![]),
        ("martin", vec!["Alice Martin", "Marc Martinez"]),
    ] {
        let page = search(query).render::<Directory>();
        let html = page.html();
        assert_eq!(names(html), shown, "{query}: {html}");
        // What was found (the form repeats the query).
        let found = &html[html.find("</form>").expect("the form")..];
        for hidden in ["David", "david.moreau", "Léa", "lea.martin"] {
            assert!(!found.contains(hidden), "`{hidden}` found by `{query}`: {html}");
        }
    }
    assert!(
        search("david")
            .render::<Directory>()
            .text()
            .ends_with("Aucune personne ne correspond."),
    );
}

#[test]
fn english_pages_label_in_english() {
    let page = search("sophie").locale("en").render::<Directory>();
    let html = page.html();
    assert!(
        html.contains("<label for=\"directory-q\">Name</label>")
            && html.contains("<button type=\"submit\">Search</button>"),
        "{html}"
    );
    let text = page.text();
    assert!(
        text.contains("Sophie Moreau Email sophie.moreau@univ-agora.fr Phone +33 1 44 27 31 05 Unit DEVE"),
        "{text}"
    );
    assert!(html.contains("href=\"tel:+33144273105\""), "{html}");
    let nobody = search("zorglub").locale("en").render::<Directory>();
    assert!(nobody.text().ends_with("Nobody matches."), "{}", nobody.text());
}

#[test]
fn the_publication_chooses_what_is_shown_within_the_grant() {
    let page = search("sophie")
        .config(
            "shown",
            vec!["title", "roomNumber", "eduPersonPrimaryAffiliation", "supannEmpId"],
        )
        .render::<Directory>();
    let text = page.text();
    assert!(
        text.contains("Sophie Moreau Fonction Responsable du service de la scolarité Bureau B204 Statut staff"),
        "{text}"
    );
    assert!(
        !text.contains("008812") && !text.contains("supannEmpId"),
        "not granted by the manifest: {text}"
    );
    assert!(!text.contains("sophie.moreau@"), "mail not configured: {text}");
    let one = search("martin").config("max_results", 1).render::<Directory>();
    assert_eq!(names(one.html()), ["Alice Martin"]);
}

#[test]
fn a_query_too_short_asks_for_more() {
    let page = search("m").render::<Directory>();
    assert!(
        page.text().ends_with("Tapez au moins deux lettres d'un nom."),
        "{}",
        page.text()
    );
    let en = search("m").locale("en").render::<Directory>();
    assert!(
        en.text().ends_with("Type at least two letters of a name."),
        "{}",
        en.text()
    );
}

#[test]
fn guests_have_no_directory() {
    // The portal gives a guest's page no directory: the channel does not offer a search that
    // can only fail, nor ask for one.
    let page = search("martin").guest().render::<Directory>();
    assert_eq!(page.error_kind(), ErrorKind::NotApplicable);
    let no_query = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .guest()
        .directory(everyone())
        .render::<Directory>();
    assert_eq!(no_query.error_kind(), ErrorKind::NotApplicable);
}

#[test]
fn hostile_directory_values_and_queries_stay_text() {
    let page = search("intruse").render::<Directory>();
    let html = page.html();
    for markup in ["<script", "<img", "<b>", "<iframe"] {
        assert!(!html.contains(markup), "`{markup}` in {html}");
    }
    assert!(
        html.contains("href=\"mailto:&quot;&gt;&lt;img src=x onerror=alert(2)&gt;@evil.example\""),
        "{html}"
    );
    assert!(html.contains("href=\"tel:08003\""), "digits only: {html}");
    let text = page.text();
    assert!(text.contains("Eve <script>alert(1)</script> Intruse"), "{text}");
    assert!(text.contains("<iframe src=//evil.example></iframe>"), "{text}");

    let echoed = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(Persona::new("claire.dubois"))
        .directory(everyone())
        .param("tab", "home\"><script>alert(4)</script>")
        .param("q", "\"><script>alert(5)</script>")
        .render::<Directory>();
    let html = echoed.html();
    assert!(!html.contains("<script"), "{html}");
    assert!(
        html.contains("value=\"&quot;&gt;&lt;script&gt;alert(5)&lt;/script&gt;\""),
        "{html}"
    );
    assert!(
        html.contains("value=\"home&quot;&gt;&lt;script&gt;alert(4)&lt;/script&gt;\""),
        "{html}"
    );
}

#[test]
fn a_directory_that_does_not_answer_is_said_unavailable() {
    let page = search("moreau").directory_down().render::<Directory>();
    assert_eq!(page.error_kind(), ErrorKind::BackendUnavailable);
}
