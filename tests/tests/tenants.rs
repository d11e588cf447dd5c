//! One platform, several establishments (issue 13): two tenants with their own host names,
//! each with its own slapd and its own django-cas-server where the same login `jdupont`
//! names a different person, the same channel packages bound to different back-ends, and
//! two establishments on the shared host behind the picker. Redis and PostgreSQL are shared,
//! as on a real platform. Every cross-tenant attempt is refused, and logged.

use agora_tests::backend::{Answer, TestBackend};
use agora_tests::bench::cookie_of;
use agora_tests::logs::{Logs, capture};
use agora_tests::page::publication_chunk;
use agora_tests::peers::{CasServer, Postgres, Redis, Slapd};
use agora_tests::{RunningPortal, Site, one_column_layout};
use reqwest::header::{COOKIE, HOST};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const METRICS_TOKEN: &str = "tenants-metrics-token-0123456789";

/// One establishment with a host of its own.
struct Establishment {
    id: &'static str,
    host: String,
    /// What `jdupont` is called there.
    name: &'static str,
    cas: CasServer,
    _slapd: Slapd,
    backend: TestBackend,
}

struct World {
    site: Site,
    portal: RunningPortal,
    a: Establishment,
    b: Establishment,
    /// The back-end of the shared host's establishments.
    _shared_backend: TestBackend,
    redis: Redis,
    _postgres: Postgres,
    logs: Logs,
}

fn feed(title: &str) -> Answer {
    Answer::ok(
        "application/rss+xml",
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title>\
             <item><title>{title}</title><pubDate>Mon, 30 Nov 2026 08:00:00 GMT</pubDate></item>\
             </channel></rss>"
        ),
    )
}

fn people(extra: &str) -> String {
    format!(
        "dn: uid=jdupont,ou=people,dc=univ-agora,dc=fr\nobjectClass: inetOrgPerson\nobjectClass: eduPerson\n\
         uid: jdupont\ncn: {extra}\nsn: Dupont\ndisplayName: {extra}\neduPersonAffiliation: student\n\
         eduPersonPrimaryAffiliation: student\n"
    )
}

fn channels(backend: &str) -> String {
    format!(
        "[channels.welcome]\npackage = \"welcome\"\n\n[channels.news]\npackage = \"news\"\n\
         config = {{ path = \"/feed.xml\" }}\nbackends.feed = {{ url = \"{backend}\" }}\n"
    )
}

async fn establishment(
    site: &Site,
    id: &'static str,
    name: &'static str,
    acronym: &str,
    extra_ldif: &str,
) -> Establishment {
    let host = format!("{id}.test");
    let backend = TestBackend::start().await;
    backend.route("/feed.xml", feed(&format!("Actualité {acronym}")));
    let mut ldif = people(name);
    ldif.push_str(extra_ldif);
    let slapd = Slapd::start_with(&ldif);
    // Each CAS serves any service: a ticket it issued for the other establishment must be
    // refused by the portal, not by the CAS.
    let attributes = json!({ "uid": "jdupont", "displayName": name }).to_string();
    let cas = CasServer::start_as(r"^http://.*", r"^$", Some(("jdupont", "pw", &attributes)));
    let dir = format!("tenants/{id}");
    std::fs::create_dir_all(site.root.join("config").join(&dir)).expect("tenant dir");
    site.write_config(
        &format!("{dir}/tenant.toml"),
        &format!(
            "[tenant]\nname = {{ fr = \"Université {acronym}\", en = \"{acronym} University\" }}\n\
             acronym = \"{acronym}\"\nhosts = [\"{host}\"]\nsupport = {{ email = \"assistance@{host}\" }}\n\n\
             [skin]\ninstitution = \"Université {acronym}\"\n\n\
             [cas]\nserver_url = \"{cas}\"\n\n\
             [ldap]\nurl = \"{ldap}\"\nbase_dn = \"ou=people,dc=univ-agora,dc=fr\"\ntimeout_ms = 500\n\n\
             [admin]\nuids = [\"jdupont\"]\n",
            cas = cas.url,
            ldap = slapd.url,
        ),
    );
    site.write_config(&format!("{dir}/channels.toml"), &channels(&backend.url));
    Establishment {
        id,
        host,
        name,
        cas,
        _slapd: slapd,
        backend,
    }
}

