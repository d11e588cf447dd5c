//! Several nodes (issue 12; run with `cargo xtask bench`, figures in BENCHMARKS.md §12):
//!
//! 1. `cluster`: pages/s of three `agora-node` processes behind haproxy vs one, and the
//!    Redis memory of a signed-in session.
//! 2. `signins`: CAS sign-ins per second through haproxy and three nodes on Redis, side by
//!    side with the bare ticket validations the same CAS answers at the same concurrency.
//! 3. `memory`: one node with 20 publications: resident memory after rendering all of
//!    them, then with 10 000 more signed-in sessions.

use agora_tests::bench::{ms, percentile, rss_kib, session_cookie, session_cookie_at, wrk};
use agora_tests::cluster::Cluster;
use agora_tests::peers::CasServer;
use agora_tests::{Site, one_column_layout};
use futures::StreamExt;
use std::path::Path;
use std::time::{Duration, Instant};

const NODE: &str = env!("CARGO_BIN_EXE_agora-node");

/// Pages/s of three nodes vs one behind haproxy, and Redis memory per session.
async fn cluster() {
    use agora_tests::cluster::Cluster;
    let (site, _backend) = agora_tests::api::shipped_site("bench-cluster").await;
    // 1 000 sign-ins from one address below: no sign-in limit here.
    site.append_config("[log]\naccess = false\n\n[limits]\nsignin_per_minute = 0\napi_per_minute = 0\n");
    let mut cluster = Cluster::start(Path::new(NODE), &site).await;
    let lb = cluster.haproxy.url.clone();
    let cookie = session_cookie_at(&lb, "alice.martin").await;
    let client = reqwest::Client::new();
    for _ in 0..6 {
        let res = client
            .get(format!("{lb}/"))
            .header(reqwest::header::COOKIE, &cookie)
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status().as_u16(), 200);
        let _ = res.bytes().await;
    }
    let url = format!("{lb}/");
    let three = {
        let (url, cookie) = (url.clone(), cookie.clone());
        tokio::task::spawn_blocking(move || wrk(&url, &cookie, 16, 10))
            .await
            .expect("wrk")
    };
    cluster.nodes[1].terminate();
    cluster.nodes[2].terminate();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let one = {
        let (url, cookie) = (url.clone(), cookie.clone());
        tokio::task::spawn_blocking(move || wrk(&url, &cookie, 16, 10))
            .await
            .expect("wrk")
    };
    println!(
        "cluster (haproxy round robin, 1 worker per node, wrk 16 connections, 10 s each): 3 nodes {three:.0} pages/s; 1 node {one:.0} pages/s; ratio {:.2}",
        three / one
    );

    // Redis memory per session: 1 000 more sign-ins.
    let used = |port: u16| -> i64 {
        let out = std::process::Command::new("redis-cli")
            .args(["-p", &port.to_string(), "INFO", "memory"])
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("used_memory:"))
            .and_then(|v| v.trim().parse().ok())
            .expect("used_memory")
    };
    let before = used(cluster.redis.port);
    for _ in 0..1000 {
        session_cookie_at(&lb, "alice.martin").await;
    }
    let after = used(cluster.redis.port);
    println!(
        "Redis memory per signed-in session: {} bytes (1 000 sessions)",
        (after - before) / 1000
    );
    drop(cluster);
}

/// Sign-ins presented at once, as at the start of a lecture.
const CONCURRENCY: usize = 8;
/// Sign-ins per measure: well within django-cas-server's 20 s ticket validity.
const SIGNINS: usize = 100;

/// `SIGNINS` fresh service tickets for `service` from `cas` (its login form; not measured).
async fn tickets(cas: &CasServer, service: &str) -> Vec<String> {
    let login = format!(
        "{}login?service={}",
        cas.url,
        url::form_urlencoded::byte_serialize(service.as_bytes()).collect::<String>()
    );
    let mut backs = Vec::with_capacity(SIGNINS);
    for _ in 0..SIGNINS {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        backs.push(cas.browser_login(&client, &login, "test", "test").await);
    }
    backs
}

