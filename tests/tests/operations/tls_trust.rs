//! TLS trust (issue 12): a back-end whose certificate is signed by the university's own CA
//! (not in the web PKI) is refused until that CA is trusted with `[tls] extra_ca_file`, then
//! reached; a CA file that cannot be used stops start-up with the file, the key and why. The
//! same for the directory over LDAPS. Real nginx serving HTTPS and real slapd serving LDAPS
//! on loopback, a CA and certificate made by Debian's `openssl`.

use agora_portal::Portal;
use agora_portal::people::AttributeSource;
use agora_portal::people::ldap::LdapDirectory;
use agora_tests::page::publication_chunk;
use agora_tests::peers::{Nginx, Slapd};
use agora_tests::pki::PrivateCa;
use agora_tests::{Site, one_column_layout, repo_root, temp_dir};

const ITEM: &str = "Inscriptions pédagogiques du second semestre";

fn news_site(name: &str, feed_base: &str) -> Site {
    let channels = format!(
        "[channels.news]\npackage = \"news\"\nconfig = {{ path = \"/campus.xml\" }}\nbackends.feed = {{ url = \"{feed_base}\" }}\n"
    );
    Site::new(name, &channels, &one_column_layout(&["news"]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_ends_and_the_directory_signed_by_the_institutions_own_ca_are_reached_once_it_is_trusted() {
    let logs = agora_tests::logs::capture();
    let pki = temp_dir("pki");
    let ca = PrivateCa::make(&pki);
    let nginx = Nginx::start_tls(&ca.server_cert, &ca.server_key);
    let feed = std::fs::read(repo_root().join("examples/demo/backends/feeds/campus.xml")).expect("feed");
    nginx.serve("campus.xml", &feed);

    // Not trusted: the slot says the service is unavailable, the page is whole.
    let site = news_site("tls-untrusted", &nginx.url);
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/").await;
    let news = publication_chunk(&page, "news");
    assert!(!news.contains(ITEM), "an unknown CA is not trusted: {news}");
    assert!(news.contains("role=\"alert\""), "{news}");
    // Refused for its certificate, not for anything else (nginx answers: see below).
    let port = nginx.url.rsplit(':').next().unwrap_or_default().to_string();
    let refused = logs.lines_with(&["certificate"]);
    assert!(
        !refused.is_empty(),
        "the render failed on the certificate (nginx on port {port}); log lines: {:?}",
        logs.lines_with(&["news"])
    );
    portal.stop().await;

    // Trusted with [tls] extra_ca_file: the feed shows.
    let site = news_site("tls-trusted", &nginx.url);
    site.append_config(&format!("[tls]\nextra_ca_file = \"{}\"\n", ca.ca.display()));
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/").await;
    assert!(
        publication_chunk(&page, "news").contains(ITEM),
        "the institution's CA is trusted: {}",
        publication_chunk(&page, "news")
    );
    portal.stop().await;

    // The directory over LDAPS, with the same CA (after the pages, not beside them: the
    // renders above have a CPU budget this would share two cores with).
    let slapd = Slapd::start_tls(&ca.server_cert, &ca.server_key);
    let ldaps = slapd.ldaps_url.clone().expect("an LDAPS address");
    let directory = |site: &Site| {
        let mut config = site.config();
        config.ldap.url = ldaps.clone();
        config.ldap.base_dn = slapd.people_base.clone();
        config.ldap.timeout_ms = 2000;
        let trust = agora_portal::tls::Trust::from_config(&config).expect("trust");
        LdapDirectory::new(config.ldap.clone()).with_tls(trust.client_config())
    };

    let untrusted = news_site("ldaps-untrusted", "http://127.0.0.1:9");
    let err = directory(&untrusted)
        .lookup("student_l1")
        .await
        .expect_err("an unknown CA is not trusted");
    assert!(
        format!("{err:?}").to_lowercase().contains("certificate"),
        "refused for its certificate: {err:?}"
    );

    let trusted = news_site("ldaps-trusted", "http://127.0.0.1:9");
    trusted.append_config(&format!("[tls]\nextra_ca_file = \"{}\"\n", ca.ca.display()));
    let person = directory(&trusted)
        .lookup("student_l1")
        .await
        .expect("the institution's CA is trusted")
        .expect("the person is found");
    assert!(person.contains_key("supannEtuInscription"), "{person:?}");

    // A file that is not there, or holds no certificate: start-up stops and says why.
    for (file, reason) in [
        (pki.join("missing.pem"), "cannot read"),
        (ca.server_key.clone(), "no certificate"),
    ] {
        let site = news_site("tls-bad-file", &nginx.url);
        site.append_config(&format!("[tls]\nextra_ca_file = \"{}\"\n", file.display()));
        let err = Portal::build(site.config()).await.err().expect("refused");
        let text = err.to_string();
        assert!(
            text.contains("tls.extra_ca_file") && text.contains(reason),
            "{file:?}: {text}"
        );
    }
}
