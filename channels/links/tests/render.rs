//! The links channel rendered natively with the demo's publication and people
//! (agora_channel_sdk::testing): its page and its answers to the portal's search field.

use agora_channel_links::Links;
use agora_channel_sdk::ErrorKind;
use agora_channel_sdk::testing::{Harness, Persona};

const DIRECTORY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/demo/directory.ldif");

/// The demo's publication (config/channels.toml).
const LINKS: [&str; 6] = [
    "*|Messagerie|Webmail|https://webmail.univ-agora.fr",
    "students|Moodle|Moodle|https://moodle.univ-agora.fr",
    "students|Scolarité en ligne|Online registrar|https://scolarite.univ-agora.fr",
    "*|Bibliothèque|Library|https://bu.univ-agora.fr",
    "teachers|Saisie des notes|Grade entry|https://notes.univ-agora.fr",
    "teachers,admin-staff|Intranet RH|HR intranet|https://rh.univ-agora.fr",
];

/// A person of the demo directory with the populations the portal computes for them
/// (config/populations.toml).
fn person(uid: &str, populations: &[&str]) -> Persona {
    populations.iter().fold(
        Persona::from_ldif_file(DIRECTORY, uid).expect("a person of the demo directory"),
        |p, id| p.with("agoraPopulations", id),
    )
}

fn alice() -> Persona {
    person("alice.martin", &["students", "l1-ufr27"])
}

fn claire() -> Persona {
    person("claire.dubois", &["teachers"])
}

fn harness() -> Harness {
    Harness::new(env!("CARGO_MANIFEST_DIR")).config("links", LINKS.to_vec())
}

/// Alice's bookmarks, as the preference form stores them.
fn alice_bookmarks() -> Vec<&'static str> {
    vec![
        "Labo de maths | https://lma.univ-agora.fr/seminaires",
        "Bibliothèque numérique | https://bibnum.univ-agora.fr",
        "pas une adresse",
        "Mon script | javascript:alert(1)",
    ]
}

fn titles(html: &str, class: &str) -> Vec<String> {
    let Some(start) = html.find(&format!("<ul class=\"{class}\">")) else {
        return Vec::new();
    };
    let list = &html[start..start + html[start..].find("</ul>").expect("closed list")];
    list.split("\">")
        .skip(2)
        .filter_map(|s| s.split_once("</a>").map(|(t, _)| t.to_string()))
        .collect()
}

#[test]
fn a_student_sees_her_services_and_her_bookmarks() {
    let page = harness()
        .persona(alice())
        .config("bookmarks", alice_bookmarks())
        .render::<Links>();
    let html = page.html();
    assert_eq!(
        titles(html, "links-grid"),
        ["Messagerie", "Moodle", "Scolarité en ligne", "Bibliothèque"]
    );
    assert!(
        html.contains("<li><a href=\"https://moodle.univ-agora.fr\">Moodle</a></li>"),
        "{html}"
    );
    assert!(html.contains("<h3>Mes favoris</h3>"), "{html}");
    assert_eq!(
        titles(html, "links-bookmarks"),
        ["Labo de maths", "Bibliothèque numérique"],
        "malformed and non-web bookmarks are left out"
    );
    assert!(!html.contains("javascript:"), "{html}");
    assert!(page.refusals().is_empty(), "{:?}", page.refusals());
}

#[test]
fn a_teacher_sees_the_english_titles_of_hers() {
    let page = harness().persona(claire()).locale("en").render::<Links>();
    let html = page.html();
    assert_eq!(
        titles(html, "links-grid"),
        ["Webmail", "Library", "Grade entry", "HR intranet"]
    );
    assert!(!html.contains("bookmarks"), "none set: {html}");
    let empty = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(claire())
        .locale("en")
        .render::<Links>();
    assert_eq!(empty.text(), "No links yet.");
    let vide = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(claire())
        .render::<Links>();
    assert_eq!(vide.text(), "Aucun lien pour l'instant.");
}

#[test]
fn guests_see_the_links_for_everyone_and_no_bookmarks() {
    let page = harness()
        .guest()
        .config("bookmarks", alice_bookmarks())
        .render::<Links>();
    let html = page.html();
    assert_eq!(titles(html, "links-grid"), ["Messagerie", "Bibliothèque"]);
    assert!(
        !html.contains("Mes favoris") && !html.contains("lma.univ-agora.fr"),
        "{html}"
    );
}

