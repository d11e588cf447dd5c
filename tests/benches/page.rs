//! Page-level benchmarks (run with `cargo xtask bench`; figures go to BENCHMARKS.md):
//!
//! 1. `slow-backends`: a page of 10 channels whose back-ends each answer in 200 ms —
//!    time to first byte and to the complete page (goal: first byte ≤ 20 ms, complete ≤ 220 ms).
//! 2. `throughput`: cached personalised home page vs the same bytes served as a static file
//!    by the same server, requests per second with 16 concurrent clients (goal: ≥ 30 %).

use agora_tests::backend::{Answer, TestBackend};
use agora_tests::bench::{ms, percentile, session_cookie, wrk};
use agora_tests::{Site, misbehaving, one_column_layout};
use futures::StreamExt;
use std::time::{Duration, Instant};

async fn slow_backends() {
    let backend = TestBackend::start().await;
    backend.route(
        "/slow",
        Answer::ok("text/html", "<p>done</p>").delayed(Duration::from_millis(200)),
    );
    let ids: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
    let channels: String = ids.iter().map(|id| misbehaving(id, "slow", &backend.url)).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let site = Site::new("bench-slow", &channels, &one_column_layout(&refs));
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let (mut first, mut complete) = (Vec::new(), Vec::new());
    for i in 0..25 {
        let started = Instant::now();
        let res = client.get(format!("{}/", portal.url)).send().await.expect("GET");
        let mut stream = res.bytes_stream();
        let mut t_first = None;
        let mut body = Vec::new();
        while let Some(chunk) = stream.next().await {
            t_first.get_or_insert_with(|| started.elapsed());
            body.extend_from_slice(&chunk.expect("chunk"));
        }
        let total = started.elapsed();
        assert_eq!(
            String::from_utf8_lossy(&body).matches("<p>done</p>").count(),
            10,
            "every slot rendered"
        );
        if i >= 5 {
            first.push(t_first.unwrap_or(total));
            complete.push(total);
        }
    }
    first.sort();
    complete.sort();
    println!(
        "slow-backends (10 channels × 200 ms back-end, 20 pages): first byte p50 {} p95 {}; complete page p50 {} p95 {}",
        ms(percentile(&first, 0.5)),
        ms(percentile(&first, 0.95)),
        ms(percentile(&complete, 0.5)),
        ms(percentile(&complete, 0.95))
    );
    portal.stop().await;
}

async fn load(client: &reqwest::Client, url: &str, concurrency: usize, duration: Duration) -> (f64, usize) {
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let url = url.to_string();
        tasks.push(tokio::spawn(async move {
            let (mut n, mut bytes) = (0u64, 0usize);
            while Instant::now() < deadline {
                let body = client.get(&url).send().await.expect("GET").bytes().await.expect("body");
                bytes = body.len();
                n += 1;
            }
            (n, bytes)
        }));
    }
    let mut total = 0;
    let mut size = 0;
    for t in tasks {
        let (n, b) = t.await.expect("task");
        total += n;
        size = b;
    }
    (total as f64 / duration.as_secs_f64(), size)
}

async fn throughput() {
    use agora_tests::peers::{Dovecot, DovecotAuth};
    let (site, _backend) = agora_tests::api::shipped_site("bench-throughput").await;
    // The student home page with every channel of issue #6 on real or simulated back-ends:
    // mail on a real Dovecot, timetable and grades on the ADE/Apogée simulators, news feeds.
    let dovecot = Dovecot::start(
        &[("alice.martin", "unused")],
        DovecotAuth::Master {
            user: "portal".into(),
            password: "bench".into(),
        },
    );
    for n in 0..5 {
        dovecot.deliver(
            "alice.martin",
            &format!("From: ENT <ent@univ-agora.fr>\r\nSubject: =?UTF-8?Q?Message_n=C2=B0{n}?=\r\nDate: Mon, 23 Nov 2026 08:0{n}:00 +0100\r\n\r\nx\r\n"),
            n < 2,
        );
    }
    site.append_config(&format!(
        "[mail]\nimap_host = \"127.0.0.1\"\nimap_port = {}\ntls = \"none\"\nauth = \"master\"\nmaster_user = \"portal\"\nmaster_password = \"bench\"\n",
        dovecot.port
    ));
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/").await;
    for publication in [
        "mail",
        "timetable",
        "grades",
        "links",
        "campus-news",
        "l1-news",
        "welcome",
    ] {
        let chunk = agora_tests::page::publication_chunk(&page, publication);
        assert!(
            !chunk.contains("role=\"alert\""),
            "{publication} must render for the bench: {chunk}"
        );
    }
    // Server time per page, one request at a time (back-ends warm in the caches).
    let mut times = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        let body = client
            .get(format!("{}/", portal.url))
            .send()
            .await
            .expect("GET")
            .bytes()
            .await
            .expect("body");
        assert!(!body.is_empty());
        times.push(started.elapsed());
    }
    times.sort();
    println!(
        "student home page (7 channels, caches warm, one client): server time p50 {} p95 {} p99 {}",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(percentile(&times, 0.99))
    );
    // The same bytes as a static file of the same server.
    let static_dir = portal.portal.state().theme.static_dir.clone();
    let file = static_dir.join("bench-page.html");
    std::fs::write(&file, &page).expect("write static copy");
    let duration = Duration::from_secs(5);
    let (page_rps, page_bytes) = load(&client, &format!("{}/", portal.url), 16, duration).await;
    let (static_rps, static_bytes) =
        load(&client, &format!("{}/static/bench-page.html", portal.url), 16, duration).await;
    let _ = std::fs::remove_file(&file);
    println!(
        "throughput (16 clients, 5 s each): cached personalised page {page_rps:.0} req/s ({page_bytes} B); same bytes as static file {static_rps:.0} req/s ({static_bytes} B); ratio {:.0} %",
        100.0 * page_rps / static_rps
    );
    portal.stop().await;
}

