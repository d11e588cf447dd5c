//! Tenant benchmarks (issue 13, point 5; run with `cargo xtask bench -- <name>` or
//! `cargo bench -p agora-tests --bench tenants`; figures go to BENCHMARKS.md §13):
//!
//! 1. `fifty-tenants`: the shipped configuration as one establishment, then the same
//!    configuration with 50 establishments layered on it, in one process: start time,
//!    resident memory, and `wrk` on the guest page of each, side by side (the cost of
//!    choosing the establishment from its cookie on every request).
//! 2. `noisy-neighbour`: a quiet establishment's page time alone, then while `wrk` loads a
//!    loud one with 16 connections, once with `[limits] concurrent_renders` on the loud one
//!    and once without.

use agora_tests::bench::{ms, percentile, rss_kib, wrk_with};
use agora_tests::{Site, one_column_layout};
use std::time::{Duration, Instant};

/// How many establishments the first bench lays on the platform.
const TENANTS: usize = 50;

/// Write `config/tenants/<id>/tenant.toml` of `site`: a name, an acronym, a support
/// address and, if `hosted`, a host name of its own (`<id>.bench.test`), as an
/// establishment of a shared platform has. One without a host is chosen on the shared host
/// (picker, then cookie).
fn add_tenant(site: &Site, id: &str, hosted: bool, extra: &str) {
    std::fs::create_dir_all(site.root.join("config/tenants").join(id)).expect("tenant dir");
    let acronym = id.to_uppercase();
    let hosts = if hosted {
        format!("hosts = [\"{id}.bench.test\"]\n")
    } else {
        String::new()
    };
    site.write_config(
        &format!("tenants/{id}/tenant.toml"),
        &format!(
            "[tenant]\nname = {{ fr = \"Établissement {acronym}\", en = \"{acronym} institution\" }}\n\
             acronym = \"{acronym}\"\n{hosts}support = {{ email = \"support@{id}.example\" }}\n\n\
             [skin]\ninstitution = \"Établissement {acronym}\"\n\n{extra}"
        ),
    );
}

/// The header lines (`Name: value`) of a request for the establishment `id`, by its cookie.
fn by_cookie(id: &str) -> Vec<String> {
    vec![format!("Cookie: agora_establishment={id}; agora_lang=fr")]
}

/// `GET url` with the header lines `headers` three times, checking the page is the
/// establishment's own (not the picker) and names `needle` (the caches are then warm).
async fn warm(url: &str, headers: &[String], needle: &str) {
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let mut req = client.get(url);
        for h in headers {
            let (name, value) = h.split_once(": ").expect("Name: value");
            req = req.header(name, value);
        }
        let body = req.send().await.expect("GET").text().await.expect("body");
        assert!(
            body.contains("<agora-page") && body.contains(needle),
            "the establishment's page naming {needle}: {body}"
        );
    }
}

/// `wrk` in a blocking thread.
async fn wrk_async(url: String, headers: Vec<String>, connections: u32, seconds: u32) -> f64 {
    tokio::task::spawn_blocking(move || wrk_with(&url, &headers, connections, seconds))
        .await
        .expect("wrk")
}

async fn fifty_tenants() {
    let (single_site, _single_backend) = agora_tests::api::shipped_site("bench-one-tenant").await;
    single_site.append_config("[log]\naccess = false\n");
    let rss0 = rss_kib();
    let started = Instant::now();
    let single = single_site.start().await;
    let single_start = started.elapsed();
    let rss1 = rss_kib();

    let (site, _backend) = agora_tests::api::shipped_site("bench-fifty-tenants").await;
    site.append_config("[log]\naccess = false\n");
    let ids: Vec<String> = (0..TENANTS).map(|i| format!("e{i:02}")).collect();
    // Every other one has a host name of its own; the others are chosen on the shared host.
    for (i, id) in ids.iter().enumerate() {
        add_tenant(&site, id, i % 2 == 0, "");
    }
    let started = Instant::now();
    let fifty = site.start().await;
    let fifty_start = started.elapsed();
    let rss2 = rss_kib();
    let (single_mib, fifty_mib) = (
        (rss1.saturating_sub(rss0)) as f64 / 1024.0,
        (rss2.saturating_sub(rss1)) as f64 / 1024.0,
    );
    println!(
        "fifty-tenants: start, one establishment {} ({single_mib:.0} MiB more resident); {TENANTS} establishments {} ({fifty_mib:.0} MiB more resident, {:.2} MiB each)",
        ms(single_start),
        ms(fifty_start),
        fifty_mib / TENANTS as f64
    );

    // The guest page of each, its caches warm: one establishment; among 50, one found by
    // its host name and one by its cookie on the shared host.
    let single_url = format!("{}/", single.url);
    let fifty_url = format!("{}/", fifty.url);
    let port = fifty
        .url
        .rsplit(':')
        .next()
        .expect("port")
        .trim_end_matches('/')
        .to_string();
    let alone = vec!["Cookie: agora_lang=fr".to_string()];
    let by_host = vec![
        format!("Host: e24.bench.test:{port}"),
        "Cookie: agora_lang=fr".to_string(),
    ];
    let chosen = by_cookie("e25");
    warm(&single_url, &alone, "agora-page").await;
    warm(&fifty_url, &by_host, "Établissement E24").await;
    warm(&fifty_url, &chosen, "Établissement E25").await;
    let (mut one, mut host, mut cookie) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        one.push(wrk_async(single_url.clone(), alone.clone(), 16, 5).await);
        host.push(wrk_async(fifty_url.clone(), by_host.clone(), 16, 5).await);
        cookie.push(wrk_async(fifty_url.clone(), chosen.clone(), 16, 5).await);
    }
    let best = |runs: &[f64]| runs.iter().copied().fold(0.0, f64::max);
    let runs = |runs: &[f64]| runs.iter().map(|r| format!("{r:.0}")).collect::<Vec<_>>().join(" · ");
    println!(
        "fifty-tenants: guest page, wrk 16 connections 5 s × 3 alternated, pages/s: one establishment {}; among {TENANTS}, by host name {} ({:.0} % of one), by cookie {} ({:.0} % of one)",
        runs(&one),
        runs(&host),
        100.0 * best(&host) / best(&one),
        runs(&cookie),
        100.0 * best(&cookie) / best(&one),
    );
    fifty.stop().await;
    single.stop().await;
}

