//! `agora-channel new NAME`: a channel crate outside any workspace, from the template: the
//! manifest, a channel that reads a JSON back-end, a recorded answer and native tests.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

const CARGO_TOML: &str = include_str!("template/Cargo.toml.txt");
const CHANNEL_TOML: &str = include_str!("template/channel.toml.txt");
const LIB_RS: &str = include_str!("template/lib.rs.txt");
const RENDER_RS: &str = include_str!("template/render.rs.txt");
const API_TOML: &str = include_str!("template/api.toml.txt");

/// The SDK this command was built with, when its sources are still there (a checkout).
fn built_with_sdk() -> Option<PathBuf> {
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sdk");
    sdk.join("Cargo.toml")
        .exists()
        .then(|| sdk.canonicalize().ok())
        .flatten()
}

/// Whether `name` may be a channel id and a crate name: lower-case letters, digits and `-`,
/// starting with a letter, at most 40 characters.
fn valid_name(name: &str) -> bool {
    name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
}

/// Create `parent/name` and return its path.
pub fn create(name: &str, parent: &Path, sdk: Option<PathBuf>) -> Result<PathBuf> {
    if !valid_name(name) {
        bail!(
            "`{name}` cannot name a channel: lower-case letters, digits and '-', starting with a letter (e.g. library-hours)"
        );
    }
    let dir = parent.join(name);
    if dir.exists() {
        bail!("{} exists already; choose another name or --path", dir.display());
    }
    let sdk = match sdk.or_else(built_with_sdk) {
        Some(path) => {
            let path = path
                .canonicalize()
                .with_context(|| format!("--sdk {}: no such folder", path.display()))?;
            if !path.join("Cargo.toml").exists() {
                bail!("--sdk {}: not the SDK's folder (no Cargo.toml)", path.display());
            }
            format!("{{ path = {} }}", toml_string(&path.display().to_string()))
        }
        None => "{ version = \"0.1\" }".to_string(),
    };
    let sdk_testing = format!("{}, features = [\"testing\"] }}", sdk.trim_end_matches(" }"));
    let title = name.replace('-', " ");
    let title = title[..1].to_uppercase() + &title[1..];
    let fill = |text: &str| {
        text.replace("{name}", name)
            .replace("{title}", &title)
            .replace("{crate_name}", &name.replace('-', "_"))
            .replace("{sdk_testing}", &sdk_testing)
            .replace("{sdk}", &sdk)
    };
    let files: [(&str, &str); 6] = [
        ("Cargo.toml", CARGO_TOML),
        ("channel.toml", CHANNEL_TOML),
        ("src/lib.rs", LIB_RS),
        ("tests/render.rs", RENDER_RS),
        ("tests/fixtures/api.toml", API_TOML),
        (".gitignore", "/target\n/Cargo.lock\n"),
    ];
    for (file, text) in files {
        let path = dir.join(file);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).with_context(|| format!("cannot create {}", folder.display()))?;
        }
        std::fs::write(&path, fill(text)).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(dir)
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(valid_name("library-hours"));
        assert!(valid_name("bu2"));
        for bad in ["", "Library", "2bu", "bu_hours", "bu-", "a/b", "../x"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn the_template_is_filled_and_refuses_to_overwrite() {
        let parent = std::env::temp_dir().join(format!("agora-new-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&parent);
        let dir = create("library-hours", &parent, None).expect("created");
        let cargo = std::fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml");
        assert!(cargo.contains("name = \"library-hours\""), "{cargo}");
        assert!(cargo.contains("features = [\"testing\"] }"), "{cargo}");
        let manifest = std::fs::read_to_string(dir.join("channel.toml")).expect("channel.toml");
        assert!(manifest.contains("id = \"library-hours\""));
        let test = std::fs::read_to_string(dir.join("tests/render.rs")).expect("test");
        assert!(test.contains("use library_hours::Service;"));
        assert!(agora_channel_host::manifest::ChannelManifest::load(&dir.join("channel.toml")).is_ok());
        assert!(create("library-hours", &parent, None).is_err(), "never overwrites");
        let _ = std::fs::remove_dir_all(&parent);
    }
}