/// Server time of a CAS sign-in beyond the CAS round trip: the portal's `/login/cas`
/// (validation round trip + session) against a direct validation of an equivalent ticket.
async fn signon() {
    use agora_tests::peers::CasServer;
    let site = Site::new(
        "bench-signon",
        "[channels.welcome]\npackage = \"welcome\"\n",
        &one_column_layout(&["welcome"]),
    );
    let cas = CasServer::start(
        &format!(r"^http://127\.0\.0\.1:{}/.*", site.port),
        r"^http://127\.0\.0\.1:1/.*",
    );
    site.append_config(&format!("[cas]\nserver_url = \"{}\"\nproxy = false\n", cas.url));
    let portal = site.start().await;
    let direct = agora_cas::CasClient::new(&cas.url, reqwest::Client::new()).expect("client");
    let service = format!("{}login/cas", site.public_url());
    let login = format!(
        "{}login?service={}",
        cas.url,
        url::form_urlencoded::byte_serialize(service.as_bytes()).collect::<String>()
    );
    let (mut through_portal, mut direct_only) = (Vec::new(), Vec::new());
    for i in 0..30 {
        let client = portal.client();
        let back = cas.browser_login(&client, &login, "test", "test").await;
        let started = Instant::now();
        let res = client.get(&back).send().await.expect("service");
        assert_eq!(res.status().as_u16(), 303);
        let t_portal = started.elapsed();
        let client = portal.client();
        let back = cas.browser_login(&client, &login, "test", "test").await;
        let ticket = back.split("ticket=").nth(1).expect("ticket").to_string();
        let started = Instant::now();
        direct.validate(&service, &ticket, None).await.expect("valid");
        let t_direct = started.elapsed();
        if i >= 5 {
            through_portal.push(t_portal);
            direct_only.push(t_direct);
        }
    }
    through_portal.sort();
    direct_only.sort();
    let (p, d) = (percentile(&through_portal, 0.5), percentile(&direct_only, 0.5));
    println!(
        "signon (25 CAS sign-ins): GET /login/cas p50 {} p95 {}; bare /p3/serviceValidate p50 {} p95 {}; portal server time beyond the CAS round trip ≈ {}",
        ms(p),
        ms(percentile(&through_portal, 0.95)),
        ms(d),
        ms(percentile(&direct_only, 0.95)),
        ms(p.saturating_sub(d))
    );
    portal.stop().await;
}

