//! The agenda, contacts and files channels (`agora:channel@0.3.0`, the `dav` capability)
//! through the portal, against real servers started for the test: Radicale (CalDAV and
//! CardDAV, calendars and address books written as `.ics` and `.vcf` items) and WsgiDAV
//! (WebDAV, one folder per person). The portal reads them as a service account the servers
//! let read everyone's collections; Alice sees her next events, her contacts and her recent
//! files, never Bruno's; a wrong password, a stopped or hanging server, or an answer that is
//! not DAV (an HTML page) gives a clear message in the slots, never a code or a secret, and
//! the page stays up. With CAS, the portal reads the files with a proxy ticket that a
//! CAS-aware WsgiDAV validates at the real CAS server.

use agora_tests::page::publication_chunk;
use agora_tests::peers::{CasServer, Radicale, WsgiDav, vevent};
use agora_tests::{Site, one_column_layout};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SERVICE: &str = "portal";
const SERVICE_PASSWORD: &str = "dav-service-secret";
const DAY: i64 = 86_400;

fn event(uid: &str, summary: &str, start: i64, hours: i64, extra: &str) -> String {
    vevent(uid, summary, "Bâtiment A\\, salle 12", start, hours, extra)
}

/// Radicale with Alice's and Bruno's calendars and address books.
fn radicale() -> Radicale {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let hour = now - now.rem_euclid(3600);
    let radicale = Radicale::start(
        &[
            (SERVICE, SERVICE_PASSWORD),
            ("alice.martin", "a-pw"),
            ("bruno.leroy", "b-pw"),
        ],
        SERVICE,
    );
    radicale.calendar(
        "alice.martin",
        "cours",
        &[
            event("soutenance", "Soutenance de mémoire", hour + DAY + 3600, 2, ""),
            event("reunion", "Réunion pédagogique", hour + 2 * DAY, 1, ""),
            event("colloque", "Colloque lointain", hour + 60 * DAY, 8, ""),
            // Weekly since three weeks: this week's occurrence is shown (the server expands it).
            event(
                "td",
                "TD hebdomadaire",
                hour - 21 * DAY + 3 * 3600,
                2,
                "RRULE:FREQ=WEEKLY;COUNT=10\n",
            ),
        ],
    );
    radicale.calendar(
        "alice.martin",
        "perso",
        &[event("dentiste", "Dentiste", hour + 3 * DAY, 1, "")],
    );
    radicale.calendar(
        "bruno.leroy",
        "sport",
        &[event("rugby", "Entraînement de rugby", hour + DAY, 2, "")],
    );
    radicale.address_book(
        "alice.martin",
        "contacts",
        &[
            "FN:Chloé Dubois\nN:Dubois;Chloé;;;\nEMAIL;TYPE=INTERNET:chloe.dubois@univ-agora.fr\nTEL;TYPE=work:+33 1 23 45 67 89\nORG:Université Agora;Scolarité\nUID:c1".into(),
            "FN:Paul Lefèvre\nN:Lefèvre;Paul;;;\nEMAIL:paul.lefevre@example.org\nUID:c2".into(),
        ],
    );
    radicale.address_book(
        "bruno.leroy",
        "contacts",
        &["FN:Zoé Secret\nEMAIL:zoe@example.org\nUID:c3".into()],
    );
    radicale
}

/// WsgiDAV with Alice's and Bruno's documents.
fn wsgidav() -> WsgiDav {
    let server = WsgiDav::start(SERVICE, SERVICE_PASSWORD);
    let hours = |h: u64| Duration::from_secs(h * 3600);
    server.put("alice.martin/memoire.odt", b"memoire", hours(1));
    server.put("alice.martin/notes/cours magistral.pdf", b"%PDF-1.4 notes", hours(72));
    server.put("alice.martin/ancien.txt", b"old", hours(24 * 30));
    server.put("bruno.leroy/bruno-secret.pdf", b"%PDF-1.4 bruno", hours(1));
    server
}

