//! Project automation, run as `cargo xtask <command>`:
//!
//! * `demo`  — build the channels for wasm32-wasip2, serve the demo back-ends (feeds) on a
//!   loopback port, and run the portal in demo mode on http://127.0.0.1:8080/ (the address is
//!   printed once the portal answers; its log is also kept in `target/demo/portal.log`).
//! * `test`  — build the channels, then run the whole test suite.
//! * `bench` — build the channels, then run the benchmarks (see BENCHMARKS.md).
//! * `channels` — only build and package the channels into `target/channels/`.
//! * `package` — the Debian package of the portal (cargo-deb) into `target/debian/`.
//! * `deny` — every cargo-deny check of `deny.toml`, advisories included (needs GitHub; the
//!   test command runs the checks that work offline).
//! * `explain UID` — which populations UID belongs to and why, with the demo configuration
//!   (any `PORTAL_*` variables apply, e.g. `PORTAL_LDAP__URL` for a real directory).

mod channels;
mod package;
mod readiness;
mod static_server;
mod supply;
mod tools;

use anyhow::{Context, Result, bail};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const WASM_TARGET: &str = "wasm32-wasip2";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("demo") => demo(&root, &args[1..]),
        Some("test") => test(&root, &args[1..]),
        Some("bench") => bench(&root, &args[1..]),
        Some("channels") => build_channels(&root),
        Some("package") => package::package(&root, "release").map(|_| ()),
        Some("deny") => supply::check(&root, &[]),
        Some("explain") => explain(&root, &args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <demo|test|bench|channels|package|deny|explain UID> [args]");
            std::process::exit(2)
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Cargo, with the environment a shell gives it: without the variables `cargo run` set for
/// xtask itself (`CARGO_PKG_NAME=xtask`, `CARGO_MANIFEST_DIR=…/xtask`, …). Build scripts that
/// watch those (ring's does) would otherwise run again, and all above them be recompiled (ring,
/// rustls, reqwest, … the portal: some twenty crates), each time builds alternate between
/// `cargo xtask …` and a plain `cargo build`/`cargo test`.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    for (key, _) in std::env::vars_os() {
        if set_by_cargo_run(&key.to_string_lossy()) {
            cmd.env_remove(&key);
        }
    }
    cmd
}

/// Whether `key` is one of the variables `cargo run` sets for the program it runs.
fn set_by_cargo_run(key: &str) -> bool {
    key.starts_with("CARGO_PKG_")
        || key.starts_with("CARGO_MANIFEST_")
        || matches!(
            key,
            "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE" | "OUT_DIR"
        )
}

/// The portal binary `portal` (see [`build_host_bins`]) with the shipped configuration;
/// arguments follow.
fn portal_command(portal: &Path) -> Command {
    let mut cmd = Command::new(portal);
    cmd.args(["--config", "config/portal.toml"]);
    cmd
}

/// Build the workspace binaries `bins` for the host and return their paths, in that order.
///
/// The selection is the one `cargo test --workspace` (`cargo xtask test`) builds with, so that
/// each reuses what the other compiled: `--workspace` unifies features across every member
/// as the test build does, and `--examples` (the workspace has none to build) makes Cargo
/// resolve features with dev-dependencies, as any test build does. Any other selection
/// (`cargo run -p agora-portal`, `-p agora-tests`) resolves different features for shared
/// crates (figment's `test` from agora-portal's dev-dependencies, reqwest's `cookies` and
/// `json` from agora-tests, ...) and compiles its own copy of every crate above them, some
/// sixty including wasmtime and the portal itself.
fn build_host_bins(bins: &[&str]) -> Result<Vec<PathBuf>> {
    let mut cmd = cargo();
    cmd.args([
        "build",
        "--workspace",
        "--examples",
        "--message-format=json-render-diagnostics",
    ]);
    for bin in bins {
        cmd.args(["--bin", bin]);
    }
    eprintln!("+ {}", shown(&cmd));
    // Cargo's messages and diagnostics go to our standard error; its JSON to us.
    let out = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run {}", shown(&cmd)))?;
    if !out.status.success() {
        bail!("{} failed with {}", shown(&cmd), out.status);
    }
    let built = executables(&String::from_utf8_lossy(&out.stdout));
    bins.iter()
        .map(|bin| {
            built
                .iter()
                .find(|exe| exe.file_stem().is_some_and(|stem| stem == *bin))
                .cloned()
                .with_context(|| format!("cargo built no executable named {bin}"))
        })
        .collect()
}

