//! RGAA 4.1 / WCAG 2.1 AA (issue 14, point 7): axe-core in the real headless Chromium on
//! every page type (the WCAG rules and the structure RGAA asks for: one `h1`, landmarks,
//! a working skip link) — the guest's home and sign-in page, each persona's home and tabs,
//! customisation, catalogue, search (results, people, nothing found), notifications, view-as, 403, 404 and the accessibility statement — at 390 px
//! and 1280 px, light and dark.
//! Every violation of every page is listed (and kept in
//! `target/test-artifacts/axe-report.txt`) before the test fails, so one run shows all
//! that is left to mend. Screenshots of each persona's home and customisation page at both
//! widths, light and dark, land in `target/test-artifacts/screens/` for review:
//! `cargo xtask test --test accessibility` (or `cargo test -p agora-tests --test
//! accessibility` once the suite's tools are installed).

use agora_tests::api::shipped_site;
use agora_tests::axe::{Violation, audit, source};
use agora_tests::repo_root;
use agora_tests::webdriver::Browser;

/// The widths (a phone, a laptop) and colour schemes every page is audited in.
const WIDTHS: [(u32, u32); 2] = [(390, 844), (1280, 900)];
const SCHEMES: [&str; 2] = ["light", "dark"];

/// Audit the page the browser shows in every width and scheme; what breaks, by where. With
/// `shot`, a screenshot of each (`target/test-artifacts/screens/<shot>-<width>-<scheme>.png`,
/// for people to review) and the page's height at each width, printed.
async fn audit_everywhere(
    browser: &Browser,
    axe: &str,
    page: &str,
    shot: Option<&str>,
    report: &mut Vec<(String, Violation)>,
) {
    for (w, h) in WIDTHS {
        browser.resize(w, h).await;
        for scheme in SCHEMES {
            browser.color_scheme(scheme).await;
            for v in audit(browser, axe).await {
                report.push((format!("{page} at {w} px, {scheme}"), v));
            }
            if let Some(name) = shot {
                let dir = repo_root().join("target/test-artifacts/screens");
                std::fs::create_dir_all(&dir).expect("screens dir");
                browser.screenshot(&dir.join(format!("{name}-{w}-{scheme}.png"))).await;
            }
        }
        if shot.is_some() {
            let height = browser.script("return document.documentElement.scrollHeight;").await;
            println!("{page}: {height} px long at {w} px");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_type_has_no_wcag_21_aa_violation() {
    let (site, _backend) = shipped_site("accessibility").await;
    let portal = site.start().await;
    let browser = Browser::start(&site.root, 1280, 900).await;
    let axe = source();
    let mut report = Vec::new();
    let mut pages = 0;
    let base = &portal.url;

    for lang in ["fr", "en"] {
        browser.clear_cookies().await;
        for (page, path) in [
            ("guest home", format!("/?lang={lang}")),
            ("sign-in", format!("/login?lang={lang}")),
            ("404", format!("/nowhere?lang={lang}")),
            ("accessibility statement", format!("/accessibilite?lang={lang}")),
        ] {
            browser.goto(&format!("{base}{path}")).await;
            let shot = (page == "guest home").then(|| format!("guest-{lang}"));
            audit_everywhere(
                &browser,
                &axe,
                &format!("{page} ({lang})"),
                shot.as_deref(),
                &mut report,
            )
            .await;
            pages += 1;
        }
    }

    for persona in ["alice.martin", "bruno.leroy", "claire.dubois", "david.moreau"] {
        browser.clear_cookies().await;
        browser.sign_in_as(base, persona, "fr").await;
        // Each tab the persona has, as the page links them.
        let tabs = browser
            .script(
                "const r = document.querySelector('agora-page').shadowRoot; \
                 return Array.from(r.querySelectorAll('nav a[href*=\"tab=\"]')).map(a => a.getAttribute('href'));",
            )
            .await;
        let mut paths = vec![("home".to_string(), "/".to_string())];
        for href in tabs.as_array().into_iter().flatten().filter_map(|h| h.as_str()) {
            paths.push((format!("tab {href}"), href.to_string()));
        }
        paths.extend([
            ("customisation".to_string(), "/?customise=1".to_string()),
            ("catalogue".to_string(), "/catalogue".to_string()),
            ("search results".to_string(), "/search?q=bibliotheque".to_string()),
            ("people found".to_string(), "/search?q=dubois".to_string()),
            ("nothing found".to_string(), "/search?q=zzzqqq".to_string()),
            ("notifications".to_string(), "/notifications".to_string()),
            ("groups".to_string(), "/groups?q=a".to_string()),
            ("a group or 404".to_string(), "/groups/chorale".to_string()),
            ("SMS or its refusal".to_string(), "/sms".to_string()),
            ("usage statistics or 403".to_string(), "/admin/statistics".to_string()),
            ("administration or 403".to_string(), "/admin".to_string()),
            ("view-as or 403".to_string(), "/admin/view-as/alice.martin".to_string()),
            ("404".to_string(), "/nowhere".to_string()),
        ]);
        for (page, path) in paths {
            browser.goto(&format!("{base}{path}")).await;
            let shot = match page.as_str() {
                "home" => Some(persona.to_string()),
                "customisation" => Some(format!("{persona}-customise")),
                _ => None,
            };
            audit_everywhere(
                &browser,
                &axe,
                &format!("{persona}: {page} ({path})"),
                shot.as_deref(),
                &mut report,
            )
            .await;
            pages += 1;
        }
    }

    let text: String = report.iter().map(|(at, v)| format!("{at}: {v}")).collect();
    let artefacts = repo_root().join("target/test-artifacts");
    std::fs::create_dir_all(&artefacts).expect("artefact dir");
    std::fs::write(artefacts.join("axe-report.txt"), &text).expect("report");
    browser.quit().await;
    portal.stop().await;
    assert!(pages >= 20, "every page type was audited ({pages} pages)");
    assert!(
        report.is_empty(),
        "{} WCAG 2.1 A/AA violations on {pages} pages × 2 widths × 2 schemes:\n{text}",
        report.len()
    );
}
