//! A throwaway PostgreSQL cluster.

use super::free_port;
use std::path::{Path, PathBuf};
use std::process::Command;

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
