//! SMS to groups and populations (issue 16, point 6) through the SMS-U simulator (which
//! follows esup-smsu-api's web service): only the staff allowed send; the number of
//! recipients is shown before sending and the account's quota checked; a large send waits
//! for an approver (here named by population), who is told, and its sender is told the
//! decision; SMS-U's tracking is shown; a quota exhausted, SMS-U down, a forged token or an audience not offered are
//! refused with a message and nothing leaves; nobody ever sees a phone number.

use agora_sis_simulator::Simulator;
use agora_tests::page::csrf_token;
use agora_tests::{RunningPortal, Site, one_column_layout, repo_root};

fn site(sim: &Simulator) -> Site {
    let site = Site::new(
        "sms",
        "[channels.welcome]\npackage = \"welcome\"\n",
        &one_column_layout(&["welcome"]),
    );
    site.append_config(&format!(
        "[sms]\nurl = \"{}/ws/\"\nuser = \"ent-portal\"\npassword = \"smsu-demo-password\"\naccount = \"SCOLARITE\"\n\
         sender_uids = [\"david.moreau\"]\napprover_populations = [\"teachers\"]\npopulations = [\"students\"]\napproval_over = 2\n",
        sim.url
    ));
    // David administers the choir (Alice and Claire are members): the demo groups.
    site.with_demo_groups();
    site
}

async fn signed_in(portal: &RunningPortal, uid: &str) -> reqwest::Client {
    let client = portal.client();
    portal.sign_in(&client, uid).await;
    portal.get_page(&client, "/?lang=en").await;
    client
}

