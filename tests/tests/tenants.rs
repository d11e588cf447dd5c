//! One platform, several establishments (issue 13): two tenants with their own host names,
//! each with its own slapd and its own django-cas-server where the same login `jdupont`
//! names a different person, the same channel packages bound to different back-ends, and
//! two establishments on the shared host behind the picker. Redis and PostgreSQL are shared,
//! as on a real platform. Every cross-tenant attempt is refused, and logged.

use agora_tests::bench::cookie_of;
use agora_tests::page::publication_chunk;
use agora_tests::tenants::*;
use reqwest::header::{COOKIE, HOST};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

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
    // A fresh browser each time: a CAS session would skip the login form.
    let (world, at_b_ref) = (&w, &at_b);
    let ticket_at_b = |service: String| async move {
        let thief = world.browser();
        let to_cas = format!("{}login?service={}", world.a.cas.url, urlencode(&service));
        let back = world.a.cas.browser_login(&thief, &to_cas, "jdupont", "pw").await;
        let ticket = back.split("ticket=").nth(1).expect("ticket").to_string();
        let res = thief
            .get(format!("{at_b_ref}/login/cas?ticket={ticket}"))
            .send()
            .await
            .expect("GET");
        (res.status().as_u16(), thief)
    };
    let (status, _) = ticket_at_b(format!("{at_a}/login/cas")).await;
    attempts.refused("A's ticket for A's service presented at B", status == 403);
    let (status, thief) = ticket_at_b(format!("{at_b}/login/cas")).await;
    attempts.refused("a ticket A's CAS issued for B's service", status == 403);
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

/// `[limits] concurrent_renders`: one establishment's renders beyond its share wait at most
/// their channel's wall time, then show a "busy" notice (not a failure of the channel);
/// another establishment with the same channels and no limit renders them all at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_establishments_renders_beyond_its_limit_are_told_busy() {
    let backend = agora_tests::backend::TestBackend::start().await;
    // Slower than the channel's wall time (1.5 s): a render holds its place that long.
    backend.route(
        "/slow",
        agora_tests::backend::Answer::ok("text/html", "<p>slow</p>").delayed(Duration::from_secs(3)),
    );
    let site = agora_tests::Site::new(
        "tenants-limits",
        "[channels.welcome]\npackage = \"welcome\"\n",
        &agora_tests::one_column_layout(&["welcome"]),
    );
    let slow = format!(
        "{}{}",
        agora_tests::misbehaving("slow-a", "slow", &backend.url),
        agora_tests::misbehaving("slow-b", "slow", &backend.url)
    );
    for (id, limits) in [("limited", "[limits]\nconcurrent_renders = 1\n"), ("free", "")] {
        let dir = format!("tenants/{id}");
        std::fs::create_dir_all(site.root.join("config").join(&dir).join("fragments")).expect("mkdir");
        site.write_config(
            &format!("{dir}/tenant.toml"),
            &format!("[tenant]\nname = {{ fr = \"{id}\" }}\n\n{limits}"),
        );
        site.write_config(&format!("{dir}/channels.toml"), &slow);
        site.write_config(
            &format!("{dir}/fragments/main.toml"),
            &agora_tests::one_column_layout(&["slow-a", "slow-b"]),
        );
    }
    let portal = site.start().await;
    let page = |id: &'static str| {
        let url = format!("{}/?lang=en", portal.url);
        async move {
            reqwest::Client::new()
                .get(url)
                .header(COOKIE, format!("agora_establishment={id}"))
                .send()
                .await
                .expect("GET")
                .text()
                .await
                .expect("body")
        }
    };
    let busy = "The portal is very busy";
    let limited = page("limited").await;
    let told = ["slow-a", "slow-b"]
        .iter()
        .filter(|p| publication_chunk(&limited, p).contains(busy))
        .count();
    assert_eq!(told, 1, "one render at a time: the second is told busy: {limited}");
    let free = page("free").await;
    for p in ["slow-a", "slow-b"] {
        assert!(!publication_chunk(&free, p).contains(busy), "no limit, no wait: {free}");
    }
    portal.stop().await;
}
