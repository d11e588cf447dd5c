//! Where a publication's package is, and the packages deployed to a running portal.
//!
//! Two places hold packages: `[paths] channel_packages` (installed with the portal or by
//! hand: `<package>/channel.toml` + `channel.wasm`) and the deployed store,
//! `<data_dir>/packages/`, written by `PUT /api/v1/admin/packages` (`agora-channel deploy`):
//!
//! ```text
//! <data_dir>/packages/<package>/<version>/   channel.toml, channel.wasm, icon: never changed once written
//! <data_dir>/packages/<package>/current      the version publications use unless they pin one
//! <data_dir>/packages/<package>/history      the versions deployed, oldest first
//! ```
//!
//! A publication's `version = "…"` pins a deployed version; without it, the `current` one,
//! else the installed package. Rolling back is making an earlier version current again. The
//! live set reloads when any of these files changes.

use agora_channel_host::ChannelEngine;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The folder of package `name` for a publication pinning `version`, or why there is none.
pub fn resolve(name: &str, version: Option<&str>, installed: &Path, deployed: &Path) -> Result<PathBuf, String> {
    let store = deployed.join(name);
    match version {
        Some(v) => {
            let dir = store.join(v);
            if valid_version(v) && dir.join("channel.toml").is_file() {
                Ok(dir)
            } else {
                let known = versions(deployed, name);
                Err(format!(
                    "version `{v}` of package `{name}` is not deployed ({})",
                    if known.is_empty() {
                        "none is".to_string()
                    } else {
                        format!("deployed: {}", known.join(", "))
                    }
                ))
            }
        }
        None => match current(deployed, name) {
            Some(v) => Ok(store.join(v)),
            None => Ok(installed.join(name)),
        },
    }
}

/// A package name: what a channel id may be.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A version a folder may be named after: semver's characters, not `.` or `..`.
pub fn valid_version(version: &str) -> bool {
    !version.is_empty()
        && version.len() <= 64
        && version.starts_with(|c: char| c.is_ascii_alphanumeric())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
}

/// The current deployed version of `name`, if any.
pub fn current(deployed: &Path, name: &str) -> Option<String> {
    let v = std::fs::read_to_string(deployed.join(name).join("current")).ok()?;
    let v = v.trim();
    (valid_version(v) && deployed.join(name).join(v).join("channel.toml").is_file()).then(|| v.to_string())
}

/// The deployed versions of `name`, oldest first.
pub fn versions(deployed: &Path, name: &str) -> Vec<String> {
    std::fs::read_to_string(deployed.join(name).join("history"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|v| valid_version(v) && deployed.join(name).join(v).join("channel.toml").is_file())
        .map(str::to_string)
        .collect()
}

/// The names of the deployed packages.
pub fn deployed_names(deployed: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(deployed)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| valid_name(n))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// What a deployment brings: the package's files.
pub struct Upload<'a> {
    /// `channel.toml`.
    pub manifest: &'a str,
    /// `channel.wasm`.
    pub component: &'a [u8],
    /// The icon file's content, when the manifest names one.
    pub icon: Option<&'a str>,
}

/// Why a deployment was refused.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The package is not one: its manifest, component or icon does not load.
    #[error("{0}")]
    Invalid(String),
    /// This version exists with other content: versions are never overwritten.
    #[error("version {version} of package `{name}` is already deployed with other content: raise [channel] version")]
    VersionExists {
        /// The package.
        name: String,
        /// The version.
        version: String,
    },
    /// The store could not be written.
    #[error("cannot write the deployed package store: {0}")]
    Io(#[from] std::io::Error),
}

/// What a deployment did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Deployed {
    /// The package (its channel id).
    pub package: String,
    /// The version now current.
    pub version: String,
    /// The version current before, if any.
    pub previous: Option<String>,
    /// False when this very version was deployed already (nothing written).
    pub changed: bool,
}