fn site(name: &str, radicale: &str, files: &str, password: &str) -> Site {
    let site = Site::new(
        name,
        "[channels.agenda]\npackage = \"agenda\"\n\n[channels.contacts]\npackage = \"contacts\"\n\n\
         [channels.files]\npackage = \"files\"\n",
        &one_column_layout(&["agenda", "contacts", "files"]),
    );
    site.append_config(&format!(
        "[dav]\ncalendars_url = \"{radicale}{{uid}}/\"\ncontacts_url = \"{radicale}{{uid}}/\"\n\
         files_url = \"{files}{{uid}}/\"\nauth = \"service-account\"\nuser = \"{SERVICE}\"\n\
         password = \"{password}\"\ntimeout_ms = 4000\n"
    ));
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_sees_her_events_contacts_and_files_and_never_bruno_s() {
    let radicale = radicale();
    let files = wsgidav();
    let site = site("dav", &radicale.url, &files.url, SERVICE_PASSWORD);
    let portal = site.start().await;
    let alice = portal.client();
    portal.sign_in(&alice, "alice.martin").await;
    let page = portal.get_page(&alice, "/?lang=fr").await;

    let agenda = publication_chunk(&page, "agenda");
    for summary in [
        "Soutenance de mémoire",
        "Réunion pédagogique",
        "TD hebdomadaire",
        "Dentiste",
    ] {
        assert!(agenda.contains(summary), "{summary}: {agenda}");
    }
    assert!(agenda.contains("Bâtiment A, salle 12"), "{agenda}");
    assert!(!agenda.contains("Colloque lointain"), "beyond 7 days: {agenda}");
    assert!(!agenda.contains("rugby"), "Bruno's: {agenda}");
    let soutenance = agenda.find("Soutenance").unwrap_or(usize::MAX);
    let reunion = agenda.find("Réunion").unwrap_or(0);
    assert!(soutenance < reunion, "earliest first: {agenda}");

    let contacts = publication_chunk(&page, "contacts");
    assert!(
        contacts.contains("Chloé Dubois") && contacts.contains("Paul Lefèvre"),
        "{contacts}"
    );
    assert!(contacts.contains("mailto:chloe.dubois@univ-agora.fr"), "{contacts}");
    assert!(contacts.contains("Université Agora, Scolarité"), "{contacts}");
    assert!(!contacts.contains("Zoé"), "Bruno's: {contacts}");
    let searched = portal.get_page(&alice, "/?lang=fr&contacts.q=chloe").await;
    let searched = publication_chunk(&searched, "contacts");
    assert!(
        searched.contains("Chloé Dubois") && !searched.contains("Paul"),
        "{searched}"
    );

    let documents = publication_chunk(&page, "files");
    let (m, c, a) = (
        documents.find("memoire.odt"),
        documents.find("cours magistral.pdf"),
        documents.find("ancien.txt"),
    );
    assert!(m.is_some() && m < c && c < a, "newest first: {documents}");
    assert!(
        documents.contains(&format!("href=\"{}alice.martin/memoire.odt\"", files.url)),
        "a link that opens it: {documents}"
    );
    assert!(!documents.contains("bruno"), "Bruno's: {documents}");
    assert!(!page.contains(SERVICE_PASSWORD), "no secret in the page");

    // Bruno sees his own.
    let bruno = portal.client();
    portal.sign_in(&bruno, "bruno.leroy").await;
    let page = portal.get_page(&bruno, "/?lang=en").await;
    assert!(publication_chunk(&page, "agenda").contains("Entraînement de rugby"));
    assert!(!publication_chunk(&page, "agenda").contains("Soutenance"));
    assert!(publication_chunk(&page, "files").contains("bruno-secret.pdf"));
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_or_a_stopped_server_gives_a_clear_message() {
    let mut radicale = radicale();
    let mut files = wsgidav();
    let refused = site("dav-refused", &radicale.url, &files.url, "wrong-password");
    let portal = refused.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/?lang=en").await;
    for id in ["agenda", "contacts", "files"] {
        let chunk = publication_chunk(&page, id);
        assert!(
            chunk.contains("unavailable for now") && chunk.contains("role=\"alert\""),
            "{id}: {chunk}"
        );
        assert!(
            !chunk.contains("401") && !chunk.contains("wrong-password"),
            "{id}: {chunk}"
        );
    }
    assert!(page.trim_end().ends_with("</html>"));
    portal.stop().await;

    let (radicale_url, files_url) = (radicale.url.clone(), files.url.clone());
    radicale.stop();
    files.stop();
    let down = site("dav-down", &radicale_url, &files_url, SERVICE_PASSWORD);
    let portal = down.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/?lang=en").await;
    for id in ["agenda", "contacts", "files"] {
        let chunk = publication_chunk(&page, id);
        assert!(
            chunk.contains("unavailable for now") && chunk.contains("role=\"alert\""),
            "{id}: {chunk}"
        );
    }
    assert!(page.trim_end().ends_with("</html>"));
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_dav_server_the_slots_have_nothing_to_show() {
    let site = Site::new(
        "dav-none",
        "[channels.agenda]\npackage = \"agenda\"\n\n[channels.files]\npackage = \"files\"\n",
        &one_column_layout(&["agenda", "files"]),
    );
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/?lang=en").await;
    for id in ["agenda", "files"] {
        let chunk = publication_chunk(&page, id);
        assert!(chunk.contains("Nothing to show for you here."), "{id}: {chunk}");
    }
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_reads_the_files_with_a_cas_proxy_ticket() {
    let site = Site::new(
        "dav-cas",
        "[channels.files]\npackage = \"files\"\n",
        &one_column_layout(&["files"]),
    );
    let port = site.port;
    // The DAV server's CAS service: the proxy tickets are for it, and it validates them.
    let service = "https://files.univ-agora.test/";
    let cas = CasServer::start(
        &format!(r"^http://127\.0\.0\.1:{port}/.*"),
        r"^https://files\.univ-agora\.test/.*",
    );
    let files = WsgiDav::start_cas(&cas.url, service);
    files.put("test/compte-rendu.odt", b"cr", Duration::from_secs(600));
    files.put("other/secret.odt", b"no", Duration::from_secs(60));
    site.append_config(&format!(
        "[cas]\nserver_url = \"{}\"\nproxy = true\n\n[dav]\nfiles_url = \"{}{{uid}}/\"\n\
         auth = \"cas-proxy\"\ncas_service = \"{service}\"\ntimeout_ms = 8000\n",
        cas.url, files.url
    ));
    let portal = site.start().await;
    let client = portal.client();
    let res = client
        .get(format!("{}/login", portal.url))
        .send()
        .await
        .expect("GET /login");
    let to_cas = res.headers()["location"].to_str().expect("location").to_string();
    let back = cas.browser_login(&client, &to_cas, "test", "test").await;
    let res = client.get(&back).send().await.expect("ticket");
    assert_eq!(res.status().as_u16(), 303);
    let page = portal.get_page(&client, "/?lang=en").await;
    let documents = publication_chunk(&page, "files");
    assert!(documents.contains("compte-rendu.odt"), "{documents}");
    assert!(!documents.contains("secret.odt"), "{documents}");
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_answering_garbage_or_hanging_gives_a_clear_message() {
    let garbage = agora_tests::backend::TestBackend::start().await;
    let mut multistatus = agora_tests::backend::Answer::ok("application/xml", "<html><body>Maintenance<br></body>");
    multistatus.status = 207;
    garbage.route("/alice.martin/", multistatus);
    let hung = agora_tests::peers::black_hole();
    for (name, calendars, files) in [
        ("dav-garbage", format!("{}/", garbage.url), format!("{}/", garbage.url)),
        ("dav-hung", format!("http://{hung}/"), format!("http://{hung}/")),
    ] {
        let site = site(name, &calendars, &files, SERVICE_PASSWORD);
        let portal = site.start().await;
        let client = portal.client();
        portal.sign_in(&client, "alice.martin").await;
        let page = portal.get_page(&client, "/?lang=fr").await;
        for id in ["agenda", "contacts", "files"] {
            let chunk = publication_chunk(&page, id);
            assert!(chunk.contains("role=\"alert\""), "{name} {id}: {chunk}");
            assert!(
                !chunk.contains("Maintenance") && !chunk.contains("207"),
                "{name} {id}: {chunk}"
            );
        }
        assert!(page.trim_end().ends_with("</html>"));
        portal.stop().await;
    }
}
