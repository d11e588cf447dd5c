//! Notifications (issue 14, point 3): channels raise them through `agora:channel/notify`,
//! administrators announce to populations between two dates. Each person sees only their
//! own; the first render sets a baseline (read), then only what is new or changed is unread
//! and counted in the header; a preview by an administrator records nothing; reading and
//! dismissing are CSRF-checked forms; a broken announcements file is refused and the
//! previous announcements stay.

use agora_tests::page::{csrf_token, publication_chunk};
use agora_tests::{RunningPortal, Site, one_column_layout};
use std::time::Duration;

const CHANNELS: &str = "[channels.notes]\npackage = \"misbehaving\"\nconfig = { mode = \"notify\", value = \"Résultat publié\" }\nbackends.slow = { url = \"http://127.0.0.1:9/\" }\nbackends.echo = { url = \"http://127.0.0.1:9/\" }\n";

const ANNOUNCEMENTS: &str = r#"
[announcements.exams]
title = { fr = "Examens du semestre", en = "Semester exams" }
populations = ["students"]
starts = 2020-01-01T00:00:00+01:00
ends = 2099-01-01T00:00:00+01:00

[announcements.outage]
title = { fr = "Coupure réseau samedi", en = "Network outage on Saturday" }
everyone = true
starts = 2020-01-01T00:00:00+01:00
ends = 2099-01-01T00:00:00+01:00
dismissible = false
level = "important"

[announcements.later]
title = { fr = "Pas encore", en = "Not yet" }
everyone = true
starts = 2098-01-01T00:00:00+01:00
ends = 2099-01-01T00:00:00+01:00
"#;

