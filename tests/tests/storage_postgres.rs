//! The same store on a real PostgreSQL, selected by configuration: what the portal keeps
//! survives a restart exactly as with the embedded SQLite.

use agora_portal::storage::{Database, Storage, StoredRender};
use agora_tests::backend::{Answer, TestBackend};
use agora_tests::page::publication_chunk;
use agora_tests::peers::Postgres;
use agora_tests::{Site, misbehaving, one_column_layout};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_round_trip_on_postgres() {
    let pg = Postgres::start();
    let storage = Storage::open(&pg.url, std::path::Path::new("/nonexistent"))
        .await
        .expect("opens and migrates");
    assert!(matches!(storage.database(), Database::Postgres(_)));
    let r = StoredRender {
        publication: "news".into(),
        html: "<p>é</p>".into(),
        title: Some("T".into()),
        rendered_at_ms: 42,
    };
    storage.save_render("k", "alice", &r, 8).await.expect("saves");
    storage.save_render("k", "alice", &r, 8).await.expect("upserts");
    assert_eq!(storage.load_render("k").await.expect("loads"), Some(r.clone()));
    // Bounded per publication and owner, the oldest evicted (the same SQL as on SQLite).
    for i in 0..20 {
        let newer = StoredRender {
            rendered_at_ms: 100 + i,
            ..r.clone()
        };
        storage
            .save_render(&format!("q{i}"), "alice", &newer, 8)
            .await
            .expect("saves");
    }
    assert_eq!(storage.count_renders().await.expect("counts"), 8);
    assert!(
        storage.load_render("k").await.expect("loads").is_none(),
        "oldest evicted"
    );
    assert!(storage.load_render("q19").await.expect("loads").is_some());
    storage.ping().await.expect("pings");
    // Tenants: the same key and the same login in two establishments are two rows, and a
    // row id from one matches nothing in the other (the same SQL as on SQLite).
    let (a, b) = (storage.for_tenant("univ-a"), storage.for_tenant("univ-b"));
    a.save_render("k", "", &r, 8).await.expect("saves");
    assert!(b.load_render("k").await.expect("loads").is_none());
    let edit = agora_layout::Edit::RemoveChannel {
        publication: "news".into(),
    };
    let id = a.add_edit("jdupont", &edit).await.expect("adds");
    assert!(b.edits("jdupont").await.expect("loads").is_empty());
    let refusal = agora_layout::Refusal::NotOnPage {
        publication: "news".into(),
    };
    b.set_aside(id, &refusal).await.expect("runs");
    assert_eq!(a.edits("jdupont").await.expect("loads")[0].set_aside, None);
    assert_eq!(b.reset_edits("jdupont").await.expect("resets"), 0);
    assert_eq!(
        storage.count_renders().await.expect("counts"),
        8,
        "the default tenant's own"
    );
    // Migrations are idempotent: opening again works.
    Storage::open(&pg.url, std::path::Path::new("/nonexistent"))
        .await
        .expect("reopens");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_good_render_survives_a_restart_on_postgres() {
    let pg = Postgres::start();
    let backend = TestBackend::start().await;
    backend.route("/echo", Answer::ok("text/html", "<p>kept in postgres</p>"));
    let site = Site::new(
        "pg-stale",
        &misbehaving("echo", "echo", &backend.url),
        &one_column_layout(&["echo"]),
    );
    site.append_config(&format!("[storage]\nurl = \"{}\"\n", pg.url));
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    assert!(publication_chunk(&portal.get_page(&client, "/").await, "echo").contains("kept in postgres"));
    // The last good render is written in the background: wait until the database has it.
    let storage = Storage::open(&pg.url, std::path::Path::new("/nonexistent"))
        .await
        .expect("opens");
    for _ in 0..100 {
        if storage.count_renders().await.expect("count") > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(storage.count_renders().await.expect("count"), 1);
    portal.stop().await;
    // Restart: the memory cache is gone, and so is the back-end.
    backend.route("/echo", Answer::status(503));
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let slot = publication_chunk(&portal.get_page(&client, "/").await, "echo");
    assert!(
        slot.contains("kept in postgres") && slot.contains("channel-stale"),
        "{slot}"
    );
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layout_edits_persist_across_a_restart_on_postgres() {
    let pg = Postgres::start();
    let (site, _backend) = agora_tests::api::shipped_site("pg-layout").await;
    site.append_config(&format!("[storage]\nurl = \"{}\"\n", pg.url));
    agora_tests::api::edits_survive_a_restart(&site).await;
}

/// Groups, their audit, usage statistics and the late notification on PostgreSQL: the same
/// SQL as on SQLite, per tenant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_and_usage_statistics_on_postgres() {
    use agora_portal::storage::{StoredGroup, UsageCount};
    let pg = Postgres::start();
    let storage = Storage::open(&pg.url, std::path::Path::new("/nonexistent"))
        .await
        .expect("opens and migrates");
    let other = storage.for_tenant("other");
    let group = StoredGroup {
        id: "chorale".into(),
        name: "Chorale".into(),
        description: String::new(),
        visibility: "closed".into(),
        created_by: "alice".into(),
        created_at_ms: 1,
    };
    assert!(storage.create_group(&group).await.expect("creates"));
    assert!(!storage.create_group(&group).await.expect("answers"));
    storage
        .set_member("chorale", "bob", "requested", "bob", "requested", 2)
        .await
        .expect("asks");
    assert_eq!(
        storage.member_state("chorale", "bob").await.expect("reads").as_deref(),
        Some("requested")
    );
    assert!(other.group("chorale").await.expect("reads").is_none());
    let members = storage.group_members("chorale").await.expect("lists");
    assert_eq!(members[0].state, "admin", "administrators first");
    storage.delete_group("chorale", "alice", 3).await.expect("deletes");
    let audit = storage.group_audit("chorale", 10).await.expect("audit");
    assert_eq!(
        audit.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(),
        vec!["deleted", "requested", "created"]
    );
    storage
        .notify_person("bob", "portal:groups", "k", "t", "/groups", 4)
        .await
        .expect("notifies");
    assert_eq!(storage.unread_notifications("bob").await.expect("counts"), 1);

    let count = |n: i64| UsageCount {
        day: "2026-12-06".into(),
        kind: "page_view".into(),
        population: "students".into(),
        channel: String::new(),
        count: n,
    };
    storage.add_usage(&[count(2)]).await.expect("adds");
    storage.add_usage(&[count(3)]).await.expect("adds up");
    let kept = storage.usage("2026-12-01", "2026-12-31").await.expect("reads");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].count, 5, "two nodes' flushes add up");
    assert!(other.usage("2026-12-01", "2026-12-31").await.expect("reads").is_empty());
    assert_eq!(storage.prune_usage("2026-12-07").await.expect("prunes"), 1);
}

