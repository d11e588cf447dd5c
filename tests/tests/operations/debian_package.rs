//! The Debian package (issue 12). `cargo xtask test` builds it (cargo-deb, from the dev build)
//! and names it in `AGORA_DEB`, and makes a minimal Debian of this machine's release
//! (debootstrap) named in `AGORA_DEBROOT`. The test checks what dpkg and systemd will read,
//! installs the package in a copy of that Debian with `dpkg -i` (its maintainer scripts
//! included), starts the portal there as systemd would (the unit's user and command line, in
//! a `chroot`), loads the home page, and purges the package. Needs root, as the test
//! command's installs do.

use agora_tests::peers::free_port;
use agora_tests::temp_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `program`, as root: the test installs a package and runs `chroot`, as the test command's
/// own installs do (`sudo cargo xtask test` when not root).
fn privileged(program: &str) -> Command {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    assert!(
        root,
        "installing the package needs root: run `sudo cargo xtask test` (CI runs as root)"
    );
    Command::new(program)
}

/// The installed portal, stopped however the test ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A copy of the minimal Debian, removed when dropped.
struct Debian {
    root: PathBuf,
}

impl Debian {
    fn copy_of(base: &Path) -> Self {
        let root = temp_dir("deb-install").join("debian");
        let out = privileged("cp").arg("-a").arg(base).arg(&root).output().expect("cp");
        assert!(
            out.status.success(),
            "cannot copy the minimal Debian (root or sudo needed): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Debian { root }
    }

    /// Run `args` inside, as root.
    fn run(&self, args: &[&str]) -> Output {
        privileged("chroot")
            .arg(&self.root)
            .args(args)
            .output()
            .expect("chroot")
    }

    /// Run `args` inside and insist that it succeeds; its standard output.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} in the installed system: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn path(&self, inside: &str) -> PathBuf {
        self.root.join(inside.trim_start_matches('/'))
    }
}

impl Drop for Debian {
    fn drop(&mut self) {
        if let Some(parent) = self.root.parent() {
            let _ = privileged("rm").arg("-rf").arg(parent).status();
        }
    }
}

