//! Real protocol peers, started on free loopback ports for one test and stopped when dropped.
//! Installed by `cargo xtask test` (Python packages into `target/peers-venv`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
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

/// A real OpenLDAP `slapd` (Debian), run unprivileged-style from a temporary directory on a
/// free loopback port, with core, cosine, inetorgperson, and the project's eduPerson and
/// SupAnn schema files, loaded with `tests/peers/ldap/people.ldif`.
pub struct Slapd {
    /// `ldap://127.0.0.1:<port>`.
    pub url: String,
    /// Base of people entries.
    pub people_base: String,
    dir: PathBuf,
}

impl Slapd {
    /// Start slapd and load the test people.
    pub fn start() -> Self {
        for tool in ["/usr/sbin/slapd", "/usr/bin/ldapadd"] {
            assert!(
                Path::new(tool).exists(),
                "{tool} is missing: run `cargo xtask test`, which installs slapd and ldap-utils"
            );
        }
        let dir = crate::temp_dir("slapd");
        let peers = crate::repo_root().join("tests/peers/ldap");
        std::fs::create_dir_all(dir.join("db")).expect("db dir");
        let conf = format!(
            "include /etc/ldap/schema/core.schema\ninclude /etc/ldap/schema/cosine.schema\n\
             include /etc/ldap/schema/inetorgperson.schema\ninclude {p}/eduperson-minimal.schema\n\
             include {p}/supann-minimal.schema\npidfile {d}/slapd.pid\nargsfile {d}/slapd.args\n\
             modulepath /usr/lib/ldap\nmoduleload back_mdb\ndatabase mdb\nmaxsize 104857600\n\
             suffix \"dc=univ-agora,dc=fr\"\nrootdn \"cn=admin,dc=univ-agora,dc=fr\"\nrootpw secret\n\
             directory {d}/db\nindex objectClass eq\nindex uid eq\n\
             access to attrs=userPassword by anonymous auth by * none\naccess to * by * read\n",
            p = peers.display(),
            d = dir.display()
        );
        std::fs::write(dir.join("slapd.conf"), conf).expect("slapd.conf");
        let port = free_port();
        let url = format!("ldap://127.0.0.1:{port}");
        let out = Command::new("/usr/sbin/slapd")
            .args([
                "-f",
                &dir.join("slapd.conf").display().to_string(),
                "-h",
                &format!("{url}/"),
                "-s",
                "0",
            ])
            .output()
            .expect("run slapd");
        assert!(
            out.status.success(),
            "slapd failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let server = Slapd {
            url: url.clone(),
            people_base: "ou=people,dc=univ-agora,dc=fr".into(),
            dir,
        };
        wait_for_port(port, "slapd", &server.dir.join("slapd.log"));
        let out = Command::new("/usr/bin/ldapadd")
            .args([
                "-x",
                "-H",
                &url,
                "-D",
                "cn=admin,dc=univ-agora,dc=fr",
                "-w",
                "secret",
                "-f",
            ])
            .arg(peers.join("people.ldif"))
            .output()
            .expect("run ldapadd");
        assert!(
            out.status.success(),
            "ldapadd failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        server
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.join("slapd.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// How the throwaway Dovecot checks passwords.
pub enum DovecotAuth {
    /// A master user (`user*master` logins) next to the users' own passwords.
    Master {
        /// Master login.
        user: String,
        /// Master password.
        password: String,
    },
    /// The password is a CAS proxy ticket for `service`, validated at `cas_url` by a
    /// checkpassword program (`tests/peers/mail/checkpassword_cas.py`).
    CasProxy {
        /// CAS base URL, ending with `/`.
        cas_url: String,
        /// The IMAP server's CAS service.
        service: String,
    },
}

/// A throwaway Dovecot IMAP server (Debian `dovecot-imapd`) on a free loopback port, with
/// Maildir users filled by `dovecot-lda`.
pub struct Dovecot {
    /// IMAP port on 127.0.0.1.
    pub port: u16,
    dir: PathBuf,
    conf: PathBuf,
}

impl Dovecot {
    /// Start Dovecot for `users` (login, password) with `auth`.
    pub fn start(users: &[(&str, &str)], auth: DovecotAuth) -> Self {
        for tool in ["/usr/sbin/dovecot", "/usr/lib/dovecot/dovecot-lda"] {
            assert!(
                Path::new(tool).exists(),
                "{tool} is missing: run `cargo xtask test`, which installs dovecot-imapd"
            );
        }
        let dir = crate::temp_dir("dovecot");
        let port = free_port();
        let root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.starts_with(b"0"))
            .unwrap_or(false);
        let me = |flag: &str| {
            String::from_utf8_lossy(&Command::new("id").arg(flag).output().expect("id").stdout)
                .trim()
                .to_string()
        };
        // imap-login refuses to run as root: use Debian's dovecot users when root.
        let (login_user, internal_user, mail_user, mail_group) = if root {
            (
                "dovenull".to_string(),
                "dovecot".to_string(),
                "dovecot".to_string(),
                "dovecot".to_string(),
            )
        } else {
            (me("-un"), me("-un"), me("-un"), me("-gn"))
        };
        std::fs::create_dir_all(dir.join("run")).expect("run dir");
        std::fs::create_dir_all(dir.join("mail")).expect("mail dir");
        let _ = Command::new("chmod").arg("755").arg(&dir).status();
        let _ = Command::new("chown")
            .arg(format!("{mail_user}:{mail_group}"))
            .arg(dir.join("mail"))
            .status();
        let mut passwd = String::new();
        for (user, password) in users {
            passwd.push_str(&format!(
                "{user}:{{PLAIN}}{password}::::{}/mail/{user}\n",
                dir.display()
            ));
        }
        std::fs::write(dir.join("users"), &passwd).expect("users");
        let passdb = match &auth {
            DovecotAuth::Master { user, password } => {
                std::fs::write(dir.join("masters"), format!("{user}:{{PLAIN}}{password}\n")).expect("masters");
                format!(
                    "auth_master_user_separator = *\npassdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/masters\n  master = yes\n  pass = yes\n}}\npassdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/users\n}}\n",
                    d = dir.display()
                )
            }
            DovecotAuth::CasProxy { cas_url, service } => {
                // Dovecot's auth process runs as an unprivileged user: the program and its
                // interpreter must be readable by it (Debian's python3, stdlib only).
                let script = dir.join("checkpassword_cas.py");
                std::fs::copy(
                    crate::repo_root().join("tests/peers/mail/checkpassword_cas.py"),
                    &script,
                )
                .expect("copy checkpassword");
                let wrapper = dir.join("checkpassword.sh");
                std::fs::write(
                    &wrapper,
                    format!(
                        "#!/bin/sh\nCAS_URL='{cas_url}' IMAP_SERVICE='{service}' exec /usr/bin/python3 {} \"$@\"\n",
                        script.display()
                    ),
                )
                .expect("wrapper");
                let _ = Command::new("chmod").arg("755").arg(&script).status();
                let _ = Command::new("chmod").arg("755").arg(&wrapper).status();
                format!(
                    "passdb {{\n  driver = checkpassword\n  args = {}\n}}\n",
                    wrapper.display()
                )
            }
        };
        let conf = format!(
            "base_dir = {d}/run\nstate_dir = {d}/run\ninstance_name = agora-test-{port}\nprotocols = imap\n\
             listen = 127.0.0.1\nssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain login\n\
             log_path = {d}/dovecot.log\ndefault_internal_user = {internal_user}\ndefault_login_user = {login_user}\n\
             mail_uid = {mail_user}\nmail_gid = {mail_group}\nfirst_valid_uid = 1\nfirst_valid_gid = 1\n\
             mail_location = maildir:~/Maildir\n{passdb}\
             userdb {{\n  driver = passwd-file\n  args = username_format=%u {d}/users\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  \
             inet_listener imaps {{\n    port = 0\n  }}\n  chroot =\n}}\nservice anvil {{\n  chroot =\n}}\n\
             service stats {{\n  unix_listener stats-writer {{\n    mode = 0666\n  }}\n}}\n",
            d = dir.display()
        );
        let conf_path = dir.join("dovecot.conf");
        std::fs::write(&conf_path, conf).expect("dovecot.conf");
        // Dovecot daemonises: its stderr goes to a file, not a pipe the daemon would keep open.
        let errors = std::fs::File::create(dir.join("start.err")).expect("start.err");
        let status = Command::new("/usr/sbin/dovecot")
            .arg("-c")
            .arg(&conf_path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(errors)
            .status()
            .expect("run dovecot");
        assert!(
            status.success(),
            "dovecot failed: {}",
            std::fs::read_to_string(dir.join("start.err")).unwrap_or_default()
        );
        wait_for_port(port, "dovecot", &dir.join("dovecot.log"));
        Dovecot {
            port,
            dir,
            conf: conf_path,
        }
    }

    /// Deliver `message` (RFC 5322 text) to `user` with `dovecot-lda`; `seen` marks every
    /// message still unread in the mailbox as read (deliver the read ones first).
    pub fn deliver(&self, user: &str, message: &str, seen: bool) {
        use std::io::Write;
        let mut child = Command::new("/usr/lib/dovecot/dovecot-lda")
            .arg("-c")
            .arg(&self.conf)
            .args(["-d", user, "-f", "sender@univ-agora.fr"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("dovecot-lda");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(message.as_bytes())
            .expect("write message");
        let out = child.wait_with_output().expect("dovecot-lda");
        assert!(
            out.status.success(),
            "dovecot-lda: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if seen {
            // Mark it read the Maildir way: move it from new/ to cur/ with the S flag.
            let maildir = self.dir.join("mail").join(user).join("Maildir");
            for entry in std::fs::read_dir(maildir.join("new")).expect("new/").flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                std::fs::rename(entry.path(), maildir.join("cur").join(format!("{name}:2,S"))).expect("mark seen");
            }
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new("/usr/sbin/dovecot")
            .arg("-c")
            .arg(&self.conf)
            .arg("stop")
            .status();
        if std::env::var_os("AGORA_KEEP_TEST_DIRS").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
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

/// A real PostgreSQL server (Debian binaries), in a temporary directory on a free loopback
/// port; run as the `postgres` system user when the tests run as root.
pub struct Postgres {
    /// `postgres://agora@127.0.0.1:<port>/agora`.
    pub url: String,
    dir: PathBuf,
    as_postgres: bool,
}

fn pg_bin(name: &str) -> PathBuf {
    let base = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(base)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    versions.sort();
    let bin = versions.last().map(|v| v.join("bin").join(name));
    match bin {
        Some(b) if b.exists() => b,
        _ => panic!("PostgreSQL's {name} is missing: run `cargo xtask test`, which installs the postgresql package"),
    }
}

impl Postgres {
    /// Start a throwaway cluster with a trusted local user `agora` and database `agora`.
    pub fn start() -> Self {
        let dir = crate::temp_dir("postgres");
        let data = dir.join("data");
        let as_postgres = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.starts_with(b"0"))
            .unwrap_or(false);
        let command = |bin: &Path| {
            if as_postgres {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(bin);
                c
            } else {
                Command::new(bin)
            }
        };
        if as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(&dir)
                .status()
                .expect("chown");
            assert!(
                status.success(),
                "cannot give the temporary directory to the postgres user"
            );
        }
        let out = command(&pg_bin("initdb"))
            .args(["-A", "trust", "-U", "agora", "-E", "UTF8", "--no-sync", "-D"])
            .arg(&data)
            .output()
            .expect("initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            dir.display()
        );
        let out = command(&pg_bin("pg_ctl"))
            .args([
                "-D",
                &data.display().to_string(),
                "-o",
                &opts,
                "-l",
                &dir.join("pg.log").display().to_string(),
                "-w",
                "start",
            ])
            .output()
            .expect("pg_ctl start");
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(dir.join("pg.log")).unwrap_or_default()
        );
        let out = command(&pg_bin("createdb"))
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "agora", "agora"])
            .output()
            .expect("createdb");
        assert!(
            out.status.success(),
            "createdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Postgres {
            url: format!("postgres://agora@127.0.0.1:{port}/agora"),
            dir,
            as_postgres,
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let bin = pg_bin("pg_ctl");
        let mut c = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&bin);
            c
        } else {
            Command::new(&bin)
        };
        let _ = c.args(["-D", &data, "-m", "immediate", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
