//! `agora-channel deploy` and `agora-channel rollback`: a package sent to a running portal's
//! deployment API (`[channels] deploy_token`), which checks it, stores it as a new version,
//! makes it current and reloads without a restart; or an earlier version made current again.
//!
//! The token is read from `AGORA_DEPLOY_TOKEN` or from the file `--token-file` names, never
//! from the command line (where `ps` would show it).

use agora_channel_host::manifest::ChannelManifest;
use anyhow::{Context, Result, bail};
use base64::Engine as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The deployment token: `--token-file`'s content, else `AGORA_DEPLOY_TOKEN`.
pub fn token(token_file: Option<PathBuf>) -> Result<String> {
    let token = match token_file {
        Some(file) => std::fs::read_to_string(&file).with_context(|| format!("--token-file {}", file.display()))?,
        None => std::env::var("AGORA_DEPLOY_TOKEN")
            .context("no deployment token: set AGORA_DEPLOY_TOKEN or pass --token-file FILE")?,
    };
    let token = token.trim().to_string();
    if token.is_empty() {
        bail!("the deployment token is empty");
    }
    Ok(token)
}

fn endpoint(portal: &str, path: &str) -> Result<String> {
    let url = reqwest::Url::parse(portal).with_context(|| format!("--portal {portal} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("--portal {portal}: http or https only");
    }
    if url.scheme() == "http"
        && !url
            .host_str()
            .is_some_and(|h| h == "127.0.0.1" || h == "localhost" || h == "[::1]")
    {
        bail!("--portal {portal}: the token would cross the network in clear; use https");
    }
    Ok(format!("{}{path}", portal.trim_end_matches('/')))
}

fn send(request: reqwest::RequestBuilder) -> Result<serde_json::Value> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let response = request.send().await.context("the portal did not answer")?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or(serde_json::Value::Null);
        if !status.is_success() {
            let message = body["message"].as_str().unwrap_or("no explanation");
            bail!("the portal refused ({status}): {message}");
        }
        Ok(body)
    })
}

fn client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder().timeout(Duration::from_secs(300)).build()?)
}

/// Send the package folder `package` (as `agora-channel package` writes it) to `portal`.
pub fn deploy(package: &Path, portal: &str, token: &str) -> Result<serde_json::Value> {
    let manifest_text =
        std::fs::read_to_string(package.join("channel.toml")).with_context(|| format!("{}", package.display()))?;
    let manifest = ChannelManifest::load(&package.join("channel.toml"))?;
    let component = std::fs::read(package.join("channel.wasm")).context("channel.wasm")?;
    let icon = match &manifest.channel.icon {
        Some(file) => Some(std::fs::read_to_string(package.join(file)).with_context(|| format!("icon {file}"))?),
        None => None,
    };
    let body = serde_json::json!({
        "manifest": manifest_text,
        "component": base64::engine::general_purpose::STANDARD.encode(&component),
        "icon": icon,
    });
    send(
        client()?
            .put(endpoint(portal, "/api/v1/admin/packages")?)
            .bearer_auth(token)
            .json(&body),
    )
}

/// Make `version` (or the version before the current one) of package `name` current.
pub fn rollback(name: &str, version: Option<&str>, portal: &str, token: &str) -> Result<serde_json::Value> {
    let url = endpoint(portal, &format!("/api/v1/admin/packages/{name}/rollback"))?;
    send(
        client()?
            .post(url)
            .bearer_auth(token)
            .json(&serde_json::json!({ "version": version })),
    )
}
