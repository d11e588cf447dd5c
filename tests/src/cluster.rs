//! Several portal nodes as separate processes behind a real haproxy, sharing a real Redis
//! and a real PostgreSQL: what an institution runs for an always-on ENT. Nodes are started,
//! killed (`kill -9`), stopped (SIGTERM, graceful) and restarted by the tests.

use crate::peers::{Haproxy, Postgres, Redis};
use crate::{Site, peers::free_port};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The nodes' `/metrics` token.
const METRICS_TOKEN: &str = "cluster-metrics-token";

/// How long a node may take to answer `/health` with 200 after it was started.
const NODE_READY: Duration = Duration::from_secs(90);

/// One portal process.
pub struct Node {
    /// Its name in messages (`A`, `B`, `C`).
    pub name: String,
    /// `http://127.0.0.1:<port>`: the node itself, bypassing haproxy.
    pub url: String,
    port: u16,
    binary: PathBuf,
    config: PathBuf,
    public_url: String,
    data: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

impl Node {
    fn new(name: &str, binary: &Path, site: &Site) -> Self {
        let port = free_port();
        let data = site.root.join(format!("data-{name}"));
        std::fs::create_dir_all(&data).expect("node data dir");
        Node {
            name: name.to_string(),
            url: format!("http://127.0.0.1:{port}"),
            port,
            binary: binary.to_path_buf(),
            config: site.root.join("config/portal.toml"),
            public_url: site.public_url(),
            log: site.root.join(format!("node-{name}.log")),
            data,
            child: None,
        }
    }

    /// The node's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Start the process (returns at once; see [`Node::wait_ready`]).
    pub fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("node log");
        let child = Command::new(&self.binary)
            .arg("--config")
            .arg(&self.config)
            .env("PORTAL_SERVER__LISTEN", format!("127.0.0.1:{}", self.port))
            .env("PORTAL_SERVER__PUBLIC_URL", &self.public_url)
            .env("PORTAL_PATHS__DATA_DIR", &self.data)
            .env("PORTAL_SERVER__WORKERS", "1")
            .env("PORTAL_SERVER__METRICS_TOKEN", METRICS_TOKEN)
            .env("PORTAL_CHANNELS__RENDER_THREADS", "1")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start a portal node");
        self.child = Some(child);
    }

    /// Wait until `/health` answers 200.
    pub async fn wait_ready(&mut self) {
        let deadline = Instant::now() + NODE_READY;
        let client = reqwest::Client::new();
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "node {} exited ({status}) while starting; log:\n{}",
                    self.name,
                    self.log_text()
                );
            }
            if let Ok(res) = client.get(format!("{}/health", self.url)).send().await
                && res.status().as_u16() == 200
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "node {} not ready within {NODE_READY:?}; log:\n{}",
                self.name,
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `kill -9`: no goodbye, requests in flight are cut.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM: the node stops accepting, finishes what it serves, exits.
    pub fn terminate(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }

    /// The sum of the values of metric lines starting with `prefix` (name and labels), e.g.
    /// `agora_slot_renders_total{outcome="ok",publication="welcome"}`.
    pub async fn metric(&self, prefix: &str) -> f64 {
        let text = reqwest::Client::new()
            .get(format!("{}/metrics", self.url))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .expect("GET /metrics")
            .text()
            .await
            .expect("metrics");
        text.lines()
            .filter(|l| l.starts_with(prefix))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    /// The node's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Copy the compiled channels of `other` (a node that started), so this one starts
    /// without compiling them again.
    fn take_compiled(&self, other: &Node) {
        let from = other.data.join("compiled");
        let to = self.data.join("compiled");
        if let Ok(entries) = std::fs::read_dir(&from) {
            std::fs::create_dir_all(&to).expect("compiled dir");
            for e in entries.flatten() {
                let _ = std::fs::copy(e.path(), to.join(e.file_name()));
            }
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Three nodes (A, B, C) of one portal site behind haproxy, on one Redis and one PostgreSQL.
pub struct Cluster {
    /// The nodes.
    pub nodes: Vec<Node>,
    /// The load balancer users go through.
    pub haproxy: Haproxy,
    /// The shared Redis.
    pub redis: Redis,
    /// The shared database.
    pub postgres: Postgres,
}

impl Cluster {
    /// Start Redis and PostgreSQL, configure `site` to use them with one cookie key, start
    /// three nodes of `binary` and haproxy on the site's port (its public URL) in front.
    pub async fn start(binary: &Path, site: &Site) -> Cluster {
        let redis = Redis::start();
        let postgres = Postgres::start();
        site.share_state(&redis.url, &postgres.url);
        let mut nodes: Vec<Node> = ["A", "B", "C"].iter().map(|n| Node::new(n, binary, site)).collect();
        // The first node compiles the channels; the others reuse its artifacts.
        nodes[0].spawn();
        nodes[0].wait_ready().await;
        for i in 1..nodes.len() {
            let (first, rest) = nodes.split_at_mut(i);
            rest[0].take_compiled(&first[0]);
            rest[0].spawn();
        }
        for node in nodes.iter_mut().skip(1) {
            node.wait_ready().await;
        }
        let ports: Vec<u16> = nodes.iter().map(Node::port).collect();
        let haproxy = Haproxy::start(site.port, &ports);
        let cluster = Cluster {
            nodes,
            haproxy,
            redis,
            postgres,
        };
        cluster.wait_all_up().await;
        cluster
    }

    /// Wait until haproxy sends requests to every node (its checks passed).
    pub async fn wait_all_up(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let mut ok = 0;
            for _ in 0..self.nodes.len() * 2 {
                if let Ok(res) = client.get(format!("{}/health", self.haproxy.url)).send().await
                    && res.status().is_success()
                {
                    ok += 1;
                }
            }
            if ok == self.nodes.len() * 2 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("haproxy never saw every node up:\n{}", self.haproxy.log());
    }
}
