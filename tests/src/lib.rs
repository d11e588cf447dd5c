//! Test harness for end-to-end tests: a portal built in-process from a throwaway
//! configuration directory and served on a free loopback port, a scriptable HTTP back-end,
//! and helpers to read streamed pages slot by slot.
//!
//! Channels must have been built first (`cargo xtask test` does it); the harness says so
//! plainly when they are missing.

pub mod api;
pub mod axe;
pub mod backend;
pub mod bench;
pub mod cluster;
pub mod logs;
pub mod page;
pub mod peers;
pub mod pki;
pub mod tenants;
pub mod webdriver;

use agora_portal::{Portal, PortalConfig};
use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// Where the built channel packages are (`target/channels`, or `AGORA_CHANNEL_PACKAGES`).
pub fn channel_packages() -> PathBuf {
    let dir = std::env::var_os("AGORA_CHANNEL_PACKAGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/channels"));
    for pkg in ["welcome", "news", "misbehaving"] {
        assert!(
            dir.join(pkg).join("channel.wasm").exists(),
            "channel package `{pkg}` is not built in {}: run `cargo xtask test` (or `cargo xtask channels` first)",
            dir.display()
        );
    }
    dir
}

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("agora-e2e-{name}-{}-{}", std::process::id(), rand_suffix()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("config")).expect("create temp dir");
    d
}

/// Unique within this process (a counter) and across runs (the clock): two tests starting at
/// the same instant never share a directory.
fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{nanos}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A portal configuration directory under `root`: `config/portal.toml`, `channels.toml`,
/// `populations.toml`, `catalogue.toml` and `fragments/`.
pub struct Site {
    /// The root (parent of `config/`); also holds `data/`.
    pub root: PathBuf,
    /// The loopback port the portal will listen on (chosen up front so the public URL,
    /// hence the CAS service URL, is known before start).
    pub port: u16,
}

impl Site {
    /// Write a site with these publications and one layout fragment (`fragments/main.toml`,
    /// see [`one_column_layout`]), an empty catalogue; demo sign-in on, themes and demo
    /// directory from the repository, channels from [`channel_packages`].
    pub fn new(name: &str, channels_toml: &str, fragment_toml: &str) -> Self {
        let root = temp_dir(name);
        let repo = repo_root();
        let port = peers::free_port();
        let portal = format!(
            r#"
[server]
listen = "127.0.0.1:{port}"
[paths]
data_dir = "../data"
theme_dir = "{theme}"
channels = "channels.toml"
channel_packages = "{packages}"
fragments = "fragments"
catalogue = "catalogue.toml"
[demo]
enabled = true
directory = "{ldif}"
personas = []
[channels]
render_threads = 2
"#,
            theme = repo.join("themes/default").display(),
            packages = channel_packages().display(),
            ldif = repo.join("examples/demo/directory.ldif").display(),
        );
        std::fs::write(root.join("config/portal.toml"), portal).expect("write portal.toml");
        std::fs::write(root.join("config/channels.toml"), channels_toml).expect("write channels.toml");
        std::fs::create_dir_all(root.join("config/fragments")).expect("mkdir fragments");
        std::fs::write(root.join("config/fragments/main.toml"), fragment_toml).expect("write fragment");
        std::fs::write(root.join("config/catalogue.toml"), "").expect("write catalogue.toml");
        std::fs::copy(
            repo.join("config/populations.toml"),
            root.join("config/populations.toml"),
        )
        .expect("copy populations.toml");
        Site { root, port }
    }

    /// A site with the repository's shipped fragments, catalogue and populations, and these
    /// publications.
    pub fn shipped(name: &str, channels_toml: &str) -> Self {
        let site = Site::new(name, channels_toml, "");
        let repo = repo_root();
        std::fs::remove_file(site.root.join("config/fragments/main.toml")).expect("rm main.toml");
        for entry in std::fs::read_dir(repo.join("config/fragments")).expect("shipped fragments") {
            let path = entry.expect("entry").path();
            let name = path.file_name().expect("file name");
            std::fs::copy(&path, site.root.join("config/fragments").join(name)).expect("copy fragment");
        }
        std::fs::copy(
            repo.join("config/catalogue.toml"),
            site.root.join("config/catalogue.toml"),
        )
        .expect("copy catalogue.toml");
        std::fs::copy(
            repo.join("config/announcements.toml"),
            site.root.join("config/announcements.toml"),
        )
        .expect("copy announcements.toml");
        std::fs::copy(
            repo.join("config/nomenclature.toml"),
            site.root.join("config/nomenclature.toml"),
        )
        .expect("copy nomenclature.toml");
        site
    }