/// The unread count in the page's header (0 without a badge).
fn unread(page: &str) -> u32 {
    page.split("class=\"badge-count\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// The home page once its header counts `want` unread (the notifications are kept just
/// after the render: a few page views at most).
async fn home_counting(portal: &RunningPortal, client: &reqwest::Client, path: &str, want: u32) -> String {
    let mut page = String::new();
    for _ in 0..40 {
        page = portal.get_page(client, path).await;
        if unread(&page) == want {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the header never counted {want} unread: {page}");
}

async fn post(
    portal: &RunningPortal,
    client: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("{}{path}", portal.url))
        .form(form)
        .send()
        .await
        .expect("POST")
}

fn site(name: &str) -> Site {
    let site = Site::new(name, CHANNELS, &one_column_layout(&["notes"]));
    site.append_config("[admin]\nreload_seconds = 1\nuids = [\"david.moreau\"]\n");
    site.write_config("announcements.toml", ANNOUNCEMENTS);
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_notifies_its_person_of_what_is_new_and_nobody_else() {
    let site = site("notify-channel");
    let portal = site.start().await;
    let alice = portal.client();
    portal.sign_in(&alice, "alice.martin").await;

    // The channel raised two, a javascript: link was refused, the third was over budget.
    let page = portal.get_page(&alice, "/?lang=en").await;
    let chunk = publication_chunk(&page, "notes");
    assert!(chunk.contains("ok invalid ok budget"), "{chunk}");
    // The first render is the baseline: kept, read. Only the two announcements count.
    let page = home_counting(&portal, &alice, "/?lang=en", 2).await;
    assert!(page.contains("href=\"/notifications\""), "the bell: {page}");
    let mut list = String::new();
    for _ in 0..40 {
        list = portal.get_page(&alice, "/notifications?lang=en").await;
        if list.contains("Résultat publié") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        list.contains("Résultat publié") && list.contains("Test channel"),
        "{list}"
    );
    assert!(!list.contains(">New<</span> <a"), "the baseline is read: {list}");
    assert!(!list.contains("javascript:"), "{list}");

    // New text: unread again, counted in the header, marked new in the list.
    let page = home_counting(&portal, &alice, "/?notes.n=2&lang=en", 4).await;
    assert_eq!(unread(&page), 4);
    let list = portal.get_page(&alice, "/notifications?lang=en").await;
    assert!(list.contains("Résultat publié 2") && list.contains(">New<"), "{list}");
    assert!(list.contains("univ.fr"), "{list}");

    // Bruno has his own (a baseline, read), never Alice's.
    let bruno = portal.client();
    portal.sign_in(&bruno, "bruno.leroy").await;
    portal.get_page(&bruno, "/?lang=en").await;
    let brunos = portal.get_page(&bruno, "/notifications?lang=en").await;
    assert!(
        !brunos.contains("Résultat publié 2"),
        "Alice's notification shown to Bruno: {brunos}"
    );

    // An administrator's preview of Alice's page renders the channel as her but records
    // nothing for her (her newest text stays, unread).
    let david = portal.client();
    portal.sign_in(&david, "david.moreau").await;
    let preview = portal.get_page(&david, "/admin/view-as/alice.martin?lang=en").await;
    assert!(
        !preview.contains("badge-count"),
        "the preview counts nobody's notifications: {}",
        &preview[..preview.find("badge-count").unwrap_or(0).min(preview.len())]
    );
    let list = portal.get_page(&alice, "/notifications?lang=en").await;
    assert!(list.contains("Résultat publié 2"), "{list}");
    assert_eq!(
        unread(&home_counting(&portal, &alice, "/?notes.n=2&lang=en", 4).await),
        4
    );

    // Marking read needs the page's token; then nothing is unread.
    let refused = post(&portal, &alice, "/notifications/read", &[("csrf", "forged")]).await;
    assert_eq!(refused.status().as_u16(), 403);
    let token = csrf_token(&list).expect("token");
    let done = post(&portal, &alice, "/notifications/read", &[("csrf", &token)]).await;
    assert!(
        done.status().is_success() || done.status().is_redirection(),
        "{}",
        done.status()
    );
    let list = portal.get_page(&alice, "/notifications?lang=en").await;
    assert!(list.contains("All your notifications are marked as read"), "{list}");
    assert!(!list.contains(">New<"), "{list}");
    assert_eq!(unread(&portal.get_page(&alice, "/notifications?lang=en").await), 0);

    // A guest has no inbox.
    let guest = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let res = guest
        .get(format!("{}/notifications", portal.url))
        .send()
        .await
        .expect("GET");
    assert!(res.status().is_redirection(), "{}", res.status());
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announcements_reach_their_populations_and_only_dismissible_ones_go_away() {
    let site = site("notify-announce");
    let portal = site.start().await;
    let alice = portal.client();
    portal.sign_in(&alice, "alice.martin").await;
    let page = portal.get_page(&alice, "/?lang=en").await;
    assert!(
        page.contains("Semester exams") && page.contains("Network outage on Saturday"),
        "{page}"
    );
    assert!(!page.contains("Not yet"), "an announcement before its start: {page}");
    assert!(
        page.contains("role=\"alert\""),
        "the important one is announced: {page}"
    );

    // David is staff: the outage, not the students' exams.
    let david = portal.client();
    portal.sign_in(&david, "david.moreau").await;
    let his = portal.get_page(&david, "/?lang=en").await;
    assert!(
        his.contains("Network outage") && !his.contains("Semester exams"),
        "{his}"
    );
    let token = csrf_token(&his).expect("token");
    let not_his = post(
        &portal,
        &david,
        "/notifications/dismiss",
        &[("csrf", &token), ("id", "exams"), ("here", "home")],
    )
    .await;
    assert_eq!(not_his.status().as_u16(), 404, "dismissing someone else's announcement");

    // Alice dismisses the exams banner; it stays in her list. The outage cannot go.
    let token = csrf_token(&page).expect("token");
    let forged = post(
        &portal,
        &alice,
        "/notifications/dismiss",
        &[("csrf", "x"), ("id", "exams")],
    )
    .await;
    assert_eq!(forged.status().as_u16(), 403);
    let done = post(
        &portal,
        &alice,
        "/notifications/dismiss",
        &[("csrf", &token), ("id", "exams"), ("here", "home")],
    )
    .await;
    assert!(
        done.status().is_redirection() || done.status().is_success(),
        "{}",
        done.status()
    );
    let kept = post(
        &portal,
        &alice,
        "/notifications/dismiss",
        &[("csrf", &token), ("id", "outage"), ("here", "home")],
    )
    .await;
    assert_eq!(kept.status().as_u16(), 404);
    let page = portal.get_page(&alice, "/?lang=en").await;
    assert!(
        !page.contains("Semester exams") && page.contains("Network outage"),
        "{page}"
    );
    assert!(page.contains("Announcement hidden"), "{page}");
    let list = portal.get_page(&alice, "/notifications?lang=fr").await;
    assert!(
        list.contains("Examens du semestre") && list.contains("Annonces"),
        "{list}"
    );

    // A broken edit is refused (unknown population); the previous announcements stay.
    site.write_config(
        "announcements.toml",
        &ANNOUNCEMENTS.replace("populations = [\"students\"]", "populations = [\"nobody\"]"),
    );
    let mut health = String::new();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        health = reqwest::get(format!("{}/health", portal.url))
            .await
            .expect("health")
            .text()
            .await
            .expect("body");
        if health.contains("announcements.exams.populations[0]") {
            break;
        }
    }
    assert!(health.contains("announcements.exams.populations[0]"), "{health}");
    let page = portal.get_page(&alice, "/?lang=en").await;
    assert!(page.contains("Network outage"), "{page}");
    portal.stop().await;
}