/// The executables in Cargo's JSON messages (one message a line).
fn executables(messages: &str) -> Vec<PathBuf> {
    messages
        .lines()
        .filter(|line| line.contains(r#""reason":"compiler-artifact""#))
        .filter_map(|line| json_string_field(line, "executable"))
        .map(PathBuf::from)
        .collect()
}

/// The string value of `"key":"…"` in one line of compact JSON (Cargo's messages), unescaped.
fn json_string_field(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let mut chars = line[start..].chars();
    let mut value = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                'r' => value.push('\r'),
                'b' => value.push('\u{8}'),
                'f' => value.push('\u{c}'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    value.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                c => value.push(c),
            },
            c => value.push(c),
        }
    }
}

/// How a command is shown: its environment changes and arguments, secrets masked.
fn shown(cmd: &Command) -> String {
    let mut out = String::new();
    for (key, value) in cmd.get_envs() {
        let key = key.to_string_lossy();
        if value.is_none() && set_by_cargo_run(&key) {
            continue; // removed by `cargo()`
        }
        let secret = ["PASSWORD", "SECRET", "TOKEN"].iter().any(|s| key.contains(s));
        let value = value.map(|v| v.to_string_lossy().into_owned()).unwrap_or_default();
        out.push_str(&format!("{key}={} ", if secret { "***" } else { value.as_str() }));
    }
    out.push_str(&cmd.get_program().to_string_lossy());
    for arg in cmd.get_args() {
        out.push(' ');
        out.push_str(&arg.to_string_lossy());
    }
    out
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("+ {}", shown(cmd));
    let status = cmd.status().with_context(|| format!("cannot run {}", shown(cmd)))?;
    if !status.success() {
        bail!("{} failed with {status}", shown(cmd));
    }
    Ok(())
}

/// Make sure the wasm32-wasip2 standard library is installed.
fn ensure_wasm_target() -> Result<()> {
    let out = Command::new("rustup").args(["target", "list", "--installed"]).output();
    match out {
        Ok(o)
            if String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == WASM_TARGET) =>
        {
            Ok(())
        }
        Ok(_) => run(Command::new("rustup").args(["target", "add", WASM_TARGET])),
        Err(e) => {
            eprintln!("warning: rustup not found ({e}); assuming {WASM_TARGET} is installed");
            Ok(())
        }
    }
}

/// Build every channel of the workspace (see [`channels::find`]) for wasm32-wasip2 and
/// install `channel.toml` + `channel.wasm` (and `icon.svg` when there is one) under
/// `target/channels/<channel id>/`.
fn build_channels(root: &Path) -> Result<()> {
    ensure_wasm_target()?;
    let crates = channels::find(root)?;
    let mut cmd = cargo();
    cmd.args(["build", "--release", "--target", WASM_TARGET]);
    for c in &crates {
        cmd.args(["-p", &c.package]);
    }
    run(&mut cmd)?;
    let out_dir = root.join("target").join(WASM_TARGET).join("release");
    for c in &crates {
        let dest = root.join("target/channels").join(&c.id);
        std::fs::create_dir_all(&dest)?;
        let wasm = out_dir.join(format!("{}.wasm", c.lib));
        std::fs::copy(&wasm, dest.join("channel.wasm")).with_context(|| format!("copy {}", wasm.display()))?;
        std::fs::copy(c.dir.join("channel.toml"), dest.join("channel.toml"))?;
        // The package's icon, when the channel has one (`[channel] icon`).
        let icon = c.dir.join("icon.svg");
        if icon.exists() {
            std::fs::copy(&icon, dest.join("icon.svg"))?;
        }
    }
    eprintln!(
        "channels installed in {}: {}",
        root.join("target/channels").display(),
        crates.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ")
    );
    Ok(())
}

/// How long the demo waits for the portal to answer once started (it compiles the channels).
const DEMO_START_TIMEOUT: Duration = Duration::from_secs(120);