fn digest(upload: &Upload<'_>) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(upload.manifest.as_bytes());
    h.update([0]);
    h.update(upload.component);
    h.update([0]);
    h.update(upload.icon.unwrap_or_default().as_bytes());
    h.finalize().to_vec()
}

fn digest_of_dir(dir: &Path, icon: Option<&str>) -> Option<Vec<u8>> {
    let manifest = std::fs::read_to_string(dir.join("channel.toml")).ok()?;
    let component = std::fs::read(dir.join("channel.wasm")).ok()?;
    let icon_text = match icon {
        Some(file) => Some(std::fs::read_to_string(dir.join(file)).ok()?),
        None => None,
    };
    Some(digest(&Upload {
        manifest: &manifest,
        component: &component,
        icon: icon_text.as_deref(),
    }))
}

/// Write `text` to `path` through a temporary file and a rename.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// Check `upload` by loading it with `engine`, store it as `<name>/<version>/` and make it
/// current. Deploying the same version with the same content again changes nothing.
pub fn deploy(engine: &ChannelEngine, deployed: &Path, upload: &Upload<'_>) -> Result<Deployed, DeployError> {
    let invalid = |why: String| DeployError::Invalid(why);
    let manifest: toml::Table = upload
        .manifest
        .parse()
        .map_err(|e: toml::de::Error| invalid(format!("channel.toml: {}", e.message())))?;
    let channel = manifest.get("channel").and_then(toml::Value::as_table);
    let field = |key: &str| {
        channel
            .and_then(|c| c.get(key))
            .and_then(toml::Value::as_str)
            .unwrap_or_default()
    };
    let (name, version) = (field("id").to_string(), field("version").to_string());
    if !valid_name(&name) {
        return Err(invalid(format!(
            "channel.toml: [channel] id `{name}`: letters, digits, '-' and '_'"
        )));
    }
    if !valid_version(&version) {
        return Err(invalid(format!(
            "channel.toml: [channel] version `{version}`: a version such as 1.2.0"
        )));
    }
    let icon_file = channel.and_then(|c| c.get("icon")).and_then(toml::Value::as_str);
    if icon_file.is_some() != upload.icon.is_some() {
        return Err(invalid(
            "the manifest's [channel] icon and the icon sent must go together".into(),
        ));
    }
    let store = deployed.join(&name);
    let target = store.join(&version);
    let previous = current(deployed, &name);
    if target.exists() {
        if digest_of_dir(&target, icon_file) != Some(digest(upload)) {
            return Err(DeployError::VersionExists { name, version });
        }
        if previous.as_deref() == Some(version.as_str()) {
            return Ok(Deployed {
                package: name,
                version,
                previous,
                changed: false,
            });
        }
    } else {
        std::fs::create_dir_all(&store)?;
        let incoming = store.join(format!(".incoming-{}-{}", std::process::id(), rand::random::<u32>()));
        std::fs::create_dir_all(&incoming)?;
        let written = (|| {
            std::fs::write(incoming.join("channel.toml"), upload.manifest)?;
            std::fs::write(incoming.join("channel.wasm"), upload.component)?;
            if let (Some(file), Some(text)) = (icon_file, upload.icon) {
                if file.contains(['/', '\\']) || file.starts_with('.') {
                    return Err(std::io::Error::other(format!("icon `{file}` is not a file name")));
                }
                std::fs::write(incoming.join(file), text)?;
            }
            Ok(())
        })();
        // Loaded as the registry will load it: a package that does not load is never stored.
        let loaded = written.map_err(|e| invalid(e.to_string())).and_then(|()| {
            engine
                .load_package(&incoming)
                .map(|_| ())
                .map_err(|e| invalid(e.to_string()))
        });
        if let Err(e) = loaded {
            let _ = std::fs::remove_dir_all(&incoming);
            return Err(e);
        }
        std::fs::rename(&incoming, &target)?;
        let mut history = std::fs::read_to_string(store.join("history")).unwrap_or_default();
        history.push_str(&version);
        history.push('\n');
        write_atomically(&store.join("history"), &history)?;
    }
    write_atomically(&store.join("current"), &format!("{version}\n"))?;
    Ok(Deployed {
        package: name,
        version,
        previous,
        changed: true,
    })
}

