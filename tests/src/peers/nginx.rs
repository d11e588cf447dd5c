//! nginx (Debian's), one worker, serving files from a temporary directory: the peer the
//! portal's page throughput is measured against (BENCHMARKS.md).

use super::{free_port, wait_for_port};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A real nginx on a free loopback port, serving `www/` of its directory.
pub struct Nginx {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    dir: PathBuf,
    child: Child,
}

impl Nginx {
    /// Start nginx with one worker process, no access log, keep-alive as the portal has it.
    pub fn start() -> Self {
        Self::launch(None)
    }

    /// Like [`Nginx::start`], serving HTTPS with `cert` and `key` (PEM files); `url` is then
    /// `https://127.0.0.1:<port>`.
    pub fn start_tls(cert: &Path, key: &Path) -> Self {
        Self::launch(Some((cert, key)))
    }

    fn launch(tls: Option<(&Path, &Path)>) -> Self {
        let binary = Path::new("/usr/sbin/nginx");
        assert!(
            binary.exists(),
            "/usr/sbin/nginx is missing: run `cargo xtask test`, which installs nginx"
        );
        let dir = crate::temp_dir("nginx");
        for sub in ["www", "tmp"] {
            std::fs::create_dir_all(dir.join(sub)).expect("nginx dir");
        }
        let port = free_port();
        let d = dir.display();
        let (ssl, certs) = match tls {
            Some((cert, key)) => (
                " ssl",
                format!(
                    "    ssl_certificate {};\n    ssl_certificate_key {};\n",
                    cert.display(),
                    key.display()
                ),
            ),
            None => ("", String::new()),
        };
        let conf = format!(
            "worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n  access_log off;\n  sendfile on;\n  keepalive_requests 1000000;\n\
             client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp;\n\
             uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;\n\
             types {{ text/html html; application/rss+xml xml; }}\n  default_type application/octet-stream;\n\
             server {{\n    listen 127.0.0.1:{port}{ssl};\n{certs}    root {d}/www;\n\
             location / {{ add_header Cache-Control \"private, no-store\"; }}\n  }}\n}}\n"
        );
        std::fs::write(dir.join("nginx.conf"), conf).expect("nginx.conf");
        let log = std::fs::File::create(dir.join("nginx.out")).expect("log");
        let child = Command::new(binary)
            .args([
                "-p",
                &d.to_string(),
                "-c",
                &dir.join("nginx.conf").display().to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start nginx");
        wait_for_port(port, "nginx", &dir.join("error.log"));
        Nginx {
            url: format!("{}://127.0.0.1:{port}", if tls.is_some() { "https" } else { "http" }),
            dir,
            child,
        }
    }

    /// Serve `bytes` as `/<name>`.
    pub fn serve(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.dir.join("www").join(name), bytes).expect("write served file");
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