/// Only Marie Curie of establishment A: B must never show her.
const ONLY_IN_A: &str = "\ndn: uid=mcurie,ou=people,dc=univ-agora,dc=fr\nobjectClass: inetOrgPerson\n\
    uid: mcurie\ncn: Marie Curie\nsn: Curie\ndisplayName: Marie Curie\n";

async fn world(name: &str) -> World {
    let logs = capture();
    let redis = Redis::start();
    let postgres = Postgres::start();
    let shared_backend = TestBackend::start().await;
    shared_backend.route("/feed.xml", feed("Actualité du site partagé"));
    let site = Site::new(
        name,
        &channels(&shared_backend.url),
        &one_column_layout(&["welcome", "news"]),
    );
    site.share_state(&redis.url, &postgres.url);
    // Demo sign-in is the platform's: off. The shared host's establishments use the
    // platform's channels (the shared back-end).
    let toml = std::fs::read_to_string(site.root.join("config/portal.toml")).expect("portal.toml");
    site.write_config(
        "portal.toml",
        &toml
            .replace("[demo]\nenabled = true", "[demo]\nenabled = false")
            .replace(
                "[server]\n",
                &format!("[server]\nmetrics_token = \"{METRICS_TOKEN}\"\n"),
            ),
    );
    // A's jdupont is a platform administrator too; B's is B's administrator only.
    site.append_config("[admin]\nreload_seconds = 1\nplatform = [\"ut1:jdupont\"]\n");
    let a = establishment(&site, "ut1", "Jeanne Dupont", "UT1", ONLY_IN_A).await;
    let b = establishment(&site, "ut2", "Jacques Dupont", "UT2", "").await;
    for (id, acronym) in [("pres", "PRES"), ("envt", "ENVT")] {
        std::fs::create_dir_all(site.root.join("config/tenants").join(id)).expect("tenant dir");
        site.write_config(
            &format!("tenants/{id}/tenant.toml"),
            &format!(
                "[tenant]\nname = {{ fr = \"Établissement {acronym}\" }}\nacronym = \"{acronym}\"\n\
                 support = {{ email = \"support@{id}.example\", phone = \"05 61 00 00 00\" }}\n\n\
                 [skin]\ninstitution = \"Établissement {acronym}\"\n"
            ),
        );
    }
    let portal = site.start().await;
    World {
        site,
        portal,
        a,
        b,
        _shared_backend: shared_backend,
        redis,
        _postgres: postgres,
        logs,
    }
}

