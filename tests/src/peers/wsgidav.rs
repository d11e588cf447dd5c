//! WsgiDAV (PyPI, on cheroot) serving one folder over WebDAV with HTTP Basic for one service
//! account: the documents server of the `files` channel.

use super::{free_port, venv_python, wait_for_port};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime};

/// A throwaway WsgiDAV server on a free loopback port, stopped when dropped.
pub struct WsgiDav {
    /// Base URL, e.g. `http://127.0.0.1:41234/`.
    pub url: String,
    /// The folder it serves (one sub-folder per person).
    pub root: PathBuf,
    child: Child,
    dir: PathBuf,
}

impl WsgiDav {
    /// Serve an empty folder; `user` / `password` is the only account.
    pub fn start(user: &str, password: &str) -> Self {
        Self::spawn(&[user, password])
    }

    /// Serve an empty folder to people whose password is a CAS proxy ticket for `service`,
    /// validated at `cas_url` (ending with `/`); each reaches only `/<uid>/`.
    pub fn start_cas(cas_url: &str, service: &str) -> Self {
        Self::spawn(&["--cas", cas_url, service])
    }

    fn spawn(args: &[&str]) -> Self {
        let python = venv_python();
        let dir = crate::temp_dir("wsgidav");
        let root = dir.join("files");
        std::fs::create_dir_all(&root).expect("root");
        let port = free_port();
        let log = std::fs::File::create(dir.join("wsgidav.log")).expect("log file");
        let child = Command::new(python)
            .arg(crate::repo_root().join("tests/peers/dav/wsgidav_serve.py"))
            .args([port.to_string(), root.display().to_string()])
            .args(args)
            .stdout(Stdio::from(log.try_clone().expect("log")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start wsgidav");
        let server = WsgiDav {
            url: format!("http://127.0.0.1:{port}/"),
            root,
            child,
            dir,
        };
        wait_for_port(port, "wsgidav", &server.dir.join("wsgidav.log"));
        server
    }

    /// Put `content` at `path` (under the served folder), modified `age` ago.
    pub fn put(&self, path: &str, content: &[u8], age: Duration) {
        let file = self.root.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).expect("folder");
        }
        std::fs::write(&file, content).expect("write");
        let when = SystemTime::now() - age;
        std::fs::File::options()
            .write(true)
            .open(&file)
            .and_then(|f| f.set_modified(when))
            .expect("mtime");
    }

    /// Stop the server now (a server that is down).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for WsgiDav {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
