//! `agora-channel record`: ask a real back-end what the channel will ask it, and keep the
//! answers as a recording (`agora_channel_sdk::testing::Recording`) that the channel's native
//! tests replay. Bodies are kept byte for byte; the headers kept are those a channel reads
//! (content type, caching, dates), never cookies or authentication challenges.

use agora_channel_sdk::testing::{Exchange, Recording};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Headers worth keeping in a fixture.
const KEPT_HEADERS: &[&str] = &[
    "content-type",
    "content-language",
    "cache-control",
    "etag",
    "last-modified",
    "date",
];

/// Most bytes kept per answer (the portal's own ceiling for a back-end answer is lower).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// GET `base` + each of `paths` and save the answers for back-end `backend` into `out`
/// (added to what `out` already holds: an exchange for the same request is replaced).
pub fn record(backend: &str, base: &str, paths: &[String], out: &Path) -> Result<Vec<PathBuf>> {
    let base = base.trim_end_matches('/');
    let parsed = reqwest::Url::parse(base).with_context(|| format!("--url {base} is not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        bail!("--url {base}: http or https only");
    }
    for path in paths {
        if !(path.is_empty() || path.starts_with('/') || path.starts_with('?')) {
            bail!("`{path}`: a path is empty or starts with / or ? (as the channel asks it)");
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut recording = if out.exists() {
        Recording::load(out)?
    } else {
        Recording::default()
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("agora-channel-record/", env!("CARGO_PKG_VERSION")))
        .build()?;
    for path in paths {
        let url = format!("{base}{path}");
        let exchange = runtime.block_on(async {
            let response = client.get(&url).send().await.with_context(|| format!("GET {url}"))?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .filter(|(name, _)| KEPT_HEADERS.contains(&name.as_str()))
                .filter_map(|(name, value)| Some((name.as_str().to_string(), value.to_str().ok()?.to_string())))
                .collect();
            let body = response
                .bytes()
                .await
                .with_context(|| format!("GET {url}: reading the answer"))?;
            if body.len() > MAX_BODY {
                bail!("GET {url}: the answer is over {} MiB", MAX_BODY / 1024 / 1024);
            }
            eprintln!("GET {url} → {status}, {} bytes", body.len());
            anyhow::Ok(Exchange {
                backend: backend.to_string(),
                method: "GET".into(),
                path: path.clone(),
                status,
                headers,
                body: body.to_vec(),
                request_contains: None,
            })
        })?;
        recording
            .exchanges
            .retain(|x| !(x.backend == exchange.backend && x.method == exchange.method && x.path == exchange.path));
        recording.exchanges.push(exchange);
    }
    Ok(recording.save(out)?)
}
