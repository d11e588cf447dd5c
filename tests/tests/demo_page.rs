//! The shipped configuration (`config/channels.toml`, `config/fragments/`, the catalogue) with
//! the demo directory: each persona sees their own page, made of the fragments of their
//! populations, with the welcome and news channels.

use agora_tests::api::shipped_site;
use agora_tests::page::publication_chunk;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_persona_sees_a_personal_page_with_welcome_and_news() {
    let (site, backend) = shipped_site("demo").await;
    let portal = site.start().await;
    for (uid, name, marker, own) in [
        // Their formation and status in words (config/nomenclature.toml), not SupAnn codes.
        (
            "alice.martin",
            "Alice Martin",
            "L1 Mathématiques, 2026–2027",
            Some("l1-news"),
        ),
        ("bruno.leroy", "Bruno Leroy", "M2 Informatique, 2026–2027", None),
        ("claire.dubois", "Claire Dubois", "Enseignant·e", Some("staff-news")),
        ("david.moreau", "David Moreau", "Personnel", Some("staff-news")),
    ] {
        let client = portal.client();
        portal.sign_in(&client, uid).await;
        let page = portal.get_page(&client, "/").await;
        let welcome = publication_chunk(&page, "welcome");
        assert!(welcome.contains(name), "{uid}: {welcome}");
        assert!(welcome.contains(marker), "{uid} sees their own attributes: {welcome}");
        let news = publication_chunk(&page, "campus-news");
        assert!(
            news.contains("Inscriptions pédagogiques du second semestre ouvertes"),
            "{news}"
        );
        for fragment_only in ["l1-news", "staff-news"] {
            assert_eq!(
                page.contains(&format!("data-publication=\"{fragment_only}\"")),
                own == Some(fragment_only),
                "{uid}: {fragment_only} comes only with its population's fragment"
            );
        }
        if own == Some("staff-news") {
            let work = portal.get_page(&client, "/?tab=work").await;
            let library = publication_chunk(&work, "library-news");
            assert!(library.contains("Horaires étendus"), "{library}");
        }
        assert!(page.contains(name), "the header names the user");
    }
    // The feed is fetched once and shared (channel cache), not once per user.
    assert_eq!(backend.hits("/feeds/campus.xml"), 1);
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_see_the_guest_page_and_sign_in_needs_a_valid_csrf_token() {
    let (site, _backend) = shipped_site("guest").await;
    let portal = site.start().await;
    let client = portal.client();
    let page = portal.get_page(&client, "/?lang=en").await;
    assert!(page.contains("Sign in"), "guest page offers sign-in");
    assert!(publication_chunk(&page, "welcome").contains("Sign in to see your personal page"));

    let res = client
        .post(format!("{}/login/demo", portal.url))
        .form(&[("uid", "alice.martin"), ("csrf", "forged")])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 403);
    let body = res.text().await.expect("body");
    assert!(body.contains("expired") || body.contains("expiré"), "{body}");

    let login = portal.get_page(&client, "/login").await;
    let csrf = agora_tests::page::csrf_token(&login).expect("token");
    let res = client
        .post(format!("{}/login/demo", portal.url))
        .form(&[("uid", "mallory"), ("csrf", csrf.as_str())])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 400, "unknown personas are refused");

    // Security headers on every page.
    let res = client.get(format!("{}/", portal.url)).send().await.expect("GET");
    let csp = res
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_ends_the_session_and_the_session_cookie_is_strict() {
    let (site, _backend) = shipped_site("logout").await;
    let portal = site.start().await;
    let client = portal.client();
    let login = client
        .get(format!("{}/login", portal.url))
        .send()
        .await
        .expect("GET /login");
    let csrf = agora_tests::page::csrf_token(&login.text().await.expect("body")).expect("token");
    let res = client
        .post(format!("{}/login/demo", portal.url))
        .form(&[("uid", "claire.dubois"), ("csrf", csrf.as_str())])
        .send()
        .await
        .expect("POST");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let page = portal.get_page(&client, "/").await;
    assert!(page.contains("Claire Dubois"));
    let res = portal.sign_out(&client, &page).await;
    assert_eq!(res.status().as_u16(), 303);
    let page = portal.get_page(&client, "/").await;
    assert!(!page.contains("Claire Dubois"), "signed out");
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slots_follow_populations() {
    let (site, _backend) = shipped_site("populations").await;
    let portal = site.start().await;
    for (uid, l1, staff) in [
        ("alice.martin", true, false),
        ("bruno.leroy", false, false),
        ("claire.dubois", false, true),
        ("david.moreau", false, true),
    ] {
        let client = portal.client();
        portal.sign_in(&client, uid).await;
        let page = portal.get_page(&client, "/").await;
        assert_eq!(
            page.contains("data-publication=\"l1-news\""),
            l1,
            "{uid} and the L1 UFR 27 news"
        );
        assert_eq!(
            page.contains("data-publication=\"staff-news\""),
            staff,
            "{uid} and the staff intranet"
        );
        if l1 {
            let l1_news = publication_chunk(&page, "l1-news");
            assert!(l1_news.contains("Tutorat de mathématiques"), "{l1_news}");
        }
    }
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_can_ask_why_a_person_is_in_a_population() {
    let (site, _backend) = shipped_site("explain").await;
    site.append_config("[admin]\npopulations = [\"portal-admins\"]\n");
    let portal = site.start().await;
    let student = portal.client();
    portal.sign_in(&student, "alice.martin").await;
    let res = student
        .get(format!("{}/admin/explain/bruno.leroy", portal.url))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 403, "students are not administrators");

    let admin = portal.client();
    portal.sign_in(&admin, "david.moreau").await; // role R40 on DEVE: portal-admins
    let res = admin
        .get(format!("{}/admin/explain/alice.martin", portal.url))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = serde_json::from_str(&res.text().await.expect("body")).expect("json");
    let populations: Vec<&str> = body["populations"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(populations, ["students", "l1-ufr27"]);
    let text = body["text"].as_str().expect("text");
    assert!(
        text.contains("✔ l1-ufr27") && text.contains("levels L1, affect UFR27"),
        "{text}"
    );
    assert!(text.contains("✘ teachers"), "{text}");
    portal.stop().await;
}

/// The `agora_session=…` pair a response sets, if any.
fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("agora_session="))
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_gives_a_new_session_id_and_the_old_one_stays_anonymous() {
    let (site, _backend) = shipped_site("fixation").await;
    let portal = site.start().await;
    // No cookie jar: the test carries the cookies by hand, as an attacker who planted one would.
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = raw
        .get(format!("{}/login", portal.url))
        .send()
        .await
        .expect("GET /login");
    assert_eq!(session_cookie(&login), None, "the login page opens no session");
    let csrf_cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("agora_csrf="))
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
        .expect("the form's CSRF cookie");
    // A session id planted by an attacker.
    let before = String::from("agora_session=planted-by-an-attacker");
    let csrf = agora_tests::page::csrf_token(&login.text().await.expect("body")).expect("token");
    let res = raw
        .post(format!("{}/login/demo", portal.url))
        .header("cookie", format!("{before}; {csrf_cookie}"))
        .form(&[("uid", "claire.dubois"), ("csrf", csrf.as_str())])
        .send()
        .await
        .expect("POST /login/demo");
    assert_eq!(res.status().as_u16(), 303);
    let after = session_cookie(&res).expect("sign-in sets a session cookie");
    assert_ne!(before, after, "sign-in must not keep the session id it was given");
    let page_of = |cookie: String| {
        let raw = raw.clone();
        let url = format!("{}/", portal.url);
        async move {
            raw.get(url)
                .header("cookie", cookie)
                .send()
                .await
                .expect("GET /")
                .text()
                .await
                .expect("body")
        }
    };
    assert!(
        page_of(after).await.contains("Claire Dubois"),
        "the new id is signed in"
    );
    assert!(
        !page_of(before).await.contains("Claire Dubois"),
        "the id known before sign-in is not"
    );
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_language_keeps_the_tab() {
    let (site, _backend) = shipped_site("lang-switch").await;
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "david.moreau").await;
    let page = portal.get_page(&client, "/?tab=work&lang=en").await;
    assert!(
        page.contains(r#"class="lang-switch" href="?tab=work&amp;lang=fr""#),
        "{page}"
    );
    let page = portal.get_page(&client, "/?tab=work&lang=fr").await;
    assert!(page.contains("lang=\"fr\""), "the page is in French now");
    assert!(
        page.contains(r#"href="?tab=work&amp;lang=en""#),
        "and still on the Work tab"
    );
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_for_the_bearer_of_the_token_only() {
    let (site, _backend) = shipped_site("metrics").await;
    // Behind a reverse proxy on the same host every request comes from 127.0.0.1: the peer
    // address proves nothing, the token does.
    let toml = site.root.join("config/portal.toml");
    let text = std::fs::read_to_string(&toml).expect("portal.toml");
    let text = text.replacen(
        "[server]\n",
        "[server]\nmetrics_token = \"prometheus-scrape-token\"\n",
        1,
    );
    std::fs::write(&toml, text).expect("portal.toml");
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    portal.get_page(&client, "/").await;
    let url = format!("{}/metrics", portal.url);
    let res = client.get(&url).send().await.expect("GET /metrics");
    assert_eq!(res.status().as_u16(), 403, "loopback without the token is refused");
    let res = client
        .get(&url)
        .bearer_auth("wrong-token-of-the-same-size!!")
        .send()
        .await
        .expect("GET /metrics");
    assert_eq!(res.status().as_u16(), 403);
    let res = client
        .get(&url)
        .bearer_auth("prometheus-scrape-token")
        .send()
        .await
        .expect("GET /metrics");
    assert_eq!(res.status().as_u16(), 200);
    let text = res.text().await.expect("body");
    for metric in [
        "agora_signon_total{method=\"demo\",outcome=\"ok\"}",
        "agora_channel_renders_total",
        "agora_http_requests_total",
        "agora_http_request_duration_seconds",
    ] {
        assert!(text.contains(metric), "{metric} missing from:\n{text}");
    }
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_visitors_get_no_server_side_session() {
    let (site, _backend) = shipped_site("no-anonymous-session").await;
    let portal = site.start().await;
    let sessions = |portal: &agora_tests::RunningPortal| {
        let url = format!("{}/health", portal.url);
        async move {
            let health: serde_json::Value = reqwest::get(url).await.expect("health").json().await.expect("json");
            health["sessions"].as_u64().expect("sessions")
        }
    };
    for path in [
        "/",
        "/?tab=work",
        "/login",
        "/catalogue",
        "/no-such-page",
        "/static/theme.css",
    ] {
        for _ in 0..20 {
            let res = reqwest::get(format!("{}{path}", portal.url)).await.expect("GET");
            let _ = res.bytes().await;
        }
    }
    let browser = portal.client();
    portal.get_page(&browser, "/").await;
    assert_eq!(sessions(&portal).await, 0, "anonymous requests kept sessions");
    // The persona form's CSRF protection works without one, and signing in opens one.
    portal.sign_in(&browser, "alice.martin").await;
    assert_eq!(sessions(&portal).await, 1);
    // A forged submission (no signed cookie) is refused.
    let res = reqwest::Client::new()
        .post(format!("{}/login/demo", portal.url))
        .form(&[("uid", "alice.martin"), ("csrf", "0000")])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 403);
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_and_compression_and_hsts() {
    let (site, _backend) = shipped_site("http-plumbing").await;
    let portal = site.start().await;
    let client = portal.client();
    let res = client.head(format!("{}/", portal.url)).send().await.expect("HEAD /");
    assert_eq!(res.status().as_u16(), 200, "HEAD / answers like GET");
    let res = client
        .get(format!("{}/", portal.url))
        .header("Accept-Encoding", "gzip, br")
        .send()
        .await
        .expect("GET /");
    assert_eq!(
        res.headers().get("content-encoding").and_then(|v| v.to_str().ok()),
        Some("gzip"),
        "{:?}",
        res.headers()
    );
    assert!(
        res.headers().get("strict-transport-security").is_none(),
        "no HSTS over http"
    );
    portal.stop().await;

    let toml = site.root.join("config/portal.toml");
    let text = std::fs::read_to_string(&toml).expect("portal.toml");
    let text = text.replacen(
        "[server]\n",
        "[server]\npublic_url = \"https://ent.univ.example/\"\n",
        1,
    );
    std::fs::write(&toml, text).expect("portal.toml");
    let portal = site.start().await;
    let res = portal
        .client()
        .get(format!("{}/", portal.url))
        .send()
        .await
        .expect("GET /");
    assert_eq!(
        res.headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok()),
        Some("max-age=31536000")
    );
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_column_takes_no_room_outside_customisation() {
    let (site, _backend) = shipped_site("empty-column").await;
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "david.moreau").await;
    // The Work tab is two columns, the second empty: the library news gets the width.
    let work = portal.get_page(&client, "/?tab=work").await;
    assert!(work.contains(r#"class="columns columns-1""#), "{work}");
    assert_eq!(work.matches(r#"<div class="column">"#).count(), 1, "{work}");
    // Customising, the empty column is there to move a service into.
    let customise = portal.get_page(&client, "/?tab=work&customise=1").await;
    assert!(customise.contains(r#"class="columns columns-2""#), "{customise}");
    assert_eq!(customise.matches(r#"<div class="column">"#).count(), 2);
    // The guest page fills a wide screen: three services side by side.
    let guest = portal.get_page(&portal.client(), "/").await;
    assert!(guest.contains(r#"class="columns columns-3""#), "{guest}");
    assert!(guest.contains(r#"data-publication="library-news""#));
    portal.stop().await;
}