/// SMS sends on PostgreSQL: kept, decided once, their outcome recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_sends_on_postgres() {
    use agora_portal::storage::StoredSms;
    let pg = Postgres::start();
    let storage = Storage::open(&pg.url, std::path::Path::new("/nonexistent"))
        .await
        .expect("opens and migrates");
    let sms = StoredSms {
        id: 0,
        sender: "david".into(),
        audience: "population:students".into(),
        audience_label: "Étudiants".into(),
        recipients: 120,
        message: "Salle B12".into(),
        state: "awaiting".into(),
        smsu_id: None,
        created_at_ms: 1,
        decided_by: None,
        error: None,
    };
    let id = storage.insert_sms(&sms).await.expect("keeps");
    assert_eq!(storage.sms_awaiting(10).await.expect("lists").len(), 1);
    assert!(storage.decide_sms(id, "claire", "sending", 2).await.expect("decides"));
    assert!(
        !storage.decide_sms(id, "eve", "sending", 3).await.expect("answers"),
        "decided once"
    );
    storage.sms_outcome(id, Some(42), None).await.expect("records");
    let kept = storage.sms(id).await.expect("reads").expect("there");
    assert_eq!(
        (kept.state.as_str(), kept.smsu_id, kept.decided_by.as_deref()),
        ("sent", Some(42), Some("claire"))
    );
    let failed = storage.insert_sms(&sms).await.expect("keeps");
    storage.sms_outcome(failed, None, Some("quota")).await.expect("records");
    assert_eq!(
        storage.sms(failed).await.expect("reads").expect("there").state,
        "failed"
    );
    assert_eq!(storage.sms_of("david", 10).await.expect("lists").len(), 2);
    assert!(storage.for_tenant("other").sms(id).await.expect("reads").is_none());
}
