//! A channel whose fresh render fails but which rendered well before shows that render,
//! marked with its age — also after a portal restart (the last good render is stored).

use agora_tests::backend::{Answer, TestBackend};
use agora_tests::page::publication_chunk;
use agora_tests::{Site, misbehaving, one_column_layout};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_channel_shows_its_last_good_render_with_its_age() {
    let backend = TestBackend::start().await;
    backend.route("/echo", Answer::ok("text/html", "<p class=\"marker\">timetable v1</p>"));
    let site = Site::new(
        "stale",
        &misbehaving("echo", "echo", &backend.url),
        &one_column_layout(&["echo"]),
    );
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;

    let fresh = publication_chunk(&portal.get_page(&client, "/?lang=en").await, "echo");
    assert!(
        fresh.contains("timetable v1") && !fresh.contains("channel-stale"),
        "{fresh}"
    );

    backend.route("/echo", Answer::status(503));
    let stale = publication_chunk(&portal.get_page(&client, "/?lang=en").await, "echo");
    assert!(stale.contains("channel-stale"), "{stale}");
    assert!(
        stale.contains("timetable v1"),
        "the last good content is shown: {stale}"
    );
    assert!(stale.contains("unavailable for now"), "the reason is given: {stale}");
    assert!(
        stale.contains("Showing the last version (updated 0 s ago)") || stale.contains("s ago)"),
        "{stale}"
    );
    // The last good render is written in the background: wait until it is stored.
    for _ in 0..100 {
        if portal.portal.state().storage.count_renders().await.expect("count") > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    portal.stop().await;

    // After a restart the in-memory cache is gone; the stored render still serves.
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let after_restart = publication_chunk(&portal.get_page(&client, "/?lang=en").await, "echo");
    assert!(
        after_restart.contains("timetable v1") && after_restart.contains("channel-stale"),
        "{after_restart}"
    );
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_previous_render_the_user_gets_a_clear_message() {
    let backend = TestBackend::start().await;
    backend.route("/echo", Answer::status(500));
    let site = Site::new(
        "no-stale",
        &misbehaving("echo", "echo", &backend.url),
        &one_column_layout(&["echo"]),
    );
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/").await;
    let slot = publication_chunk(&page, "echo");
    assert!(slot.contains("momentanément indisponible"), "{slot}");
    assert!(slot.contains("role=\"alert\""), "{slot}");
    portal.stop().await;
}
