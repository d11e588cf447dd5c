//! Redis (Debian's `redis-server`) on a free loopback port, with an append-only file so that
//! a restart keeps what it held, as a production Redis for sessions is configured.

use super::{free_port, wait_for_port};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A real Redis server.
pub struct Redis {
    /// `redis://127.0.0.1:<port>/`.
    pub url: String,
    /// Its port.
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Redis {
    /// Start Redis on a free port.
    pub fn start() -> Self {
        let dir = crate::temp_dir("redis");
        let mut redis = Redis {
            url: String::new(),
            port: free_port(),
            dir,
            child: None,
        };
        redis.url = format!("redis://127.0.0.1:{}/", redis.port);
        redis.launch();
        redis
    }

    fn launch(&mut self) {
        let binary = Path::new("/usr/bin/redis-server");
        assert!(
            binary.exists(),
            "/usr/bin/redis-server is missing: run `cargo xtask test`, which installs redis-server"
        );
        let log = self.dir.join("redis.log");
        let child = Command::new(binary)
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--dir", &self.dir.display().to_string()])
            .args(["--appendonly", "yes", "--appendfsync", "always", "--save", ""])
            .args(["--logfile", &log.display().to_string()])
            .args(["--protected-mode", "yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        wait_for_port(self.port, "redis-server", &log);
    }

    /// Stop Redis (SIGTERM: it flushes its file and exits), leaving its data.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }

    /// Start it again on the same port with the same data.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::env::var_os("AGORA_KEEP_TEST_DIRS").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