    /// Start with the demo's self-managed groups (`config/demo-groups.toml`, `[demo] groups`).
    pub fn with_demo_groups(&self) {
        let file = self.root.join("config/portal.toml");
        let portal = std::fs::read_to_string(&file).expect("portal.toml");
        let groups = repo_root().join("config/demo-groups.toml");
        let with = portal.replace(
            "personas = []",
            &format!("personas = []\ngroups = \"{}\"", groups.display()),
        );
        std::fs::write(&file, with).expect("write portal.toml");
    }

    /// Write (or replace) a file under the site's `config/` (e.g. `fragments/extra.toml`),
    /// atomically, so a watcher never reads half a file.
    pub fn write_config(&self, relative: &str, text: &str) {
        let path = self.root.join("config").join(relative);
        let tmp = path.with_extension("tmp-write");
        std::fs::write(&tmp, text).expect("write config file");
        std::fs::rename(&tmp, &path).expect("rename config file");
    }

    /// The portal's public base URL (`http://127.0.0.1:<port>/`).
    pub fn public_url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Keep the site's directory after the test (for post-mortems): set `AGORA_KEEP_TEST_DIRS=1`.
    fn keep() -> bool {
        std::env::var_os("AGORA_KEEP_TEST_DIRS").is_some()
    }

    /// Append TOML tables (e.g. `[cas]`) to `portal.toml`.
    pub fn append_config(&self, toml: &str) {
        let path = self.root.join("config/portal.toml");
        let mut text = std::fs::read_to_string(&path).expect("read portal.toml");
        text.push('\n');
        text.push_str(toml);
        std::fs::write(path, text).expect("write portal.toml");
    }

    /// Load the configuration of this site.
    pub fn config(&self) -> PortalConfig {
        PortalConfig::load_with_env(&self.root.join("config/portal.toml"), figment_no_env())
            .unwrap_or_else(|e| panic!("test config: {e}"))
    }

    /// Keep the site's shared state on `redis` and `postgres` (URLs) with one cookie key, as
    /// every node of a cluster is configured.
    pub fn share_state(&self, redis: &str, postgres: &str) {
        self.append_config(&format!(
            "[redis]\nurl = \"{redis}\"\n\n[storage]\nurl = \"{postgres}\"\n\n[session]\nkey = \"{}\"\n",
            "5a".repeat(64)
        ));
    }

    /// Start one more node of this site in this process: the same configuration files, its
    /// own loopback port and data directory (`data-<name>`), its configuration then changed
    /// by `edit`.
    pub async fn start_node(&self, name: &str, edit: impl FnOnce(&mut PortalConfig)) -> RunningPortal {
        let mut config = self.config();
        config.server.listen = std::net::SocketAddr::from(([127, 0, 0, 1], peers::free_port()));
        config.paths.data_dir = self.root.join(format!("data-{name}"));
        edit(&mut config);
        let portal = Portal::build(config)
            .await
            .unwrap_or_else(|e| panic!("portal start (node {name}): {e}"));
        RunningPortal::serve(portal)
    }

    /// Build and serve the portal; returns the running portal.
    pub async fn start(&self) -> RunningPortal {
        let portal = Portal::build(self.config())
            .await
            .unwrap_or_else(|e| panic!("portal start: {e}"));
        RunningPortal::serve(portal)
    }
}

fn figment_no_env() -> agora_portal::config::EnvProvider {
    agora_portal::config::EnvProvider::prefixed("AGORA_TEST_NO_ENV_")
}

