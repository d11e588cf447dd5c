//! One broken channel never breaks the page: a channel that panics, loops forever, asks for
//! 1 GiB, calls a back-end it was not granted, reads attributes it was not granted or returns
//! hostile HTML — the portal stays up, every other slot renders, and the failing slot says
//! what is unavailable in the user's language (why, and the detail, to administrators).

use agora_tests::backend::TestBackend;
use agora_tests::page::publication_chunk;
use agora_tests::{Site, misbehaving, one_column_layout};

const MODES: &[&str] = &["ok", "panic", "loop", "alloc", "forbidden", "snoop", "xss"];

async fn site_with_every_misbehaviour(name: &str) -> (Site, TestBackend) {
    let backend = TestBackend::start().await;
    let channels: String = MODES.iter().map(|m| misbehaving(m, m, &backend.url)).collect();
    let site = Site::new(name, &channels, &one_column_layout(MODES));
    (site, backend)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_misbehaviour_is_contained_and_explained() {
    let (site, _backend) = site_with_every_misbehaviour("isolation").await;
    site.append_config("[admin]\nuids = [\"david.moreau\"]\n");
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/?lang=en").await;

    let ok = publication_chunk(&page, "ok");
    assert!(ok.contains("All good"), "the healthy channel renders: {ok}");

    // A student is told what is unavailable, in words, and nothing technical.
    for mode in ["panic", "loop", "alloc", "forbidden"] {
        let slot = publication_chunk(&page, mode);
        assert!(
            slot.contains("channel-error") && slot.contains("“Test channel” is unavailable for now"),
            "{slot}"
        );
        for technical in ["deliberate panic", "CPU", "MiB", "[backends.", "<details"] {
            assert!(!slot.contains(technical), "`{technical}` shown to a student: {slot}");
        }
    }

    // An administrator (David, named in [admin] uids) sees why, and the detail for support.
    let admin = portal.client();
    portal.sign_in(&admin, "david.moreau").await;
    let page = portal.get_page(&admin, "/?lang=en").await;
    let panic = publication_chunk(&page, "panic");
    assert!(
        panic.contains("channel-error") && panic.contains("ran into an error"),
        "{panic}"
    );
    assert!(
        panic.contains("deliberate panic in test channel"),
        "the panic message is in the details: {panic}"
    );

    let looping = publication_chunk(&page, "loop");
    assert!(looping.contains("worked for too long and was stopped"), "{looping}");
    assert!(looping.contains("more than 50 ms of CPU"), "{looping}");

    let alloc = publication_chunk(&page, "alloc");
    assert!(alloc.contains("asked for too much memory"), "{alloc}");
    assert!(alloc.contains("more than 32 MiB"), "{alloc}");

    let forbidden = publication_chunk(&page, "forbidden");
    assert!(
        forbidden.contains("asked for access it has not been granted"),
        "{forbidden}"
    );
    assert!(
        forbidden.contains("[backends.secret-api]"),
        "the refusal names the manifest entry to add: {forbidden}"
    );

    // The portal is still up and serves the same page again.
    let health = client
        .get(format!("{}/health", portal.url))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status().as_u16(), 200);
    let again = portal.get_page(&admin, "/?lang=en").await;
    assert!(publication_chunk(&again, "ok").contains("All good"));
    assert!(publication_chunk(&again, "loop").contains("worked for too long"));
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_gets_only_the_attributes_it_was_granted() {
    let (site, _backend) = site_with_every_misbehaviour("snoop").await;
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/").await;
    let snoop = publication_chunk(&page, "snoop");
    // displayName is granted; supannEtuId is not (Alice has one: 22400123); userPassword never is.
    assert!(snoop.contains("name=Alice Martin"), "{snoop}");
    assert!(snoop.contains("password= "), "{snoop}");
    assert!(snoop.contains("etuid= "), "{snoop}");
    assert!(
        !snoop.contains("22400123") && !page.contains("22400123"),
        "the student number leaked: {snoop}"
    );
    assert!(!page.contains("SSHA"), "the password hash leaked");
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_html_never_reaches_the_page_executable() {
    let (site, _backend) = site_with_every_misbehaviour("xss").await;
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/").await;
    let xss = publication_chunk(&page, "xss");
    assert!(
        xss.contains("hostile") && xss.contains("safe link"),
        "harmless content stays: {xss}"
    );
    let lower = xss.to_ascii_lowercase();
    for bad in ["<script", "onerror", "onclick", "javascript:", "<iframe", "style="] {
        assert!(!lower.contains(bad), "`{bad}` reached the page: {xss}");
    }
    assert_eq!(
        agora_tests::page::other_scripts(&page),
        0,
        "no script anywhere in the page but the portal's own"
    );
    portal.stop().await;
}
