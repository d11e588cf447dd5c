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