impl World {
    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.site.port))
    }

    /// `http://<host>:<port>`.
    fn at(&self, e: &Establishment) -> String {
        format!("http://{}:{}", e.host, self.site.port)
    }

    /// A browser: one cookie jar, both establishments' host names resolved to the portal.
    fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .resolve(&self.a.host, self.addr())
            .resolve(&self.b.host, self.addr())
            .resolve("unknown.test", self.addr())
            .build()
            .expect("client")
    }

    /// An attacker's client: no cookie jar, cookies set by hand.
    fn bare(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .resolve(&self.a.host, self.addr())
            .resolve(&self.b.host, self.addr())
            .resolve("unknown.test", self.addr())
            .build()
            .expect("client")
    }

    /// Sign in at `e` through its CAS; returns (session cookie, service ticket).
    async fn sign_in(&self, client: &reqwest::Client, e: &Establishment) -> (String, String) {
        let res = client
            .get(format!("{}/login", self.at(e)))
            .send()
            .await
            .expect("GET /login");
        assert_eq!(res.status().as_u16(), 303, "/login at {} goes to its CAS", e.id);
        let to_cas = res.headers()["location"].to_str().expect("location").to_string();
        assert!(
            to_cas.starts_with(&format!("{}login?service=", e.cas.url)),
            "{} signs on at its own CAS: {to_cas}",
            e.id
        );
        let back = e.cas.browser_login(client, &to_cas, "jdupont", "pw").await;
        assert!(
            back.starts_with(&format!("{}/login/cas?ticket=ST-", self.at(e))),
            "{back}"
        );
        let ticket = back.split("ticket=").nth(1).expect("ticket").to_string();
        let res = client.get(&back).send().await.expect("GET service");
        assert_eq!(res.status().as_u16(), 303, "{}", res.text().await.unwrap_or_default());
        let cookie = cookie_of(&res, "agora_session=").expect("session cookie");
        (cookie, ticket)
    }

    async fn page(&self, client: &reqwest::Client, url: &str) -> String {
        let res = client.get(url).send().await.expect("GET page");
        assert_eq!(res.status().as_u16(), 200, "GET {url}");
        res.text().await.expect("body")
    }

    /// What the bare client gets at `url` with `cookie`: status and body.
    async fn with_cookie(&self, url: &str, cookie: &str) -> (u16, String) {
        let res = self.bare().get(url).header(COOKIE, cookie).send().await.expect("GET");
        (res.status().as_u16(), res.text().await.unwrap_or_default())
    }

    /// The session's CSRF token, from the layout API.
    async fn csrf(&self, client: &reqwest::Client, e: &Establishment) -> String {
        let res = client
            .get(format!("{}/api/v1/layout", self.at(e)))
            .send()
            .await
            .expect("GET layout");
        assert_eq!(res.status().as_u16(), 200);
        let v: Value = res.json().await.expect("json");
        v["csrf_token"].as_str().expect("token").to_string()
    }

    async fn publications(&self, client: &reqwest::Client, e: &Establishment) -> Vec<String> {
        let res = client
            .get(format!("{}/api/v1/layout", self.at(e)))
            .send()
            .await
            .expect("GET layout");
        let status = res.status().as_u16();
        let v: Value = res.json().await.expect("json");
        assert_eq!(status, 200, "layout at {}: {v}", e.id);
        agora_tests::api::columns(&v["layout"], "home").concat()
    }

    fn refusals_logged(&self, tenant: &str, needle: &str) -> usize {
        self.logs.lines_with(&[&format!("tenant={tenant}"), needle]).len()
    }
}

