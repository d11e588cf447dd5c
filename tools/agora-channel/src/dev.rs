//! `agora-channel dev`: a local portal with the demo personas, showing the channel on their
//! home page, rebuilt and reloaded whenever its sources change.
//!
//! The portal runs in this process on a loopback port, from a configuration written under
//! `<channel>/target/agora-dev/` (demo sign-in with the demo directory, the theme, every
//! second a look for changed packages). Each back-end of the manifest is bound to the
//! channel's own recordings (`tests/fixtures/*.toml`), served on another loopback port, so
//! the channel renders offline as its tests see it; `--backend NAME=URL` binds one to a real
//! service instead. A change to `src/`, `channel.toml`, `Cargo.toml` or the icon rebuilds the
//! package; a build that fails is reported and the previous version stays on the page.

use crate::package;
use agora_channel_host::manifest::ChannelManifest;
use agora_channel_sdk::testing::{Exchange, Recording};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The demo personas offered on the sign-in page.
const PERSONAS: &[&str] = &["alice.martin", "bruno.leroy", "claire.dubois", "david.moreau"];

/// What the portal needs besides the channel: the theme, the demo directory, populations.
fn share(explicit: Option<PathBuf>) -> Result<PathBuf> {
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = explicit.unwrap_or(built_in);
    let root = root
        .canonicalize()
        .with_context(|| format!("{}: no such folder", root.display()))?;
    for needed in [
        "themes/default",
        "examples/demo/directory.ldif",
        "config/populations.toml",
    ] {
        if !root.join(needed).exists() {
            bail!(
                "{} has no {needed}: dev needs the portal's theme and demo directory; pass --share <a checkout of agora>",
                root.display()
            );
        }
    }
    Ok(root)
}

/// Every recording under `dir/tests/fixtures/`, those that do not read named and skipped.
fn recordings(dir: &Path) -> Vec<Recording> {
    let mut found = Vec::new();
    let fixtures = dir.join("tests/fixtures");
    let Ok(entries) = std::fs::read_dir(&fixtures) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "toml") {
            match Recording::load(&path) {
                Ok(r) => found.push(r),
                Err(e) => eprintln!("dev: recording skipped: {e}"),
            }
        }
    }
    found
}

/// Serve `exchanges` on a loopback port: `GET /<backend><path>` answers the recorded answer.
async fn serve_recordings(exchanges: Arc<Vec<Exchange>>) -> Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let exchanges = exchanges.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
                    match stream.read(&mut byte).await {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let mut words = head.split_whitespace();
                let (method, target) = (words.next().unwrap_or_default(), words.next().unwrap_or_default());
                let found = exchanges.iter().find(|x| {
                    x.method.eq_ignore_ascii_case(method)
                        && target
                            .strip_prefix('/')
                            .and_then(|t| t.strip_prefix(x.backend.as_str()))
                            == Some(x.path.as_str())
                });
                let (status, headers, body) = match found {
                    Some(x) => (x.status, x.headers.clone(), x.body.clone()),
                    None => (
                        404,
                        vec![("content-type".to_string(), "text/plain".to_string())],
                        format!("no recorded answer for {method} {target}\n").into_bytes(),
                    ),
                };
                let mut answer = format!(
                    "HTTP/1.1 {status} Recorded\r\ncontent-length: {}\r\nconnection: close\r\n",
                    body.len()
                );
                for (name, value) in headers
                    .iter()
                    .filter(|(n, _)| n != "content-length" && n != "transfer-encoding")
                {
                    answer.push_str(&format!("{name}: {value}\r\n"));
                }
                answer.push_str("\r\n");
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.write_all(&body).await;
            });
        }
    });
    Ok(format!("http://{address}"))
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The files whose change rebuilds the package, with their modification times.
fn sources(dir: &Path) -> Vec<(PathBuf, Option<SystemTime>)> {
    fn walk(path: &Path, out: &mut Vec<(PathBuf, Option<SystemTime>)>) {
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map(|d| d.flatten().map(|e| e.path()).collect())
                .unwrap_or_default();
            entries.sort();
            for entry in entries {
                walk(&entry, out);
            }
        } else {
            out.push((
                path.to_path_buf(),
                std::fs::metadata(path).and_then(|m| m.modified()).ok(),
            ));
        }
    }
    let mut out = Vec::new();
    for item in ["src", "channel.toml", "Cargo.toml", "icon.svg"] {
        walk(&dir.join(item), &mut out);
    }
    out
}

