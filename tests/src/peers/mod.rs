//! Real protocol peers, started on free loopback ports for one test and stopped when dropped.
//! Installed by `cargo xtask test` (Python packages into `target/peers-venv`).

mod dovecot;
mod haproxy;
mod nginx;
mod postgres;
mod radicale;
mod redis;
mod slapd;
mod wsgidav;

pub use dovecot::{Dovecot, DovecotAuth};
pub use haproxy::Haproxy;
pub use nginx::Nginx;
pub use postgres::Postgres;
pub use radicale::{Radicale, ical_utc, vevent};
pub use redis::Redis;
pub use slapd::Slapd;
pub use wsgidav::WsgiDav;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (bound then released), never one this process handed out before:
/// the kernel may give a released port again to the next bind, and two servers started at
/// once would then fight for it.
pub fn free_port() -> u16 {
    use std::collections::HashSet;
    use std::sync::Mutex;
    static GIVEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let mut given = GIVEN.lock().unwrap_or_else(|p| p.into_inner());
        if given.get_or_insert_with(HashSet::new).insert(port) {
            return port;
        }
    }
}

/// Wait until a server listens on `port` of 127.0.0.1, or fail naming it and showing `log`.
pub fn wait_for_port(port: u16, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not start; log: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn venv_python() -> PathBuf {
    let python = crate::repo_root().join("target/peers-venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `cargo xtask test`, which installs the test peers (django-cas-server)",
        python.display()
    );
    python
}

/// A real CAS 3.0 server: django-cas-server with a throwaway settings module and SQLite file.
/// User `test` / password `test`, with SupAnn attributes released to the portal's services.
pub struct CasServer {
    /// Base URL, e.g. `http://127.0.0.1:41234/cas/`.
    pub url: String,
    child: Child,
    /// Working directory (settings, database, log).
    pub dir: PathBuf,
}

impl CasServer {
    /// Start the server; services matching `portal_pattern` may sign in (and receive a PGT),
    /// services matching `backend_pattern` may receive proxy tickets.
    pub fn start(portal_pattern: &str, backend_pattern: &str) -> Self {
        Self::start_as(portal_pattern, backend_pattern, None)
    }

    /// Like [`CasServer::start`], with `(user, password, attributes as JSON)` for its one
    /// user instead of `test` / `test` (two establishments, each with its own CAS, may
    /// both have a `jdupont` who is not the same person).
    pub fn start_as(portal_pattern: &str, backend_pattern: &str, user: Option<(&str, &str, &str)>) -> Self {
        let python = venv_python();
        let dir = crate::temp_dir("cas");
        let peers = crate::repo_root().join("tests/peers/cas");
        for f in ["cas_settings.py", "cas_urls.py", "cas_setup.py"] {
            std::fs::copy(peers.join(f), dir.join(f)).expect("copy CAS settings");
        }
        let env = |cmd: &mut Command| {
            cmd.current_dir(&dir)
                .env("PYTHONPATH", &dir)
                .env("DJANGO_SETTINGS_MODULE", "cas_settings")
                .env("CAS_DB", dir.join("cas.sqlite3"))
                .env("PORTAL_PATTERN", portal_pattern)
                .env("BACKEND_PATTERN", backend_pattern);
            if let Some((name, password, attributes)) = user {
                cmd.env("CAS_USER", name)
                    .env("CAS_PASSWORD", password)
                    .env("CAS_ATTRIBUTES", attributes);
            }
        };
        for args in [
            vec!["-m", "django", "migrate", "--noinput", "-v", "0"],
            vec!["cas_setup.py"],
        ] {
            let mut cmd = Command::new(&python);
            cmd.args(&args);
            env(&mut cmd);
            let out = cmd.output().expect("run django");
            assert!(
                out.status.success(),
                "django {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let port = free_port();
        let log = std::fs::File::create(dir.join("cas.log")).expect("log file");
        let mut cmd = Command::new(&python);
        cmd.args([
            "-m",
            "django",
            "runserver",
            &format!("127.0.0.1:{port}"),
            "--noreload",
            "--skip-checks",
        ])
        .stdout(Stdio::from(log.try_clone().expect("log")))
        .stderr(Stdio::from(log));
        env(&mut cmd);
        let child = cmd.spawn().expect("start django-cas-server");
        let url = format!("http://127.0.0.1:{port}/cas/");
        wait_for_port(port, "django-cas-server", &dir.join("cas.log"));
        CasServer { url, child, dir }
    }

    /// Sign in at the CAS login form with `client` (cookie jar) for `service`, following the
    /// form like a browser; returns the redirect URL CAS sends back (with `ticket=`).
    pub async fn browser_login(&self, client: &reqwest::Client, login_url: &str, user: &str, password: &str) -> String {
        let form = client
            .get(login_url)
            .send()
            .await
            .expect("GET CAS login")
            .text()
            .await
            .expect("login page");
        let field = |name: &str| -> String {
            let marker = format!("name=\"{name}\" value=\"");
            form.find(&marker)
                .map(|i| {
                    let rest = &form[i + marker.len()..];
                    rest[..rest.find('"').unwrap_or(0)].to_string()
                })
                .unwrap_or_default()
        };
        let (csrf, lt, service) = (field("csrfmiddlewaretoken"), field("lt"), field("service"));
        let res = client
            .post(format!("{}login", self.url))
            .header("Referer", login_url)
            .form(&[
                ("csrfmiddlewaretoken", csrf.as_str()),
                ("lt", lt.as_str()),
                ("username", user),
                ("password", password),
                ("service", service.as_str()),
            ])
            .send()
            .await
            .expect("POST CAS login");
        res.headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_string)
            .unwrap_or_else(|| panic!("CAS did not redirect after login (status {})", res.status()))
    }
}

impl Drop for CasServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A real OpenID Connect provider (`oidc-provider-mock`), nonce required, with one
/// predefined user whose claims are given as JSON.
pub struct OidcProvider {
    /// Issuer URL, e.g. `http://127.0.0.1:41234`.
    pub issuer: String,
    child: Child,
    dir: PathBuf,
}

impl OidcProvider {
    /// Start the provider with one user (`claims` must include `sub`).
    pub fn start(claims: &str) -> Self {
        let python = venv_python();
        let dir = crate::temp_dir("oidc");
        let port = free_port();
        let log = std::fs::File::create(dir.join("oidc.log")).expect("log file");
        let child = Command::new(python.with_file_name("oidc-provider-mock"))
            .args([
                "--port",
                &port.to_string(),
                "--host",
                "127.0.0.1",
                "--require-nonce",
                "true",
                "--user-claims",
                claims,
            ])
            .stdout(Stdio::from(log.try_clone().expect("log")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start oidc-provider-mock");
        let provider = OidcProvider {
            issuer: format!("http://127.0.0.1:{port}"),
            child,
            dir,
        };
        wait_for_port(port, "oidc-provider-mock", &provider.dir.join("oidc.log"));
        provider
    }

    /// Authorize `sub` at the provider's form for `authorize_url`; returns the redirect back.
    pub async fn authorize(&self, client: &reqwest::Client, authorize_url: &str, sub: &str) -> String {
        let form = client.get(authorize_url).send().await.expect("GET authorize");
        assert!(form.status().is_success(), "authorize form: {}", form.status());
        let res = client
            .post(authorize_url)
            .form(&[("sub", sub)])
            .send()
            .await
            .expect("POST authorize");
        res.headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_string)
            .unwrap_or_else(|| panic!("provider did not redirect (status {})", res.status()))
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A TCP server on a loopback port that accepts connections and never answers: a directory
/// (or any back-end) that hangs.
pub fn black_hole() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    format!("127.0.0.1:{}", addr.port())
}