/// Counts the cross-tenant attempts, each refused.
struct Attempts(Vec<&'static str>);

impl Attempts {
    fn refused(&mut self, what: &'static str, refused: bool) {
        assert!(refused, "cross-tenant attempt not refused: {what}");
        self.0.push(what);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cross_tenant_attempt_is_refused_and_logged() {
    let w = world("tenants").await;
    let mut attempts = Attempts(Vec::new());
    let (at_a, at_b) = (w.at(&w.a), w.at(&w.b));

    // The same login names two people: each establishment shows its own.
    let browser = w.browser();
    let (cookie_a, ticket_a) = w.sign_in(&browser, &w.a).await;
    let page_a = w.page(&browser, &format!("{at_a}/")).await;
    assert!(
        publication_chunk(&page_a, "welcome").contains(w.a.name),
        "A's jdupont at A"
    );
    assert!(page_a.contains("Université UT1"), "A's skin");
    let (cookie_b, _ticket_b) = w.sign_in(&browser, &w.b).await;
    let page_b = w.page(&browser, &format!("{at_b}/")).await;
    assert!(
        publication_chunk(&page_b, "welcome").contains(w.b.name),
        "B's jdupont at B"
    );
    assert!(!page_b.contains(w.a.name) && !page_b.contains("Université UT1"));
    let csrf_a = w.csrf(&browser, &w.a).await;
    let csrf_b = w.csrf(&browser, &w.b).await;

    // 1–3. A's session cookie on B's host: nobody is signed in there.
    let before = w.refusals_logged("ut2", "session of another tenant");
    let (status, body) = w.with_cookie(&format!("{at_b}/"), &cookie_a).await;
    attempts.refused(
        "A's cookie on B's home page",
        status == 200 && !body.contains(w.a.name) && !body.contains(w.b.name) && body.contains("/login"),
    );
    let (status, _) = w.with_cookie(&format!("{at_b}/api/v1/layout"), &cookie_a).await;
    attempts.refused("A's cookie on B's layout API", status == 401);
    let (_, body) = w.with_cookie(&format!("{at_b}/catalogue"), &cookie_a).await;
    attempts.refused("A's cookie on B's catalogue", !body.contains(w.a.name));
    assert!(
        w.refusals_logged("ut2", "session of another tenant") > before,
        "refusals are logged with the tenant"
    );

    // 4–6. State changes at B with A's cookie and A's CSRF token.
    let res = w
        .bare()
        .post(format!("{at_b}/api/v1/layout"))
        .header(COOKIE, &cookie_a)
        .header("X-CSRF-Token", &csrf_a)
        .json(&json!({"op": "remove-channel", "publication": "news"}))
        .send()
        .await
        .expect("POST");
    attempts.refused(
        "A's cookie and CSRF token on B's layout API",
        res.status().as_u16() == 403,
    );
    let res = w
        .bare()
        .post(format!("{at_b}/layout/reset"))
        .header(COOKIE, &cookie_a)
        .form(&[("csrf", csrf_a.as_str())])
        .send()
        .await
        .expect("POST");
    attempts.refused(
        "A's cookie and CSRF token on B's reset form",
        res.status().as_u16() == 403,
    );
    // B's own session with A's token: the token is A's session's, not B's.
    let res = browser
        .post(format!("{at_b}/api/v1/layout"))
        .header("X-CSRF-Token", &csrf_a)
        .json(&json!({"op": "remove-channel", "publication": "news"}))
        .send()
        .await
        .expect("POST");
    attempts.refused("B's session with A's CSRF token", res.status().as_u16() == 403);
    assert!(
        w.publications(&browser, &w.b).await.contains(&"news".to_string()),
        "B's layout unchanged"
    );

    // 7–8. Tickets of A's CAS at B: for A's service, and one A's CAS issued for B's service.
    let thief = w.browser();
    let to_cas = format!(
        "{}login?service={}",
        w.a.cas.url,
        urlencode(&format!("{at_a}/login/cas"))
    );
    let back = w.a.cas.browser_login(&thief, &to_cas, "jdupont", "pw").await;
    let ticket = back.split("ticket=").nth(1).expect("ticket");
    let res = thief
        .get(format!("{at_b}/login/cas?ticket={ticket}"))
        .send()
        .await
        .expect("GET");
    attempts.refused(
        "A's ticket for A's service presented at B",
        res.status().as_u16() == 403,
    );
    let thief = w.browser();
    let to_cas = format!(
        "{}login?service={}",
        w.a.cas.url,
        urlencode(&format!("{at_b}/login/cas"))
    );
    let back = w.a.cas.browser_login(&thief, &to_cas, "jdupont", "pw").await;
    let ticket = back.split("ticket=").nth(1).expect("ticket");
    let res = thief
        .get(format!("{at_b}/login/cas?ticket={ticket}"))
        .send()
        .await
        .expect("GET");
    attempts.refused("a ticket A's CAS issued for B's service", res.status().as_u16() == 403);
    let page = w.page(&thief, &format!("{at_b}/")).await;
    assert!(
        !page.contains(w.a.name) && !page.contains(w.b.name),
        "no session opened at B"
    );

    // 9. A single logout request naming A's session, sent to B: A's session lives on.
    let logout = format!(
        "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
         xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"LR-1\" Version=\"2.0\" \
         IssueInstant=\"2026-12-02T08:00:00Z\"><saml:NameID>jdupont</saml:NameID>\
         <samlp:SessionIndex>{ticket_a}</samlp:SessionIndex></samlp:LogoutRequest>"
    );
    let res = w
        .bare()
        .post(format!("{at_b}/login/cas"))
        .form(&[("logoutRequest", logout.as_str())])
        .send()
        .await
        .expect("SLO");
    assert_eq!(res.status().as_u16(), 200);
    let page = w.page(&browser, &format!("{at_a}/")).await;
    attempts.refused(
        "a single logout at B naming A's session",
        publication_chunk(&page, "welcome").contains(w.a.name),
    );
    assert!(w.refusals_logged("ut2", "single logout for no session of this tenant") > 0);

    // 10–13. B's administrator (B's jdupont) and A's people.
    let (status, _) = w.with_cookie(&format!("{at_a}/admin/explain/jdupont"), &cookie_b).await;
    attempts.refused("B's administrator's cookie on A's explain", status == 403);
    let (status, _) = w
        .with_cookie(&format!("{at_a}/api/v1/admin/layout/jdupont"), &cookie_b)
        .await;
    attempts.refused(
        "B's administrator's cookie on A's layout export",
        status == 401 || status == 403,
    );
    let res = browser
        .get(format!("{at_b}/admin/explain/mcurie"))
        .send()
        .await
        .expect("GET");
    let body = res.text().await.unwrap_or_default();
    attempts.refused("explain at B of a uid only A has", !body.contains("Marie Curie"));
    let res = browser
        .get(format!("{at_b}/api/v1/admin/view-as/mcurie"))
        .send()
        .await
        .expect("GET");
    let body = res.text().await.unwrap_or_default();
    attempts.refused("view-as at B of a uid only A has", !body.contains("Marie Curie"));
    let res = browser
        .get(format!("{at_b}/admin/view-as/jdupont"))
        .send()
        .await
        .expect("GET");
    let body = res.text().await.unwrap_or_default();
    attempts.refused("view-as at B of jdupont shows B's", !body.contains(w.a.name));

    // The platform's state is for platform administrators: A's sees every tenant, B's
    // administrator none (and no person of any tenant is listed).
    let admin_a = w.page(&browser, &format!("{at_a}/admin")).await;
    assert!(
        admin_a.contains("data-tenant=\"ut2\"") && admin_a.contains("data-tenant=\"pres\""),
        "{admin_a}"
    );
    assert!(!admin_a.contains(w.b.name));
    let admin_b = w.page(&browser, &format!("{at_b}/admin")).await;
    attempts.refused(
        "the platform's state to a tenant's administrator",
        !admin_b.contains("data-tenant="),
    );

    // 14–15. Layout export and import of the same uid: each establishment its own.
    let res = browser
        .post(format!("{at_a}/api/v1/layout"))
        .header("X-CSRF-Token", &csrf_a)
        .json(&json!({"op": "remove-channel", "publication": "news"}))
        .send()
        .await
        .expect("edit at A");
    assert_eq!(res.status().as_u16(), 200, "{}", res.text().await.unwrap_or_default());
    let res = browser
        .get(format!("{at_b}/api/v1/admin/layout/jdupont"))
        .send()
        .await
        .expect("export");
    assert_eq!(res.status().as_u16(), 200);
    let exported: Value = res.json().await.expect("json");
    attempts.refused(
        "layout export at B of A's jdupont's edits",
        !exported.to_string().contains("remove-channel"),
    );
    let res = browser
        .post(format!("{at_b}/api/v1/admin/layout/jdupont"))
        .header("X-CSRF-Token", &csrf_b)
        .json(&json!({"edits": [{"op": "remove-channel", "publication": "welcome"}]}))
        .send()
        .await
        .expect("import at B");
    assert_eq!(res.status().as_u16(), 200, "{}", res.text().await.unwrap_or_default());
    let mine_a = w.publications(&browser, &w.a).await;
    attempts.refused(
        "layout import at B reaching A's jdupont",
        mine_a.contains(&"welcome".to_string()) && !mine_a.contains(&"news".to_string()),
    );
    let mine_b = w.publications(&browser, &w.b).await;
    assert!(!mine_b.contains(&"welcome".to_string()) && mine_b.contains(&"news".to_string()));

    // 16–18. Cache keys made to collide: one publication id, one package, one config, one
    // guest's variant, rendered within each other's TTL: each shows its own back-end's.
    let guest = w.browser();
    let news = |page: &str| publication_chunk(page, "news");
    let ga = w.page(&guest, &format!("{at_a}/")).await;
    let gb = w.page(&guest, &format!("{at_b}/")).await;
    attempts.refused(
        "B's guest page from A's render cache",
        news(&gb).contains("Actualité UT2") && !news(&gb).contains("UT1"),
    );
    attempts.refused(
        "A's guest page from B's render cache",
        news(&ga).contains("Actualité UT1") && !news(&ga).contains("UT2"),
    );
    attempts.refused(
        "B's news channel reading A's channel cache (same key feed:/feed.xml)",
        w.b.backend.hits("/feed.xml") >= 1 && w.a.backend.hits("/feed.xml") >= 1,
    );
    // On Redis, renders are under each tenant's prefix.
    let keys = redis_keys(&w.redis.url);
    assert!(keys.iter().any(|k| k.starts_with("agora:t:ut1:render:")), "{keys:?}");
    assert!(keys.iter().any(|k| k.starts_with("agora:t:ut2:render:")), "{keys:?}");
    assert!(
        !keys.iter().any(|k| k.starts_with("agora:render:")),
        "no unscoped render: {keys:?}"
    );
    // In PostgreSQL, each tenant counts its own last good renders.
    let (sa, sb) = (
        w.portal.portal.site("ut1").expect("ut1"),
        w.portal.portal.site("ut2").expect("ut2"),
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while sa.storage.count_renders().await.unwrap_or(0) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(sa.storage.count_renders().await.expect("count") > 0);
    assert!(sb.storage.count_renders().await.expect("count") > 0);

    // 19–21. Hosts: an unknown host, an establishment with its own host asked for on the
    // shared host, and the cookie naming it there: the picker each time, never A's site.
    let (status, body) = w
        .with_cookie(&format!("http://unknown.test:{}/", w.site.port), "")
        .await;
    attempts.refused(
        "an unknown host",
        status == 200 && body.contains("data-establishment=\"pres\"") && !body.contains("Actualité UT1"),
    );
    let shared = w.portal.url.clone();
    let res = w
        .bare()
        .get(format!("{shared}/?establishment=ut1"))
        .send()
        .await
        .expect("GET");
    let body = res.text().await.unwrap_or_default();
    attempts.refused(
        "?establishment= of a tenant with its own host, on the shared host",
        body.contains("data-establishment") && !body.contains("Actualité UT1"),
    );
    let (_, body) = w.with_cookie(&format!("{shared}/"), "agora_establishment=ut1").await;
    attempts.refused(
        "the establishment cookie naming a tenant with its own host",
        body.contains("data-establishment") && !body.contains("Actualité UT1"),
    );
    // A forged Host header naming B, with A's cookie, on A's connection: B's site, no one signed in.
    let res = w
        .bare()
        .get(format!("{at_a}/"))
        .header(HOST, format!("{}:{}", w.b.host, w.site.port))
        .header(COOKIE, &cookie_a)
        .send()
        .await
        .expect("GET");
    let body = res.text().await.unwrap_or_default();
    attempts.refused(
        "a Host header naming B with A's cookie",
        !body.contains(w.a.name) && body.contains("Actualité UT2"),
    );

    // 22. The shared host's establishments: their own news from the shared back-end, and a
    // session of A presented there is no one's.
    let (_, body) = w
        .with_cookie(&format!("{shared}/"), &format!("agora_establishment=pres; {cookie_a}"))
        .await;
    attempts.refused(
        "A's cookie on the shared host's establishment",
        body.contains("Établissement PRES") && !body.contains(w.a.name),
    );
    assert!(
        publication_chunk(&body, "news").contains("Actualité du site partagé"),
        "{body}"
    );

    // Metrics carry the tenant.
    let metrics = reqwest::Client::new()
        .get(format!("{shared}/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("tenant=\"ut1\"") && metrics.contains("tenant=\"ut2\""),
        "{metrics}"
    );
    assert!(metrics.contains("agora_tenant_refusals_total"), "refusals are counted");

    assert!(
        attempts.0.len() >= 20,
        "{} attempts: {:?}",
        attempts.0.len(),
        attempts.0
    );
    w.portal.stop().await;
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Every key of `redis` (`redis-cli --scan`).
fn redis_keys(url: &str) -> Vec<String> {
    let out = std::process::Command::new("redis-cli")
        .args(["-u", url, "--scan"])
        .output()
        .expect("redis-cli");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_come_and_go_without_a_restart_and_a_broken_one_is_refused_alone() {
    let w = world("tenants-reload").await;
    let (at_a, at_b) = (w.at(&w.a), w.at(&w.b));
    let guest = w.browser();
    assert!(w.page(&guest, &format!("{at_b}/")).await.contains("Université UT2"));

    // B's file broken: refused, B keeps its previous configuration, A is untouched.
    let good = std::fs::read_to_string(w.site.root.join("config/tenants/ut2/tenant.toml")).expect("read");
    w.site.write_config(
        "tenants/ut2/tenant.toml",
        &format!("{good}\n[server]\nlisten = \"0.0.0.0:80\"\n"),
    );
    let refused = || w.logs.lines_with(&["tenants/ut2/tenant.toml", "server"]).len();
    let deadline = Instant::now() + Duration::from_secs(10);
    while refused() == 0 {
        assert!(Instant::now() < deadline, "the broken tenant file is reported");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        w.page(&guest, &format!("{at_b}/")).await.contains("Université UT2"),
        "B as before"
    );
    assert!(
        w.page(&guest, &format!("{at_a}/")).await.contains("Université UT1"),
        "A untouched"
    );

    // B changed (a new institution name): served without a restart.
    w.site.write_config(
        "tenants/ut2/tenant.toml",
        &good.replace(
            "[skin]\ninstitution = \"Université UT2\"",
            "[skin]\ninstitution = \"Université UT2 renommée\"",
        ),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !w.page(&guest, &format!("{at_b}/")).await.contains("UT2 renommée") {
        assert!(Instant::now() < deadline, "B's change is served");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A new establishment on the shared host appears in the picker; removed, it is gone.
    let shared = w.portal.url.clone();
    std::fs::create_dir_all(w.site.root.join("config/tenants/isae")).expect("mkdir");
    w.site.write_config(
        "tenants/isae/tenant.toml",
        "[tenant]\nname = { fr = \"ISAE-SUPAERO\" }\nacronym = \"ISAE\"\n",
    );
    let picker = || async {
        w.bare()
            .get(format!("{shared}/establishment"))
            .send()
            .await
            .expect("GET")
            .text()
            .await
            .unwrap_or_default()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !picker().await.contains("data-establishment=\"isae\"") {
        assert!(Instant::now() < deadline, "the new establishment is listed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    std::fs::remove_dir_all(w.site.root.join("config/tenants/isae")).expect("rm");
    let deadline = Instant::now() + Duration::from_secs(10);
    while picker().await.contains("data-establishment=\"isae\"") {
        assert!(Instant::now() < deadline, "the removed establishment is gone");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, body) = w.with_cookie(&format!("{shared}/"), "agora_establishment=isae").await;
    assert!(
        body.contains("data-establishment=\"pres\""),
        "its cookie leads to the picker"
    );
    w.portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_establishment_picker_keeps_deep_links_and_remembers_the_choice() {
    let w = world("tenants-picker").await;
    let shared = w.portal.url.clone();
    let browser = w.browser();
    // A deep link on the shared host: the picker, in the asked language, with each
    // establishment's support contact.
    let res = browser
        .get(format!("{shared}/?tab=home&lang=en"))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 200);
    // Tera escapes `/` in attributes; a browser reads it back.
    let body = res.text().await.expect("body").replace("&#x2F;", "/");
    assert!(body.contains("Choose your institution"), "{body}");
    assert!(body.contains("support@pres.example") && body.contains("05 61 00 00 00"));
    assert!(
        body.contains("href=\"/?tab=home&amp;lang=en&amp;establishment=envt\""),
        "{body}"
    );
    // An establishment with a host of its own is a link to it, with the same path.
    let own = format!("href=\"{}/?tab=home&amp;lang=en\"", w.at(&w.a));
    assert!(
        body.contains(&own),
        "{own} in {}",
        &body[body.find("<ul").unwrap_or(0)..]
    );
    let res = browser
        .get(format!("{shared}/?tab=home&lang=en&establishment=envt"))
        .send()
        .await
        .expect("choose");
    let status = res.status().as_u16();
    assert!(cookie_of(&res, "agora_establishment=envt").is_some(), "remembered");
    let body = res.text().await.expect("body");
    assert_eq!(status, 200, "{:?}", w.logs.lines_with(&["ERROR"]));
    assert!(body.contains("Établissement ENVT"));
    // Remembered: the next visit goes straight to it; `/establishment` changes it.
    assert!(
        w.page(&browser, &format!("{shared}/"))
            .await
            .contains("Établissement ENVT")
    );
    let picker = w.page(&browser, &format!("{shared}/establishment")).await;
    assert!(picker.contains("data-establishment=\"pres\""));
    let res = browser
        .get(format!("{shared}/?establishment=pres"))
        .send()
        .await
        .expect("choose");
    assert!(res.text().await.expect("body").contains("Établissement PRES"));
    assert!(
        w.page(&browser, &format!("{shared}/"))
            .await
            .contains("Établissement PRES")
    );
    // The platform's plumbing answers without a choice.
    let res = w.bare().get(format!("{shared}/health")).send().await.expect("health");
    assert_eq!(res.status().as_u16(), 200);
    w.portal.stop().await;
}

/// A platform of three establishments and no sign-on: UT1 on a host of its own, PRES and
/// ENVT on the shared host.
fn picker_site(name: &str) -> Site {
    let site = Site::new(
        name,
        "[channels.welcome]\npackage = \"welcome\"\n",
        &one_column_layout(&["welcome"]),
    );
    for (id, acronym, hosts) in [
        ("ut1", "UT1", "hosts = [\"ut1.test\"]"),
        ("pres", "PRES", ""),
        ("envt", "ENVT", ""),
    ] {
        std::fs::create_dir_all(site.root.join("config/tenants").join(id)).expect("tenant dir");
        site.write_config(
            &format!("tenants/{id}/tenant.toml"),
            &format!(
                "[tenant]\nname = {{ fr = \"Établissement {acronym}\", en = \"{acronym} institution\" }}\n\
                 acronym = \"{acronym}\"\n{hosts}\nsupport = {{ email = \"support@{id}.example\" }}\n\n\
                 [skin]\ninstitution = \"Établissement {acronym}\"\n"
            ),
        );
    }
    site
}

/// The institution named in the page's header (the streamed page's shadow root, or the page).
const INSTITUTION: &str = "return (document.querySelector('agora-page')?.shadowRoot ?? document)\
    .querySelector('.institution')?.textContent ?? null;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_chooses_its_establishment_in_the_picker_and_changes_it() {
    let site = picker_site("tenants-browser");
    let portal = site.start().await;
    let browser = agora_tests::webdriver::Browser::start(&site.root, 390, 844).await;

    // A deep link on the shared host: the picker first, every establishment listed.
    browser.goto(&format!("{}/?tab=home&lang=en", portal.url)).await;
    let listed = browser
        .script("return [...document.querySelectorAll('a[data-establishment]')].map(a => a.dataset.establishment);")
        .await;
    assert_eq!(
        listed,
        json!(["envt", "pres", "ut1"]),
        "{}",
        browser.script("return document.body.innerText").await
    );
    let heading = browser.script("return document.querySelector('h1').textContent").await;
    assert_eq!(heading, json!("Choose your institution"));

    // Chosen: the page asked for, in that establishment.
    browser.click("a[data-establishment=\"envt\"]").await;
    let url = browser
        .wait_for_url("ENVT's page", |u| u.contains("establishment=envt"))
        .await;
    assert!(url.contains("tab=home"), "the deep link is kept: {url}");
    assert_eq!(browser.script(INSTITUTION).await, json!("Établissement ENVT"));
    let home = browser.script("return !!document.querySelector('agora-page');").await;
    assert_eq!(home, json!(true), "the home page, not an error page");
    // Remembered by the browser.
    browser.goto(&format!("{}/", portal.url)).await;
    assert_eq!(browser.script(INSTITUTION).await, json!("Établissement ENVT"));

    // Changed from the header's link.
    browser
        .script(
            "(document.querySelector('agora-page')?.shadowRoot ?? document)\
             .querySelector('a.establishment-change').click(); return null;",
        )
        .await;
    browser
        .wait_for_url("the picker", |u| u.ends_with("/establishment"))
        .await;
    browser.click("a[data-establishment=\"pres\"]").await;
    browser
        .wait_for_url("PRES's page", |u| u.contains("establishment=pres"))
        .await;
    assert_eq!(browser.script(INSTITUTION).await, json!("Établissement PRES"));
    browser.goto(&format!("{}/", portal.url)).await;
    assert_eq!(browser.script(INSTITUTION).await, json!("Établissement PRES"));
    browser.quit().await;
    portal.stop().await;
}
