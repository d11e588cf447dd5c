//! The timetable, grades and links channels through the portal: against the ADE and Apogée
//! simulators of `examples/` on the shipped configuration, then against back-ends that are
//! down, slow, or answer garbage (a malformed calendar, an HTML error page, a 10 MB feed):
//! the user always gets a clear message in their slot and the rest of the page.

use agora_tests::api::shipped_site;
use agora_tests::backend::{Answer, TestBackend};
use agora_tests::page::publication_chunk;
use agora_tests::{Site, repo_root};
use tokio::sync::watch;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn students_and_teachers_get_their_timetable_grades_and_links() {
    let (site, _backend) = shipped_site("study").await;
    let portal = site.start().await;

    let alice = portal.client();
    portal.sign_in(&alice, "alice.martin").await;
    let page = portal.get_page(&alice, "/?lang=en").await;
    let timetable = publication_chunk(&page, "timetable");
    assert!(
        [
            "Analyse 1",
            "Algèbre linéaire",
            "Programmation 1",
            "Anglais scientifique"
        ]
        .iter()
        .any(|c| timetable.contains(c)),
        "an L1 course of the coming days: {timetable}"
    );
    assert!(
        timetable.contains("Room:") && !timetable.contains("Exporté"),
        "{timetable}"
    );
    assert!(!timetable.contains("Apprentissage profond"), "not an M2 course");
    assert!(timetable.contains("resources=1205"), "subscription link: {timetable}");
    let grades = publication_chunk(&page, "grades");
    assert!(
        grades.contains("<details") && grades.contains("Show my grades"),
        "{grades}"
    );
    assert!(
        grades.contains("Analyse 1") && grades.contains("14.5/20 — Admis"),
        "{grades}"
    );
    let links = publication_chunk(&page, "links");
    assert!(
        links.contains("https://moodle.univ-agora.fr") && !links.contains("HR intranet"),
        "{links}"
    );

    let claire = portal.client();
    portal.sign_in(&claire, "claire.dubois").await;
    let page = portal.get_page(&claire, "/").await;
    let timetable = publication_chunk(&page, "timetable");
    assert!(
        ["Analyse 1", "Programmation 1", "Apprentissage profond"]
            .iter()
            .any(|c| timetable.contains(c)),
        "a course Claire teaches: {timetable}"
    );
    assert!(!page.contains("data-publication=\"grades\""), "no grades for teachers");
    let links = publication_chunk(&page, "links");
    assert!(
        links.contains("Saisie des notes") && links.contains("Intranet RH"),
        "{links}"
    );
    portal.stop().await;
}

