//! Self-managed groups (issue 16, point 1) through the portal: Alice creates a closed group,
//! Bruno asks to join, Alice is told and accepts; the group is then a population (a tab of
//! the layout and an announcement only its members get) and is listed in Bruno's "my
//! groups" channel; a private group is hidden from Claire until she is invited; every
//! refused attempt (not an administrator, a forged token, the last administrator leaving,
//! an unknown person invited) is refused with a message, and every change is in the
//! group's history.

use agora_tests::page::{csrf_token, publication_chunk};
use agora_tests::{RunningPortal, Site, one_column_layout};

const CHANNELS: &str = "[channels.mygroups]\npackage = \"groups\"\n\n[channels.tutoring]\npackage = \"welcome\"\ntitle = { fr = \"Espace tutorat\", en = \"Tutoring\" }\n";

const TUTORS: &str = r#"
[populations.tutors]
label = { fr = "Tuteurs de L1", en = "Year 1 tutors" }
rule = { group = "tutorat-l1" }
"#;

const TUTORS_FRAGMENT: &str = r#"
populations = ["tutors"]
precedence = -10

[[tabs]]
id = "tutoring"
title = { fr = "Tutorat", en = "Tutoring" }
columns = [["tutoring"]]
"#;

const ANNOUNCEMENTS: &str = r#"
[announcements.tutors-meeting]
title = { fr = "Réunion des tuteurs jeudi", en = "Tutors meet on Thursday" }
populations = ["tutors"]
starts = 2020-01-01T00:00:00+01:00
ends = 2099-01-01T00:00:00+01:00
"#;

async fn post(portal: &RunningPortal, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let res = client
        .post(format!("{}{path}", portal.url))
        .form(form)
        .send()
        .await
        .expect("POST");
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, location)
}

/// Submit a group form from `page` (the page the person was shown) and return the page
/// they land on.
async fn act(portal: &RunningPortal, client: &reqwest::Client, from: &str, path: &str, uid: &str) -> String {
    let page = portal.get_page(client, from).await;
    let token = csrf_token(&page).expect("the page has a token");
    let (status, location) = post(portal, client, path, &[("csrf", &token), ("uid", uid)]).await;
    assert_eq!(status, 303, "{path}");
    portal.get_page(client, &format!("{location}?lang=en")).await
}

/// A signed-in client whose language is English (chosen once, as with the page's switch).
async fn sign_in(portal: &RunningPortal, uid: &str) -> reqwest::Client {
    let client = portal.client();
    portal.sign_in(&client, uid).await;
    portal.get_page(&client, "/?lang=en").await;
    client
}

