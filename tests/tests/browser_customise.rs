//! Customisation in a real headless Chromium driven through WebDriver (Debian
//! `chromium-driver`), like a person with a keyboard: sign in as a demo persona, add a channel
//! from the catalogue, move it with the keyboard (Tab to the button, Enter), reload, see it
//! where it was put. Screenshots at phone and desktop widths are kept in
//! `target/test-artifacts/`.

use agora_tests::api::shipped_site;
use agora_tests::repo_root;
use agora_tests::webdriver::{Browser, ENTER};

/// The publications of the page's columns, as the browser shows them (inside the shadow root).
const COLUMNS: &str = "const root = document.querySelector('agora-page').shadowRoot; \
    return Array.from(root.querySelectorAll('.column')).map(c => \
      Array.from(c.querySelectorAll('section.channel')).map(s => s.dataset.publication));";

/// The publications of the first column.
const FIRST_COLUMN: &str = "const root = document.querySelector('agora-page').shadowRoot; \
    return Array.from(root.querySelectorAll('.column')[0].querySelectorAll('section.channel')).map(s => s.dataset.publication);";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_adds_a_channel_and_moves_it_with_the_keyboard() {
    let (site, _backend) = shipped_site("browser-customise").await;
    let portal = site.start().await;
    let browser = Browser::start(&site.root, 1280, 900).await;

    // Sign in as Alice from the persona page.
    browser.sign_in_as(&portal.url, "alice.martin", "en").await;
    let before = browser.script(COLUMNS).await;
    assert_eq!(
        before,
        serde_json::json!([
            ["timetable", "welcome", "links", "l1-news"],
            ["grades", "mail", "campus-news"]
        ])
    );

    // Add the library news from the catalogue (to the top of the first column).
    browser
        .goto(&format!("{}/catalogue?tab=home&lang=en", portal.url))
        .await;
    browser
        .click("li[data-publication='library-news'] form:has(input[value='add-channel']) button")
        .await;
    browser
        .wait_for_url("the customisation mode", |u| u.contains("customise=1"))
        .await;
    let added = browser.script(COLUMNS).await;
    assert_eq!(
        added,
        serde_json::json!([
            ["library-news", "timetable", "welcome", "links", "l1-news"],
            ["grades", "mail", "campus-news"]
        ])
    );

    // Keyboard only: reach "Move down", press Enter, twice; then "Move right".
    // After each move the same button has the focus again (autofocus), so a keyboard user
    // can press Enter repeatedly.
    // With the script the page is updated in place (the address does not change from one
    // move to the next): wait for the column itself.
    for moved in 1..=4 {
        browser.tab_to("Move “University library” down", 80).await;
        browser.press(ENTER).await;
        let mut first = vec!["timetable", "welcome", "links", "l1-news"];
        first.insert(moved, "library-news");
        browser
            .wait_for_script(&format!("move {moved}"), FIRST_COLUMN, serde_json::json!(first))
            .await;
        assert!(browser.url().await.contains("focus=library-news%3Adown"));
    }
    let moved = browser.script(COLUMNS).await;
    assert_eq!(
        moved,
        serde_json::json!([
            ["timetable", "welcome", "links", "l1-news", "library-news"],
            ["grades", "mail", "campus-news"]
        ])
    );
    // At the bottom there is no "down" any more: the focus starts at the top of the page and
    // the keyboard user tabs through the controls to "move right".
    let presses = browser
        .tab_to("Move “University library” to the right column", 200)
        .await;
    assert!(presses > 0, "reached by tabbing through the page");
    browser.press(ENTER).await;
    browser
        .wait_for_script(
            "the move right",
            FIRST_COLUMN,
            serde_json::json!(["timetable", "welcome", "links", "l1-news"]),
        )
        .await;
    assert!(browser.url().await.contains("focus=library-news%3Aright"));

    // Reload: the page is as the student left it.
    browser.goto(&format!("{}/?lang=en", portal.url)).await;
    let after = browser.script(COLUMNS).await;
    assert_eq!(
        after,
        serde_json::json!([
            ["timetable", "welcome", "links", "l1-news"],
            ["grades", "mail", "campus-news", "library-news"]
        ])
    );

    // Screenshots of the customisation mode for people to look at.
    let artefacts = repo_root().join("target/test-artifacts");
    std::fs::create_dir_all(&artefacts).expect("artefact dir");
    browser.goto(&format!("{}/?customise=1&lang=en", portal.url)).await;
    browser.screenshot(&artefacts.join("customise-desktop.png")).await;
    browser.resize(390, 844).await;
    browser.goto(&format!("{}/?customise=1&lang=en", portal.url)).await;
    browser.screenshot(&artefacts.join("customise-phone.png")).await;
    browser.goto(&format!("{}/catalogue?lang=en", portal.url)).await;
    browser.screenshot(&artefacts.join("catalogue-phone.png")).await;
    for shot in ["customise-desktop.png", "customise-phone.png", "catalogue-phone.png"] {
        let bytes = std::fs::read(artefacts.join(shot)).expect("screenshot");
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
            "{shot} is a real picture"
        );
    }
    browser.quit().await;
    portal.stop().await;
}
