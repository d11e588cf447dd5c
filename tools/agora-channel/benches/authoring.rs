//! How long a channel author waits (BENCHMARKS.md §15): from `agora-channel new` to the
//! channel on a persona's page of a running portal, step by step, on a warm machine (the
//! crates the new channel depends on already compiled once, in `target/tutorial`); then the
//! hot reload of a package: from `agora-channel deploy` of a new version to that version on
//! the page, no restart. `cargo bench -p agora-channel-cli --bench authoring`.

use agora_tests::{Site, one_column_layout};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-deploy-token-51c2";
const RELOADS: usize = 5;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace")
}

fn agora_channel(dir: &Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_agora-channel"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", workspace().join("target/tutorial"))
        .env("AGORA_DEPLOY_TOKEN", TOKEN)
        .output()
        .expect("agora-channel runs");
    assert!(
        out.status.success(),
        "agora-channel {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn serve_status() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("port");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let body = r#"{"items": [{"title": "BU Sciences", "url": "https://bu.univ.fr/"}]}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{address}")
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let parent = std::env::temp_dir().join(format!("agora-bench-authoring-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&parent);
        std::fs::create_dir_all(&parent).expect("temp");
        let site = Site::new("bench-authoring", "[channels.welcome]\npackage = \"welcome\"\n", &one_column_layout(&["welcome"]));
        let portal_toml = site.root.join("config/portal.toml");
        let text = std::fs::read_to_string(&portal_toml).expect("portal.toml");
        std::fs::write(&portal_toml, text.replace("[channels]\n", &format!("[channels]\ndeploy_token = \"{TOKEN}\"\n"))).expect("w");
        site.append_config("[admin]\nreload_seconds = 1\n");
        let portal = site.start().await;
        let client = portal.client();
        portal.sign_in(&client, "alice.martin").await;
        let url = portal.url.clone();
        let dir = parent.join("bu-hours");
        let run = |args: Vec<String>| {
            let (dir, parent) = (dir.clone(), parent.clone());
            tokio::task::spawn_blocking(move || {
                let at = if args[0] == "new" { parent } else { dir };
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let started = Instant::now();
                agora_channel(&at, &args);
                started.elapsed()
            })
        };
        let started = Instant::now();
        let new = run(vec!["new".into(), "bu-hours".into()]).await.expect("new");
        let test = run(vec!["test".into()]).await.expect("test");
        let package = run(vec!["package".into()]).await.expect("package");
        let deploy = run(vec!["deploy".into(), "--portal".into(), url.clone()]).await.expect("deploy");
        let published = Instant::now();
        site.write_config(
            "channels.toml",
            &format!(
                "[channels.welcome]\npackage = \"welcome\"\n\n[channels.bu-hours]\npackage = \"bu-hours\"\nbackends.api = {{ url = \"{}\" }}\n",
                serve_status()
            ),
        );
        site.write_config("fragments/main.toml", &one_column_layout(&["welcome", "bu-hours"]));
        while !portal.get_page(&client, "/").await.contains("BU Sciences") {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let on_page = published.elapsed();
        let total = started.elapsed();
        println!("new → on Alice's page (warm machine, [admin] reload_seconds = 1):");
        println!("  new {} · test {} · package {} · deploy {} · published by the administrator → on the page {} · total {}",
            seconds(new), seconds(test), seconds(package), seconds(deploy), seconds(on_page), seconds(total));

        // Hot reload of a package: deploy of a new version → the page shows it.
        let mut reloads = Vec::new();
        for i in 1..=RELOADS {
            let lib = std::fs::read_to_string(dir.join("src/lib.rs")).expect("lib");
            let before = if i == 1 { "\"Bonjour\"".to_string() } else { format!("\"Bonjour{}\"", i - 1) };
            std::fs::write(dir.join("src/lib.rs"), lib.replace(&before, &format!("\"Bonjour{i}\""))).expect("w");
            let manifest = std::fs::read_to_string(dir.join("channel.toml")).expect("manifest");
            std::fs::write(
                dir.join("channel.toml"),
                manifest.replace(&format!("version = \"0.{}.0\"", i), &format!("version = \"0.{}.0\"", i + 1)),
            )
            .expect("w");
            run(vec!["package".into()]).await.expect("package");
            let started = Instant::now();
            run(vec!["deploy".into(), "--portal".into(), url.clone()]).await.expect("deploy");
            while !portal.get_page(&client, "/").await.contains(&format!("Bonjour{i} Alice")) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            reloads.push(started.elapsed());
        }
        reloads.sort();
        println!(
            "hot reload of a package (deploy of a new version → on the page), {RELOADS} runs: min {} · median {} · max {}",
            seconds(reloads[0]),
            seconds(reloads[RELOADS / 2]),
            seconds(reloads[RELOADS - 1])
        );
        portal.stop().await;
        let _ = std::fs::remove_dir_all(&parent);
    });
}
