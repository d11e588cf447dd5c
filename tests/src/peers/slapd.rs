//! slapd with the SupAnn schema and a people branch.

use super::{free_port, wait_for_port};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A real OpenLDAP `slapd` (Debian), run unprivileged-style from a temporary directory on a
/// free loopback port, with core, cosine, inetorgperson, and the project's eduPerson and
/// SupAnn schema files, loaded with `tests/peers/ldap/people.ldif`.
pub struct Slapd {
    /// `ldap://127.0.0.1:<port>`.
    pub url: String,
    /// `ldaps://127.0.0.1:<port>`, when started with a certificate ([`Slapd::start_tls`]).
    pub ldaps_url: Option<String>,
    /// Base of people entries.
    pub people_base: String,
    dir: PathBuf,
}

impl Slapd {
    /// Start slapd and load the test people.
    pub fn start() -> Self {
        Self::launch(None)
    }

    /// Start slapd, load the test people, then the entries of `ldif` (under
    /// `ou=people,dc=univ-agora,dc=fr`): one establishment's own people.
    pub fn start_with(ldif: &str) -> Self {
        let server = Self::launch(None);
        let file = server.dir.join("extra.ldif");
        std::fs::write(&file, ldif).expect("write extra LDIF");
        server.add(&file);
        server
    }

    /// Start slapd also listening for LDAPS with this certificate and key (PEM), and load
    /// the test people.
    pub fn start_tls(cert: &Path, key: &Path) -> Self {
        Self::launch(Some((cert, key)))
    }

    fn launch(tls: Option<(&Path, &Path)>) -> Self {
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
        let conf = match tls {
            // Global directives: before `database`.
            Some((cert, key)) => format!(
                "TLSCertificateFile {}\nTLSCertificateKeyFile {}\n{conf}",
                cert.display(),
                key.display()
            ),
            None => conf,
        };
        std::fs::write(dir.join("slapd.conf"), conf).expect("slapd.conf");
        let port = free_port();
        let url = format!("ldap://127.0.0.1:{port}");
        let ldaps_port = tls.map(|_| free_port());
        let ldaps_url = ldaps_port.map(|p| format!("ldaps://127.0.0.1:{p}"));
        let listen = match &ldaps_url {
            Some(l) => format!("{url}/ {l}/"),
            None => format!("{url}/"),
        };
        let out = Command::new("/usr/sbin/slapd")
            .args([
                "-f",
                &dir.join("slapd.conf").display().to_string(),
                "-h",
                &listen,
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
            ldaps_url,
            people_base: "ou=people,dc=univ-agora,dc=fr".into(),
            dir,
        };
        wait_for_port(port, "slapd", &server.dir.join("slapd.log"));
        if let Some(p) = ldaps_port {
            wait_for_port(p, "slapd (LDAPS)", &server.dir.join("slapd.log"));
        }
        server.add(&peers.join("people.ldif"));
        server
    }

    /// `ldapadd` the entries of `file`.
    fn add(&self, file: &Path) {
        let out = Command::new("/usr/bin/ldapadd")
            .args([
                "-x",
                "-H",
                &self.url,
                "-D",
                "cn=admin,dc=univ-agora,dc=fr",
                "-w",
                "secret",
                "-f",
            ])
            .arg(file)
            .output()
            .expect("run ldapadd");
        assert!(
            out.status.success(),
            "ldapadd failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
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
