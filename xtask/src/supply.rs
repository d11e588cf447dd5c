//! The dependency tree's rules (`deny.toml`), checked by cargo-deny: licences, banned crates
//! (the old TLS stack, OpenSSL) and sources (crates.io only).

use anyhow::Result;
use std::path::Path;

/// The cargo-deny version installed when none is found.
const CARGO_DENY: &str = "0.20.2";

/// Run cargo-deny's `checks` (empty: all of them, advisories included, which fetches the
/// RustSec database from GitHub).
pub fn check(root: &Path, checks: &[&str]) -> Result<()> {
    let deny = super::tools::cargo_tool(root, "cargo-deny", CARGO_DENY)?;
    let mut cmd = std::process::Command::new(deny);
    cmd.args(["--log-level", "error", "check"]).args(checks);
    super::run(&mut cmd)
}