fn demo(root: &Path, args: &[String]) -> Result<()> {
    build_channels(root)?;
    let [portal, demo_mail, demo_dav] =
        <[PathBuf; 3]>::try_from(build_host_bins(&["agora-portal", "agora-demo-mail", "agora-demo-dav"])?)
            .map_err(|_| anyhow::anyhow!("cargo built the wrong number of binaries"))?;
    let listen = std::env::var("PORTAL_SERVER__LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let listen: SocketAddr = listen
        .parse()
        .with_context(|| format!("PORTAL_SERVER__LISTEN={listen} is not an address and port (e.g. 127.0.0.1:9090)"))?;
    // Whatever already answers there (an earlier demo) would pass for this portal.
    if let Err(e) = TcpListener::bind(listen) {
        bail!(
            "cannot listen on {listen} ({e}); is a demo already running? PORTAL_SERVER__LISTEN=127.0.0.1:9090 cargo xtask demo picks another port"
        );
    }
    let backends = static_server::serve(root.join("examples/demo/backends"))?;
    eprintln!("demo back-ends (feeds) served on {backends}");
    let sis = agora_sis_simulator::Simulator::start_dir(&root.join("examples/sis-simulator/data"))
        .map_err(|e| anyhow::anyhow!("SIS simulator (ADE, Apogée, iTop, Pégase): {e}"))?;
    eprintln!("ADE, Apogée, iTop and Pégase simulators served on {}", sis.url);
    // Kept alive (and its Dovecot with it) until the demo ends.
    let mail = start_demo_mail(&demo_mail);
    let dav = start_demo_dav(root, &demo_dav);
    let mut cmd = portal_command(&portal);
    cmd.args(args);
    if let Some((_, port, password)) = &mail {
        cmd.env("PORTAL_MAIL__IMAP_HOST", "127.0.0.1")
            .env("PORTAL_MAIL__IMAP_PORT", port)
            .env("PORTAL_MAIL__TLS", "none")
            .env("PORTAL_MAIL__AUTH", "master")
            .env("PORTAL_MAIL__MASTER_USER", "portal")
            .env("PORTAL_MAIL__MASTER_PASSWORD", password);
    }
    if let Some((_, calendars, files, password)) = &dav {
        cmd.env("PORTAL_DAV__CALENDARS_URL", format!("{calendars}{{uid}}/"))
            .env("PORTAL_DAV__CONTACTS_URL", format!("{calendars}{{uid}}/"))
            .env("PORTAL_DAV__FILES_URL", format!("{files}{{uid}}/"))
            .env("PORTAL_DAV__AUTH", "service-account")
            .env("PORTAL_DAV__USER", "portal")
            .env("PORTAL_DAV__PASSWORD", password);
    }
    cmd.env("AGORA_DEMO_BACKEND", &backends)
        .env("AGORA_DEMO_SIS", &sis.url)
        // SMS-U's simulator: [sms] in config/portal.toml names the account and who sends.
        .env("PORTAL_SMS__URL", format!("{}/ws/", sis.url))
        .env("PORTAL_SMS__PASSWORD", "smsu-demo-password")
        .env("PORTAL_DEMO__ENABLED", "true");
    eprintln!("+ {}", shown(&cmd));
    let portal = readiness::Logged::spawn(&mut cmd, &root.join("target/demo/portal.log"))
        .with_context(|| format!("cannot run {}", shown(&cmd)))?;
    // Ctrl-C reaches the portal (and the mail server) directly; we wait for it to stop.
    readiness::ignore_interrupts();
    wait_for_portal(portal, listen)
}

/// Print the demo's address once `portal` answers on `listen`, then wait for it to stop.
fn wait_for_portal(mut portal: readiness::Logged, listen: SocketAddr) -> Result<()> {
    let health = readiness::probe_address(listen);
    let log = portal.log.display().to_string();
    let answer = readiness::wait_for_http(health, "/health", DEMO_START_TIMEOUT, || {
        portal.child.try_wait().ok().flatten()
    });
    match answer {
        Ok(200) => {}
        Ok(status) => eprintln!("warning: the portal's /health answers {status}; see its log, {log}"),
        Err(readiness::NotReady::Exited(status)) => {
            let _ = portal.wait();
            bail!("the portal stopped ({status}) before answering on http://{health}/health; see its log, {log}");
        }
        Err(readiness::NotReady::TimedOut) => {
            let _ = portal.kill();
            bail!(
                "the portal did not answer on http://{health}/health within {} s and was stopped; see its log, {log}",
                DEMO_START_TIMEOUT.as_secs()
            );
        }
    }
    eprintln!("\n  Agora demo: open http://{listen}/ and choose a persona under \"Se connecter\".\n");
    let status = portal.wait()?;
    if !status.success() {
        bail!("the portal stopped with {status}; see its log, {log}");
    }
    Ok(())
}

/// Start the demo's throwaway Dovecot (installing `dovecot-imapd` when missing); `None`, with
/// a warning, when that is not possible here (the mail channel then says so on the page).
fn start_demo_mail(demo_mail: &Path) -> Option<(std::process::Child, String, String)> {
    use std::io::BufRead;
    if let Err(e) = ensure_debian_packages(&[("dovecot-imapd", "/usr/sbin/dovecot")]) {
        eprintln!("warning: no demo mail server (cannot install dovecot-imapd: {e})");
        return None;
    }
    let mut child = Command::new(demo_mail)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| eprintln!("warning: no demo mail server: {e}"))
        .ok()?;
    let mut line = String::new();
    let stdout = child.stdout.take()?;
    std::io::BufReader::new(stdout).read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some(port), Some(password)) => {
            eprintln!("demo mail server (Dovecot) on 127.0.0.1:{port}");
            Some((child, port.to_string(), password.to_string()))
        }
        _ => {
            eprintln!("warning: the demo mail server did not start");
            let _ = child.kill();
            None
        }
    }
}