/// Run `work` on every ticket, `CONCURRENCY` at a time: per second, and the latencies.
async fn rate<F, Fut>(backs: Vec<String>, work: F) -> (f64, Vec<Duration>)
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let started = Instant::now();
    let mut latencies: Vec<Duration> = futures::stream::iter(backs)
        .map(|back| {
            let job = work(back);
            async move {
                let t = Instant::now();
                job.await;
                t.elapsed()
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let per_second = latencies.len() as f64 / started.elapsed().as_secs_f64();
    latencies.sort();
    (per_second, latencies)
}

/// CAS sign-ins through haproxy and three nodes on Redis and PostgreSQL, side by side with
/// bare `/p3/serviceValidate` calls to the same CAS.
async fn signins() {
    let site = Site::new(
        "bench-signins",
        "[channels.welcome]\npackage = \"welcome\"\n",
        &one_column_layout(&["welcome"]),
    );
    let cas = CasServer::start(
        &format!(r"^http://127\.0\.0\.1:{}/.*", site.port),
        r"^http://127\.0\.0\.1:1/.*",
    );
    site.append_config(&format!(
        "[cas]\nserver_url = \"{}\"\nproxy = false\n\n[log]\naccess = false\n\n[limits]\nsignin_per_minute = 0\n",
        cas.url
    ));
    let cluster = Cluster::start(Path::new(NODE), &site).await;
    let service = format!("{}login/cas", site.public_url());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let direct = agora_cas::CasClient::new(&cas.url, reqwest::Client::new()).expect("CAS client");
    for round in ["warm-up", "measured"] {
        let (portal, through) = rate(tickets(&cas, &service).await, |back| {
            let client = client.clone();
            async move {
                let res = client.get(&back).send().await.expect("GET /login/cas");
                assert_eq!(res.status().as_u16(), 303, "a signed-in redirect");
            }
        })
        .await;
        let (bare, alone) = rate(tickets(&cas, &service).await, |back| {
            let (direct, service) = (&direct, &service);
            async move {
                let ticket = back.split("ticket=").nth(1).expect("ticket").to_string();
                direct.validate(service, &ticket, None).await.expect("valid ticket");
            }
        })
        .await;
        if round == "measured" {
            println!(
                "signins ({SIGNINS} CAS tickets, {CONCURRENCY} at a time): through haproxy and 3 nodes {portal:.0}/s (p50 {}, p95 {}); bare serviceValidate {bare:.0}/s (p50 {}, p95 {}); ratio {:.2}",
                ms(percentile(&through, 0.5)),
                ms(percentile(&through, 0.95)),
                ms(percentile(&alone, 0.5)),
                ms(percentile(&alone, 0.95)),
                portal / bare
            );
        }
    }
    drop(cluster);
}

/// One node with the shipped publications and ten more (20): resident memory once all are
/// rendered, then with 10 000 more sessions in its memory.
async fn memory() {
    let (site, _backend) = agora_tests::api::shipped_site("bench-memory").await;
    let path = site.root.join("config/channels.toml");
    let shipped = std::fs::read_to_string(&path).expect("channels.toml");
    let mut more = Vec::new();
    let copies: String = shipped
        .lines()
        .map(
            |l| match l.strip_prefix("[channels.").and_then(|r| r.strip_suffix(']')) {
                Some(id) => {
                    more.push(format!("{id}-2"));
                    format!("[channels.{id}-2]")
                }
                None => l.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&path, format!("{shipped}\n{copies}\n")).expect("write channels.toml");
    let more: Vec<&str> = more.iter().map(String::as_str).collect();
    site.write_config(
        "fragments/zz-bench.toml",
        &one_column_layout(&more).replace("id = \"home\"", "id = \"more\""),
    );
    site.append_config("[limits]\nsignin_per_minute = 0\n");
    let portal = site.start().await;
    let cookie = session_cookie(&portal, "alice.martin").await;
    for page in ["/", "/?tab=more"] {
        let res = reqwest::Client::new()
            .get(format!("{}{page}", portal.url))
            .header(reqwest::header::COOKIE, &cookie)
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status().as_u16(), 200, "GET {page}");
        let _ = res.bytes().await;
    }
    let base = rss_kib();
    for _ in 0..10_000 {
        session_cookie(&portal, "alice.martin").await;
    }
    let with = rss_kib();
    println!(
        "memory: one node in process, {} publications rendered: {} MiB resident, {} MiB with 10 000 more sessions ({} bytes per session)",
        portal.portal.state().live.get().registry.len(),
        base / 1024,
        with / 1024,
        (with.saturating_sub(base)) * 1024 / 10_000
    );
    portal.stop().await;
}

fn main() {
    agora_tests::bench::main(&[
        ("cluster", || Box::pin(cluster())),
        ("signins", || Box::pin(signins())),
        ("memory", || Box::pin(memory())),
    ]);
}
