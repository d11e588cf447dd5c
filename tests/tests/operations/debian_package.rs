//! The Debian package (issue 12). `cargo xtask test` builds it (cargo-deb, from the dev build)
//! and names it in `AGORA_DEB`. The test unpacks it as dpkg installs it, checks what dpkg and
//! systemd will read, then starts the installed binary with the installed configuration
//! (its absolute paths moved under the unpacked tree) and loads the home page.

use agora_tests::peers::free_port;
use agora_tests::temp_dir;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

    // The files, where the operator looks for them.
    let root = temp_dir("deb-root");
    let out = Command::new("dpkg-deb")
        .arg("-x")
        .arg(deb)
        .arg(&root)
        .status()
        .expect("dpkg-deb -x");
    assert!(out.success());
    for file in [
        "usr/bin/agora-portal",
        "etc/agora/portal.toml",
        "etc/agora/channels.toml",
        "etc/agora/fragments/everyone.toml",
        "usr/share/agora/channels/welcome/channel.wasm",
        "usr/share/agora/channels/mail/channel.toml",
        "usr/share/agora/themes/default/templates/page_open.html",
        "usr/lib/systemd/system/agora-portal.service",
        "usr/share/doc/agora-portal/operations.md",
    ] {
        assert!(root.join(file).exists(), "{file} is in the package");
    }
    assert!(
        !root.join("usr/share/agora/channels/misbehaving").exists(),
        "the test channel is not shipped"
    );
    let unit = std::fs::read_to_string(root.join("usr/lib/systemd/system/agora-portal.service")).expect("unit");
    for line in [
        "User=agora",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ExecStart=/usr/bin/agora-portal --config /etc/agora/portal.toml serve",
    ] {
        assert!(unit.contains(line), "{line} in the unit");
    }

    // The operator points the example back-ends at their own (here: a closed loopback port,
    // so the test reaches nothing off this machine).
    let channels_toml = root.join("etc/agora/channels.toml");
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

    // The installed portal, from the installed files.
    let port = free_port();
    let under = |p: &str| root.join(p.trim_start_matches('/'));
    let config = root.join("etc/agora/portal.toml");
    // The installed configuration's own paths, moved under the unpacked tree: a wrong path
    // in packaging/portal.toml points nowhere there too.
    let installed = std::fs::read_to_string(&config).expect("portal.toml");
    for path in [
        "/var/lib/agora",
        "/usr/share/agora/themes/default",
        "/usr/share/agora/channels",
    ] {
        assert!(
            installed.contains(&format!("\"{path}\"")),
            "{path} in the installed portal.toml"
        );
    }
    let moved = installed
        .replace(
            "\"/var/lib/agora\"",
            &format!("\"{}\"", under("/var/lib/agora").display()),
        )
        .replace(
            "\"/usr/share/agora/",
            &format!("\"{}/", under("/usr/share/agora").display()),
        );
    std::fs::write(&config, moved).expect("move the paths");
    std::fs::create_dir_all(under("/var/lib/agora")).expect("data dir");
    let binary = root.join("usr/bin/agora-portal");
    let check = Command::new(&binary)
        .arg("--config")
        .arg(&config)
        .arg("check")
        .output()
        .expect("agora-portal check");
    assert!(
        check.status.success(),
        "the installed configuration checks: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let log = root.join("portal.log");
    let mut child = Command::new(&binary)
        .arg("--config")
        .arg(&config)
        .env("PORTAL_SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("start the installed portal");
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(90);
    let client = reqwest::Client::new();
    let page = loop {
        if let Ok(res) = client.get(format!("{url}/")).send().await
            && res.status().as_u16() == 200
        {
            break res.text().await.expect("page");
        }
        if Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
            let _ = child.kill();
            panic!(
                "the installed portal never served /: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(page.contains("<html lang=\"fr\""), "the guest page, in French");
    assert!(page.contains("Université"), "the installed skin's institution");
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        logged.lines().any(|l| l.trim_start().starts_with('{')),
        "the installed configuration logs JSON for the journal: {logged}"
    );
}
