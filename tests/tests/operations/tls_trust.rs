//! TLS trust (issue 12): a back-end whose certificate is signed by the university's own CA
//! (not in the web PKI) is refused until that CA is trusted with `[tls] extra_ca_file`, then
//! reached; a CA file that cannot be used stops start-up with the file, the key and why.
//! Real nginx serving HTTPS on loopback, a CA and certificate made by Debian's `openssl`.

use agora_portal::Portal;
use agora_tests::page::publication_chunk;
use agora_tests::peers::Nginx;
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
async fn a_back_end_signed_by_the_institutions_own_ca_is_reached_once_the_ca_is_trusted() {
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
