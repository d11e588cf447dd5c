//! Page-level benchmarks (run with `cargo xtask bench`; figures go to BENCHMARKS.md):
//!
//! 1. `slow-backends`: a page of 10 channels whose back-ends each answer in 200 ms —
//!    time to first byte and to the complete page (goal: first byte ≤ 20 ms, complete ≤ 220 ms).
//! 2. `throughput`: cached personalised home page vs the same bytes served as a static file
//!    by the same server, requests per second with 16 concurrent clients (goal: ≥ 30 %).

use agora_tests::backend::{Answer, TestBackend};
use agora_tests::{Site, misbehaving, one_column_layout};
use futures::StreamExt;
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

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
    let static_dir = portal.portal.state.theme.static_dir.clone();
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
    use agora_portal::ldap_directory::LdapDirectory;
    use agora_portal::person::{AttributeSource, PersonResolver};
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

fn main() {
    // `cargo bench` passes `--bench`; a filter argument picks one benchmark.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        if filter.as_deref().is_none_or(|f| "slow-backends".contains(f)) {
            slow_backends().await;
        }
        if filter.as_deref().is_none_or(|f| "throughput".contains(f)) {
            throughput().await;
        }
        if filter.as_deref().is_none_or(|f| "signon".contains(f)) {
            signon().await;
        }
        if filter.as_deref().is_none_or(|f| "directory".contains(f)) {
            directory().await;
        }
    });
}
