//! `cargo xtask package`: the Debian package of the portal (cargo-deb; its contents are in
//! `portal-core/portal/Cargo.toml`, `[package.metadata.deb]`), into `target/debian/`.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The cargo-deb version installed when none is found.
const CARGO_DEB: &str = "3.8.0";

/// Build the package with `profile` (`release` to ship; the test suite uses `dev`, which the
/// tests have built already); returns the `.deb`.
pub fn package(root: &Path, profile: &str) -> Result<PathBuf> {
    super::build_channels(root)?;
    let out = root.join("target/debian");
    let _ = std::fs::remove_dir_all(&out);
    let mut cmd = Command::new(super::tools::cargo_tool(root, "cargo-deb", CARGO_DEB)?);
    for (key, _) in std::env::vars_os() {
        if super::set_by_cargo_run(&key.to_string_lossy()) {
            cmd.env_remove(&key);
        }
    }
    super::run(
        cmd.args(["-p", "agora-portal", "--profile", profile, "--output"])
            .arg(&out),
    )?;
    let deb = std::fs::read_dir(&out)
        .with_context(|| format!("{}: no package written", out.display()))?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"));
    match deb {
        Some(p) => {
            eprintln!("Debian package: {}", p.display());
            Ok(p)
        }
        None => bail!("cargo-deb wrote no .deb into {}", out.display()),
    }
}

/// A minimal Debian of this machine's release (debootstrap's `minbase`, with `adduser`, the
/// package's one dependency), in `target/debroot/<codename>`, for the test that installs the
/// package with `dpkg -i` and runs it there (`chroot`). Made once; a run that was cut short
/// is made again.
pub fn debroot(root: &Path) -> Result<PathBuf> {
    let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let codename = release
        .lines()
        .find_map(|l| l.strip_prefix("VERSION_CODENAME="))
        .map(|c| c.trim_matches('"').to_string())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "bookworm".to_string());
    let dir = root.join("target/debroot").join(&codename);
    if dir.join(".complete").exists() {
        return Ok(dir);
    }
    super::ensure_debian_packages(&[("debootstrap", "/usr/sbin/debootstrap")])?;
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    super::run(
        super::privileged("debootstrap")
            .args(["--variant=minbase", "--include=adduser", &codename])
            .arg(&dir)
            .arg("http://deb.debian.org/debian"),
    )?;
    std::fs::write(dir.join(".complete"), "").with_context(|| format!("mark {}", dir.display()))?;
    Ok(dir)
}
