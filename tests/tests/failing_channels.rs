//! A failing channel costs one render per back-off period, not one per page view, and says
//! so once in the log; its saved renders stay bounded; what it returns is capped; its own
//! error detail stays out of the page (issue 10, findings 3, 8 and 9).

use agora_tests::backend::{Answer, TestBackend};
use agora_tests::logs;
use agora_tests::page::publication_chunk;
use agora_tests::{Site, misbehaving, one_column_layout};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_back_end_is_asked_once_per_back_off_not_once_per_view() {
    let logs = logs::capture();
    let backend = TestBackend::start().await;
    backend.route("/echo", Answer::status(503));
    let site = Site::new(
        "breaker",
        &misbehaving("echo-down", "echo", &backend.url),
        &one_column_layout(&["echo-down"]),
    );
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let started = std::time::Instant::now();
    for _ in 0..20 {
        let slot = publication_chunk(&portal.get_page(&client, "/?lang=en").await, "echo-down");
        assert!(slot.contains("unavailable for now"), "every view says why: {slot}");
    }
    // One render, then at most one probe per back-off (1 s, 2 s, 4 s …) on a slow machine.
    let allowed = 2 + started.elapsed().as_secs() as u32;
    let hits = backend.hits("/echo");
    assert!(hits <= allowed, "20 page views asked the dead back-end {hits} times");
    let warnings = logs.lines_with(&["WARN", "echo-down", "render failed"]);
    assert_eq!(warnings.len(), 1, "one warning, not one per view: {warnings:#?}");

    // The back-end is back: after the back-off, a view probes and the slot recovers.
    backend.route("/echo", Answer::ok("text/html", "<p class=\"marker\">back again</p>"));
    let mut slot = String::new();
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        slot = publication_chunk(&portal.get_page(&client, "/?lang=en").await, "echo-down");
        if slot.contains("back again") {
            break;
        }
    }
    assert!(
        slot.contains("back again"),
        "the slot recovers after its back-off: {slot}"
    );
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_renders_stay_bounded_whatever_the_parameters() {
    let backend = TestBackend::start().await;
    backend.route("/echo", Answer::ok("text/html", "<p>results</p>"));
    let site = Site::new(
        "bounded",
        &misbehaving("search", "echo", &backend.url),
        &one_column_layout(&["search"]),
    );
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    for i in 0..40 {
        portal.get_page(&client, &format!("/?search.q=name{i}")).await;
    }
    // Saves run in the background: let them land.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rows = portal.portal.state().storage.count_renders().await.expect("count");
    assert!(
        (1..=agora_portal::page::slot::STORED_PER_USER as i64).contains(&rows),
        "40 searches kept {rows} renders"
    );
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_channel_returns_is_capped_and_its_detail_stays_in_the_log() {
    let logs = logs::capture();
    let backend = TestBackend::start().await;
    let channels = [
        misbehaving("big-title", "big-title", &backend.url),
        misbehaving("detail-fail", "fail", &backend.url),
        misbehaving("out-of-requests", "name-flood", &backend.url),
        misbehaving("deep", "recurse", &backend.url),
        misbehaving("files", "read-file", &backend.url),
    ]
    .concat();
    let site = Site::new(
        "capped",
        &channels,
        &one_column_layout(&["big-title", "detail-fail", "out-of-requests", "deep", "files"]),
    );
    site.append_config("[admin]\nuids = [\"david.moreau\"]\n");
    let portal = site.start().await;
    // A student is told only what is unavailable.
    let student = portal.client();
    portal.sign_in(&student, "alice.martin").await;
    let page = portal.get_page(&student, "/?lang=en").await;
    for p in ["big-title", "out-of-requests", "deep", "files"] {
        let slot = publication_chunk(&page, p);
        assert!(
            slot.contains("is unavailable for now") && !slot.contains("<details"),
            "{slot}"
        );
    }
    // An administrator is told why (what support needs), the channel's own detail still
    // being for the logs only.
    let client = portal.client();
    portal.sign_in(&client, "david.moreau").await;
    let page = portal.get_page(&client, "/?lang=en").await;
    assert!(
        page.len() < 200_000,
        "the 5 MB title reached the page ({} bytes)",
        page.len()
    );
    let big = publication_chunk(&page, "big-title");
    assert!(big.contains("produced too much content"), "{big}");

    let failed = publication_chunk(&page, "detail-fail");
    assert!(failed.contains("unavailable for now"), "{failed}");
    assert!(
        !page.contains("the back-end is down (test)"),
        "the channel's own detail is for the logs, not the page"
    );
    assert!(
        !logs
            .lines_with(&["detail-fail", "the back-end is down (test)"])
            .is_empty(),
        "the detail is in the log"
    );

    let out = publication_chunk(&page, "out-of-requests");
    assert!(
        out.contains("too many calls"),
        "running out of requests is said so: {out}"
    );
    assert!(!out.contains("not been granted"), "{out}");
    let deep = publication_chunk(&page, "deep");
    assert!(deep.contains("stack overflow"), "{deep}");
    assert!(!deep.contains("backtrace"), "{deep}");
    let files = publication_chunk(&page, "files");
    assert!(
        files.contains("may not do") && files.contains("wasi:filesystem&#x2F;"),
        "{files}"
    );
    portal.stop().await;
}