/// Run the development portal for the channel in `dir` on `port` until Ctrl-C.
pub fn dev(dir: &Path, port: u16, bindings: Vec<(String, String)>, share_root: Option<PathBuf>) -> Result<()> {
    let dir = dir
        .canonicalize()
        .with_context(|| format!("{}: no such folder", dir.display()))?;
    let manifest = ChannelManifest::load(&dir.join("channel.toml"))?;
    let share = share(share_root)?;
    let work = dir.join("target/agora-dev");
    let (config_dir, packages) = (work.join("config"), work.join("packages"));
    std::fs::create_dir_all(config_dir.join("fragments"))?;
    eprintln!("dev: building the channel…");
    package::package(&dir, Some(packages.clone()))?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let exchanges: Vec<Exchange> = recordings(&dir).into_iter().flat_map(|r| r.exchanges).collect();
        let recorded = serve_recordings(Arc::new(exchanges)).await?;
        let id = manifest.channel.id.clone();
        let mut channels = format!("[channels.{id}]\npackage = {}\n", toml_string(&id));
        for backend in manifest.backends.keys() {
            let url = bindings
                .iter()
                .find(|(name, _)| name == backend)
                .map(|(_, url)| url.clone())
                .unwrap_or_else(|| format!("{recorded}/{backend}"));
            channels.push_str(&format!("backends.{backend} = {{ url = {} }}\n", toml_string(&url)));
        }
        std::fs::write(config_dir.join("channels.toml"), channels)?;
        std::fs::write(
            config_dir.join("fragments/dev.toml"),
            format!(
                "everyone = true\nguests = true\n\n[[tabs]]\nid = \"home\"\ntitle = {{ fr = \"Accueil\", en = \"Home\" }}\ncolumns = [[{}]]\n",
                toml_string(&id)
            ),
        )?;
        std::fs::write(config_dir.join("catalogue.toml"), "")?;
        std::fs::copy(share.join("config/populations.toml"), config_dir.join("populations.toml"))?;
        let portal_toml = format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n\n[paths]\ndata_dir = {data}\ntheme_dir = {theme}\nchannel_packages = {packages}\n\n[demo]\nenabled = true\ndirectory = {ldif}\npersonas = [{personas}]\n\n[admin]\nreload_seconds = 1\n\n[log]\nfilter = \"warn\"\n",
            data = toml_string(&work.join("data").display().to_string()),
            theme = toml_string(&share.join("themes/default").display().to_string()),
            packages = toml_string(&packages.display().to_string()),
            ldif = toml_string(&share.join("examples/demo/directory.ldif").display().to_string()),
            personas = PERSONAS.iter().map(|p| toml_string(p)).collect::<Vec<_>>().join(", "),
        );
        std::fs::write(config_dir.join("portal.toml"), portal_toml)?;
        let config = agora_portal::PortalConfig::load(&config_dir.join("portal.toml"))?;
        let portal = agora_portal::Portal::build(config).await.map_err(|e| anyhow::anyhow!("the dev portal: {e}"))?;
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).with_context(|| format!("port {port} is taken: --port another"))?;
        let address = listener.local_addr()?;
        let server = portal.serve(listener).map_err(|e| anyhow::anyhow!("the dev portal: {e}"))?;
        let handle = server.handle();
        tokio::spawn(server);
        println!(
            "\n  Agora dev portal: http://{address}/  (sign in as {}; back-ends from tests/fixtures/)\n  watching src/, channel.toml, Cargo.toml: a change rebuilds and reloads the channel. Ctrl-C stops.\n",
            PERSONAS.join(", ")
        );
        let mut seen = sources(&dir);
        let watch = async {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let now = sources(&dir);
                if now == seen {
                    continue;
                }
                seen = now;
                eprintln!("dev: a source changed, rebuilding…");
                let (dir, packages) = (dir.clone(), packages.clone());
                match tokio::task::spawn_blocking(move || package::package(&dir, Some(packages))).await {
                    Ok(Ok(_)) => println!("dev: rebuilt; the page shows it within a second"),
                    Ok(Err(e)) => eprintln!("dev: the build failed, the previous version stays: {e:#}"),
                    Err(e) => eprintln!("dev: the build did not finish: {e}"),
                }
            }
        };
        tokio::select! {
            _ = watch => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        handle.stop(true).await;
        drop(portal);
        anyhow::Ok(())
    })
}
