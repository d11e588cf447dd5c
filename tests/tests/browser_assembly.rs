//! In a real headless Chromium (Debian `chromium`), the streamed page is assembled by the
//! browser itself: the declarative shadow root is attached (its `<template shadowrootmode>`
//! is consumed) and every streamed slot chunk is a light-DOM child of `<agora-page>`, with no
//! script anywhere. Screenshots at phone and desktop widths are kept as test artefacts.

use agora_tests::repo_root;
use std::process::Command;

fn chromium(args: &[&str], profile: &std::path::Path) -> String {
    let chromium = std::path::Path::new("/usr/bin/chromium");
    assert!(
        chromium.exists(),
        "/usr/bin/chromium is missing: run `cargo xtask test`, which installs it"
    );
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("run chromium");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_assembles_the_streamed_page_without_script() {
    let (site, _backend) = agora_tests::api::shipped_site("browser").await;
    let portal = site.start().await;
    let url = format!("{}/?lang=en", portal.url);

    let raw = portal.get_page(&portal.client(), "/?lang=en").await;
    assert!(raw.contains("<template shadowrootmode=\"open\">") && raw.contains("<slot name=\"s-1\">"));
    assert_eq!(
        agora_tests::page::other_scripts(&raw),
        0,
        "no script in the page but the portal's own (which only registers the offline copy)"
    );

    let profile = site.root.join("chromium-profile");
    let url2 = url.clone();
    let profile2 = profile.clone();
    let dom = tokio::task::spawn_blocking(move || chromium(&["--dump-dom", &url2], &profile2))
        .await
        .expect("chromium");
    assert!(dom.contains("<agora-page>"), "Chromium rendered the page: {dom}");
    assert!(
        !dom.contains("shadowrootmode"),
        "the declarative shadow root was attached by the browser: {dom}"
    );
    for slot in ["s-0", "s-1"] {
        assert!(
            dom.contains(&format!("<div slot=\"{slot}\"")),
            "slot {slot} is in the assembled page: {dom}"
        );
    }
    assert!(
        dom.contains("Inscriptions pédagogiques"),
        "the news channel's content is in the page"
    );

    // Screenshots for people to look at (target/test-artifacts/).
    let artefacts = repo_root().join("target/test-artifacts");
    std::fs::create_dir_all(&artefacts).expect("artefact dir");
    for (name, size) in [("guest-phone.png", "390,844"), ("guest-desktop.png", "1280,900")] {
        let shot = artefacts.join(name);
        let (url, profile, shot2) = (url.clone(), profile.clone(), shot.clone());
        tokio::task::spawn_blocking(move || {
            chromium(
                &[
                    &format!("--window-size={size}"),
                    &format!("--screenshot={}", shot2.display()),
                    &url,
                ],
                &profile,
            )
        })
        .await
        .expect("chromium");
        assert!(shot.exists(), "screenshot {name} written");
    }
    portal.stop().await;
}
