//! The channels of this workspace, found rather than listed: every workspace member whose
//! folder holds a `channel.toml` is a channel, packaged under its manifest's `[channel] id`.
//! Adding a channel is adding the crate to the workspace's members; nothing here changes.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// One channel crate of the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelCrate {
    /// The cargo package (`-p`).
    pub package: String,
    /// The name of its `cdylib` target, as the `.wasm` file is named.
    pub lib: String,
    /// The channel id of its manifest: the package folder under `target/channels/`.
    pub id: String,
    /// The crate's folder (where `channel.toml` and an `icon.svg` are).
    pub dir: PathBuf,
}

/// The workspace's channel crates, sorted by channel id.
pub fn find(root: &Path) -> Result<Vec<ChannelCrate>> {
    let out = super::cargo()
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(root)
        .output()
        .context("cannot run cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("cargo metadata printed something that is not JSON")?;
    let mut found = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let Some(manifest_path) = package["manifest_path"].as_str() else {
            continue;
        };
        let dir = Path::new(manifest_path).parent().unwrap_or(root).to_path_buf();
        let channel_toml = dir.join("channel.toml");
        if !channel_toml.exists() {
            continue;
        }
        let name = package["name"].as_str().unwrap_or_default().to_string();
        let lib = package["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "cdylib")))
            .and_then(|t| t["name"].as_str())
            .map(|n| n.replace('-', "_"))
            .with_context(|| {
                format!(
                    "{}: a channel crate needs crate-type = [\"cdylib\"] in [lib]",
                    manifest_path
                )
            })?;
        found.push(ChannelCrate {
            package: name,
            lib,
            id: channel_id(&channel_toml)?,
            dir,
        });
    }
    found.sort_by(|a, b| a.id.cmp(&b.id));
    if let Some(w) = found.windows(2).find(|w| w[0].id == w[1].id) {
        bail!(
            "two channel crates declare the channel id `{}`: {} and {}",
            w[0].id,
            w[0].dir.display(),
            w[1].dir.display()
        );
    }
    Ok(found)
}

/// `[channel] id` of a manifest.
fn channel_id(channel_toml: &Path) -> Result<String> {
    let text =
        std::fs::read_to_string(channel_toml).with_context(|| format!("cannot read {}", channel_toml.display()))?;
    let doc: toml::Table = text
        .parse()
        .with_context(|| format!("{} is not TOML", channel_toml.display()))?;
    doc.get("channel")
        .and_then(|c| c.get("id"))
        .and_then(toml::Value::as_str)
        .map(str::to_string)
        .with_context(|| format!("{}: [channel] id is missing", channel_toml.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_s_channels_are_found_by_their_manifests() {
        let root = super::super::project_root();
        let found = find(&root).expect("cargo metadata");
        let ids: Vec<&str> = found.iter().map(|c| c.id.as_str()).collect();
        for id in [
            "directory",
            "grades",
            "links",
            "mail",
            "misbehaving",
            "news",
            "timetable",
            "welcome",
        ] {
            assert!(ids.contains(&id), "{id} in {ids:?}");
        }
        let news = found.iter().find(|c| c.id == "news").expect("news");
        assert_eq!(news.package, "agora-channel-news");
        assert_eq!(news.lib, "agora_channel_news");
        assert!(news.dir.ends_with("channels/news"));
    }
}