#[test]
fn a_link_that_is_not_on_the_web_is_a_configuration_error() {
    let mut links = LINKS.to_vec();
    links.push("*|Piège|Trap|javascript:alert(document.cookie)");
    let page = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(alice())
        .config("links", links)
        .render::<Links>();
    assert_eq!(page.error_kind(), ErrorKind::BadConfig);
    let three_fields = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(alice())
        .config("links", vec!["*|Messagerie|https://webmail.univ-agora.fr"])
        .render::<Links>();
    assert_eq!(three_fields.error_kind(), ErrorKind::BadConfig);
}

#[test]
fn hostile_titles_and_addresses_stay_text() {
    let page = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(alice())
        .config(
            "links",
            vec!["*|<script>alert(1)</script>|x|https://ent.univ-agora.fr/?a=1&b=\"><img src=x>"],
        )
        .config(
            "bookmarks",
            vec![
                "<img src=x onerror=alert(2)> | https://x.example/\"onmouseover=\"alert(3)",
                "It's <b>mine</b> | HTTPS://y.example/",
            ],
        )
        .render::<Links>();
    let html = page.html();
    for markup in ["<script", "<img", "<b>", "\"onmouseover"] {
        assert!(!html.contains(markup), "`{markup}` in {html}");
    }
    assert!(
        html.contains("href=\"https://ent.univ-agora.fr/?a=1&amp;b=&quot;&gt;&lt;img src=x&gt;\""),
        "{html}"
    );
    assert!(
        html.contains("href=\"https://x.example/&quot;onmouseover=&quot;alert(3)\""),
        "{html}"
    );
    let text = page.text();
    assert!(text.contains("<script>alert(1)</script>"), "{text}");
    assert!(text.contains("<img src=x onerror=alert(2)>"), "{text}");
    assert!(text.contains("It's <b>mine</b>"), "{text}");
}

#[test]
fn the_search_field_finds_links_and_bookmarks_by_every_word() {
    let mut h = harness().persona(alice()).config("bookmarks", alice_bookmarks());
    let found = h.search::<Links>("biblio").expect("search");
    let seen: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|i| (i.title.as_str(), i.description.as_str(), i.link.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("Bibliothèque", "https://bu.univ-agora.fr", "https://bu.univ-agora.fr"),
            (
                "Bibliothèque numérique",
                "Mon favori · https://bibnum.univ-agora.fr",
                "https://bibnum.univ-agora.fr"
            ),
        ]
    );
    // Accents and case aside, every word, in titles and addresses.
    let scol = h.search::<Links>("SCOLARITE en ligne").expect("search");
    assert_eq!(scol.len(), 1);
    assert_eq!(scol[0].link, "https://scolarite.univ-agora.fr");
    assert_eq!(h.search::<Links>("lma seminaires").expect("search").len(), 1);
    assert!(h.search::<Links>("moodle rh").expect("search").is_empty());
    assert!(
        h.search::<Links>("notes").expect("search").is_empty(),
        "a teachers' link is not a student's"
    );
    assert!(
        h.search::<Links>("javascript").expect("search").is_empty(),
        "a skipped bookmark is not found either"
    );
    assert!(h.search::<Links>("   ").expect("search").is_empty());
}

#[test]
fn english_searches_say_so_in_english() {
    let found = harness()
        .persona(claire())
        .locale("en")
        .config("bookmarks", vec!["LMA seminars | https://lma.univ-agora.fr/seminaires"])
        .search::<Links>("grade")
        .expect("search");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].title, "Grade entry");
    let mine = harness()
        .persona(claire())
        .locale("en")
        .config("bookmarks", vec!["LMA seminars | https://lma.univ-agora.fr/seminaires"])
        .search::<Links>("seminars")
        .expect("search");
    assert_eq!(
        mine[0].description,
        "My bookmark · https://lma.univ-agora.fr/seminaires"
    );
}

#[test]
fn a_guest_s_search_finds_what_the_guest_page_shows_and_no_bookmarks() {
    let found = harness()
        .guest()
        .config("bookmarks", alice_bookmarks())
        .search::<Links>("biblio")
        .expect("search");
    assert_eq!(
        found.iter().map(|i| i.title.as_str()).collect::<Vec<_>>(),
        ["Bibliothèque"],
        "the guest page shows no bookmarks, its search finds none"
    );
}

#[test]
fn a_broken_configuration_fails_the_search_as_it_fails_the_page() {
    let err = Harness::new(env!("CARGO_MANIFEST_DIR"))
        .persona(alice())
        .config("links", vec!["*|Piège|Trap|javascript:alert(1)"])
        .search::<Links>("piege")
        .expect_err("bad config");
    assert_eq!(err.kind, ErrorKind::BadConfig);
}