/// Make `version` of `name` current again, or, without one, the version deployed before the
/// current one. Returns what is current now.
pub fn rollback(deployed: &Path, name: &str, version: Option<&str>) -> Result<Deployed, DeployError> {
    let known = versions(deployed, name);
    let previous = current(deployed, name);
    let target = match version {
        Some(v) if known.iter().any(|k| k == v) => v.to_string(),
        Some(v) => {
            return Err(DeployError::Invalid(format!(
                "version `{v}` of package `{name}` is not deployed (deployed: {})",
                known.join(", ")
            )));
        }
        None => {
            let at = previous.as_ref().and_then(|p| known.iter().rposition(|k| k == p));
            match at.and_then(|i| i.checked_sub(1)).and_then(|i| known.get(i)) {
                Some(v) => v.clone(),
                None => {
                    return Err(DeployError::Invalid(format!(
                        "package `{name}` has no version deployed before {}",
                        previous.as_deref().unwrap_or("none")
                    )));
                }
            }
        }
    };
    write_atomically(&deployed.join(name).join("current"), &format!("{target}\n"))?;
    Ok(Deployed {
        package: name.to_string(),
        version: target,
        previous,
        changed: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_names_are_folder_safe() {
        for good in ["1.0.0", "0.2.0-rc.1", "1.0.0+build.5"] {
            assert!(valid_version(good), "{good}");
        }
        for bad in ["", ".", "..", "../x", "1/2", ".hidden", "a b"] {
            assert!(!valid_version(bad), "{bad}");
        }
        assert!(valid_name("library-hours") && !valid_name("../x") && !valid_name(""));
    }

    #[test]
    fn a_pinned_version_must_be_deployed_and_current_wins_over_the_installed_one() {
        let root = std::env::temp_dir().join(format!("agora-packages-{}", rand::random::<u64>()));
        let (installed, deployed) = (root.join("installed"), root.join("deployed"));
        assert_eq!(resolve("news", None, &installed, &deployed), Ok(installed.join("news")));
        let err = resolve("news", Some("1.0.0"), &installed, &deployed).unwrap_err();
        assert!(err.contains("not deployed"), "{err}");
        for v in ["1.0.0", "1.1.0"] {
            std::fs::create_dir_all(deployed.join("news").join(v)).expect("dir");
            std::fs::write(deployed.join("news").join(v).join("channel.toml"), "").expect("manifest");
        }
        std::fs::write(deployed.join("news/history"), "1.0.0\n1.1.0\n").expect("history");
        std::fs::write(deployed.join("news/current"), "1.1.0\n").expect("current");
        assert_eq!(
            resolve("news", None, &installed, &deployed),
            Ok(deployed.join("news/1.1.0"))
        );
        assert_eq!(
            resolve("news", Some("1.0.0"), &installed, &deployed),
            Ok(deployed.join("news/1.0.0"))
        );
        let back = rollback(&deployed, "news", None).expect("rolls back");
        assert_eq!(
            (back.version.as_str(), back.previous.as_deref()),
            ("1.0.0", Some("1.1.0"))
        );
        assert!(rollback(&deployed, "news", None).is_err(), "nothing before 1.0.0");
        assert_eq!(
            rollback(&deployed, "news", Some("1.1.0")).expect("forward").version,
            "1.1.0"
        );
        assert!(rollback(&deployed, "news", Some("9.9.9")).is_err());
        assert_eq!(deployed_names(&deployed), ["news"]);
        let _ = std::fs::remove_dir_all(&root);
    }
}