/// Person resolution: a cold LDAP fetch from the local slapd (new connection, bind-less
/// search), a fetch on a pooled connection, and resolution with a warm person cache.
async fn directory() {
    use agora_portal::people::ldap::LdapDirectory;
    use agora_portal::people::{AttributeSource, PersonResolver};
    use std::sync::Arc;
    let slapd = agora_tests::peers::Slapd::start();
    let mut config = agora_portal::PortalConfig::default().ldap;
    config.url = slapd.url.clone();
    config.base_dn = slapd.people_base.clone();
    let (mut cold, mut pooled, mut warm) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..50 {
        let dir = LdapDirectory::new(config.clone());
        let t = Instant::now();
        dir.lookup("student_l1").await.expect("lookup").expect("found");
        cold.push(t.elapsed());
        let t = Instant::now();
        dir.lookup("teacher_two_affectations")
            .await
            .expect("lookup")
            .expect("found");
        pooled.push(t.elapsed());
    }
    let resolver = PersonResolver::new(
        vec![Arc::new(LdapDirectory::new(config.clone()))],
        Duration::from_secs(300),
    );
    resolver.resolve("student_l1", Default::default()).await;
    for _ in 0..10_000 {
        let t = Instant::now();
        let r = resolver.resolve("student_l1", Default::default()).await;
        warm.push(t.elapsed());
        assert!(r.failed_sources.is_empty());
    }
    for v in [&mut cold, &mut pooled, &mut warm] {
        v.sort();
    }
    let us = |d: Duration| format!("{:.1} µs", d.as_secs_f64() * 1e6);
    println!(
        "directory: cold LDAP fetch p50 {} p95 {}; pooled connection p50 {} p95 {}; warm person cache p50 {} p99 {}",
        ms(percentile(&cold, 0.5)),
        ms(percentile(&cold, 0.95)),
        ms(percentile(&pooled, 0.5)),
        ms(percentile(&pooled, 0.95)),
        us(percentile(&warm, 0.5)),
        us(percentile(&warm, 0.99))
    );
}

/// The session cookie (`name=value`) of demo persona `uid`, for an external load tool.
/// The student page with every back-end healthy, and the same page with the mail server
/// down, side by side under `wrk` (issue 10: ≥ 80 % of the healthy throughput).
async fn failing_backend() {
    use agora_tests::peers::{Dovecot, DovecotAuth};
    let dovecot = Dovecot::start(
        &[("alice.martin", "unused")],
        DovecotAuth::Master {
            user: "portal".into(),
            password: "bench".into(),
        },
    );
    dovecot.deliver(
        "alice.martin",
        "From: ENT <ent@univ-agora.fr>\r\nSubject: Bienvenue\r\nDate: Mon, 23 Nov 2026 08:00:00 +0100\r\n\r\nx\r\n",
        false,
    );
    let dead = agora_tests::peers::free_port();
    let mut portals = Vec::new();
    for (name, port) in [("bench-healthy", dovecot.port), ("bench-mail-down", dead)] {
        let (site, backend) = agora_tests::api::shipped_site(name).await;
        site.append_config(&format!(
            "[mail]\nimap_host = \"127.0.0.1\"\nimap_port = {port}\ntls = \"none\"\nauth = \"master\"\nmaster_user = \"portal\"\nmaster_password = \"bench\"\ntimeout_ms = 1000\n"
        ));
        let portal = site.start().await;
        let cookie = session_cookie(&portal, "alice.martin").await;
        // Warm the caches (and, for the second, meet the failing mail server once).
        let client = reqwest::Client::new();
        for _ in 0..3 {
            client
                .get(format!("{}/", portal.url))
                .header(reqwest::header::COOKIE, &cookie)
                .send()
                .await
                .expect("GET")
                .bytes()
                .await
                .expect("body");
        }
        portals.push((name, portal, cookie, backend));
    }
    let mut figures = Vec::new();
    for (name, portal, cookie, _) in &portals {
        let url = format!("{}/", portal.url);
        let cookie = cookie.clone();
        let rps = tokio::task::spawn_blocking(move || wrk(&url, &cookie, 16, 10))
            .await
            .expect("wrk");
        figures.push(rps);
        println!("failing-backend: {name}: {rps:.0} pages/s (wrk, 16 connections, 10 s)");
    }
    println!(
        "failing-backend: mail down at {:.0} % of the healthy throughput",
        100.0 * figures[1] / figures[0]
    );
    for (_, portal, _, _) in portals {
        portal.stop().await;
    }
}

/// 16 concurrent page loads on 2 cores with a channel that burns its whole CPU budget on
/// every render next to six well-behaved ones doing real work, render caches off: how many
/// renders of the well-behaved channels failed (issue 10: 0).
async fn saturated() {
    let channels: String = (1..=6)
        .map(|i| {
            format!(
                "[channels.work-{i}]\npackage = \"misbehaving\"\nconfig = {{ mode = \"busy\", iterations = 300000 }}\nbackends.slow = {{ url = \"http://127.0.0.1:9/\" }}\nbackends.echo = {{ url = \"http://127.0.0.1:9/\" }}\n\n"
            )
        })
        .chain(std::iter::once(agora_tests::misbehaving("spinner", "loop", "http://127.0.0.1:9")))
        .collect();
    let ids = ["work-1", "work-2", "work-3", "work-4", "work-5", "work-6", "spinner"];
    let site = agora_tests::Site::new("bench-saturated", &channels, &agora_tests::one_column_layout(&ids));
    let portal = site.start().await;
    let cookie = session_cookie(&portal, "alice.martin").await;
    let url = format!("{}/", portal.url);
    let rps = {
        let cookie = cookie.clone();
        tokio::task::spawn_blocking(move || wrk(&url, &cookie, 16, 10))
            .await
            .expect("wrk")
    };
    let metrics = portal.portal.state().metrics.render();
    let (mut ok, mut failed) = (0u64, 0u64);
    for line in metrics.lines().filter(|l| l.starts_with("agora_slot_renders_total{")) {
        if !line.contains("publication=\"work-") {
            continue;
        }
        let n: u64 = line.rsplit(' ').next().and_then(|v| v.parse().ok()).unwrap_or(0);
        if line.contains("outcome=\"ok\"") {
            ok += n;
        } else {
            failed += n;
        }
    }
    println!(
        "saturated (16 connections, 2 cores, a CPU-budget spinner on every page, 10 s): {rps:.0} pages/s; well-behaved renders {ok} ok, {failed} failed or not run"
    );
    portal.stop().await;
}

