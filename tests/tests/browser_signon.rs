//! CAS sign-on and sign-out in a real headless Chromium (WebDriver), against a real
//! django-cas-server: what only a browser enforces (the portal's Content-Security-Policy on
//! form submissions and their redirects, cookies) is checked here, not by an HTTP client.

use agora_tests::peers::CasServer;
use agora_tests::webdriver::Browser;
use agora_tests::{Site, one_column_layout};

/// The sign-out button, in the page's shadow root (the streamed page is a custom element).
const SIGN_OUT: &str = "(document.querySelector('agora-page')?.shadowRoot ?? document)\
    .querySelector('form[action=\"/logout\"] button')";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_signs_in_with_cas_and_signs_out_through_cas_logout() {
    let site = Site::new(
        "browser-cas",
        "[channels.welcome]\npackage = \"welcome\"\n",
        &one_column_layout(&["welcome"]),
    );
    let cas = CasServer::start(&format!(r"^http://127\.0\.0\.1:{}/.*", site.port), r"^$");
    site.append_config(&format!("[cas]\nserver_url = \"{}\"\n", cas.url));
    let portal = site.start().await;
    let browser = Browser::start(&site.root, 1024, 800).await;

    // The portal sends the browser to the CAS login form; the person signs in there.
    browser.goto(&format!("{}/login?lang=en", portal.url)).await;
    let at_cas = browser.url().await;
    assert!(at_cas.starts_with(&format!("{}login?service=", cas.url)), "{at_cas}");
    browser
        .script(
            "document.querySelector('input[name=username]').value = 'test'; \
             document.querySelector('input[name=password]').value = 'test'; return null;",
        )
        .await;
    browser.click("form button[type=submit], form input[type=submit]").await;
    browser
        .wait_for_url("the portal's home page", |u| {
            u.starts_with(&portal.url) && !u.contains("ticket=")
        })
        .await;
    let signed_in = browser.script(&format!("return !!{SIGN_OUT};")).await;
    assert_eq!(
        signed_in,
        serde_json::json!(true),
        "signed in: the page offers sign-out ({}): {}",
        browser.url().await,
        browser.script("return document.body.innerText").await
    );

    // Sign out: the portal session ends and the browser is sent on to CAS /logout, which ends
    // the CAS session and sends it back to the portal. The portal's `form-action` directive
    // must allow the redirect to CAS, or the browser never leaves the page.
    browser.script(&format!("{SIGN_OUT}.click(); return null;")).await;
    browser
        .wait_for_url("the portal after CAS /logout", |u| u.starts_with(&portal.url))
        .await;
    let still = browser.script(&format!("return !!{SIGN_OUT};")).await;
    assert_eq!(still, serde_json::json!(false), "signed out of the portal");
    // Signed out of CAS too: signing in again asks for credentials.
    browser.goto(&format!("{}/login?lang=en", portal.url)).await;
    let again = browser.url().await;
    assert!(
        again.starts_with(&format!("{}login?service=", cas.url)),
        "CAS asks for credentials again: {again}"
    );
    browser.quit().await;
    portal.stop().await;
}
