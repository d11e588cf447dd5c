//! Cargo subcommands the automation needs (cargo-deb, cargo-deny): the one on the PATH, else
//! installed once from crates.io, at a pinned version, into `target/tools/`.

use anyhow::Result;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The program `name` (e.g. `cargo-deb`): on the PATH if it runs, else
/// `target/tools/bin/<name>`, installed at `version` with `cargo install --locked` if missing.
pub fn cargo_tool(root: &Path, name: &str, version: &str) -> Result<PathBuf> {
    let local = root.join("target/tools/bin").join(name);
    if local.exists() {
        return Ok(local);
    }
    if Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Ok(PathBuf::from(name));
    }
    super::run(
        super::cargo()
            .args(["install", name, "--locked", "--version", version, "--root"])
            .arg(root.join("target/tools")),
    )?;
    Ok(local)
}

/// The npm packages of `tests/peers/npm/package.json` (axe-core, injected into the test
/// Chromium), installed into `target/npm/` with the machine's npm unless already there at
/// the pinned versions. Debian's `npm` is installed first when missing.
pub fn npm_peers(root: &Path) -> Result<()> {
    let wanted = std::fs::read_to_string(root.join("tests/peers/npm/package.json"))?;
    let prefix = root.join("target/npm");
    let stamp = prefix.join(".installed");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    super::ensure_debian_packages(&[("npm", "/usr/bin/npm")])?;
    std::fs::create_dir_all(&prefix)?;
    std::fs::write(prefix.join("package.json"), &wanted)?;
    super::run(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--no-package-lock", "--prefix"])
            .arg(&prefix),
    )?;
    std::fs::write(stamp, wanted)?;
    Ok(())
}