/// The demo student's page with every slot cached, against nginx (one worker) serving the
/// very same bytes, under the same `wrk` load one after the other in one run (issue 11:
/// ≥ 50 % of nginx). The portal serves it in-process; nginx and wrk are Debian's.
async fn page_vs_nginx() {
    use agora_tests::peers::{Dovecot, DovecotAuth, Nginx};
    let dovecot = Dovecot::start(
        &[("alice.martin", "unused")],
        DovecotAuth::Master {
            user: "portal".into(),
            password: "bench".into(),
        },
    );
    for n in 0..5 {
        dovecot.deliver(
            "alice.martin",
            &format!("From: ENT <ent@univ-agora.fr>\r\nSubject: Message {n}\r\nDate: Mon, 23 Nov 2026 08:0{n}:00 +0100\r\n\r\nx\r\n"),
            n < 2,
        );
    }
    let (site, _backend) = agora_tests::api::shipped_site("bench-vs-nginx").await;
    // No access log on either side: nginx below runs with `access_log off`.
    site.append_config(&format!(
        "[mail]\nimap_host = \"127.0.0.1\"\nimap_port = {}\ntls = \"none\"\nauth = \"master\"\nmaster_user = \"portal\"\nmaster_password = \"bench\"\n\n[log]\naccess = false\n",
        dovecot.port
    ));
    let portal = site.start().await;
    let cookie = session_cookie(&portal, "alice.martin").await;
    let url = format!("{}/", portal.url);
    let client = reqwest::Client::new();
    let mut page = Vec::new();
    for _ in 0..3 {
        page = client
            .get(&url)
            .header(reqwest::header::COOKIE, &cookie)
            .send()
            .await
            .expect("GET")
            .bytes()
            .await
            .expect("body")
            .to_vec();
    }
    let html = String::from_utf8_lossy(&page).into_owned();
    for publication in [
        "mail",
        "timetable",
        "grades",
        "links",
        "campus-news",
        "l1-news",
        "welcome",
    ] {
        let chunk = agora_tests::page::publication_chunk(&html, publication);
        assert!(
            !chunk.contains("role=\"alert\""),
            "{publication} must render for the bench: {chunk}"
        );
    }
    let nginx = Nginx::start();
    nginx.serve("page.html", &page);
    let static_url = format!("{}/page.html", nginx.url);
    let served = reqwest::get(&static_url)
        .await
        .expect("nginx")
        .bytes()
        .await
        .expect("body");
    assert_eq!(served.len(), page.len(), "nginx serves the same bytes");
    let portal_rps = {
        let cookie = cookie.clone();
        tokio::task::spawn_blocking(move || wrk(&url, &cookie, 16, 10))
            .await
            .expect("wrk")
    };
    let nginx_rps = tokio::task::spawn_blocking(move || wrk(&static_url, "agora_lang=fr", 16, 10))
        .await
        .expect("wrk");
    println!(
        "page-vs-nginx ({} B, wrk 16 connections, 10 s each): portal {portal_rps:.0} pages/s; nginx (1 worker) {nginx_rps:.0} req/s; ratio {:.0} %",
        page.len(),
        100.0 * portal_rps / nginx_rps
    );
    portal.stop().await;
}

fn main() {
    agora_tests::bench::main(&[
        ("slow-backends", || Box::pin(slow_backends())),
        ("throughput", || Box::pin(throughput())),
        ("signon", || Box::pin(signon())),
        ("directory", || Box::pin(directory())),
        ("failing-backend", || Box::pin(failing_backend())),
        ("saturated", || Box::pin(saturated())),
        ("page-vs-nginx", || Box::pin(page_vs_nginx())),
    ]);
}
