//! Sign-on against a real CAS server (django-cas-server, started on a loopback port): the
//! full browser flow, replayed / forged / foreign tickets, proxy tickets brokered by the host
//! for a `cas-proxy` back-end, and single logout.

use agora_tests::backend::{Answer, TestBackend, ticket_checking};
use agora_tests::page::publication_chunk;
use agora_tests::peers::CasServer;
use agora_tests::{RunningPortal, Site, one_column_layout};
use std::time::Duration;

struct World {
    cas: CasServer,
    portal: RunningPortal,
    backend: TestBackend,
    site: Site,
}

/// A portal with CAS sign-on, one welcome slot and one slot whose back-end is reached with a
/// CAS proxy ticket that the back-end validates at the CAS server's /p3/proxyValidate.
async fn world(name: &str) -> World {
    world_with(name, "").await
}

/// Like [`world`], with extra `[cas]` keys.
async fn world_with(name: &str, cas_extra: &str) -> World {
    let backend = TestBackend::start().await;
    let channels = format!(
        "[channels.welcome]\npackage = \"welcome\"\n\n\
         [channels.private-news]\npackage = \"misbehaving\"\nconfig = {{ mode = \"echo\" }}\n\
         backends.slow = {{ url = \"{b}/slow\" }}\n\
         backends.echo = {{ url = \"{b}/echo\", auth = {{ type = \"cas-proxy\" }} }}\n\n\
         [channels.private-feed]\npackage = \"news\"\nconfig = {{ path = \"/feed.xml\", private = true }}\n\
         backends.feed = {{ url = \"{b}/private\", auth = {{ type = \"cas-proxy\" }} }}\n",
        b = backend.url
    );
    let site = Site::new(
        name,
        &channels,
        &one_column_layout(&["welcome", "private-news", "private-feed"]),
    );
    let port = site.port;
    let backend_port = backend.url.rsplit(':').next().unwrap_or_default().to_string();
    let cas = CasServer::start(
        &format!(r"^http://127\.0\.0\.1:{port}/.*"),
        &format!(r"^http://127\.0\.0\.1:{backend_port}/.*"),
    );
    site.append_config(&format!(
        "[cas]\nserver_url = \"{}\"\nproxy = true\n{cas_extra}\n",
        cas.url
    ));

    // The back-ends accept only a valid proxy ticket issued for their own service URL: an
    // echo of the user, and an ESUP-style private RSS feed listing items for that user.
    backend.route_fn(
        "/echo",
        ticket_checking(&cas.url, format!("{}/echo", backend.url), |user| {
            Answer::ok("text/html", format!("<p class=\"proxied\">private news for {user}</p>"))
        }),
    );
    backend.route_fn(
        "/private/feed.xml",
        ticket_checking(&cas.url, format!("{}/private", backend.url), |user| {
            Answer::ok(
                "application/rss+xml",
                format!(
                    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Mes actus</title>\
                     <item><title>Note pour {user}</title><pubDate>Mon, 23 Nov 2026 08:00:00 GMT</pubDate></item>\
                     </channel></rss>"
                ),
            )
        }),
    );
    let portal = site.start().await;
    World {
        cas,
        portal,
        backend,
        site,
    }
}

