//! Dovecot IMAP with per-test users and mail delivery.

use super::{free_port, wait_for_port};
use std::path::{Path, PathBuf};
use std::process::Command;

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
