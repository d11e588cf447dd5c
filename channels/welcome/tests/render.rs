//! The welcome channel rendered natively for people of the demo directory
//! (agora_channel_sdk::testing).

use agora_channel_sdk::testing::{Harness, Persona};
use agora_channel_welcome::Welcome;

const DIRECTORY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/demo/directory.ldif");

fn person(uid: &str) -> Persona {
    Persona::from_ldif_file(DIRECTORY, uid).expect("a person of the demo directory")
}

/// Alice as the portal hands her to a render: her directory entry, and the words the
/// portal's nomenclature (config/nomenclature.toml) gives her codes in both languages.
fn alice() -> Persona {
    person("alice.martin")
        .with("agoraFormation;lang-fr", "L1 Mathématiques, 2026–2027")
        .with("agoraFormation;lang-en", "Year 1, Mathematics, 2026–2027")
        .with("agoraEtablissement;lang-fr", "Université Agora")
        .with("agoraEtablissement;lang-en", "Agora University")
        .with("agoraAffectation;lang-fr", "UFR de mathématiques et informatique")
        .with(
            "agoraAffectation;lang-en",
            "Faculty of Mathematics and Computer Science",
        )
}

fn harness() -> Harness {
    Harness::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn alice_is_greeted_with_what_the_directory_says_of_her() {
    let page = harness().persona(alice()).render::<Welcome>();
    let html = page.html();
    assert!(html.contains("Bonjour <strong>Alice Martin</strong>&nbsp;!"), "{html}");
    let text = page.text();
    for line in [
        "Nom Alice Martin",
        "Courriel alice.martin@etu.univ-agora.fr",
        "Statut Étudiant·e",
        "Formation L1 Mathématiques, 2026–2027",
        "Composante UFR de mathématiques et informatique",
        "Établissement Université Agora",
        "Ces informations viennent de l'annuaire de l'établissement.",
    ] {
        assert!(text.contains(line), "`{line}` missing: {text}");
    }
    // In the configured order.
    let order = ["Nom", "Courriel", "Statut", "Formation", "Composante", "Établissement"];
    let at: Vec<usize> = order.iter().map(|l| text.find(l).expect(l)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(page.refusals().is_empty(), "{:?}", page.refusals());
    assert!(page.fetched().is_empty());
}

#[test]
fn english_pages_use_the_english_words() {
    let page = harness().persona(alice()).locale("en-GB").render::<Welcome>();
    assert!(
        page.html().contains("Hello <strong>Alice Martin</strong>!"),
        "{}",
        page.html()
    );
    let text = page.text();
    for line in [
        "Name Alice Martin",
        "Email alice.martin@etu.univ-agora.fr",
        "Status Student",
        "Programme Year 1, Mathematics, 2026–2027",
        "Faculty or department Faculty of Mathematics and Computer Science",
        "Institution Agora University",
        "This information comes from the institution's directory.",
    ] {
        assert!(text.contains(line), "`{line}` missing: {text}");
    }
    assert!(!text.contains("Mathématiques"), "nothing French: {text}");
}

#[test]
fn guests_are_invited_to_sign_in() {
    let page = harness().guest().render::<Welcome>();
    assert_eq!(
        page.text(),
        "Bienvenue sur l'ENT. Connectez-vous pour voir votre page personnelle."
    );
    let en = harness().guest().locale("en").render::<Welcome>();
    assert_eq!(en.text(), "Welcome to the portal. Sign in to see your personal page.");
}

#[test]
fn someone_the_directory_says_little_of_is_still_greeted() {
    let page = harness().persona(Persona::new("invite.42")).render::<Welcome>();
    assert!(
        page.html().contains("Bonjour <strong>à vous</strong>&nbsp;!"),
        "{}",
        page.html()
    );
    assert!(!page.html().contains("<dt>"), "nothing to list: {}", page.html());
    let en = harness()
        .persona(Persona::new("invite.42"))
        .locale("en")
        .render::<Welcome>();
    assert!(en.html().contains("Hello <strong>there</strong>!"), "{}", en.html());
}

#[test]
fn composite_supann_values_are_readable() {
    let page = harness()
        .persona(person("bruno.leroy"))
        .config("show", vec!["supannEtuInscription", "supannEtablissement"])
        .render::<Welcome>();
    let text = page.text();
    assert!(
        text.contains(
            "Inscription etab: {UAI}0751717J, anneeinsc: 2026, regimeinsc: {SISE}10, sectdisc: {SISE}27, \
             typedip: {SISE}XA, cursusann: {SUPANN}M2, affect: UFR22, diplome: {SISE}2500410, \
             etape: {UAI:0751717J}M2INFO"
        ),
        "{text}"
    );
    assert!(text.contains("Établissement {UAI}0751717J"), "{text}");
}

#[test]
fn each_affiliation_is_said_once() {
    // Claire is faculty and teacher (both "Enseignant·e"), David staff and employee (both
    // "Personnel"): each word once, in the directory's order.
    let claire = harness()
        .persona(person("claire.dubois"))
        .config("show", vec!["eduPersonAffiliation"])
        .render::<Welcome>();
    assert!(
        claire.html().contains(
            "<dt>Affiliations</dt><dd>Enseignant·e</dd><dd>Chercheur·se</dd><dd>Personnel</dd><dd>Membre</dd></dl>"
        ),
        "{}",
        claire.html()
    );
    let david = harness()
        .persona(person("david.moreau"))
        .config("show", vec!["eduPersonAffiliation"])
        .locale("en")
        .render::<Welcome>();
    assert!(
        david
            .html()
            .contains("<dt>Affiliations</dt><dd>Staff</dd><dd>Employee</dd><dd>Member</dd></dl>"),
        "{}",
        david.html()
    );
    let david_fr = harness()
        .persona(person("david.moreau"))
        .config("show", vec!["eduPersonAffiliation"])
        .render::<Welcome>();
    assert!(
        david_fr
            .html()
            .contains("<dt>Affiliations</dt><dd>Personnel</dd><dd>Membre</dd></dl>"),
        "{}",
        david_fr.html()
    );
}

#[test]
fn an_attribute_the_manifest_does_not_grant_is_never_shown() {
    let page = harness()
        .persona(alice())
        .config("show", vec!["displayName", "supannCodeINE", "userPassword"])
        .render::<Welcome>();
    let text = page.text();
    assert!(!text.contains("0123456789A") && !text.contains("SSHA"), "{text}");
    assert!(!text.contains("supannCodeINE"), "no empty label: {text}");
    assert!(
        page.refusals().iter().any(|r| r.contains("supannCodeINE")),
        "{:?}",
        page.refusals()
    );
}

#[test]
fn hostile_directory_values_stay_text() {
    let mallory = Persona::new("mallory")
        .with("displayName", "<script>alert('x')</script>")
        .with("mail", "\"><img src=x onerror=alert(1)>@univ-agora.fr")
        .with("eduPersonPrimaryAffiliation", "<b>boss</b>")
        .with("agoraFormation;lang-fr", "[etape=<iframe src=//evil.example>]");
    let page = harness().persona(mallory).render::<Welcome>();
    let html = page.html();
    for markup in ["<script", "<img", "<b>", "<iframe"] {
        assert!(!html.contains(markup), "`{markup}` in {html}");
    }
    assert!(
        html.contains("<strong>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</strong>"),
        "{html}"
    );
    let text = page.text();
    assert!(text.contains("\"><img src=x onerror=alert(1)>@univ-agora.fr"), "{text}");
    assert!(text.contains("Statut <b>boss</b>"), "{text}");
    assert!(text.contains("Formation etape: <iframe src=//evil.example>"), "{text}");
}