fn channel(id: &str, package: &str, backend: &str, url: &str, config: &str) -> String {
    format!(
        "[channels.{id}]\npackage = \"{package}\"\nconfig = {{ {config} }}\nbackends.{backend} = {{ url = \"{url}\" }}\n\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_back_ends_give_clear_messages_and_never_a_broken_page() {
    let backend = TestBackend::start().await;
    let (_closed, gate) = watch::channel(false);
    backend.route(
        "/ade-html/jsp/custom/modules/plannings/anonymous_cal.jsp",
        Answer::ok("text/html", "<html><body>Maintenance ADE</body></html>"),
    );
    backend.route(
        "/ade-broken/jsp/custom/modules/plannings/anonymous_cal.jsp",
        Answer::ok(
            "text/calendar",
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\nSUMMARY",
        ),
    );
    backend.route(
        "/ade-slow/jsp/custom/modules/plannings/anonymous_cal.jsp",
        Answer::ok("text/calendar", "").gated(gate),
    );
    backend.route(
        "/ade-down/jsp/custom/modules/plannings/anonymous_cal.jsp",
        Answer::status(503),
    );
    backend.route(
        "/apogee-fault/services/PedagogiqueMetier",
        Answer {
            status: 500,
            ..Answer::ok(
                "text/xml",
                "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>technical.database.unavailable</faultstring></soap:Fault></soap:Body></soap:Envelope>",
            )
        },
    );
    backend.route(
        "/apogee-html/services/PedagogiqueMetier",
        Answer::ok("text/html", "<html><body><h1>Apogée en maintenance</h1></body></html>"),
    );
    // A 10 MB feed: more than the news channel may receive.
    let mut huge = String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Big</title>");
    while huge.len() < 10 * 1024 * 1024 {
        huge.push_str("<item><title>padding padding padding padding</title><description>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</description></item>");
    }
    huge.push_str("</channel></rss>");
    backend.route("/huge.xml", Answer::ok("application/rss+xml", huge));
    let sis =
        agora_sis_simulator::Simulator::start_dir(&repo_root().join("examples/sis-simulator/data")).expect("simulator");

    let tt = |id: &str, path: &str| {
        channel(
            id,
            "timetable",
            "ade",
            &format!("{}/{path}", backend.url),
            "resources = [\"etape:L1MATH=1205\"]",
        )
    };
    let channels = [
        tt("tt-html", "ade-html"),
        tt("tt-broken", "ade-broken"),
        tt("tt-slow", "ade-slow"),
        tt("tt-down", "ade-down"),
        channel(
            "tt-unreachable",
            "timetable",
            "ade",
            "http://127.0.0.1:9",
            "resources = [\"etape:L1MATH=1205\"]",
        ),
        channel(
            "grades-fault",
            "grades",
            "apogee",
            &format!("{}/apogee-fault", backend.url),
            "",
        ),
        channel("grades-ok", "grades", "apogee", &sis.url, ""),
        channel(
            "grades-html",
            "grades",
            "apogee",
            &format!("{}/apogee-html", backend.url),
            "",
        ),
        channel("news-huge", "news", "feed", &format!("{}/huge.xml", backend.url), ""),
    ]
    .concat();
    let ids = [
        "tt-html",
        "tt-broken",
        "tt-slow",
        "tt-down",
        "tt-unreachable",
        "grades-fault",
        "grades-ok",
        "grades-html",
        "news-huge",
    ];
    let site = Site::new("study-broken", &channels, &agora_tests::one_column_layout(&ids));
    let portal = site.start().await;
    let client = portal.client();
    // Alice is an L1 student with a supannEtuId known to the Apogée simulator.
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/?lang=en").await;
    for (id, message) in [
        // An unreadable answer is, to a student, only "unavailable" (why is for administrators).
        ("tt-html", "“Timetable” is unavailable for now"),
        ("tt-broken", "is unavailable for now"),
        // Held by the back-end: the request timeout ends it before the slot's wall budget.
        ("tt-slow", "unavailable for now"),
        ("tt-down", "unavailable for now"),
        ("tt-unreachable", "unavailable for now"),
        ("grades-fault", "unavailable for now"),
        ("grades-html", "is unavailable for now"),
        ("news-huge", "unavailable for now"),
    ] {
        let chunk = publication_chunk(&page, id);
        assert!(chunk.contains(message), "{id}: {chunk}");
        assert!(chunk.contains("role=\"alert\""), "{id} is an error card: {chunk}");
    }
    let ok = publication_chunk(&page, "grades-ok");
    assert!(
        ok.contains("Algèbre linéaire") && ok.contains("8.25/20 — Ajourné"),
        "{ok}"
    );
    assert!(page.trim_end().ends_with("</html>"), "the page is whole");

    // Someone who is not a student (no supannEtuId): a plain message, not an error.
    let claire = portal.client();
    portal.sign_in(&claire, "claire.dubois").await;
    let page = portal.get_page(&claire, "/?lang=en").await;
    assert!(
        publication_chunk(&page, "grades-ok").contains("Nothing to show for you here"),
        "a teacher has no supannEtuId"
    );
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn news_feeds_are_chosen_per_population() {
    let backend = TestBackend::start().await;
    let feeds = repo_root().join("examples/demo/backends/feeds");
    for file in ["campus.xml", "l1.xml", "staff.xml"] {
        let body = std::fs::read(feeds.join(file)).expect("feed");
        backend.route(&format!("/feeds/{file}"), Answer::ok("application/rss+xml", body));
    }
    let channels = channel(
        "news",
        "news",
        "feed",
        &format!("{}/feeds", backend.url),
        "path = \"/campus.xml\", population_paths = [\"l1-ufr27=/l1.xml\", \"teachers=/staff.xml\"]",
    );
    let site = Site::new(
        "news-populations",
        &channels,
        &agora_tests::one_column_layout(&["news"]),
    );
    let portal = site.start().await;
    for (uid, expected, not_expected) in [
        (
            "alice.martin",
            "Tutorat de mathématiques",
            "Inscriptions pédagogiques du second semestre",
        ),
        (
            "claire.dubois",
            "Campagne d'entretiens professionnels",
            "Tutorat de mathématiques",
        ),
        (
            "bruno.leroy",
            "Inscriptions pédagogiques du second semestre",
            "Tutorat de mathématiques",
        ),
    ] {
        let client = portal.client();
        portal.sign_in(&client, uid).await;
        let news = publication_chunk(&portal.get_page(&client, "/").await, "news");
        assert!(news.contains(expected), "{uid}: {news}");
        assert!(!news.contains(not_expected), "{uid}: {news}");
    }
    portal.stop().await;
}
