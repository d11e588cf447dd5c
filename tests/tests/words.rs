//! Words for people on the pages around the channels (issue 14, point 6): the page title
//! names the tab and the mode; the 403 and 404 pages keep the signed-in person's header
//! (their name, sign out), never "sign in".

use agora_tests::api::shipped_site;

/// The text of `page`'s `<title>`.
fn title(page: &str) -> &str {
    page.split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn titles_name_the_tab_and_error_pages_keep_the_person() {
    let (site, _backend) = shipped_site("words").await;
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "david.moreau").await;

    // Each tab has its own title, and so has the customisation mode.
    let home = portal.get_page(&client, "/?lang=en").await;
    assert!(title(&home).starts_with("Home · "), "{}", title(&home));
    let work = portal.get_page(&client, "/?tab=work&lang=en").await;
    assert!(title(&work).starts_with("Work · "), "{}", title(&work));
    let customise = portal.get_page(&client, "/?tab=work&customise=1&lang=en").await;
    assert!(
        title(&customise).starts_with("Customisation · Work · "),
        "{}",
        title(&customise)
    );

    // 404 and 403 for someone signed in: their name and "Sign out", not "Sign in".
    let alice = portal.client();
    portal.sign_in(&alice, "alice.martin").await;
    for (path, status) in [("/nowhere?lang=en", 404), ("/admin?lang=en", 403)] {
        let res = alice.get(format!("{}{path}", portal.url)).send().await.expect("GET");
        assert_eq!(res.status().as_u16(), status, "{path}");
        let page = res.text().await.expect("body");
        assert!(
            page.contains("Alice Martin") && page.contains("Sign out"),
            "{path}: {page}"
        );
        assert!(
            !page.contains(">Sign in<"),
            "{path} offers to sign in to someone signed in: {page}"
        );
    }
    // A guest is still offered to sign in there.
    let guest = reqwest::Client::new();
    let page = guest
        .get(format!("{}/admin?lang=en", portal.url))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    assert!(page.contains(">Sign in<"), "{page}");
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_welcome_card_says_the_formation_in_words_not_supann_codes() {
    let (site, _backend) = shipped_site("words-welcome").await;
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/?lang=fr").await;
    let welcome = agora_tests::page::publication_chunk(&page, "welcome");
    assert!(welcome.contains("L1 Mathématiques, 2026–2027"), "{welcome}");
    assert!(
        welcome.contains("UFR de mathématiques et informatique") && welcome.contains("Université Agora"),
        "{welcome}"
    );
    assert!(welcome.contains("Étudiant·e"), "{welcome}");
    for raw in ["{UAI}", "{SISE}", "anneeinsc", "[etab="] {
        assert!(!welcome.contains(raw), "raw SupAnn `{raw}` on the card: {welcome}");
    }
    let page = portal.get_page(&client, "/?lang=en").await;
    let welcome = agora_tests::page::publication_chunk(&page, "welcome");
    assert!(
        welcome.contains("Year 1, Mathematics, 2026–2027") && welcome.contains("Programme"),
        "{welcome}"
    );
    portal.stop().await;
}