fn dpkg_deb(args: &[&str], deb: &Path) -> String {
    let out = Command::new("dpkg-deb").args(args).arg(deb).output().expect("dpkg-deb");
    assert!(
        out.status.success(),
        "dpkg-deb {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_package_installs_a_portal_that_serves_the_home_page() {
    let deb = std::env::var_os("AGORA_DEB")
        .expect("AGORA_DEB is unset: run `cargo xtask test`, which builds the Debian package first");
    let deb = Path::new(&deb);

    // What dpkg reads: the control fields, the configuration files it keeps on upgrade, the
    // maintainer scripts (system user, data directory, the systemd unit's hooks).
    let control = dpkg_deb(&["-f"], deb);
    for field in ["Package: agora-portal", "Depends: adduser", "Section: web"] {
        assert!(control.contains(field), "{field} in\n{control}");
    }
    let info = temp_dir("deb-control");
    let out = Command::new("dpkg-deb")
        .arg("-e")
        .arg(deb)
        .arg(&info)
        .status()
        .expect("dpkg-deb -e");
    assert!(out.success());
    let conffiles = std::fs::read_to_string(info.join("conffiles")).expect("conffiles");
    assert!(conffiles.contains("/etc/agora/portal.toml"), "{conffiles}");
    let postinst = std::fs::read_to_string(info.join("postinst")).expect("postinst");
    assert!(
        postinst.contains("adduser --system") && postinst.contains("/var/lib/agora"),
        "{postinst}"
    );
    assert!(
        postinst.contains("systemctl") || postinst.contains("deb-systemd"),
        "{postinst}"
    );

    // A real install, in a copy of a minimal Debian: dpkg runs the maintainer scripts.
    let base = std::env::var_os("AGORA_DEBROOT")
        .expect("AGORA_DEBROOT is unset: run `cargo xtask test`, which makes a minimal Debian for this test");
    let debian = Debian::copy_of(Path::new(&base));
    std::fs::copy(deb, debian.path("/tmp/agora-portal.deb")).expect("copy the package in");
    debian.ok(&["dpkg", "-i", "/tmp/agora-portal.deb"]);

    // The files, where the operator looks for them, owned as the scripts left them.
    for file in [
        "/usr/bin/agora-portal",
        "/etc/agora/portal.toml",
        "/etc/agora/channels.toml",
        "/etc/agora/fragments/everyone.toml",
        "/usr/share/agora/channels/welcome/channel.wasm",
        "/usr/share/agora/channels/mail/channel.toml",
        "/usr/share/agora/themes/default/templates/page_open.html",
        "/usr/lib/systemd/system/agora-portal.service",
        "/usr/share/doc/agora-portal/operations.md",
    ] {
        assert!(debian.path(file).exists(), "{file} is installed");
    }
    assert!(
        !debian.path("/usr/share/agora/channels/misbehaving").exists(),
        "the test channel is not shipped"
    );
    assert!(
        debian.ok(&["getent", "passwd", "agora"]).contains("/var/lib/agora"),
        "a system user"
    );
    let owned = debian.ok(&["stat", "-c", "%n %U:%G %a", "/var/lib/agora", "/etc/agora/portal.toml"]);
    assert!(owned.contains("/var/lib/agora agora:agora 750"), "{owned}");
    assert!(
        owned.contains("/etc/agora/portal.toml root:agora 640"),
        "the configuration (secrets) readable by the portal only: {owned}"
    );
    let unit = std::fs::read_to_string(debian.path("/usr/lib/systemd/system/agora-portal.service")).expect("unit");
    for line in ["User=agora", "NoNewPrivileges=yes", "ProtectSystem=strict"] {
        assert!(unit.contains(line), "{line} in the unit");
    }
    let exec_start: Vec<String> = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart in the unit")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    assert_eq!(exec_start[0], "/usr/bin/agora-portal");

    // The operator points the example back-ends at their own (here: a closed loopback port,
    // so the test reaches nothing off this machine).
    let channels_toml = debian.path("/etc/agora/channels.toml");
    let shipped = std::fs::read_to_string(&channels_toml).expect("channels.toml");
    assert!(shipped.contains("univ-exemple.fr"), "example back-ends to replace");
    assert!(!shipped.contains("AGORA_DEMO"), "no demo variable left in the package");
    std::fs::write(
        &channels_toml,
        shipped
            .replace("https://www.univ-exemple.fr", "http://127.0.0.1:9")
            .replace("https://sis.univ-exemple.fr", "http://127.0.0.1:9"),
    )
    .expect("configure the back-ends");

    // `check`, then the portal as systemd starts it: the unit's user and command line.
    let as_portal = |args: &[String]| {
        let mut cmd = privileged("chroot");
        cmd.arg("--userspec=agora:agora").arg(&debian.root).args(args);
        cmd
    };
    let check = as_portal(&[
        "/usr/bin/agora-portal".into(),
        "--config".into(),
        "/etc/agora/portal.toml".into(),
        "check".into(),
    ])
    .output()
    .expect("agora-portal check");
    assert!(
        check.status.success(),
        "the installed configuration checks: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let port = free_port();
    let log = debian.root.parent().expect("parent").join("portal.log");
    let mut child = Running(
        as_portal(&exec_start)
            .env("PORTAL_SERVER__LISTEN", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("start the installed portal"),
    );
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(90);
    let client = reqwest::Client::new();
    let page = loop {
        if let Ok(res) = client.get(format!("{url}/")).send().await
            && res.status().as_u16() == 200
        {
            break res.text().await.expect("page");
        }
        if Instant::now() > deadline || child.0.try_wait().ok().flatten().is_some() {
            panic!(
                "the installed portal never served /: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    drop(child);
    assert!(page.contains("<html lang=\"fr\""), "the guest page, in French");
    assert!(page.contains("Université"), "the installed skin's institution");
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        logged.lines().any(|l| l.trim_start().starts_with('{')),
        "the installed configuration logs JSON for the journal: {logged}"
    );
    assert!(
        debian.path("/var/lib/agora/compiled").exists() || debian.path("/var/lib/agora/portal.db").exists(),
        "the portal wrote its data where the package said"
    );

    // Purge: the package's files, its configuration and its data are gone.
    debian.ok(&["dpkg", "--purge", "agora-portal"]);
    for gone in ["/usr/bin/agora-portal", "/etc/agora/portal.toml", "/var/lib/agora"] {
        assert!(!debian.path(gone).exists(), "{gone} is removed by a purge");
    }
}
