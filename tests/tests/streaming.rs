//! The page is streamed: the shell leaves before any channel finishes, each slot follows as
//! soon as it is ready, and a channel stuck on its back-end holds only its own slot, for at
//! most its wall-clock budget. Ordering is checked with a gate the test controls, not timers.

use agora_tests::backend::{Answer, TestBackend};
use agora_tests::page::{chunk, publication_chunk, slot_of};
use agora_tests::{Site, misbehaving, one_column_layout};
use futures::StreamExt;
use tokio::sync::watch;

/// Read the response until `needle` appears in what has arrived; returns everything so far.
async fn read_until(
    stream: &mut (impl futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    so_far: &mut String,
    needle: &str,
) {
    while !so_far.contains(needle) {
        match stream.next().await {
            Some(Ok(b)) => so_far.push_str(&String::from_utf8_lossy(&b)),
            Some(Err(e)) => panic!("stream error: {e}"),
            None => panic!("page ended without `{needle}`:\n{so_far}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_first_then_slots_as_they_finish() {
    let backend = TestBackend::start().await;
    let (open_gate, gate) = watch::channel(false);
    backend.route("/slow", Answer::ok("text/html", "<p>slow but fine</p>").gated(gate));
    let channels = misbehaving("fast", "ok", &backend.url) + &misbehaving("slow", "slow", &backend.url);
    let site = Site::new("stream", &channels, &one_column_layout(&["slow", "fast"]));
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "bruno.leroy").await;

    let res = client
        .get(format!("{}/?lang=en", portal.url))
        .send()
        .await
        .expect("GET /");
    let mut stream = res.bytes_stream();
    let mut page = String::new();
    read_until(&mut stream, &mut page, "</template>").await;
    assert!(page.contains("Loading…"), "the shell carries placeholders");
    let slow_slot = slot_of(&page, "slow").expect("slow slot in shell");
    let fast_slot = slot_of(&page, "fast").expect("fast slot in shell");

    // The fast channel arrives while the slow one is still held on its back-end.
    read_until(&mut stream, &mut page, &format!("<div slot=\"{fast_slot}\"")).await;
    assert!(
        !page.contains(&format!("<div slot=\"{slow_slot}\"")),
        "the slow slot cannot be there yet"
    );
    // The slow channel reaches its back-end (and is held there) whatever the scheduling order.
    tokio::time::timeout(std::time::Duration::from_secs(10), backend.wait_for_hits("/slow", 1))
        .await
        .expect("the slow channel calls its back-end");

    open_gate.send(true).expect("open gate");
    read_until(&mut stream, &mut page, "</html>").await;
    let slow = chunk(&page, &slow_slot).expect("slow slot filled");
    assert!(slow.contains("slow but fine"), "{slow}");
    assert!(publication_chunk(&page, "fast").contains("All good"));
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_back_end_that_never_answers_costs_one_slot_its_budget() {
    let backend = TestBackend::start().await;
    let (_keep_closed, gate) = watch::channel(false);
    backend.route("/slow", Answer::ok("text/html", "never").gated(gate));
    let channels = misbehaving("fast", "ok", &backend.url) + &misbehaving("stuck", "slow", &backend.url);
    let site = Site::new("stuck", &channels, &one_column_layout(&["stuck", "fast"]));
    site.append_config("[admin]\nuids = [\"david.moreau\"]\n");
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "bruno.leroy").await;
    // The whole page completes although the back-end never answers.
    let page = portal.get_page(&client, "/?lang=en").await;
    let stuck = publication_chunk(&page, "stuck");
    assert!(stuck.contains("did not answer in time"), "{stuck}");
    assert!(!stuck.contains("1500 ms"), "no technical detail for a student: {stuck}");
    // An administrator sees the budget (the manifest's wall_ms).
    let admin = portal.client();
    portal.sign_in(&admin, "david.moreau").await;
    let page = portal.get_page(&admin, "/?lang=en").await;
    let stuck = publication_chunk(&page, "stuck");
    assert!(
        stuck.contains("within 1500 ms"),
        "the budget is the manifest's wall_ms: {stuck}"
    );
    assert!(publication_chunk(&page, "fast").contains("All good"));
    portal.stop().await;
}
