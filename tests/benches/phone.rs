//! The student's page on a phone (issue 14; run with `cargo xtask bench -- <name>` or
//! `cargo bench -p agora-tests --bench phone`; figures go to BENCHMARKS.md §14):
//!
//! 1. `page-weight`: Alice's home page and every asset it loads (theme and skin stylesheets,
//!    logo), as the portal sends them to a browser asking for gzip and brotli: bytes on the
//!    wire (goal ≤ 30 KB).
//! 2. `first-paint`: first contentful paint of Alice's home page in headless Chromium under
//!    Lighthouse's mobile throttling (Slow 4G: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s
//!    up; CPU 4× slower), cold (no browser cache) and warm (goal ≤ 1 s).

use agora_tests::bench::{ms, percentile};
use agora_tests::webdriver::Browser;
use serde_json::json;
use std::time::Duration;

/// What a browser asks for.
const ACCEPT_ENCODING: &str = "gzip, deflate, br";

/// `GET url` as a browser would (compression accepted, `cookie`): bytes on the wire and the
/// encoding the portal chose.
async fn wire_size(client: &reqwest::Client, url: &str, cookie: &str) -> (usize, String) {
    let res = client
        .get(url)
        .header(reqwest::header::ACCEPT_ENCODING, ACCEPT_ENCODING)
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 200, "{url}");
    let encoding = res
        .headers()
        .get(reqwest::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .to_string();
    (res.bytes().await.expect("body").len(), encoding)
}

async fn page_weight() {
    let (site, _backend) = agora_tests::api::shipped_site("bench-weight").await;
    let portal = site.start().await;
    let cookie = agora_tests::bench::session_cookie(&portal, "alice.martin").await;
    let client = reqwest::Client::new();
    let page = portal.get_page(&portal.client(), "/").await;
    // Every asset the page names (stylesheets, icons, images), once each.
    let mut assets: Vec<String> = Vec::new();
    for attr in ["href=\"", "src=\""] {
        for part in page.split(attr).skip(1) {
            let link = part.split('"').next().unwrap_or_default().replace("&#x2F;", "/");
            let is_asset = link.starts_with("/static/") || link == "/skin.css";
            if is_asset && !assets.contains(&link) {
                assets.push(link);
            }
        }
    }
    let (html, encoding) = wire_size(&client, &format!("{}/", portal.url), &cookie).await;
    let mut rows = vec![format!("home page {html} B ({encoding})")];
    let mut total = html;
    for asset in &assets {
        let (size, encoding) = wire_size(&client, &format!("{}{asset}", portal.url), &cookie).await;
        rows.push(format!("{asset} {size} B ({encoding})"));
        total += size;
    }
    println!(
        "page-weight: Alice's home page, all assets included, on the wire: {:.1} KB ({})",
        total as f64 / 1000.0,
        rows.join("; ")
    );
    portal.stop().await;
}

/// First contentful paint of the current document, ms (waits for it, at most 10 s).
const FCP: &str = "const done = arguments[arguments.length - 1]; \
    new PerformanceObserver(l => { const e = l.getEntriesByName('first-contentful-paint')[0]; if (e) done(e.startTime); }) \
      .observe({ type: 'paint', buffered: true }); \
    setTimeout(() => done(null), 10000);";

async fn first_paint() {
    let (site, _backend) = agora_tests::api::shipped_site("bench-fcp").await;
    let portal = site.start().await;
    let browser = Browser::start(&site.root, 390, 844).await;
    browser.sign_in_as(&portal.url, "alice.martin", "fr").await;
    browser.cdp("Network.enable", json!({})).await;
    // The service worker's own fetches escape the page's throttling: measure without it, as
    // a first visit is (its offline copy is for when the network is gone, not for speed).
    browser
        .cdp("Network.setBypassServiceWorker", json!({ "bypass": true }))
        .await;
    browser
        .cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": false, "latency": 150,
                    "downloadThroughput": 1_638_400 / 8, "uploadThroughput": 750_000 / 8 }),
        )
        .await;
    browser
        .cdp("Emulation.setCPUThrottlingRate", json!({ "rate": 4 }))
        .await;
    let mut report = Vec::new();
    for (label, cold) in [("cold (no cache)", true), ("warm (cached assets)", false)] {
        browser
            .cdp("Network.setCacheDisabled", json!({ "cacheDisabled": cold }))
            .await;
        let mut times = Vec::new();
        for _ in 0..10 {
            browser.goto(&format!("{}/", portal.url)).await;
            let fcp = browser.script_async(FCP, json!([])).await;
            let fcp = fcp
                .as_f64()
                .unwrap_or_else(|| panic!("no first contentful paint: {fcp}"));
            times.push(Duration::from_secs_f64(fcp / 1000.0));
        }
        times.sort();
        report.push(format!(
            "{label} p50 {} p90 {}",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.9))
        ));
    }
    println!(
        "first-paint: Alice's home page at 390 px, Slow 4G (150 ms RTT, 1.6 Mbit/s) and CPU 4× slower, 10 loads each: {}",
        report.join("; ")
    );
    browser.quit().await;
    portal.stop().await;
}

fn main() {
    agora_tests::bench::main(&[
        ("page-weight", || Box::pin(page_weight())),
        ("first-paint", || Box::pin(first_paint())),
    ]);
}