/// Sign in through CAS like a browser; returns the ticket that came back to the portal.
async fn sign_in(w: &World, client: &reqwest::Client, return_to: &str) -> String {
    let res = client
        .get(format!("{}/login?return={}", w.portal.url, urlencode(return_to)))
        .send()
        .await
        .expect("GET /login");
    assert_eq!(res.status().as_u16(), 303);
    let to_cas = res.headers()["location"].to_str().expect("location").to_string();
    assert!(to_cas.starts_with(&format!("{}login?service=", w.cas.url)), "{to_cas}");
    assert!(
        !to_cas.contains("return"),
        "the return path never travels in `service`: {to_cas}"
    );
    let back = w.cas.browser_login(client, &to_cas, "test", "test").await;
    assert!(
        back.starts_with(&format!("{}login/cas?ticket=ST-", w.site.public_url())),
        "{back}"
    );
    let res = client.get(&back).send().await.expect("GET service");
    assert_eq!(res.status().as_u16(), 303, "{}", res.text().await.unwrap_or_default());
    assert_eq!(
        res.headers()["location"].to_str().expect("location"),
        return_to,
        "back to the page asked for"
    );
    back.split("ticket=").nth(1).expect("ticket").to_string()
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cas_sign_on_brings_attributes_and_refuses_bad_tickets() {
    let w = world("cas-flow").await;
    let client = w.portal.client();
    let ticket = sign_in(&w, &client, "/?tab=home").await;

    let page = w.portal.get_page(&client, "/?lang=en").await;
    let welcome = publication_chunk(&page, "welcome");
    assert!(
        welcome.contains("Camille Test"),
        "attributes released by CAS reach the person: {welcome}"
    );
    // The enrolment CAS released (partial: no SISE codes) still reads in words.
    assert!(welcome.contains("L3, 2026–2027"), "{welcome}");
    assert!(
        !page.contains("never-released"),
        "attributes CAS does not release never appear"
    );

    // Replaying the ticket (another browser) is refused: tickets are single-use.
    let other = w.portal.client();
    let res = other
        .get(format!("{}/login/cas?ticket={ticket}&lang=en", w.portal.url))
        .send()
        .await
        .expect("replay");
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.text().await.expect("body").contains("could not be verified"));

    // A forged ticket, and something that is not a ticket at all.
    for forged in ["ST-1-forgedforgedforged", "%3Cscript%3E", "ST-1%26renew%3Dtrue"] {
        let res = other
            .get(format!("{}/login/cas?ticket={forged}", w.portal.url))
            .send()
            .await
            .expect("forged");
        assert_eq!(res.status().as_u16(), 403, "{forged}");
    }
    let page = w.portal.get_page(&other, "/").await;
    assert!(!page.contains("Camille Test"), "refused tickets open no session");

    // A ticket issued for another service is refused (INVALID_SERVICE).
    let thief = w.portal.client();
    let foreign_service = format!("{}elsewhere", w.site.public_url());
    let login = format!("{}login?service={}", w.cas.url, urlencode(&foreign_service));
    let back = w.cas.browser_login(&thief, &login, "test", "test").await;
    let foreign_ticket = back.split("ticket=").nth(1).expect("ticket");
    let res = thief
        .get(format!("{}/login/cas?ticket={foreign_ticket}", w.portal.url))
        .send()
        .await
        .expect("foreign");
    assert_eq!(res.status().as_u16(), 403);
    w.portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cas_proxy_back_end_gets_a_proxy_ticket_minted_by_the_host() {
    let w = world("cas-proxy").await;
    let client = w.portal.client();
    sign_in(&w, &client, "/").await;
    let page = w.portal.get_page(&client, "/").await;
    let private = publication_chunk(&page, "private-news");
    assert!(
        private.contains("private news for test"),
        "the back-end validated the PT at CAS: {private}"
    );
    assert_eq!(w.backend.hits("/echo"), 1);
    // The news channel reads a private feed the same way (ESUP's private RSS).
    let feed = publication_chunk(&page, "private-feed");
    assert!(
        feed.contains("Note pour test"),
        "the private feed validated the PT: {feed}"
    );

    // A guest has no PGT: the slot says the service is unavailable, the page still renders.
    let guest = w.portal.client();
    let page = w.portal.get_page(&guest, "/").await;
    assert!(publication_chunk(&page, "private-news").contains("channel-error"));
    w.portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_sign_out_ends_the_session_and_sends_the_browser_to_cas_logout() {
    let w = world("cas-signout").await;
    let client = w.portal.client();
    sign_in(&w, &client, "/").await;
    let page = w.portal.get_page(&client, "/").await;
    let res = w.portal.sign_out(&client, &page).await;
    assert_eq!(res.status().as_u16(), 303);
    let location = res.headers()["location"].to_str().expect("location").to_string();
    assert!(
        location.starts_with(&format!("{}logout?service=", w.cas.url)),
        "{location}"
    );
    assert!(
        !w.portal.get_page(&client, "/").await.contains("Camille Test"),
        "the portal session is gone"
    );
    w.portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cas_logout_ends_the_portal_session_through_single_logout() {
    let w = world("cas-slo").await;
    let client = w.portal.client();
    sign_in(&w, &client, "/").await;
    assert!(w.portal.get_page(&client, "/").await.contains("Camille Test"));

    // The user signs out of CAS elsewhere: CAS POSTs a logoutRequest to the portal.
    let res = client
        .get(format!("{}logout", w.cas.url))
        .send()
        .await
        .expect("CAS logout");
    assert!(res.status().is_success() || res.status().is_redirection());
    let mut signed_out = false;
    for _ in 0..50 {
        if !w.portal.get_page(&client, "/").await.contains("Camille Test") {
            signed_out = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(signed_out, "single logout ended the portal session");
    w.portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn return_paths_cannot_leave_the_portal() {
    let w = world("cas-redirect").await;
    for evil in [
        "https://evil.example/",
        "//evil.example/",
        "/%2F%2Fevil.example",
        "/\\evil.example",
        "%2F%2Fevil.example",
    ] {
        let client = w.portal.client();
        let res = client
            .get(format!("{}/login?return={}", w.portal.url, urlencode(evil)))
            .send()
            .await
            .expect("login");
        let to_cas = res.headers()["location"].to_str().expect("location").to_string();
        assert!(to_cas.starts_with(&w.cas.url), "always CAS first: {to_cas}");
        let back = w.cas.browser_login(&client, &to_cas, "test", "test").await;
        let res = client.get(&back).send().await.expect("service");
        assert_eq!(
            res.headers()["location"].to_str().expect("location"),
            "/",
            "{evil} must end on the home page"
        );
    }
    w.portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_picks_up_an_existing_cas_session_and_otherwise_leaves_a_guest() {
    let w = world_with("cas-gateway", "gateway = true").await;
    // No CAS session: one silent round trip, then the guest page, and no loop.
    let guest = w.portal.client();
    let res = guest
        .get(format!("{}/?tab=home", w.portal.url))
        .send()
        .await
        .expect("GET /");
    assert_eq!(res.status().as_u16(), 303);
    let to_cas = res.headers()["location"].to_str().expect("location").to_string();
    assert!(to_cas.contains("gateway=true") && !to_cas.contains("renew"), "{to_cas}");
    let res = guest.get(&to_cas).send().await.expect("CAS gateway");
    let back = res.headers()["location"]
        .to_str()
        .expect("CAS sends the browser back")
        .to_string();
    assert!(!back.contains("ticket="), "no CAS session, no ticket: {back}");
    let res = guest.get(&back).send().await.expect("back");
    assert_eq!(
        res.headers()["location"].to_str().expect("location"),
        "/?tab=home&gateway=done"
    );
    let page = w.portal.get_page(&guest, "/?tab=home&gateway=done").await;
    assert!(page.contains("guest-intro"), "guest page after gateway");
    let page = w.portal.get_page(&guest, "/?tab=home").await;
    assert!(page.contains("guest-intro"), "gateway is tried once per session");

    // A client that keeps no cookies (a crawler, a monitor) is not sent round CAS forever.
    let no_jar = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut url = format!("{}/", w.portal.url);
    let mut hops = 0;
    let page = loop {
        let res = no_jar.get(&url).send().await.expect("GET");
        if !res.status().is_redirection() {
            break res.text().await.expect("body");
        }
        hops += 1;
        assert!(hops <= 3, "a redirect loop: {url}");
        let next = res.headers()["location"].to_str().expect("location").to_string();
        url = if next.starts_with('/') {
            format!("{}{next}", w.portal.url)
        } else {
            next
        };
    };
    assert!(page.contains("guest-intro"), "the guest page after one round trip");

    // With a CAS session (signed in at CAS for another service), gateway signs in silently.
    let user = w.portal.client();
    let other = format!("{}somewhere", w.site.public_url());
    w.cas
        .browser_login(
            &user,
            &format!("{}login?service={}", w.cas.url, urlencode(&other)),
            "test",
            "test",
        )
        .await;
    let res = user.get(format!("{}/", w.portal.url)).send().await.expect("GET /");
    let to_cas = res.headers()["location"].to_str().expect("location").to_string();
    let res = user.get(&to_cas).send().await.expect("CAS gateway");
    let back = res.headers()["location"].to_str().expect("location").to_string();
    assert!(
        back.contains("ticket=ST-"),
        "existing CAS session gives a ticket: {back}"
    );
    user.get(&back).send().await.expect("service");
    assert!(w.portal.get_page(&user, "/").await.contains("Camille Test"));
    w.portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renew_asks_for_credentials_even_with_a_cas_session() {
    let w = world_with("cas-renew", "renew = true").await;
    let client = w.portal.client();
    let other = format!("{}somewhere", w.site.public_url());
    w.cas
        .browser_login(
            &client,
            &format!("{}login?service={}", w.cas.url, urlencode(&other)),
            "test",
            "test",
        )
        .await;
    let res = client
        .get(format!("{}/login", w.portal.url))
        .send()
        .await
        .expect("GET /login");
    let to_cas = res.headers()["location"].to_str().expect("location").to_string();
    assert!(to_cas.contains("renew=true"), "{to_cas}");
    let res = client.get(&to_cas).send().await.expect("CAS login");
    assert_eq!(
        res.status().as_u16(),
        200,
        "CAS shows its form again instead of redirecting"
    );
    assert!(res.text().await.expect("form").contains("name=\"password\""));
    w.portal.stop().await;
}