/// POST a form of `/sms` (with the page's token) and return the status and the body (or
/// the page the redirect leads to).
async fn post(portal: &RunningPortal, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let page = portal.get_page(client, "/sms?lang=en").await;
    let token = csrf_token(&page).expect("token");
    let mut fields = vec![("csrf", token.as_str())];
    fields.extend_from_slice(form);
    let res = client
        .post(format!("{}{path}", portal.url))
        .form(&fields)
        .send()
        .await
        .expect("POST");
    let status = res.status().as_u16();
    if status == 303 {
        return (status, portal.get_page(client, "/sms?lang=en").await);
    }
    (status, res.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_send_to_a_population_or_a_group_within_quota_and_approval() {
    let sim = Simulator::start_dir(&repo_root().join("examples/sis-simulator/data")).expect("simulator");
    let site = site(&sim);
    let portal = site.start().await;

    // A student may not send.
    let alice = signed_in(&portal, "alice.martin").await;
    let res = alice.get(format!("{}/sms", portal.url)).send().await.expect("GET");
    assert_eq!(res.status().as_u16(), 403);

    // David sees his audiences: his group, the population offered.
    let david = signed_in(&portal, "david.moreau").await;
    let page = portal.get_page(&david, "/sms?lang=en").await;
    assert!(
        page.contains("value=\"group:chorale\"") && page.contains("Chorale universitaire"),
        "{page}"
    );
    assert!(page.contains("value=\"population:students\""), "{page}");

    // The count first, then the send: the students (Alice, Bruno) get it at once.
    let text = "Les inscriptions pédagogiques ferment vendredi.";
    let (status, preview) = post(
        &portal,
        &david,
        "/sms/preview",
        &[("audience", "population:students"), ("message", text)],
    )
    .await;
    assert_eq!(status, 200);
    assert!(preview.contains("data-recipients=\"2\""), "{preview}");
    assert!(preview.contains("This SMS will reach 2 people"), "{preview}");
    assert!(sim.sms_sent().is_empty(), "nothing leaves at the preview");
    let (_, after) = post(
        &portal,
        &david,
        "/sms/send",
        &[("audience", "population:students"), ("message", text)],
    )
    .await;
    assert!(after.contains("The SMS is sent."), "{after}");
    let sent = sim.sms_sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].numbers,
        vec!["+33612345601".to_string(), "+33612345602".to_string()]
    );
    assert_eq!(
        (sent[0].account.as_str(), sent[0].message.as_str()),
        ("SCOLARITE", text)
    );
    assert!(after.contains("2 of 2 sent"), "SMS-U's tracking: {after}");

    // The choir has three members with a number: above the threshold, an approver decides.
    let (_, after) = post(
        &portal,
        &david,
        "/sms/send",
        &[
            ("audience", "group:chorale"),
            ("message", "Répétition annulée ce jeudi."),
        ],
    )
    .await;
    assert!(after.contains("The send awaits an approver"), "{after}");
    assert_eq!(sim.sms_sent().len(), 1, "nothing left yet");
    let claire = signed_in(&portal, "claire.dubois").await;
    let inbox = portal.get_page(&claire, "/notifications?lang=en").await;
    assert!(
        inbox.contains("An SMS to Chorale universitaire awaits your approval"),
        "{inbox}"
    );
    let awaiting = portal.get_page(&claire, "/sms?lang=en").await;
    let id = awaiting
        .split("data-sms=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an awaiting send")
        .to_string();
    // David cannot approve his own send.
    let (status, _) = post(&portal, &david, &format!("/sms/{id}/approve"), &[]).await;
    assert_eq!(status, 403, "the sender is no approver");
    let (_, decided) = post(&portal, &claire, &format!("/sms/{id}/approve"), &[]).await;
    assert!(decided.contains("Nothing awaits your approval."), "{decided}");
    let sent = sim.sms_sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].numbers.len(), 3);
    let inbox = portal.get_page(&david, "/notifications?lang=en").await;
    assert!(
        inbox.contains("Your SMS to Chorale universitaire is approved and sent"),
        "{inbox}"
    );
    // Approving it again changes nothing.
    let (_, again) = post(&portal, &claire, &format!("/sms/{id}/approve"), &[]).await;
    assert!(again.contains("already decided"), "{again}");
    assert_eq!(sim.sms_sent().len(), 2);

    // The account's 5 SMS are spent: the preview says so and a send is refused.
    let (_, preview) = post(
        &portal,
        &david,
        "/sms/preview",
        &[("audience", "population:students"), ("message", "Encore un")],
    )
    .await;
    assert!(preview.contains("not enough SMS left"), "{preview}");
    let (_, after) = post(
        &portal,
        &david,
        "/sms/send",
        &[("audience", "population:students"), ("message", "Encore un")],
    )
    .await;
    assert!(after.contains("not enough SMS left"), "{after}");
    assert_eq!(sim.sms_sent().len(), 2);

    // Refused: an audience not offered, a forged token, an empty text.
    let (_, after) = post(
        &portal,
        &david,
        "/sms/send",
        &[("audience", "population:teachers"), ("message", "x")],
    )
    .await;
    assert!(
        after.contains("You may not send SMS, or not to this audience."),
        "{after}"
    );
    let res = david
        .post(format!("{}/sms/send", portal.url))
        .form(&[
            ("csrf", "forged"),
            ("audience", "population:students"),
            ("message", "x"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 403);
    let (_, after) = post(
        &portal,
        &david,
        "/sms/send",
        &[("audience", "population:students"), ("message", "   ")],
    )
    .await;
    assert!(after.contains("Write a text"), "{after}");
    assert_eq!(sim.sms_sent().len(), 2);

    // Nobody ever sees a number.
    for page in [portal.get_page(&david, "/sms?lang=en").await, awaiting] {
        assert!(!page.contains("+336") && !page.contains("06 12"), "{page}");
    }

    // SMS-U down: a clear message, the page stays up.
    sim.stop();
    let (status, preview) = post(
        &portal,
        &david,
        "/sms/preview",
        &[("audience", "population:students"), ("message", "Test")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(preview.contains("The SMS service is unavailable"), "{preview}");
    portal.stop().await;
}
