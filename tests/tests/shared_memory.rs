//! What several nodes remember together (issue 12): a back-end one node found down is not
//! asked by the others during its back-off, a publication opened on one node is open on all,
//! a configuration change one node accepted is checked by the others at once, and what a
//! channel keeps in its cache on one node serves the others. Two nodes
//! in this process on a real Redis and a real PostgreSQL.

use agora_tests::backend::{Answer, TestBackend};
use agora_tests::page::publication_chunk;
use agora_tests::peers::{Postgres, Redis};
use agora_tests::{Site, misbehaving, one_column_layout};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_back_end_one_node_found_down_is_not_asked_by_the_other() {
    let redis = Redis::start();
    let postgres = Postgres::start();
    let backend = TestBackend::start().await;
    backend.route("/echo", Answer::status(503));
    let site = Site::new(
        "shared-breaker",
        &misbehaving("echo-down", "echo", &backend.url),
        &one_column_layout(&["echo-down"]),
    );
    site.share_state(&redis.url, &postgres.url);
    let a = site.start_node("a", |_| {}).await;
    let b = site.start_node("b", |_| {}).await;

    // One user's variant fails on A: B serves the remembered failure without asking.
    let (on_a, on_b) = (a.client(), b.client());
    a.sign_in(&on_a, "alice.martin").await;
    b.sign_in(&on_b, "alice.martin").await;
    let started = Instant::now();
    let slot = publication_chunk(&a.get_page(&on_a, "/?lang=en").await, "echo-down");
    assert!(slot.contains("unavailable for now"), "A says why: {slot}");
    assert_eq!(backend.hits("/echo"), 1);
    // B's first view, within A's first back-off (1 s): served from A's memory, not asked.
    let slot = publication_chunk(&b.get_page(&on_b, "/?lang=en").await, "echo-down");
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_millis(900),
        "too slow to tell: {elapsed:?} for two views"
    );
    assert!(slot.contains("unavailable for now"), "B says why: {slot}");
    assert_eq!(backend.hits("/echo"), 1, "B asked the back-end A found down");
    for _ in 0..10 {
        let slot = publication_chunk(&b.get_page(&on_b, "/?lang=en").await, "echo-down");
        assert!(
            slot.contains("unavailable for now"),
            "B says why, from A's memory: {slot}"
        );
    }
    // At most one probe per back-off second, across both nodes.
    let allowed = 1 + started.elapsed().as_secs() as u32;
    let hits = backend.hits("/echo");
    assert!(
        hits <= allowed,
        "B asked the back-end A found down: {hits} hits in {:?}",
        started.elapsed()
    );

    // Four more variants (channel parameters) fail on A: with the first, that opens the
    // publication, and a variant nobody viewed yet is not rendered on B either.
    for q in 1..=4 {
        a.get_page(&on_a, &format!("/?lang=en&echo-down.q={q}")).await;
    }
    let before = backend.hits("/echo");
    let started = Instant::now();
    let page = b.get_page(&on_b, "/?lang=en&echo-down.q=new").await;
    let slot = publication_chunk(&page, "echo-down");
    assert!(
        slot.contains("unavailable for now"),
        "B says why for a new variant: {slot}"
    );
    let asked = backend.hits("/echo") - before;
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_millis(900),
        "too slow to tell: {elapsed:?} for one view"
    );
    assert_eq!(asked, 0, "B rendered a publication A had opened");

    // The back-end is back: one node's probe closes the publication for both.
    backend.route("/echo", Answer::ok("text/html", "<p class=\"marker\">back again</p>"));
    let mut recovered = (false, false);
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let on_a = publication_chunk(&a.get_page(&on_a, "/?lang=en").await, "echo-down");
        let on_b = publication_chunk(&b.get_page(&on_b, "/?lang=en").await, "echo-down");
        recovered = (on_a.contains("back again"), on_b.contains("back again"));
        if recovered == (true, true) {
            break;
        }
    }
    assert_eq!(
        recovered,
        (true, true),
        "both nodes render again once the back-end is back"
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_one_node_accepted_is_checked_by_the_other_at_once() {
    let redis = Redis::start();
    let postgres = Postgres::start();
    let site = Site::new("shared-reload", "", "");
    // Two tabs, so that the page shows their titles.
    let fragment = |title: &str| {
        format!(
            "{}\n[[tabs]]\nid = \"second\"\ntitle = {{ fr = \"{title}\", en = \"{title}\" }}\ncolumns = [[]]\n",
            one_column_layout(&[])
        )
    };
    site.write_config("fragments/main.toml", &fragment("Before the change"));
    site.share_state(&redis.url, &postgres.url);
    // A checks its files every second; B would wait an hour.
    let a = site.start_node("a", |c| c.admin.reload_seconds = 1).await;
    let b = site.start_node("b", |c| c.admin.reload_seconds = 3600).await;
    let client = b.client();
    assert!(b.get_page(&client, "/?lang=en").await.contains("Before the change"));

    site.write_config("fragments/main.toml", &fragment("After the change"));
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut page = String::new();
    while Instant::now() < deadline {
        page = b.get_page(&client, "/?lang=en").await;
        if page.contains("After the change") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        page.contains("After the change"),
        "B never checked its files after A accepted the change"
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_one_node_fetched_is_not_fetched_again_by_the_other() {
    let redis = Redis::start();
    let postgres = Postgres::start();
    let backend = TestBackend::start().await;
    let feed = std::fs::read(agora_tests::repo_root().join("examples/demo/backends/feeds/campus.xml")).expect("feed");
    backend.route("/campus.xml", Answer::ok("application/rss+xml", feed));
    let site = Site::new(
        "shared-channel-cache",
        &format!(
            "[channels.news]\npackage = \"news\"\nconfig = {{ path = \"/campus.xml\" }}\nbackends.feed = {{ url = \"{}\" }}\n",
            backend.url
        ),
        &one_column_layout(&["news"]),
    );
    site.share_state(&redis.url, &postgres.url);
    let a = site.start_node("a", |_| {}).await;
    let b = site.start_node("b", |_| {}).await;
    let page = a.get_page(&a.client(), "/?lang=fr").await;
    assert!(
        publication_chunk(&page, "news").contains("Inscriptions"),
        "A shows the feed"
    );
    assert_eq!(backend.hits("/campus.xml"), 1);
    // Another language is another render, made by B: from the feed A fetched.
    let page = b.get_page(&b.client(), "/?lang=en").await;
    assert!(
        publication_chunk(&page, "news").contains("Inscriptions"),
        "B shows the feed"
    );
    assert_eq!(
        backend.hits("/campus.xml"),
        1,
        "B fetched again the feed A had just fetched"
    );
    a.stop().await;
    b.stop().await;
}
