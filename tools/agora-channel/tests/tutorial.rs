//! The tutorial of docs/channel-authors.md, run as an author would: `new`, `test`, `package`,
//! `deploy` to a running portal, published by its administrator, on a persona's page; then a
//! second version deployed and rolled back, all without a restart.
//! It builds a fresh crate (natively, then for wasm32-wasip2) in its own target folder.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use agora_tests::{RunningPortal, Site, one_column_layout};

const TOKEN: &str = "tutorial-deploy-token-8f3a";

/// `agora-channel` off the test's runtime threads (it builds, then talks to the portal the
/// runtime serves).
async fn blocking(dir: &Path, args: &[&str], env: &[(&'static str, &'static str)]) -> String {
    let (dir, args, env) = (
        dir.to_path_buf(),
        args.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        env.to_vec(),
    );
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        agora_channel_with(&dir, &args, &env)
    })
    .await
    .expect("agora-channel ran")
}

/// Wait until the portal's live set has publication `id`.
async fn wait_for_publication(portal: &RunningPortal, id: &str) {
    for _ in 0..300 {
        let registry = portal.portal.state().live.get().registry.clone();
        if registry.get(id).is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("publication {id} never went live");
}

/// The service's status document, served on a loopback port (one answer per connection).
fn serve_status() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten().take(8) {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let body =
                r#"{"items": [{"title": "BU Sciences: ouverte jusqu'à 22 h", "url": "https://bu.univ.fr/horaires"}]}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{address}")
}

fn agora_channel(dir: &Path, args: &[&str]) -> String {
    agora_channel_with(dir, args, &[])
}

fn agora_channel_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_agora-channel"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        // The generated crate's builds are kept apart from the workspace's (and reused by
        // the next run of this test).
        .env("CARGO_TARGET_DIR", workspace().join("target/tutorial"))
        .output()
        .expect("runs agora-channel");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "agora-channel {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_test_package_deploy_then_a_persona_sees_it_without_a_restart() {
    let parent = std::env::temp_dir().join(format!("agora-tutorial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&parent);
    std::fs::create_dir_all(&parent).expect("temp dir");

    // 1. new
    agora_channel(&parent, &["new", "library-hours"]);
    let dir = parent.join("library-hours");
    assert!(dir.join("channel.toml").exists() && dir.join("tests/render.rs").exists());
    // 2. test: the manifest checked and the template's tests green.
    agora_channel(&dir, &["test"]);
    // 4. package: built for wasm32-wasip2 and loaded by the engine.
    let package = agora_channel(&dir, &["package"]);
    let package = PathBuf::from(package.trim());
    assert!(package.join("channel.wasm").exists(), "{}", package.display());

    // 5. deploy to a running portal, which an administrator then publishes: no restart.
    let site = Site::new(
        "tutorial",
        "[channels.welcome]\npackage = \"welcome\"\n",
        &one_column_layout(&["welcome"]),
    );
    let portal_toml = site.root.join("config/portal.toml");
    let text = std::fs::read_to_string(&portal_toml).expect("portal.toml");
    std::fs::write(
        &portal_toml,
        text.replace("[channels]\n", &format!("[channels]\ndeploy_token = \"{TOKEN}\"\n")),
    )
    .expect("portal.toml");
    site.append_config("[admin]\nreload_seconds = 1\n");
    let portal = site.start().await;
    let url = portal.url.clone();
    let with_token = [("AGORA_DEPLOY_TOKEN", TOKEN)];
    let deployed = blocking(&dir, &["deploy", "--portal", &url], &with_token).await;
    assert!(deployed.contains("\"version\": \"0.1.0\""), "{deployed}");
    let status = serve_status();
    site.write_config(
        "channels.toml",
        &format!(
            "[channels.welcome]\npackage = \"welcome\"\n\n[channels.library-hours]\npackage = \"library-hours\"\ntitle = {{ fr = \"Horaires de la BU\", en = \"Library hours\" }}\nbackends.api = {{ url = \"{status}\" }}\n"
        ),
    );
    site.write_config("fragments/main.toml", &one_column_layout(&["welcome", "library-hours"]));
    wait_for_publication(&portal, "library-hours").await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/").await;
    assert!(
        page.contains("Horaires de la BU") && page.contains("BU Sciences"),
        "{page}"
    );
    assert!(page.contains("Bonjour Alice Martin"), "{page}");

    // A new version replaces it on the page at once; rolling back brings the old one back.
    let lib = std::fs::read_to_string(dir.join("src/lib.rs")).expect("lib.rs");
    std::fs::write(dir.join("src/lib.rs"), lib.replace("\"Bonjour\"", "\"Salut\"")).expect("lib.rs");
    let manifest = std::fs::read_to_string(dir.join("channel.toml")).expect("manifest");
    std::fs::write(
        dir.join("channel.toml"),
        manifest.replace("version = \"0.1.0\"", "version = \"0.2.0\""),
    )
    .expect("w");
    let second = blocking(&dir, &["deploy", "--portal", &url], &with_token).await;
    assert!(
        second.contains("\"previous\": \"0.1.0\"") && second.contains("library-hours"),
        "{second}"
    );
    let page = portal.get_page(&client, "/").await;
    assert!(page.contains("Salut Alice Martin"), "the new version renders: {page}");
    let back = blocking(&dir, &["rollback", "library-hours", "--portal", &url], &with_token).await;
    assert!(back.contains("\"version\": \"0.1.0\""), "{back}");
    let page = portal.get_page(&client, "/").await;
    assert!(page.contains("Bonjour Alice Martin"), "rolled back: {page}");

    // Without the token, nothing is deployed.
    let refused = Command::new(env!("CARGO_BIN_EXE_agora-channel"))
        .args(["rollback", "library-hours", "--portal", &url])
        .env("AGORA_DEPLOY_TOKEN", "not-the-token")
        .output()
        .expect("runs");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("401"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    portal.stop().await;

    // A channel with a syntax error in its manifest is stopped at `test`, naming the key.
    let manifest = std::fs::read_to_string(dir.join("channel.toml")).expect("manifest");
    std::fs::write(
        dir.join("channel.toml"),
        manifest.replace("requests = 2", "requests = \"two\""),
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_agora-channel"))
        .arg("test")
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("channel.toml") && err.contains("requests"), "{err}");
    let _ = std::fs::remove_dir_all(&parent);
}

/// `agora-channel dev`, stopped when the test ends.
struct Dev(std::process::Child);

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_shows_the_channel_to_a_persona_and_reloads_it_on_save() {
    let parent = std::env::temp_dir().join(format!("agora-dev-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&parent);
    std::fs::create_dir_all(&parent).expect("temp dir");
    agora_channel(&parent, &["new", "bu-hours"]);
    let dir = parent.join("bu-hours");
    let port = agora_tests::peers::free_port();
    let _dev = Dev(Command::new(env!("CARGO_BIN_EXE_agora-channel"))
        .args(["dev", "--port", &port.to_string()])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", workspace().join("target/tutorial"))
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("dev starts"));
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut up = false;
    for _ in 0..600 {
        if client
            .get(format!("{url}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(up, "the dev portal did not answer on {url}");
    // A demo persona signs in, as on the dev portal's sign-in page.
    let login = client
        .get(format!("{url}/login"))
        .send()
        .await
        .expect("login")
        .text()
        .await
        .expect("body");
    let csrf = agora_tests::page::csrf_token(&login).expect("a CSRF token");
    let signed = client
        .post(format!("{url}/login/demo"))
        .form(&[("uid", "alice.martin"), ("csrf", csrf.as_str())])
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed.status().as_u16(), 303);
    let page = client
        .get(format!("{url}/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("body");
    assert!(
        page.contains("Bonjour Alice Martin") && page.contains("Library open until 22:00"),
        "{page}"
    );

    // Saved: rebuilt and reloaded, no restart.
    let lib = std::fs::read_to_string(dir.join("src/lib.rs")).expect("lib.rs");
    std::fs::write(dir.join("src/lib.rs"), lib.replace("\"Bonjour\"", "\"Coucou\"")).expect("save");
    let mut reloaded = false;
    for _ in 0..600 {
        let page = client
            .get(format!("{url}/"))
            .send()
            .await
            .expect("home")
            .text()
            .await
            .expect("body");
        if page.contains("Coucou Alice Martin") {
            reloaded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(reloaded, "the saved change never reached the page");
    let _ = std::fs::remove_dir_all(&parent);
}