/// `n` guest pages of the establishment `id` one after the other; their sorted times.
async fn page_times(url: &str, id: &str, n: usize, until: Option<Instant>) -> Vec<Duration> {
    let client = reqwest::Client::new();
    let mut times = Vec::new();
    while times.len() < n && until.is_none_or(|t| Instant::now() < t) {
        let started = Instant::now();
        let body = client
            .get(url)
            .header(
                reqwest::header::COOKIE,
                format!("agora_establishment={id}; agora_lang=fr"),
            )
            .send()
            .await
            .expect("GET")
            .text()
            .await
            .expect("body");
        times.push(started.elapsed());
        assert!(body.contains("class=\"busy\""), "the quiet page rendered: {body}");
    }
    times.sort();
    times
}

fn busy(id: &str, iterations: u64) -> String {
    format!(
        "[channels.{id}]\npackage = \"misbehaving\"\nconfig = {{ mode = \"busy\", iterations = {iterations} }}\nbackends.slow = {{ url = \"http://127.0.0.1:9/\" }}\nbackends.echo = {{ url = \"http://127.0.0.1:9/\" }}\n\n"
    )
}

async fn noisy_neighbour() {
    let site = Site::new(
        "bench-noisy",
        "[channels.welcome]\npackage = \"welcome\"\n",
        &one_column_layout(&["welcome"]),
    );
    site.append_config("[log]\naccess = false\n");
    // Two loud establishments, with and without a render limit: four publications doing
    // real CPU work on every page (no render cache). The quiet one: one such publication.
    let loud: String = (1..=4).map(|i| busy(&format!("work-{i}"), 300_000)).collect();
    let loud_ids = ["work-1", "work-2", "work-3", "work-4"];
    for (id, limits, channels, ids) in [
        (
            "loud",
            "[limits]\nconcurrent_renders = 2\n",
            loud.as_str(),
            &loud_ids[..],
        ),
        ("unlimited", "", loud.as_str(), &loud_ids[..]),
        ("quiet", "", &busy("work-q", 300_000), &["work-q"][..]),
    ] {
        add_tenant(&site, id, false, limits);
        std::fs::create_dir_all(site.root.join(format!("config/tenants/{id}/fragments"))).expect("mkdir");
        site.write_config(&format!("tenants/{id}/channels.toml"), channels);
        site.write_config(&format!("tenants/{id}/fragments/main.toml"), &one_column_layout(ids));
    }
    let portal = site.start().await;
    let url = format!("{}/", portal.url);
    page_times(&url, "quiet", 20, None).await;
    let alone = page_times(&url, "quiet", 200, None).await;
    let mut report = vec![format!(
        "alone p50 {} p95 {}",
        ms(percentile(&alone, 0.5)),
        ms(percentile(&alone, 0.95))
    )];
    for loud in ["loud", "unlimited"] {
        let seconds = 10;
        let load = tokio::spawn(wrk_async(url.clone(), by_cookie(loud), 16, seconds));
        // Measure inside the load, leaving its first and last second out.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let until = Instant::now() + Duration::from_secs(u64::from(seconds) - 2);
        let during = page_times(&url, "quiet", 10_000, Some(until)).await;
        let rps = load.await.expect("load");
        report.push(format!(
            "next to `{loud}` at {rps:.0} pages/s: {} pages, p50 {} p95 {} ({:.1}× alone at p95)",
            during.len(),
            ms(percentile(&during, 0.5)),
            ms(percentile(&during, 0.95)),
            percentile(&during, 0.95).as_secs_f64() / percentile(&alone, 0.95).as_secs_f64()
        ));
    }
    println!(
        "noisy-neighbour (quiet establishment's page, one busy publication; loud: 4 per page, wrk 16 connections): {}",
        report.join("; ")
    );
    portal.stop().await;
}

fn main() {
    agora_tests::bench::main(&[
        ("fifty-tenants", || Box::pin(fifty_tenants())),
        ("noisy-neighbour", || Box::pin(noisy_neighbour())),
    ]);
}
