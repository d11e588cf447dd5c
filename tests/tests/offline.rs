//! Installable, and the last page when the network is gone (issue 14, point 5), in the real
//! headless Chromium: the web app manifest names the establishment; the service worker keeps
//! the last home page viewed and shows it, marked offline, when the portal does not answer;
//! signing out deletes it.

use agora_tests::api::shipped_site;
use agora_tests::webdriver::Browser;
use std::time::Duration;

/// Whether the service worker keeps a last page (polled: it is stored once streamed).
const KEPT: &str = "const done = arguments[arguments.length - 1]; \
    caches.open('agora-last-page-v1').then(c => c.match('/__agora_last_page')).then(r => done(!!r), () => done(false));";

/// Whether this document is controlled by the service worker.
const CONTROLLED: &str = "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);";

async fn wait_for(browser: &Browser, what: &str, script: &str, asynchronous: bool, want: bool) {
    for _ in 0..100 {
        let got = if asynchronous {
            browser.script_async(script, serde_json::json!([])).await
        } else {
            browser.script(script).await
        };
        if got == serde_json::Value::Bool(want) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} never became {want}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_page_is_shown_offline_and_forgotten_at_sign_out() {
    let (site, _backend) = shipped_site("offline").await;
    let portal = site.start().await;

    // The manifest: installable as the establishment's app.
    let manifest: serde_json::Value = reqwest::get(format!("{}/manifest.webmanifest", portal.url))
        .await
        .expect("GET manifest")
        .json()
        .await
        .expect("JSON manifest");
    assert_eq!(manifest["start_url"], "/");
    assert_eq!(manifest["display"], "standalone");
    assert!(manifest["name"].as_str().is_some_and(|n| !n.is_empty()), "{manifest}");
    assert!(manifest["icons"][0]["src"].is_string(), "{manifest}");

    let browser = Browser::start(&site.root, 390, 844).await;
    let base = portal.url.clone();
    let sign_in = || async {
        browser.sign_in_as(&base, "alice.martin", "en").await;
        wait_for(&browser, "the service worker's control", CONTROLLED, false, true).await;
        // A home page seen through the worker is kept.
        browser.goto(&format!("{base}/?lang=en")).await;
        wait_for(&browser, "the kept page", KEPT, true, true).await;
    };
    sign_in().await;

    // Signing out forgets it: the next person on this computer never sees it.
    browser
        .script("document.querySelector('agora-page').shadowRoot.querySelector('form[action=\"/logout\"]').submit(); return null;")
        .await;
    browser.wait_for_url("the page after sign-out", |_| true).await;
    wait_for(&browser, "the kept page", KEPT, true, false).await;

    // Signed in again, then the portal goes away: the last page, marked offline.
    sign_in().await;
    portal.stop().await;
    browser.goto(&format!("{base}/?lang=en")).await;
    let shown = browser
        .script(
            "const b = document.querySelector('.offline-banner'); \
             const r = document.querySelector('agora-page'); \
             return [b ? b.textContent : null, r ? r.shadowRoot.textContent.includes('Alice Martin') : false, \
                     document.querySelector('h1') ? document.querySelector('h1').textContent : null];",
        )
        .await;
    assert!(
        shown[0]
            .as_str()
            .is_some_and(|b| b.starts_with("Offline: this is the last page you viewed")),
        "the page says it is offline: {shown}"
    );
    assert_eq!(shown[1], serde_json::Value::Bool(true), "Alice's page: {shown}");
    assert_eq!(shown[2], "Home", "{shown}");
    browser.quit().await;
}