impl Drop for Site {
    fn drop(&mut self) {
        if !Self::keep() {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// A portal served on a loopback port.
pub struct RunningPortal {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// The portal (kept alive for the server's lifetime).
    pub portal: Portal,
    server: actix_web_server::ServerHandle,
}

/// Re-export of the server handle type without depending on actix-web here.
pub mod actix_web_server {
    /// Handle to stop the server.
    pub type ServerHandle = agora_portal::web::ServerHandle;
}

impl RunningPortal {
    /// Wait until `/health` reports configuration generation `generation` (or, when
    /// `rejected`, any rejected change) and return `/health`; the test's watcher should check
    /// every second (`[admin] reload_seconds = 1`).
    pub async fn wait_for_reload(&self, generation: u64, rejected: bool) -> serde_json::Value {
        let client = reqwest::Client::new();
        for _ in 0..300 {
            let health: serde_json::Value = client
                .get(format!("{}/health", self.url))
                .send()
                .await
                .expect("health")
                .json()
                .await
                .expect("json");
            let done = if rejected {
                !health["config_rejected"].is_null()
            } else {
                health["config_generation"] == generation
            };
            if done {
                return health;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the configuration was not reloaded (waiting for generation {generation}, rejected {rejected})");
    }

    fn serve(portal: Portal) -> Self {
        let listener = std::net::TcpListener::bind(portal.state().config.server.listen).expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let server = portal.serve(listener).unwrap_or_else(|e| panic!("serve: {e}"));
        let handle = server.handle();
        tokio::spawn(server);
        RunningPortal {
            url: format!("http://{addr}"),
            portal,
            server: handle,
        }
    }

    /// A browser-like client with a cookie jar (no redirects followed).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// Sign in as demo persona `uid` with `client`.
    pub async fn sign_in(&self, client: &reqwest::Client, uid: &str) {
        let login = client
            .get(format!("{}/login", self.url))
            .send()
            .await
            .expect("GET /login")
            .text()
            .await
            .expect("body");
        let csrf = page::csrf_token(&login).expect("login page has a CSRF token");
        let res = client
            .post(format!("{}/login/demo", self.url))
            .form(&[("uid", uid), ("csrf", csrf.as_str())])
            .send()
            .await
            .expect("POST /login/demo");
        assert_eq!(res.status().as_u16(), 303, "demo sign-in as {uid} redirects home");
    }

    /// Press the sign-out button of `page` (a page this client was shown): POST `/logout`
    /// with the page's CSRF token. The response is returned unfollowed.
    pub async fn sign_out(&self, client: &reqwest::Client, page: &str) -> reqwest::Response {
        let csrf = page::csrf_token(page).expect("the page has a sign-out form token");
        client
            .post(format!("{}/logout", self.url))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .expect("POST /logout")
    }

    /// GET a page and return its whole body.
    pub async fn get_page(&self, client: &reqwest::Client, path: &str) -> String {
        let res = client
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("GET page");
        assert_eq!(res.status().as_u16(), 200, "GET {path}");
        res.text().await.expect("page body")
    }

    /// Stop the server.
    pub async fn stop(self) {
        self.server.stop(false).await;
    }
}

/// A `[channels.<id>]` table publishing the misbehaving test channel in `mode`, its two
/// back-ends bound to `backend` (`/slow` and `/echo`).
pub fn misbehaving(id: &str, mode: &str, backend: &str) -> String {
    format!(
        "[channels.{id}]\npackage = \"misbehaving\"\nconfig = {{ mode = \"{mode}\" }}\nbackends.slow = {{ url = \"{backend}/slow\" }}\nbackends.echo = {{ url = \"{backend}/echo\" }}\n\n"
    )
}

/// A fragment for everyone, signed in or not: one tab whose single column holds
/// `publications`.
pub fn one_column_layout(publications: &[&str]) -> String {
    let list = publications
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "everyone = true\nguests = true\n\n[[tabs]]\nid = \"home\"\ntitle = {{ fr = \"Accueil\", en = \"Home\" }}\ncolumns = [[{list}]]\n"
    )
}
