//! Customisation with the keyboard alone and without the script, in the real headless
//! Chromium (issue 14, point 7): after each action the focus lands where a keyboard user
//! expects — on the control they used, on its neighbour when that control is gone, on "Undo"
//! after a removal — never back at the top of the page; destructive actions ask first, with
//! the focus on "Cancel", and can be undone. `browser_in_place.rs` does the same with the
//! script.

use agora_tests::api::shipped_site;
use agora_tests::webdriver::{Browser, ENTER, TAB};

/// The channels of the first column, as the browser shows them.
const FIRST_COLUMN: &str = "const root = document.querySelector('agora-page').shadowRoot; \
    return Array.from(root.querySelectorAll('.column')[0].querySelectorAll('section.channel')).map(s => s.dataset.publication);";

/// Whether the page heading (the light-DOM `h1`, the skip link's target) has the focus.
const HEADING_FOCUSED: &str = "return document.activeElement && document.activeElement.id === 'main';";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_focus_follows_every_customisation_action() {
    let (site, _backend) = shipped_site("browser-keyboard").await;
    let portal = site.start().await;
    let browser = Browser::start(&site.root, 1280, 900).await;
    browser.without_script().await;
    browser.sign_in_as(&portal.url, "alice.martin", "en").await;
    browser.goto(&format!("{}/?customise=1&lang=en", portal.url)).await;
    assert_eq!(
        browser.script(FIRST_COLUMN).await,
        serde_json::json!(["timetable", "welcome", "links", "l1-news"])
    );

    // Down three times with Enter alone: the button keeps the focus after each reload; at the
    // bottom "down" is gone and its neighbour "up" has the focus, not the top of the page.
    browser.tab_to("Move “Timetable” down", 120).await;
    for moved in 1..=3 {
        browser.press(ENTER).await;
        browser
            .wait_for_url("the page after the move", |u| u.contains("focus=timetable%3Adown"))
            .await;
        let expected = if moved < 3 {
            "Move “Timetable” down"
        } else {
            "Move “Timetable” up"
        };
        assert_eq!(browser.focused().await.as_deref(), Some(expected), "after move {moved}");
    }
    assert_eq!(
        browser.script(FIRST_COLUMN).await,
        serde_json::json!(["welcome", "links", "l1-news", "timetable"])
    );
    assert_eq!(
        browser
            .script("return document.getElementById('agora-live') === null && !('serviceWorker' in navigator && navigator.serviceWorker.controller);")
            .await,
        serde_json::json!(true),
        "the script ran: this test is the no-script path"
    );

    // Removing a channel: it is gone, so the focus goes to the "Undo" it offers.
    browser.tab_to("Remove “Campus news”", 200).await;
    browser.press(ENTER).await;
    browser
        .wait_for_url("the page after the removal", |u| u.contains("focus=undo"))
        .await;
    assert_eq!(browser.focused().await.as_deref(), Some("Undo"));
    // From there, Tab goes on into the page (the customisation panel), not the header.
    browser.press(TAB).await;
    let next = browser.focused().await.unwrap_or_default();
    assert!(
        !["Sign out", "Français", "Skip to content"].contains(&next.as_str()),
        "Tab after the heading went back to the header: {next}"
    );

    // Going back to the institution's page asks first; the focus is on "Cancel".
    browser.tab_to("Back to your institution's page", 200).await;
    browser.press(ENTER).await;
    browser
        .wait_for_url("the confirmation", |u| u.contains("confirm=reset"))
        .await;
    assert_eq!(browser.focused().await.as_deref(), Some("Cancel"));
    assert_eq!(
        browser.script(FIRST_COLUMN).await,
        serde_json::json!(["welcome", "links", "l1-news", "timetable"]),
        "nothing is erased before the confirmation"
    );
    // Cancel: back to the same button.
    browser.press(ENTER).await;
    browser
        .wait_for_url("the page after cancel", |u| u.contains("focus=reset"))
        .await;
    assert_eq!(
        browser.focused().await.as_deref(),
        Some("Back to your institution's page")
    );
    // Again, and confirm this time (the confirmation's button is just before "Cancel").
    browser.press(ENTER).await;
    browser
        .wait_for_url("the confirmation", |u| u.contains("confirm=reset"))
        .await;
    browser.press_shifted(TAB).await;
    assert_eq!(
        browser.focused().await.as_deref(),
        Some("Back to your institution's page")
    );
    browser.press(ENTER).await;
    browser
        .wait_for_url("the page after the reset", |u| u.contains("focus=undo"))
        .await;
    assert_eq!(browser.focused().await.as_deref(), Some("Undo"));
    assert_eq!(
        browser.script(FIRST_COLUMN).await,
        serde_json::json!(["timetable", "welcome", "links", "l1-news"]),
        "the institution's page is back"
    );
    // Undo: the page as it was, the focus back on the button that reset it.
    browser.press(ENTER).await;
    browser
        .wait_for_url("the page after the undo", |u| u.contains("focus=reset"))
        .await;
    assert_eq!(
        browser.script(FIRST_COLUMN).await,
        serde_json::json!(["welcome", "links", "l1-news", "timetable"])
    );
    assert_eq!(
        browser.focused().await.as_deref(),
        Some("Back to your institution's page")
    );
    assert_eq!(browser.script(HEADING_FOCUSED).await, serde_json::json!(false));
    browser.quit().await;
    portal.stop().await;
}
