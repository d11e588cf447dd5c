//! The mail channel through the portal against a real Dovecot IMAP server filled by
//! `dovecot-lda`: the portal logs in as a master user, or with a CAS proxy ticket that
//! Dovecot validates at the real CAS server; subjects are decoded (RFC 2047); a server that
//! is down, hangs or refuses the credentials gives a clear message in the slot, never a broken
//! page.

use agora_tests::page::publication_chunk;
use agora_tests::peers::{CasServer, Dovecot, DovecotAuth};
use agora_tests::{Site, one_column_layout};

const MASTER_PASSWORD: &str = "portal-master-secret";

fn message(subject: &str, from: &str, date: &str) -> String {
    format!(
        "From: {from}\r\nTo: someone@univ-agora.fr\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{}@test>\r\n\r\nBody.\r\n",
        subject.len()
    )
}

fn fill(dovecot: &Dovecot, user: &str) {
    dovecot.deliver(
        user,
        &message(
            "Bienvenue sur l'ENT",
            "ENT <ent@univ-agora.fr>",
            "Fri, 20 Nov 2026 09:00:00 +0100",
        ),
        true,
    );
    dovecot.deliver(
        user,
        &message(
            "=?UTF-8?Q?R=C3=A9sultats_du_premier_semestre?=",
            "=?UTF-8?Q?Scolarit=C3=A9?= <scol@univ-agora.fr>",
            "Mon, 23 Nov 2026 08:02:00 +0100",
        ),
        false,
    );
    dovecot.deliver(
        user,
        &message(
            "=?ISO-8859-1?Q?R=E9union_d'information?=",
            "BU <bu@univ-agora.fr>",
            "Mon, 23 Nov 2026 10:15:00 +0100",
        ),
        false,
    );
}

fn site(name: &str, mail: &str) -> Site {
    let site = Site::new(
        name,
        "[channels.mail]\npackage = \"mail\"\nconfig = { webmail_url = \"https://webmail.univ-agora.fr\" }\n",
        &one_column_layout(&["mail"]),
    );
    site.append_config(mail);
    site
}

fn master_config(port: u16, password: &str) -> String {
    format!(
        "[mail]\nimap_host = \"127.0.0.1\"\nimap_port = {port}\ntls = \"none\"\nauth = \"master\"\n\
         master_user = \"portal\"\nmaster_password = \"{password}\"\ntimeout_ms = 3000\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_reads_the_inbox_as_a_master_user() {
    let dovecot = Dovecot::start(
        &[("alice.martin", "unused-a"), ("claire.dubois", "unused-c")],
        DovecotAuth::Master {
            user: "portal".into(),
            password: MASTER_PASSWORD.into(),
        },
    );
    fill(&dovecot, "alice.martin");
    let site = site("mail-master", &master_config(dovecot.port, MASTER_PASSWORD));
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/?lang=en").await;
    let mail = publication_chunk(&page, "mail");
    assert!(mail.contains("2 unread messages"), "{mail}");
    assert!(
        mail.contains("Réunion d'information") || mail.contains("Réunion d&#39;information"),
        "{mail}"
    );
    assert!(
        mail.contains("Résultats du premier semestre") && mail.contains("Scolarité"),
        "{mail}"
    );
    assert!(mail.contains("23 Nov 10:15"), "{mail}");
    let newest = mail.find("Réunion").expect("newest");
    let oldest = mail.find("Bienvenue").expect("oldest");
    assert!(newest < oldest, "newest first: {mail}");
    assert!(mail.contains("https://webmail.univ-agora.fr"), "{mail}");
    // Reading the summary marks nothing as read.
    let again = publication_chunk(&portal.get_page(&client, "/?lang=fr").await, "mail");
    assert!(again.contains("2 messages non lus"), "{again}");

    // Claire's empty inbox.
    let claire = portal.client();
    portal.sign_in(&claire, "claire.dubois").await;
    let page = portal.get_page(&claire, "/?lang=en").await;
    assert!(publication_chunk(&page, "mail").contains("No unread messages"));
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_server_that_is_down_or_refuses_gives_a_clear_message() {
    let dovecot = Dovecot::start(
        &[("alice.martin", "unused-a")],
        DovecotAuth::Master {
            user: "portal".into(),
            password: MASTER_PASSWORD.into(),
        },
    );
    let hung: u16 = agora_tests::peers::black_hole()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    for (name, config) in [
        ("mail-refused", master_config(dovecot.port, "wrong-password")),
        ("mail-down", master_config(9, MASTER_PASSWORD)),
        // A server that accepts and never greets: the IMAP timeout ends it.
        (
            "mail-hung",
            master_config(hung, MASTER_PASSWORD).replace("timeout_ms = 3000", "timeout_ms = 500"),
        ),
    ] {
        let site = site(name, &config);
        let portal = site.start().await;
        let client = portal.client();
        portal.sign_in(&client, "alice.martin").await;
        let page = portal.get_page(&client, "/?lang=en").await;
        let mail = publication_chunk(&page, "mail");
        assert!(
            mail.contains("unavailable for now") && mail.contains("role=\"alert\""),
            "{name}: {mail}"
        );
        assert!(
            !mail.contains("wrong-password") && !mail.contains(MASTER_PASSWORD),
            "no secret in the page"
        );
        assert!(page.trim_end().ends_with("</html>"));
        portal.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_reads_the_inbox_with_a_cas_proxy_ticket() {
    let site = site("mail-cas", "");
    let port = site.port;
    let service = "imap://127.0.0.1";
    let cas = CasServer::start(&format!(r"^http://127\.0\.0\.1:{port}/.*"), r"^imap://127\.0\.0\.1.*");
    let dovecot = Dovecot::start(
        &[("test", "unused")],
        DovecotAuth::CasProxy {
            cas_url: cas.url.clone(),
            service: service.into(),
        },
    );
    fill(&dovecot, "test");
    site.append_config(&format!(
        "[cas]\nserver_url = \"{}\"\nproxy = true\n\n[mail]\nimap_host = \"127.0.0.1\"\nimap_port = {}\ntls = \"none\"\n\
         auth = \"cas-proxy\"\ncas_service = \"{service}\"\ntimeout_ms = 8000\n",
        cas.url, dovecot.port
    ));
    let portal = site.start().await;
    let client = portal.client();
    // Browser-like CAS sign-in.
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
    let mail = publication_chunk(&page, "mail");
    assert!(
        mail.contains("2 unread messages") && mail.contains("Résultats du premier semestre"),
        "{mail}"
    );
    portal.stop().await;
}
