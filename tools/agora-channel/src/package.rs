//! `agora-channel test` and `agora-channel package`: the channel's manifest checked as the
//! portal checks it, its tests run natively, its component built for `wasm32-wasip2` and
//! loaded by the portal's own engine before it is written out as a package.

use agora_channel_host::manifest::ChannelManifest;
use agora_channel_host::{ChannelEngine, EngineOptions};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const WASM_TARGET: &str = "wasm32-wasip2";

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// The manifest of the channel in `dir`, checked (file, key and reason when not).
fn manifest(dir: &Path) -> Result<ChannelManifest> {
    let path = dir.join("channel.toml");
    if !path.exists() {
        bail!(
            "{}: no channel.toml (is {} a channel's folder?)",
            path.display(),
            dir.display()
        );
    }
    Ok(ChannelManifest::load(&path)?)
}

fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    let status = cmd.status().with_context(|| format!("cannot run {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

/// Check the manifest, then `cargo test` in `dir`.
pub fn test(dir: &Path) -> Result<()> {
    let m = manifest(dir)?;
    eprintln!("channel.toml: `{}` {} is valid", m.channel.id, m.channel.version);
    run(cargo().arg("test").current_dir(dir))
}

/// Build the component of the channel in `dir`, load it as the portal would and write the
/// package folder `<out>/<id>/` (default `<dir>/target/agora-package/<id>/`); returns it.
pub fn package(dir: &Path, out: Option<PathBuf>) -> Result<PathBuf> {
    let manifest = manifest(dir)?;
    let dir = &dir
        .canonicalize()
        .with_context(|| format!("{}: no such folder", dir.display()))?;
    ensure_wasm_target()?;
    let output = cargo()
        .args([
            "build",
            "--release",
            "--target",
            WASM_TARGET,
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run cargo build")?;
    if !output.status.success() {
        bail!(
            "cargo build --release --target {WASM_TARGET} failed in {}",
            dir.display()
        );
    }
    let wasm = built_component(&String::from_utf8_lossy(&output.stdout)).with_context(|| {
        format!(
            "cargo built no .wasm in {}: is [lib] crate-type = [\"cdylib\", …]?",
            dir.display()
        )
    })?;
    let id = manifest.channel.id.clone();
    let dest = out.unwrap_or_else(|| dir.join("target/agora-package")).join(&id);
    std::fs::create_dir_all(&dest).with_context(|| format!("cannot create {}", dest.display()))?;
    std::fs::copy(&wasm, dest.join("channel.wasm")).with_context(|| format!("cannot copy {}", wasm.display()))?;
    std::fs::copy(dir.join("channel.toml"), dest.join("channel.toml"))?;
    if let Some(icon) = &manifest.channel.icon {
        std::fs::copy(dir.join(icon), dest.join(icon))
            .with_context(|| format!("[channel] icon `{icon}` is not in {}", dir.display()))?;
    }
    // Loaded by the portal's engine: a component of another world, an import the portal
    // does not provide or a bad icon is said here, not at the portal's start.
    let engine = ChannelEngine::new(EngineOptions::default())?;
    let loaded = engine
        .load_package(&dest)
        .with_context(|| format!("the package in {} does not load", dest.display()))?;
    eprintln!(
        "package `{id}` {} ({} KiB, component {}) loads",
        manifest.channel.version,
        std::fs::metadata(dest.join("channel.wasm"))
            .map(|m| m.len() / 1024)
            .unwrap_or(0),
        &loaded.component_hash[..12]
    );
    Ok(dest)
}

/// The `.wasm` of the `cdylib` target in Cargo's JSON messages.
fn built_component(messages: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter(|m| {
            m["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "cdylib"))
        })
        .flat_map(|m| {
            m["filenames"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str().map(PathBuf::from))
                .collect::<Vec<_>>()
        })
        .find(|f| f.extension().is_some_and(|e| e == "wasm"))
}

/// Add the `wasm32-wasip2` standard library with rustup when it is missing.
fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
    match installed {
        Ok(o)
            if String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == WASM_TARGET) =>
        {
            Ok(())
        }
        Ok(_) => run(Command::new("rustup").args(["target", "add", WASM_TARGET])),
        // Without rustup the toolchain may still have it; cargo says so if not.
        Err(_) => Ok(()),
    }
}
