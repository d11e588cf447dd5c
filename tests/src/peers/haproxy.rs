//! haproxy (Debian's) on a free loopback port: round robin over portal nodes, no stickiness,
//! health checks on `/health`, and retries on another node when one fails, as an
//! institution's load balancer in front of an ENT would be configured.

use super::wait_for_port;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A real haproxy.
pub struct Haproxy {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Its port.
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

impl Haproxy {
    /// Start haproxy on `port` in front of the nodes listening on `nodes` (loopback ports).
    pub fn start(port: u16, nodes: &[u16]) -> Self {
        let binary = Path::new("/usr/sbin/haproxy");
        assert!(
            binary.exists(),
            "/usr/sbin/haproxy is missing: run `cargo xtask test`, which installs haproxy"
        );
        let dir = crate::temp_dir("haproxy");
        let servers: String = nodes
            .iter()
            .enumerate()
            .map(|(i, p)| format!("  server node{i} 127.0.0.1:{p} check inter 200ms fall 2 rise 2\n"))
            .collect();
        let conf = format!(
            "global\n  maxconn 2000\n\
             defaults\n  mode http\n  timeout connect 1s\n  timeout client 30s\n  timeout server 30s\n\
             \x20 retries 3\n  option redispatch 1\n  retry-on conn-failure empty-response junk-response response-timeout\n\
             \x20 option http-keep-alive\n\
             frontend ent\n  bind 127.0.0.1:{port}\n  default_backend portal\n\
             backend portal\n  balance roundrobin\n  option httpchk GET /health\n\
             \x20 http-request disable-l7-retry unless METH_GET || METH_HEAD\n\
             \x20 http-request disable-l7-retry if {{ path_beg /login/ }}\n\
             \x20 http-check expect status 200\n{servers}"
        );
        std::fs::write(dir.join("haproxy.cfg"), conf).expect("haproxy.cfg");
        let log = dir.join("haproxy.out");
        let child = Command::new(binary)
            .args(["-db", "-f", &dir.join("haproxy.cfg").display().to_string()])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("start haproxy");
        wait_for_port(port, "haproxy", &log);
        Haproxy {
            url: format!("http://127.0.0.1:{port}"),
            port,
            dir,
            child,
        }
    }

    /// haproxy's own output (server state changes), for messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("haproxy.out")).unwrap_or_default()
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::env::var_os("AGORA_KEEP_TEST_DIRS").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
