//! The store on SQLite: renders, edits, and the wall between tenants.

use super::*;

#[tokio::test]
async fn renders_survive_reopening() {
    let file = std::env::temp_dir().join(format!("agora-storage-{}/portal.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let s = Storage::open_sqlite(&file).await.expect("opens");
    let r = StoredRender {
        publication: "news".into(),
        html: "<p>x</p>".into(),
        title: None,
        rendered_at_ms: 42,
    };
    s.save_render("k", "alice", &r, 8).await.expect("saves");
    drop(s);
    let s = Storage::open_sqlite(&file).await.expect("reopens");
    assert_eq!(s.load_render("k").await.expect("loads"), Some(r));
    assert_eq!(s.load_render("other").await.expect("loads"), None);
    s.ping().await.expect("pings");
}

#[tokio::test]
async fn last_good_renders_are_bounded_per_publication_and_owner() {
    let file = std::env::temp_dir().join(format!("agora-storage-bound-{}/portal.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let s = Storage::open_sqlite(&file).await.expect("opens");
    let render = |publication: &str, at: i64| StoredRender {
        publication: publication.into(),
        html: format!("<p>{at}</p>"),
        title: None,
        rendered_at_ms: at,
    };
    // 300 distinct `?directory.q=` values for one user: only the newest 8 stay.
    for i in 0..300 {
        s.save_render(&format!("alice-q{i}"), "alice", &render("directory", i), 8)
            .await
            .expect("saves");
    }
    s.save_render("bob-q", "bob", &render("directory", 1), 8)
        .await
        .expect("saves");
    s.save_render("shared", "", &render("news", 1), 256)
        .await
        .expect("saves");
    assert_eq!(s.count_renders().await.expect("counts"), 8 + 1 + 1);
    assert!(
        s.load_render("alice-q299").await.expect("loads").is_some(),
        "newest kept"
    );
    assert!(
        s.load_render("alice-q0").await.expect("loads").is_none(),
        "oldest evicted"
    );
    assert!(
        s.load_render("bob-q").await.expect("loads").is_some(),
        "other users untouched"
    );
}

#[tokio::test]
async fn edits_keep_their_order_and_can_be_set_aside_reset_or_replaced() {
    use agora_layout::{Edit, Refusal};
    let file = std::env::temp_dir().join(format!("agora-storage-edits-{}/portal.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let s = Storage::open_sqlite(&file).await.expect("opens");
    let a = Edit::RemoveChannel {
        publication: "a".into(),
    };
    let b = Edit::SetFavourite {
        publication: "b".into(),
        favourite: true,
    };
    let id = s.add_edit("u", &a).await.expect("adds");
    s.add_edit("u", &b).await.expect("adds");
    s.add_edit("other", &a).await.expect("adds");
    let refusal = Refusal::NotOnPage {
        publication: "a".into(),
    };
    s.set_aside(id, &refusal).await.expect("sets aside");
    let edits = s.edits("u").await.expect("loads");
    assert_eq!(edits.len(), 2);
    assert_eq!(
        (edits[0].edit.clone(), edits[0].set_aside.clone(), edits[0].noticed),
        (a.clone(), Some(refusal), false)
    );
    assert_eq!((edits[1].edit.clone(), edits[1].set_aside.clone()), (b.clone(), None));
    s.mark_noticed("u").await.expect("notices");
    assert!(s.edits("u").await.expect("loads")[0].noticed);
    s.replace_edits("u", std::slice::from_ref(&b)).await.expect("replaces");
    assert_eq!(s.edits("u").await.expect("loads").len(), 1);
    assert_eq!(s.reset_edits("u").await.expect("resets"), 1);
    assert!(s.edits("u").await.expect("loads").is_empty());
    assert_eq!(
        s.edits("other").await.expect("loads").len(),
        1,
        "other users keep theirs"
    );
}

#[tokio::test]
async fn a_tenant_never_reads_or_changes_another_tenants_rows() {
    use agora_layout::{Edit, Refusal};
    let file = std::env::temp_dir().join(format!("agora-storage-tenants-{}/portal.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let a = Storage::open_sqlite(&file).await.expect("opens").for_tenant("univ-a");
    let b = a.for_tenant("univ-b");
    // The same login names two people, one per establishment.
    let edit = Edit::RemoveChannel {
        publication: "news".into(),
    };
    let id = a.add_edit("jdupont", &edit).await.expect("adds");
    assert_eq!(a.edits("jdupont").await.expect("loads").len(), 1);
    assert!(
        b.edits("jdupont").await.expect("loads").is_empty(),
        "B sees none of A's edits"
    );
    // An edit id from A, used by B, matches nothing.
    let refusal = Refusal::NotOnPage {
        publication: "news".into(),
    };
    b.set_aside(id, &refusal).await.expect("runs");
    assert_eq!(a.edits("jdupont").await.expect("loads")[0].set_aside, None);
    assert_eq!(b.reset_edits("jdupont").await.expect("resets"), 0);
    b.replace_edits("jdupont", &[]).await.expect("replaces");
    assert_eq!(a.edits("jdupont").await.expect("loads").len(), 1, "A's edits untouched");

    // One cache key in both: two rows, each tenant reads its own; bounds count per tenant.
    let render = |html: &str| StoredRender {
        publication: "news".into(),
        html: html.into(),
        title: None,
        rendered_at_ms: 1,
    };
    a.save_render("k", "", &render("<p>A</p>"), 1).await.expect("saves");
    b.save_render("k", "", &render("<p>B</p>"), 1).await.expect("saves");
    assert_eq!(
        a.load_render("k").await.expect("loads").map(|r| r.html),
        Some("<p>A</p>".into())
    );
    assert_eq!(
        b.load_render("k").await.expect("loads").map(|r| r.html),
        Some("<p>B</p>".into())
    );
    assert_eq!(
        (a.count_renders().await.ok(), b.count_renders().await.ok()),
        (Some(1), Some(1))
    );
    assert_eq!(a.tenant(), "univ-a");
}

#[tokio::test]
async fn rows_stored_before_tenants_belong_to_the_default_tenant() {
    let file = std::env::temp_dir().join(format!("agora-storage-upgrade-{}/portal.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    std::fs::create_dir_all(file.parent().expect("dir")).expect("mkdir");
    // The database as the release before tenants left it: migrations 1 to 3, rows in them.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", file.display()))
        .await
        .expect("opens");
    let mut before = sqlx::migrate!("migrations/sqlite");
    before.migrations = before.migrations.iter().filter(|m| m.version < 4).cloned().collect();
    before.run(&pool).await.expect("old migrations");
    sqlx::query("INSERT INTO layout_edit (uid, edit, created_at) VALUES ('jdupont', '{\"op\":\"remove-channel\",\"publication\":\"news\"}', 1)")
        .execute(&pool)
        .await
        .expect("old edit");
    sqlx::query("INSERT INTO last_good_render (cache_key, publication, html, rendered_at, owner) VALUES ('k', 'news', '<p>old</p>', 1, '')")
        .execute(&pool)
        .await
        .expect("old render");
    pool.close().await;

    let s = Storage::open_sqlite(&file).await.expect("upgrades");
    assert_eq!(s.tenant(), DEFAULT_TENANT);
    assert_eq!(
        s.edits("jdupont").await.expect("loads").len(),
        1,
        "the old edit is kept"
    );
    assert!(
        s.load_render("k").await.expect("loads").is_some(),
        "the old render is kept"
    );
    assert!(s.for_tenant("univ-b").edits("jdupont").await.expect("loads").is_empty());
}

#[tokio::test]
async fn notifications_set_a_baseline_then_count_what_is_new_or_changed_per_tenant() {
    use agora_channel_host::capability::notify::Raised;
    let file = std::env::temp_dir().join(format!("agora-storage-notify-{}/portal.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let s = Storage::open_sqlite(&file).await.expect("opens");
    let other = s.for_tenant("other");
    let n = |key: &str, title: &str| Raised {
        key: key.into(),
        title: title.into(),
        body: String::new(),
        link: Some("/?tab=studies".into()),
    };
    // The first render sets the baseline: old grades are history, read.
    let first = [
        n("grade:1", "Note publiée : MAT101"),
        n("grade:2", "Note publiée : INF102"),
    ];
    assert_eq!(
        s.raise_notifications("alice", "grades", &first, 1)
            .await
            .expect("raises"),
        0
    );
    assert_eq!(s.unread_notifications("alice").await.expect("counts"), 0);
    // The same again changes nothing; a new key and a changed text are unread.
    assert_eq!(
        s.raise_notifications("alice", "grades", &first, 2)
            .await
            .expect("raises"),
        0
    );
    let later = [
        n("grade:1", "Note publiée : MAT101"),
        n("grade:3", "Note publiée : PHY103"),
    ];
    assert_eq!(
        s.raise_notifications("alice", "grades", &later, 3)
            .await
            .expect("raises"),
        1
    );
    s.raise_notifications("alice", "mail", &[n("unseen", "1 nouveau message")], 4)
        .await
        .expect("raises");
    s.raise_notifications("alice", "mail", &[n("unseen", "2 nouveaux messages")], 5)
        .await
        .expect("raises");
    assert_eq!(
        s.unread_notifications("alice").await.expect("counts"),
        2,
        "PHY103 and the changed mail count"
    );
    let listed = s.notifications("alice", 10).await.expect("lists");
    assert_eq!(listed[0].title, "2 nouveaux messages", "newest first");
    assert!(!listed[0].read);
    assert_eq!(listed.len(), 4);
    // Another tenant's person of the same uid sees none of it; bob neither.
    assert!(other.notifications("alice", 10).await.expect("lists").is_empty());
    assert_eq!(s.unread_notifications("bob").await.expect("counts"), 0);
    // Read, and announcements: read then dismissed.
    s.mark_read("alice", &["exams".to_string()], 6).await.expect("marks");
    assert_eq!(s.unread_notifications("alice").await.expect("counts"), 0);
    s.dismiss_announcement("alice", "strike", 7).await.expect("dismisses");
    let states = s.announcement_states("alice").await.expect("states");
    assert_eq!(
        states["exams"],
        AnnouncementState {
            read: true,
            dismissed: false
        }
    );
    assert_eq!(
        states["strike"],
        AnnouncementState {
            read: true,
            dismissed: true
        }
    );
    assert!(other.announcement_states("alice").await.expect("states").is_empty());
}

/// Renders keep their notifications off the page's path, so two renders' writes can land in
/// either order: an older render's text must never replace a newer one's (seen in CI: the
/// page asked with `?notes.n=2` counted its notification, then the previous render's write
/// landed and put the old title back).
#[tokio::test]
async fn an_older_render_landing_late_never_replaces_a_newer_notification() {
    use agora_channel_host::capability::notify::Raised;
    let file = std::env::temp_dir().join(format!("agora-storage-late-{}/portal.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let s = Storage::open_sqlite(&file).await.expect("opens");
    let n = |title: &str| Raised {
        key: "grade:1".into(),
        title: title.into(),
        body: String::new(),
        link: None,
    };
    s.raise_notifications("alice", "grades", &[n("Note publiée : 12")], 1)
        .await
        .expect("raises");
    // The render made at 3 lands first, then the one made at 2.
    assert_eq!(
        s.raise_notifications("alice", "grades", &[n("Note publiée : 14")], 3)
            .await
            .expect("raises"),
        1
    );
    assert_eq!(
        s.raise_notifications("alice", "grades", &[n("Note publiée : 12")], 2)
            .await
            .expect("raises"),
        0,
        "an older render changes nothing"
    );
    let listed = s.notifications("alice", 10).await.expect("lists");
    assert_eq!(listed[0].title, "Note publiée : 14");
    assert!(!listed[0].read);
}

#[tokio::test]
async fn groups_members_and_their_audit_are_kept_per_tenant() {
    let file = std::env::temp_dir().join(format!("agora-storage-groups-{}/portal.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let s = Storage::open_sqlite(&file).await.expect("opens");
    let other = s.for_tenant("other");
    let group = StoredGroup {
        id: "chorale".into(),
        name: "Chorale".into(),
        description: "On chante le jeudi".into(),
        visibility: "closed".into(),
        created_by: "alice".into(),
        created_at_ms: 1,
    };
    assert!(s.create_group(&group).await.expect("creates"));
    assert!(!s.create_group(&group).await.expect("answers"), "the id is taken");
    assert!(
        other.create_group(&group).await.expect("creates"),
        "another tenant's id space"
    );
    s.set_member("chorale", "bob", "requested", "bob", "requested", 2)
        .await
        .expect("asks");
    s.set_member("chorale", "bob", "member", "alice", "accepted", 3)
        .await
        .expect("accepts");
    assert_eq!(
        s.member_state("chorale", "bob").await.expect("reads").as_deref(),
        Some("member")
    );
    assert_eq!(other.member_state("chorale", "bob").await.expect("reads"), None);
    let members = s.group_members("chorale").await.expect("lists");
    assert_eq!(
        members
            .iter()
            .map(|m| (m.uid.as_str(), m.state.as_str()))
            .collect::<Vec<_>>(),
        vec![("alice", "admin"), ("bob", "member")]
    );
    assert_eq!(s.groups_of("bob").await.expect("lists").len(), 1);
    assert!(other.groups_of("bob").await.expect("lists").is_empty());
    assert_eq!(s.listed_groups(&["chante".into()], 10).await.expect("finds").len(), 1);
    assert!(s.listed_groups(&["piano".into()], 10).await.expect("finds").is_empty());
    s.remove_member("chorale", "bob", "alice", "removed", 4)
        .await
        .expect("removes");
    s.delete_group("chorale", "alice", 5).await.expect("deletes");
    assert!(s.group("chorale").await.expect("reads").is_none());
    assert!(other.group("chorale").await.expect("reads").is_some());
    let audit = s.group_audit("chorale", 10).await.expect("audit");
    assert_eq!(
        audit.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(),
        vec!["deleted", "removed", "accepted", "requested", "created"],
        "every change, kept after the group"
    );
    assert_eq!(other.group_audit("chorale", 10).await.expect("audit").len(), 1);
}
