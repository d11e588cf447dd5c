//! Customisation with the portal's one script, in the real headless Chromium (issue 14,
//! point 2): each form is sent in the background and the page is updated in place — no reload
//! (a mark left on `window` survives), the address says where the user is, the focus lands
//! where the no-script page would put it, a live region reads out what changed — a service is
//! moved by drag and drop as well as by its buttons, and a removal offers an undo.
//! `browser_keyboard.rs` checks the same actions without the script.

use agora_tests::api::shipped_site;
use agora_tests::webdriver::{Browser, ENTER};
use serde_json::json;

/// The channels of the first column, as the browser shows them.
const FIRST_COLUMN: &str = "const root = document.querySelector('agora-page').shadowRoot; \
    return Array.from(root.querySelectorAll('.column')[0].querySelectorAll('section.channel')).map(s => s.dataset.publication);";

/// The publications on the page.
const ON_PAGE: &str = "const root = document.querySelector('agora-page').shadowRoot; \
    return Array.from(root.querySelectorAll('section.channel')).map(s => s.dataset.publication);";

/// Whether the page is still the one loaded first (a reload would lose the mark).
const NOT_RELOADED: &str = "return window.agoraTestMark === 42;";

/// What the live region last said.
const LIVE: &str = "const live = document.getElementById('agora-live'); return live ? live.textContent : null;";

/// Drag the title of `arguments[0]` and drop it on the lower half of `arguments[1]`'s card,
/// with the events a mouse would fire.
const DRAG_BELOW: &str = "const root = document.querySelector('agora-page').shadowRoot; \
    const card = p => root.querySelector(`section.channel[data-publication=\"${p}\"]`); \
    const handle = card(arguments[0]).querySelector('.channel-title'); \
    if (!handle.draggable) return 'not draggable'; \
    const target = card(arguments[1]); const box = target.getBoundingClientRect(); \
    const dt = new DataTransfer(); \
    const at = { bubbles: true, composed: true, cancelable: true, dataTransfer: dt, clientX: box.left + 10, clientY: box.bottom - 4 }; \
    handle.dispatchEvent(new DragEvent('dragstart', { bubbles: true, composed: true, dataTransfer: dt })); \
    const over = target.dispatchEvent(new DragEvent('dragover', at)); \
    const marked = target.classList.contains('drop-after'); \
    target.dispatchEvent(new DragEvent('drop', at)); \
    handle.dispatchEvent(new DragEvent('dragend', { bubbles: true, composed: true, dataTransfer: dt })); \
    return { accepted: !over, marked };";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_script_customises_in_place_with_drag_and_drop_focus_undo_and_a_live_region() {
    let (site, _backend) = shipped_site("browser-in-place").await;
    let portal = site.start().await;
    let browser = Browser::start(&site.root, 1280, 900).await;
    browser.sign_in_as(&portal.url, "alice.martin", "en").await;
    browser.goto(&format!("{}/?customise=1&lang=en", portal.url)).await;
    browser.script("window.agoraTestMark = 42; return true;").await;
    assert_eq!(
        browser.script(FIRST_COLUMN).await,
        json!(["timetable", "welcome", "links", "l1-news"])
    );

    // A button: moved in place, the focus kept on it, the move read out.
    browser.tab_to("Move “Timetable” down", 120).await;
    browser.press(ENTER).await;
    browser
        .wait_for_script(
            "the move",
            FIRST_COLUMN,
            json!(["welcome", "timetable", "links", "l1-news"]),
        )
        .await;
    assert_eq!(browser.script(NOT_RELOADED).await, json!(true), "the page was reloaded");
    assert_eq!(browser.focused().await.as_deref(), Some("Move “Timetable” down"));
    assert!(browser.url().await.contains("focus=timetable%3Adown"));
    browser
        .wait_for_script("the live region", LIVE, json!("“Timetable” moved."))
        .await;

    // Drag and drop: the title onto the bottom of the last service of the column.
    let dropped = browser.script_with(DRAG_BELOW, json!(["timetable", "l1-news"])).await;
    assert_eq!(dropped, json!({"accepted": true, "marked": true}), "the drop target");
    browser
        .wait_for_script(
            "the drop",
            FIRST_COLUMN,
            json!(["welcome", "links", "l1-news", "timetable"]),
        )
        .await;
    assert_eq!(browser.script(NOT_RELOADED).await, json!(true));
    // The focus stays with the moved service (at the bottom now: "up" is its first control).
    assert_eq!(browser.focused().await.as_deref(), Some("Move “Timetable” up"));
    // A locked service is not draggable.
    let locked = browser.script_with(DRAG_BELOW, json!(["welcome", "links"])).await;
    assert_eq!(locked, json!("not draggable"));

    // A removal: gone, the focus on "Undo", said; undone: back, the focus on its button.
    browser.tab_to("Remove “Campus news”", 200).await;
    browser.press(ENTER).await;
    browser.wait_for_script("the removal",
        "return document.querySelector('agora-page').shadowRoot.querySelector('section[data-publication=\"campus-news\"]') === null;",
        json!(true),
    )
    .await;
    assert_eq!(browser.focused().await.as_deref(), Some("Undo"));
    browser
        .wait_for_script(
            "the live region",
            LIVE,
            json!("“Campus news” removed from your page. Undo"),
        )
        .await;
    browser.press(ENTER).await;
    browser
        .wait_for_script("the undo", LIVE, json!("Undone: your page is as it was."))
        .await;
    assert!(
        browser
            .script(ON_PAGE)
            .await
            .as_array()
            .is_some_and(|a| a.contains(&json!("campus-news")))
    );
    assert_eq!(browser.focused().await.as_deref(), Some("Remove “Campus news”"));
    assert_eq!(browser.script(NOT_RELOADED).await, json!(true));

    // An expired form: the portal's error page, in words, shown in full (not a blank page).
    browser
        .script(
            "const root = document.querySelector('agora-page').shadowRoot; \
             const form = root.querySelector('form[action=\"/layout/edit\"]'); \
             form.querySelector('input[name=csrf]').value = 'expired'; form.requestSubmit(); return true;",
        )
        .await;
    browser
        .wait_for_script(
            "the error page",
            "return document.querySelector('h1') ? document.querySelector('h1').textContent : null;",
            json!("Your form has expired. Reload the page and try again."),
        )
        .await;
    // Nothing was changed by it.
    browser.goto(&format!("{}/?customise=1&lang=en", portal.url)).await;
    assert_eq!(
        browser.script(FIRST_COLUMN).await,
        json!(["welcome", "links", "l1-news", "timetable"])
    );
    browser.quit().await;
    portal.stop().await;
}
