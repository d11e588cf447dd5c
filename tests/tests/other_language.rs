//! The contract is usable without the Rust SDK: `tests/channels/python-hours` is a channel
//! written in Python against `sdk/wit/` (world `agora:channel/channel@0.2.0`), built here with
//! componentize-py (from PyPI, installed by `cargo xtask test` into target/peers-venv) and
//! rendered on a persona's page by the portal, calling the host's back-end, person and log
//! capabilities; its failures are the contract's errors, said in words.

use agora_tests::backend::{Answer, TestBackend};
use agora_tests::page::publication_chunk;
use agora_tests::{Site, channel_packages, one_column_layout, repo_root};
use std::path::Path;
use std::process::Command;

/// Build the Python channel into `packages/library-hours/`.
fn build_python_channel(packages: &Path) {
    let componentize = repo_root().join("target/peers-venv/bin/componentize-py");
    assert!(
        componentize.exists(),
        "{} is missing: run `cargo xtask test`, which installs the test peers (tests/peers/requirements.txt)",
        componentize.display()
    );
    let source = repo_root().join("tests/channels/python-hours");
    let dest = packages.join("library-hours");
    std::fs::create_dir_all(&dest).expect("package folder");
    let out = Command::new(&componentize)
        .arg("-d")
        .arg(repo_root().join("sdk/wit"))
        .args(["-w", "agora:channel/channel@0.2.0", "componentize", "-p"])
        .arg(&source)
        .arg("app")
        .arg("-o")
        .arg(dest.join("channel.wasm"))
        .output()
        .expect("componentize-py runs");
    assert!(
        out.status.success(),
        "componentize-py failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::copy(source.join("channel.toml"), dest.join("channel.toml")).expect("manifest");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_written_in_python_renders_on_a_persona_s_page() {
    let backend = TestBackend::start().await;
    backend.route(
        "/hours.json",
        Answer::ok(
            "application/json",
            r#"{"places": [{"name": "BU Sciences", "today": "8 h – 22 h"}, {"name": "BU Droit <Lettres>", "today": null}]}"#,
        ),
    );
    let channels = format!(
        "[channels.welcome]\npackage = \"welcome\"\n\n[channels.hours]\npackage = \"library-hours\"\nbackends.api = {{ url = \"{}\" }}\n\n[channels.hours-down]\npackage = \"library-hours\"\nbackends.api = {{ url = \"http://127.0.0.1:9\" }}\n",
        backend.url
    );
    let site = Site::new(
        "python",
        &channels,
        &one_column_layout(&["welcome", "hours", "hours-down"]),
    );
    let packages = site.root.join("packages");
    build_python_channel(&packages);
    for shipped in ["welcome"] {
        let to = packages.join(shipped);
        std::fs::create_dir_all(&to).expect("dir");
        for entry in std::fs::read_dir(channel_packages().join(shipped)).expect("package") {
            let path = entry.expect("entry").path();
            std::fs::copy(&path, to.join(path.file_name().expect("name"))).expect("copy");
        }
    }
    let portal_toml = site.root.join("config/portal.toml");
    let text = std::fs::read_to_string(&portal_toml).expect("portal.toml");
    let shared = format!("channel_packages = \"{}\"", channel_packages().display());
    std::fs::write(
        &portal_toml,
        text.replace(&shared, &format!("channel_packages = \"{}\"", packages.display())),
    )
    .expect("portal.toml");

    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/").await;
    let hours = publication_chunk(&page, "hours");
    assert!(hours.contains("Bonjour Alice Martin"), "the person capability: {hours}");
    assert!(
        hours.contains("<strong>BU Sciences</strong> : 8 h – 22 h"),
        "the back-end capability: {hours}"
    );
    assert!(
        hours.contains("BU Droit &lt;Lettres&gt;") && hours.contains("fermé"),
        "escaped, in French: {hours}"
    );
    let english = publication_chunk(&portal.get_page(&client, "/?lang=en").await, "hours");
    assert!(
        english.contains("Hello Alice Martin") && english.contains("closed"),
        "{english}"
    );
    // Its failure is the contract's `backend-unavailable`, said in words to the student.
    let down = publication_chunk(&page, "hours-down");
    assert!(down.contains("channel-error") && !down.contains("Traceback"), "{down}");
    assert!(backend.hits("/hours.json") >= 1);
    portal.stop().await;
}
