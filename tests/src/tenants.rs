//! Worlds of the multi-tenancy tests (`tests/tests/tenants.rs`): a platform with two
//! establishments on hosts of their own, each with its own slapd and django-cas-server where
//! `jdupont` is not the same person, and establishments on the shared host.

use crate::backend::{Answer, TestBackend};
use crate::bench::cookie_of;
use crate::logs::{Logs, capture};
use crate::peers::{CasServer, Postgres, Redis, Slapd};
use crate::{RunningPortal, Site, one_column_layout};
use reqwest::header::COOKIE;
use serde_json::{Value, json};
use std::net::SocketAddr;

/// The platform's metrics bearer token in these worlds.
pub const METRICS_TOKEN: &str = "tenants-metrics-token-0123456789";

/// One establishment with a host of its own.
pub struct Establishment {
    /// Tenant id.
    pub id: &'static str,
    /// Its host name (`<id>.test`).
    pub host: String,
    /// What `jdupont` is called there.
    pub name: &'static str,
    /// Its own CAS.
    pub cas: CasServer,
    /// Its own directory.
    pub _slapd: Slapd,
    /// Its news back-end.
    pub backend: TestBackend,
}

/// The platform: two establishments with hosts, two on the shared host, one Redis, one PostgreSQL.
pub struct World {
    /// The configuration directory.
    pub site: Site,
    /// The platform, served.
    pub portal: RunningPortal,
    /// Establishment A (`ut1`).
    pub a: Establishment,
    /// Establishment B (`ut2`).
    pub b: Establishment,
    /// The back-end of the shared host's establishments.
    pub _shared_backend: TestBackend,
    /// The shared Redis.
    pub redis: Redis,
    /// The shared PostgreSQL.
    pub _postgres: Postgres,
    /// What the portal logged.
    pub logs: Logs,
}

/// An RSS feed of one item titled `title`.
pub fn feed(title: &str) -> Answer {
    Answer::ok(
        "application/rss+xml",
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title>\
             <item><title>{title}</title><pubDate>Mon, 30 Nov 2026 08:00:00 GMT</pubDate></item>\
             </channel></rss>"
        ),
    )
}

/// The LDIF of `jdupont`, called `extra` in this establishment.
pub fn people(extra: &str) -> String {
    format!(
        "dn: uid=jdupont,ou=people,dc=univ-agora,dc=fr\nobjectClass: inetOrgPerson\nobjectClass: eduPerson\n\
         uid: jdupont\ncn: {extra}\nsn: Dupont\ndisplayName: {extra}\neduPersonAffiliation: student\n\
         eduPersonPrimaryAffiliation: student\n"
    )
}

/// `welcome` and `news`, the feed on `backend`.
pub fn channels(backend: &str) -> String {
    format!(
        "[channels.welcome]\npackage = \"welcome\"\n\n[channels.news]\npackage = \"news\"\n\
         config = {{ path = \"/feed.xml\" }}\nbackends.feed = {{ url = \"{backend}\" }}\n"
    )
}

/// Start establishment `id` (its back-end, slapd and CAS) and write its tenant files.
pub async fn establishment(
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
pub const ONLY_IN_A: &str = "\ndn: uid=mcurie,ou=people,dc=univ-agora,dc=fr\nobjectClass: inetOrgPerson\n\
    uid: mcurie\ncn: Marie Curie\nsn: Curie\ndisplayName: Marie Curie\n";

/// Start the platform of [`World`], its portal served.
pub async fn world(name: &str) -> World {
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
    /// The portal\'s loopback address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.site.port))
    }

    /// `http://<host>:<port>`.
    pub fn at(&self, e: &Establishment) -> String {
        format!("http://{}:{}", e.host, self.site.port)
    }

    /// A browser: one cookie jar, both establishments' host names resolved to the portal.
    pub fn browser(&self) -> reqwest::Client {
        self.client(true)
    }

    /// An attacker's client: no cookie jar, cookies set by hand.
    pub fn bare(&self) -> reqwest::Client {
        self.client(false)
    }

    /// A client resolving every test host name to the portal, with a cookie jar or not.
    fn client(&self, cookies: bool) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(cookies)
            .redirect(reqwest::redirect::Policy::none())
            .resolve(&self.a.host, self.addr())
            .resolve(&self.b.host, self.addr())
            .resolve("unknown.test", self.addr())
            .build()
            .expect("client")
    }

    /// Sign in at `e` through its CAS; returns (session cookie, service ticket).
    pub async fn sign_in(&self, client: &reqwest::Client, e: &Establishment) -> (String, String) {
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

    /// GET `url` with `client`: 200 and its body.
    pub async fn page(&self, client: &reqwest::Client, url: &str) -> String {
        let res = client.get(url).send().await.expect("GET page");
        assert_eq!(res.status().as_u16(), 200, "GET {url}");
        res.text().await.expect("body")
    }

    /// What the bare client gets at `url` with `cookie`: status and body.
    pub async fn with_cookie(&self, url: &str, cookie: &str) -> (u16, String) {
        let res = self.bare().get(url).header(COOKIE, cookie).send().await.expect("GET");
        (res.status().as_u16(), res.text().await.unwrap_or_default())
    }

    /// The session's CSRF token, from the layout API.
    pub async fn csrf(&self, client: &reqwest::Client, e: &Establishment) -> String {
        let res = client
            .get(format!("{}/api/v1/layout", self.at(e)))
            .send()
            .await
            .expect("GET layout");
        assert_eq!(res.status().as_u16(), 200);
        let v: Value = res.json().await.expect("json");
        v["csrf_token"].as_str().expect("token").to_string()
    }

    /// The publications of `client`\'s home tab at `e`.
    pub async fn publications(&self, client: &reqwest::Client, e: &Establishment) -> Vec<String> {
        let res = client
            .get(format!("{}/api/v1/layout", self.at(e)))
            .send()
            .await
            .expect("GET layout");
        let status = res.status().as_u16();
        let v: Value = res.json().await.expect("json");
        assert_eq!(status, 200, "layout at {}: {v}", e.id);
        crate::api::columns(&v["layout"], "home").concat()
    }

    /// How many log lines of `tenant` say `needle`.
    pub fn refusals_logged(&self, tenant: &str, needle: &str) -> usize {
        self.logs.lines_with(&[&format!("tenant={tenant}"), needle]).len()
    }
}

/// Counts the cross-tenant attempts, each refused.
pub struct Attempts(pub Vec<&'static str>);

impl Attempts {
    /// Count attempt `what`, which must have been `refused`.
    pub fn refused(&mut self, what: &'static str, refused: bool) {
        assert!(refused, "cross-tenant attempt not refused: {what}");
        self.0.push(what);
    }
}

/// `s` for a query string.
pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Every key of `redis` (`redis-cli --scan`).
pub fn redis_keys(url: &str) -> Vec<String> {
    let out = std::process::Command::new("redis-cli")
        .args(["-u", url, "--scan"])
        .output()
        .expect("redis-cli");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// A platform of three establishments and no sign-on: UT1 on a host of its own, PRES and
/// ENVT on the shared host.
pub fn picker_site(name: &str) -> Site {
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
pub const INSTITUTION: &str = "return (document.querySelector('agora-page')?.shadowRoot ?? document)\
    .querySelector('.institution')?.textContent ?? null;";
