//! The help desk (issue 16, item 5): the helpdesk channel reading iTop's REST/JSON API —
//! the iTop simulator of `examples/sis-simulator`, started here — on the shipped
//! configuration, then bound with a wrong credential, to an iTop that is down and to one
//! that answers an HTML page: the person gets a clear message in the slot and the rest of the
//! page. The help channel's FAQ renders and the portal's search field finds its answers.

use agora_tests::api::shipped_site;
use agora_tests::backend::{Answer, TestBackend};
use agora_tests::page::publication_chunk;
use agora_tests::{Site, one_column_layout, repo_root};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_person_sees_their_own_itop_requests_and_the_faq() {
    let (site, _backend) = shipped_site("helpdesk").await;
    let portal = site.start().await;

    let alice = portal.client();
    portal.sign_in(&alice, "alice.martin").await;
    let page = portal.get_page(&alice, "/?tab=help&lang=en").await;
    let requests = publication_chunk(&page, "helpdesk");
    for seen in [
        "2 open requests",
        "R-000012",
        "accès au Wi-Fi eduroam en bibliothèque",
        "In progress",
        "30 Nov 2026, 14:22",
        "Waiting for your answer",
        "R-000019",
        "Resolved",
        "Open a new request",
        "https://support.univ-agora.fr/pages/exec.php/object/view/UserRequest/12?",
    ] {
        assert!(requests.contains(seen), "`{seen}` missing: {requests}");
    }
    assert!(
        !requests.contains("R-000031"),
        "Bruno's request on Alice's page: {requests}"
    );
    assert!(!requests.contains("role=\"alert\""), "{requests}");

    let faq = publication_chunk(&page, "help");
    assert!(
        faq.contains("<details") && faq.contains("<summary>How do I connect to the eduroam Wi-Fi?</summary>"),
        "{faq}"
    );
    assert!(
        faq.contains("Where can I print on campus?"),
        "a student's question: {faq}"
    );

    // The portal's search field finds the FAQ's answers, linked to the channel's own search.
    let found = portal.get_page(&alice, "/search?q=eduroam&lang=en").await;
    assert!(found.contains("How do I connect to the eduroam Wi-Fi?"), "{found}");
    assert!(found.contains("tab=help&amp;help.q=How%20do%20I%20connect"), "{found}");
    let opened = portal.get_page(&alice, "/?tab=help&lang=en&help.q=eduroam").await;
    assert!(
        publication_chunk(&opened, "help").contains("<dt>How do I connect to the eduroam Wi-Fi?</dt><dd>Login:"),
        "{opened}"
    );

    let bruno = portal.client();
    portal.sign_in(&bruno, "bruno.leroy").await;
    let page = portal.get_page(&bruno, "/?tab=help").await;
    let requests = publication_chunk(&page, "helpdesk");
    assert!(
        requests.contains("R-000031") && requests.contains("Nouvelle") && requests.contains("1 demande en cours"),
        "{requests}"
    );
    assert!(
        !requests.contains("R-000012"),
        "Alice's request on Bruno's page: {requests}"
    );

    // Staff: their own requests; and a question for staff only in the FAQ.
    let david = portal.client();
    portal.sign_in(&david, "david.moreau").await;
    let page = portal.get_page(&david, "/?tab=help&lang=en").await;
    let requests = publication_chunk(&page, "helpdesk");
    assert!(
        requests.contains("R-000033") && requests.contains("R-000029"),
        "{requests}"
    );
    let faq = publication_chunk(&page, "help");
    assert!(faq.contains("How do I get software for my computer?"), "{faq}");
    assert!(!faq.contains("Where can I print on campus?"), "students only: {faq}");
    portal.stop().await;
}

fn helpdesk(id: &str, url: &str, password: &str) -> String {
    format!(
        "[channels.{id}]\npackage = \"helpdesk\"\nconfig = {{ itop_url = \"https://support.example.edu\" }}\nbackends.itop = {{ url = \"{url}\", auth = {{ type = \"basic\", username = \"agora-portal\", password = \"{password}\" }} }}\n\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_credential_a_down_or_garbled_itop_give_clear_messages_and_the_page_stays_up() {
    let sis =
        agora_sis_simulator::Simulator::start_dir(&repo_root().join("examples/sis-simulator/data")).expect("simulator");
    let backend = TestBackend::start().await;
    backend.route(
        "/itop-html/webservices/rest.php",
        Answer::ok("text/html", "<html><body><h1>iTop</h1><form>Login</form></body></html>"),
    );
    // iTop down: a simulator started, then stopped, by the test.
    let stopped =
        agora_sis_simulator::Simulator::start_dir(&repo_root().join("examples/sis-simulator/data")).expect("simulator");
    stopped.stop();
    let down = stopped.url.clone();
    let channels = [
        helpdesk("hd-ok", &sis.url, "demo-itop-rest"),
        helpdesk("hd-wrong-password", &sis.url, "not-the-password"),
        helpdesk("hd-down", &down, "demo-itop-rest"),
        helpdesk("hd-html", &format!("{}/itop-html", backend.url), "demo-itop-rest"),
    ]
    .concat();
    let ids = ["hd-ok", "hd-wrong-password", "hd-down", "hd-html"];
    let site = Site::new("helpdesk-broken", &channels, &one_column_layout(&ids));
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/?lang=en").await;
    let ok = publication_chunk(&page, "hd-ok");
    assert!(ok.contains("R-000012") && ok.contains("2 open requests"), "{ok}");
    for (id, message) in [
        // iTop's code 1 (Invalid login): the administrator's to fix, said plainly.
        ("hd-wrong-password", "This service is misconfigured"),
        ("hd-down", "unavailable for now"),
        // An HTML page instead of iTop's JSON: to a student, only "unavailable".
        ("hd-html", "is unavailable for now"),
    ] {
        let chunk = publication_chunk(&page, id);
        assert!(chunk.contains(message), "{id}: {chunk}");
        assert!(chunk.contains("role=\"alert\""), "{id} is an error card: {chunk}");
        for raw in ["Invalid login", "\"code\"", "rest.php", "Error:"] {
            assert!(!chunk.contains(raw), "{id} shows `{raw}`: {chunk}");
        }
    }
    assert!(page.trim_end().ends_with("</html>"), "the page is whole");
    portal.stop().await;
}