fn site() -> Site {
    let site = Site::new("groups", CHANNELS, &one_column_layout(&["mygroups"]));
    let populations = std::fs::read_to_string(site.root.join("config/populations.toml")).expect("populations");
    site.write_config("populations.toml", &format!("{populations}\n{TUTORS}"));
    site.write_config("fragments/tutors.toml", TUTORS_FRAGMENT);
    site.write_config("announcements.toml", ANNOUNCEMENTS);
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_group_is_joined_on_request_and_becomes_a_population() {
    let site = site();
    let portal = site.start().await;
    let alice = sign_in(&portal, "alice.martin").await;
    let bruno = sign_in(&portal, "bruno.leroy").await;

    // Alice creates the closed group: she administers it.
    let list = portal.get_page(&alice, "/groups?lang=en").await;
    let token = csrf_token(&list).expect("token");
    let (status, location) = post(
        &portal,
        &alice,
        "/groups",
        &[
            ("csrf", token.as_str()),
            ("name", "Tutorat L1"),
            ("description", "Les tuteurs des étudiants de première année"),
            ("visibility", "closed"),
        ],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/groups/tutorat-l1"));
    let group = portal.get_page(&alice, "/groups/tutorat-l1?lang=en").await;
    assert!(group.contains("You: administrator"), "{group}");
    // The same name again is refused with a reason, nothing lost.
    let (status, _) = post(
        &portal,
        &alice,
        "/groups",
        &[
            ("csrf", token.as_str()),
            ("name", "Tutorat L1"),
            ("visibility", "public"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let list = portal.get_page(&alice, "/groups?lang=en").await;
    assert!(list.contains("A group of that name exists already"), "{list}");

    // Bruno finds it and asks; he is not a member yet, so no tab, no announcement.
    let found = portal.get_page(&bruno, "/groups?q=tuteurs&lang=en").await;
    assert!(found.contains("Tutorat L1") && found.contains("Ask to join"), "{found}");
    let asked = act(&portal, &bruno, "/groups?lang=en", "/groups/tutorat-l1/join", "").await;
    assert!(asked.contains("Your request is sent"), "{asked}");
    assert!(asked.contains("You: asked to join"), "{asked}");
    // Members are listed to members only.
    assert!(!asked.contains("Alice Martin"), "Bruno sees no member list: {asked}");
    let home = portal.get_page(&bruno, "/?lang=en").await;
    assert!(!home.contains("Tutoring"), "not a member yet: {home}");

    // Alice is told, in her notifications, and accepts from the group's page.
    let inbox = portal.get_page(&alice, "/notifications?lang=en").await;
    assert!(inbox.contains("Request to join Tutorat L1"), "{inbox}");
    assert!(inbox.contains("&#x2F;groups&#x2F;tutorat-l1"), "{inbox}");
    let page = portal.get_page(&alice, "/groups/tutorat-l1?lang=en").await;
    assert!(page.contains("Bruno Leroy") && page.contains("asked to join"), "{page}");
    let accepted = act(
        &portal,
        &alice,
        "/groups/tutorat-l1?lang=en",
        "/groups/tutorat-l1/accept",
        "bruno.leroy",
    )
    .await;
    assert!(accepted.contains("They are a member now."), "{accepted}");

    // Bruno: member; the group is a population (a tab, an announcement) and in "my groups".
    let inbox = portal.get_page(&bruno, "/notifications?lang=en").await;
    assert!(inbox.contains("You are a member of Tutorat L1"), "{inbox}");
    assert!(
        inbox.contains("Tutors meet on Thursday"),
        "the group's announcement: {inbox}"
    );
    let home = portal.get_page(&bruno, "/?lang=en").await;
    let mine = publication_chunk(&home, "mygroups");
    assert!(
        mine.contains("<a href=\"/groups/tutorat-l1\" rel=\"noopener noreferrer\">Tutorat L1</a>"),
        "{mine}"
    );
    assert!(home.contains("tab=tutoring"), "the group's tab: {home}");
    let claire = sign_in(&portal, "claire.dubois").await;
    let theirs = portal.get_page(&claire, "/?lang=en").await;
    assert!(!theirs.contains("tab=tutoring"), "not Claire's: {theirs}");
    let inbox = portal.get_page(&claire, "/notifications?lang=en").await;
    assert!(!inbox.contains("Tutors meet"), "{inbox}");

    // Refused: Bruno is no administrator; a forged token; the last administrator leaving.
    let refused = act(
        &portal,
        &bruno,
        "/groups/tutorat-l1?lang=en",
        "/groups/tutorat-l1/remove",
        "alice.martin",
    )
    .await;
    assert!(
        refused.contains("Only the group&#x27;s administrators may do this."),
        "{refused}"
    );
    let (status, _) = post(
        &portal,
        &alice,
        "/groups/tutorat-l1/remove",
        &[("csrf", "forged"), ("uid", "bruno.leroy")],
    )
    .await;
    assert_eq!(status, 403);
    let refused = act(
        &portal,
        &alice,
        "/groups/tutorat-l1?lang=en",
        "/groups/tutorat-l1/leave",
        "",
    )
    .await;
    assert!(refused.contains("last administrator cannot leave"), "{refused}");
    let refused = act(
        &portal,
        &alice,
        "/groups/tutorat-l1?lang=en",
        "/groups/tutorat-l1/invite",
        "nobody.here",
    )
    .await;
    assert!(refused.contains("Nobody has that login"), "{refused}");

    // Bruno leaves: the tab goes with the membership.
    let left = act(
        &portal,
        &bruno,
        "/groups/tutorat-l1?lang=en",
        "/groups/tutorat-l1/leave",
        "",
    )
    .await;
    assert!(left.contains("You left the group."), "{left}");
    let home = portal.get_page(&bruno, "/?lang=en").await;
    assert!(!home.contains("tab=tutoring"), "{home}");

    // Every change is in the history the administrators see.
    let page = portal.get_page(&alice, "/groups/tutorat-l1?lang=en").await;
    for line in ["created the group", "asked to join", "accepted", "left"] {
        assert!(page.contains(line), "`{line}` missing from the history: {page}");
    }
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_group_is_hidden_until_one_is_invited() {
    let site = site();
    let portal = site.start().await;
    let alice = sign_in(&portal, "alice.martin").await;
    let claire = sign_in(&portal, "claire.dubois").await;

    let list = portal.get_page(&alice, "/groups?lang=en").await;
    let token = csrf_token(&list).expect("token");
    let (status, location) = post(
        &portal,
        &alice,
        "/groups",
        &[
            ("csrf", token.as_str()),
            ("name", "Bureau des élèves"),
            ("visibility", "private"),
        ],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/groups/bureau-des-eleves"));

    // Not listed, not shown, not joinable by Claire.
    let found = portal.get_page(&claire, "/groups?q=bureau&lang=en").await;
    assert!(!found.contains("Bureau des élèves"), "{found}");
    let hidden = claire
        .get(format!("{}/groups/bureau-des-eleves?lang=en", portal.url))
        .send()
        .await
        .expect("GET");
    assert_eq!(hidden.status().as_u16(), 404);
    let token = csrf_token(&found).expect("token");
    let (status, _) = post(&portal, &claire, "/groups/bureau-des-eleves/join", &[("csrf", &token)]).await;
    assert_eq!(status, 404, "joining a private group uninvited is refused as not found");

    // Invited, she sees it, is told, and accepts.
    let invited = act(
        &portal,
        &alice,
        "/groups/bureau-des-eleves?lang=en",
        "/groups/bureau-des-eleves/invite",
        "claire.dubois",
    )
    .await;
    assert!(invited.contains("The invitation is sent."), "{invited}");
    let inbox = portal.get_page(&claire, "/notifications?lang=en").await;
    assert!(inbox.contains("Invitation to join Bureau des élèves"), "{inbox}");
    let list = portal.get_page(&claire, "/groups?lang=en").await;
    assert!(
        list.contains("Invitations") && list.contains("Bureau des élèves"),
        "{list}"
    );
    let joined = act(
        &portal,
        &claire,
        "/groups?lang=en",
        "/groups/bureau-des-eleves/join",
        "",
    )
    .await;
    assert!(joined.contains("You: member"), "{joined}");
    assert!(joined.contains("Alice Martin"), "members see the members: {joined}");

    // Alice makes her administrator, then may leave; deleting is Claire's now.
    let promoted = act(
        &portal,
        &alice,
        "/groups/bureau-des-eleves?lang=en",
        "/groups/bureau-des-eleves/promote",
        "claire.dubois",
    )
    .await;
    assert!(promoted.contains("They administer the group too."), "{promoted}");
    let left = act(
        &portal,
        &alice,
        "/groups/bureau-des-eleves?lang=en",
        "/groups/bureau-des-eleves/leave",
        "",
    )
    .await;
    assert!(left.contains("You left the group."), "{left}");
    let gone = act(
        &portal,
        &claire,
        "/groups/bureau-des-eleves?lang=en",
        "/groups/bureau-des-eleves/delete",
        "",
    )
    .await;
    assert!(gone.contains("The group is deleted."), "{gone}");
    portal.stop().await;
}
