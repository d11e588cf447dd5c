//! What the benchmarks share (`tests/benches/`): their `main`, percentiles, demo sign-ins,
//! `wrk`, the resident memory of this process.

use futures::future::BoxFuture;
use std::time::Duration;

/// One benchmark of a bench binary: its name (the filter argument) and how to start it.
pub type Bench = (&'static str, fn() -> BoxFuture<'static, ()>);

/// A bench binary's `main`: run every benchmark of `benches` whose name contains the filter
/// argument (`cargo bench … -- NAME`), or all of them, in order, on a 2-thread runtime.
pub fn main(benches: &[Bench]) {
    // `cargo bench` passes `--bench`; a filter argument picks benchmarks.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        for (name, start) in benches {
            if filter.as_deref().is_none_or(|f| name.contains(f)) {
                start().await;
            }
        }
    });
}

/// The `p` quantile (0 to 1) of `sorted`, which must not be empty.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// `d` in milliseconds, one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Sign in as demo persona `uid` at `portal`; the session cookie.
pub async fn session_cookie(portal: &crate::RunningPortal, uid: &str) -> String {
    session_cookie_at(&portal.url, uid).await
}

/// Sign in as demo persona `uid` at the portal (or balancer) `url`; the session cookie.
pub async fn session_cookie_at(url: &str, uid: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = client.get(format!("{url}/login")).send().await.expect("GET /login");
    // The sign-in form's CSRF cookie (no session exists before sign-in).
    let csrf_cookie = cookie_of(&login, "agora_csrf=").expect("the sign-in form's CSRF cookie");
    let body = login.text().await.expect("body");
    let csrf = crate::page::csrf_token(&body).expect("CSRF token");
    let res = client
        .post(format!("{url}/login/demo"))
        .header(reqwest::header::COOKIE, &csrf_cookie)
        .form(&[("uid", uid), ("csrf", csrf.as_str())])
        .send()
        .await
        .expect("POST /login/demo");
    assert_eq!(res.status().as_u16(), 303, "demo sign-in");
    cookie_of(&res, "agora_session=").expect("a session cookie after sign-in")
}

/// The `name=value` of the cookie `name` (given as `name=`) that `res` sets.
pub fn cookie_of(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|c| c.starts_with(name))
        .map(str::to_string)
}

/// `wrk` (Debian's) against `url` with `cookie`: requests per second.
pub fn wrk(url: &str, cookie: &str, connections: u32, seconds: u32) -> f64 {
    wrk_with(url, &[format!("Cookie: {cookie}")], connections, seconds)
}

/// `wrk` against `url` sending the header lines `headers` (`Name: value`): requests per
/// second.
pub fn wrk_with(url: &str, headers: &[String], connections: u32, seconds: u32) -> f64 {
    let mut args = vec!["-t2".to_string(), format!("-c{connections}"), format!("-d{seconds}s")];
    for h in headers {
        args.push("-H".into());
        args.push(h.clone());
    }
    args.push(url.to_string());
    let out = std::process::Command::new("wrk")
        .args(&args)
        .output()
        .expect("run wrk (apt-get install wrk; `cargo xtask bench` installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no figure in wrk's output:\n{text}"))
}

/// Resident memory of this process, KiB (`VmRSS`; 0 if unreadable).
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