/// Start the demo's Radicale and WsgiDAV (agenda, contacts, files) when the test peers'
/// virtual environment has them (`cargo xtask test` installs it); `None`, with a note,
/// otherwise (the three channels then have nothing to show).
fn start_demo_dav(root: &Path, demo_dav: &Path) -> Option<(std::process::Child, String, String, String)> {
    use std::io::BufRead;
    let python = root.join("target/peers-venv/bin/python");
    let has = |module: &str| {
        Command::new(&python)
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !(has("radicale") && has("wsgidav") && has("cheroot")) {
        eprintln!(
            "note: no demo agenda, contacts or files (run `cargo xtask test` once to install Radicale and WsgiDAV)"
        );
        return None;
    }
    let mut child = Command::new(demo_dav)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| eprintln!("warning: no demo DAV servers: {e}"))
        .ok()?;
    let mut line = String::new();
    let stdout = child.stdout.take()?;
    std::io::BufReader::new(stdout).read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    match (parts.next(), parts.next(), parts.next()) {
        (Some(calendars), Some(files), Some(password)) => {
            eprintln!("demo calendars and contacts (Radicale) on {calendars}, files (WsgiDAV) on {files}");
            Some((child, calendars.to_string(), files.to_string(), password.to_string()))
        }
        _ => {
            eprintln!("warning: the demo DAV servers did not start");
            let _ = child.kill();
            None
        }
    }
}

/// Install the Python test peers (django-cas-server …) into `target/peers-venv` when missing.
fn ensure_python_peers(root: &Path) -> Result<()> {
    let venv = root.join("target/peers-venv");
    let python = venv.join("bin/python");
    let requirements = root.join("tests/peers/requirements.txt");
    let stamp = venv.join(".requirements");
    let wanted = std::fs::read_to_string(&requirements)?;
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    if !python.exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    run(Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements))?;
    std::fs::write(stamp, wanted)?;
    Ok(())
}

/// `program` run as root: itself when this is root, else through `sudo`.
fn privileged(program: &str) -> Command {
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    if root_user {
        Command::new(program)
    } else {
        let mut c = Command::new("sudo");
        c.arg(program);
        c
    }
}

/// Install Debian packages whose `probe` file is missing (apt-get; sudo when not root).
fn ensure_debian_packages(packages: &[(&str, &str)]) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .filter(|(_, probe)| !Path::new(probe).exists())
        .map(|(p, _)| *p)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let apt = |args: &[&str]| -> Result<()> {
        let mut cmd = privileged("apt-get");
        cmd.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        run(&mut cmd)
    };
    let mut install = vec!["install", "-y", "-q", "--no-install-recommends"];
    install.extend(&missing);
    if apt(&install).is_err() {
        apt(&["update", "-q"])?;
        apt(&install)?;
    }
    Ok(())
}

/// Debian packages of the real peers the tests start (package, file that proves it is there).
const DEBIAN_PEERS: &[(&str, &str)] = &[
    ("slapd", "/usr/sbin/slapd"),
    ("ldap-utils", "/usr/bin/ldapadd"),
    ("postgresql", "/usr/lib/postgresql"),
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", "/usr/bin/chromedriver"),
    ("dovecot-imapd", "/usr/sbin/dovecot"),
    ("redis-server", "/usr/bin/redis-server"),
    ("haproxy", "/usr/sbin/haproxy"),
    ("python3", "/usr/bin/python3"),
    ("python3-venv", "/usr/share/doc/python3-venv"),
    ("openssl", "/usr/bin/openssl"),
    // The HTTPS back-end of the TLS trust test, and the peer of the side-by-side benches.
    ("nginx", "/usr/sbin/nginx"),
];

fn test(root: &Path, args: &[String]) -> Result<()> {
    // The dependency rules first: a banned crate or licence fails in seconds, not after the
    // build. Advisories need GitHub, which CI cannot reach (`cargo xtask deny` runs them).
    supply::check(root, &["bans", "licenses", "sources"])?;
    build_channels(root)?;
    // Debian's packages first: a stock Debian's python3 makes no venv without python3-venv.
    ensure_debian_packages(DEBIAN_PEERS)?;
    ensure_python_peers(root)?;
    tools::npm_peers(root)?;
    // The package's test installs what the dev build holds (no release build in the suite).
    let deb = package::package(root, "dev")?;
    // Where that test installs it for real (dpkg -i in a minimal Debian, chroot).
    let debroot = package::debroot(root)?;
    let mut cmd = cargo();
    cmd.args(["test", "--workspace"]).args(args);
    cmd.env("AGORA_CHANNEL_PACKAGES", root.join("target/channels"));
    cmd.env("AGORA_DEB", &deb);
    cmd.env("AGORA_DEBROOT", &debroot);
    run(&mut cmd)
}

fn bench(root: &Path, args: &[String]) -> Result<()> {
    build_channels(root)?;
    ensure_python_peers(root)?;
    ensure_debian_packages(DEBIAN_PEERS)?;
    // The external load tool of the side-by-side page benchmarks.
    ensure_debian_packages(&[("wrk", "/usr/bin/wrk")])?;
    let mut cmd = cargo();
    cmd.args([
        "bench",
        "-p",
        "agora-channel-host",
        "-p",
        "agora-cas",
        "-p",
        "agora-population",
        "-p",
        "agora-layout",
        "-p",
        "agora-tests",
    ])
    .args(args);
    cmd.env("AGORA_CHANNEL_PACKAGES", root.join("target/channels"));
    run(&mut cmd)
}

fn explain(root: &Path, args: &[String]) -> Result<()> {
    let Some(uid) = args.first() else {
        bail!("usage: cargo xtask explain UID")
    };
    build_channels(root)?;
    let portal = build_host_bins(&["agora-portal"])?;
    let mut cmd = portal_command(&portal[0]);
    cmd.args(["explain", uid]);
    cmd.env("AGORA_DEMO_BACKEND", "http://127.0.0.1:9")
        .env("AGORA_DEMO_SIS", "http://127.0.0.1:9")
        .env_remove("PORTAL_DEMO__ENABLED");
    if std::env::var_os("PORTAL_LDAP__URL").is_none() {
        cmd.env("PORTAL_DEMO__ENABLED", "true");
    }
    run(&mut cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executables_from_cargo_messages() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/x#0.1.0","target":{"kind":["lib"],"name":"x"},"filenames":["/w/target/debug/deps/libx-1.rlib"],"executable":null,"fresh":true}"#,
            "\n",
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/p#0.1.0","target":{"kind":["bin"],"name":"agora-portal"},"filenames":["/w/target/debug/agora-portal"],"executable":"/w/tar\"get\\debug/agora-portal","fresh":false}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
            "\n",
        );
        assert_eq!(
            executables(messages),
            vec![PathBuf::from(r#"/w/tar"get\debug/agora-portal"#)]
        );
        assert_eq!(
            json_string_field(r#"{"a":"\u00e9\n"}"#, "a").as_deref(),
            Some("\u{e9}\n")
        );
        assert_eq!(json_string_field(r#"{"a":"unterminated"#, "a"), None);
    }
}
