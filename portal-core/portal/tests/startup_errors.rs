//! A bad configuration stops start-up with the file, the key and the reason, and exit code 2.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn site(name: &str, portal_toml: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("agora-startup-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("config")).expect("mkdir");
    std::fs::write(root.join("config/portal.toml"), portal_toml).expect("write");
    std::fs::write(root.join("config/populations.toml"), "").expect("write");
    std::fs::write(root.join("config/catalogue.toml"), "").expect("write");
    std::fs::create_dir_all(root.join("config/fragments")).expect("mkdir");
    std::fs::write(
        root.join("config/fragments/main.toml"),
        "everyone = true\n[[tabs]]\nid = \"home\"\ntitle = { fr = \"A\", en = \"H\" }\ncolumns = [[\"p\"]]\n",
    )
    .expect("write");
    root
}

fn check(root: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_agora-portal"))
        .args([
            "--config",
            &root.join("config/portal.toml").display().to_string(),
            "check",
        ])
        .env_remove("PORTAL_SERVER__LISTEN")
        .output()
        .expect("run agora-portal");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn paths(root: &Path, packages: &Path) -> String {
    format!(
        "[paths]\ndata_dir = \"{}\"\ntheme_dir = \"{}\"\nchannel_packages = \"{}\"\n",
        root.join("data").display(),
        repo().join("themes/default").display(),
        packages.display()
    )
}

#[test]
fn a_malformed_portal_toml_names_file_key_and_reason() {
    let root = site("portal", "");
    std::fs::write(root.join("config/channels.toml"), "").expect("write");
    std::fs::write(
        root.join("config/portal.toml"),
        format!("{}\n[server]\nlisten = \"localhost-ish\"\n", paths(&root, &root)),
    )
    .expect("write");
    let (code, err) = check(&root);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("config/portal.toml") && err.contains("[server.listen]"),
        "{err}"
    );
    assert!(err.contains("invalid") || err.contains("address"), "{err}");
}

#[test]
fn a_malformed_channel_toml_names_file_key_and_reason() {
    let root = site("manifest", "");
    let packages = root.join("packages");
    std::fs::create_dir_all(packages.join("broken")).expect("mkdir");
    std::fs::write(
        packages.join("broken/channel.toml"),
        "[channel]\nid = \"broken\"\nversion = \"0.1.0\"\nworld = \"agora:channel/channel@0.1.0\"\nname = { fr = \"B\", en = \"B\" }\n[limits]\nmemory_mib = 100000\n",
    )
    .expect("write");
    std::fs::write(packages.join("broken/channel.wasm"), b"\0asm").expect("write");
    std::fs::write(
        root.join("config/channels.toml"),
        "[channels.p]\npackage = \"broken\"\n",
    )
    .expect("write");
    std::fs::write(root.join("config/portal.toml"), paths(&root, &packages)).expect("write");
    let (code, err) = check(&root);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("broken/channel.toml") && err.contains("[limits.memory_mib]"),
        "{err}"
    );
    assert!(err.contains("outside 1..=256"), "{err}");
}

#[test]
fn a_publication_that_does_not_fit_its_manifest_is_refused_at_start_up() {
    let root = site("publication", "");
    let packages = std::env::var_os("AGORA_CHANNEL_PACKAGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/channels"));
    assert!(
        packages.join("news/channel.wasm").exists(),
        "run `cargo xtask test` to build the channels"
    );
    std::fs::write(root.join("config/channels.toml"), "[channels.p]\npackage = \"news\"\nconfig = { max_items = \"many\" }\nbackends.feed = { url = \"http://127.0.0.1:9/\" }\n").expect("write");
    std::fs::write(root.join("config/portal.toml"), paths(&root, &packages)).expect("write");
    let (code, err) = check(&root);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("config/channels.toml") && err.contains("[channels.p.config.max_items]"),
        "{err}"
    );
    assert!(err.contains("expected an integer"), "{err}");
}

#[test]
fn a_bad_population_rule_names_the_population_and_reason() {
    let root = site("populations", "");
    std::fs::write(root.join("config/channels.toml"), "").expect("write");
    std::fs::write(
        root.join("config/populations.toml"),
        "[populations.l1]\nrule = { inscription = { levels = \"L3..L1\" } }\n",
    )
    .expect("write");
    std::fs::write(root.join("config/portal.toml"), paths(&root, &root)).expect("write");
    let (code, err) = check(&root);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("config/populations.toml") && err.contains("[populations.l1]"),
        "{err}"
    );
    assert!(err.contains("L3..L1"), "{err}");
}

#[test]
fn a_bad_fragment_names_its_file_key_and_reason() {
    let root = site("fragment", "");
    let packages = repo().join("target/channels");
    assert!(
        packages.join("news/channel.wasm").exists(),
        "run `cargo xtask test` to build the channels"
    );
    std::fs::write(
        root.join("config/channels.toml"),
        "[channels.p]\npackage = \"welcome\"\n",
    )
    .expect("write");
    std::fs::write(
        root.join("config/fragments/students.toml"),
        "populations = [\"students\"]\n[[tabs]]\nid = \"home\"\ntitle = { fr = \"A\", en = \"H\" }\ncolumns = [[\"p\", \"ghost\"]]\n",
    )
    .expect("write");
    std::fs::write(root.join("config/portal.toml"), paths(&root, &packages)).expect("write");
    let (code, err) = check(&root);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("config/fragments/students.toml") && err.contains("[populations[0]]"),
        "unknown population first: {err}"
    );
    std::fs::write(
        root.join("config/populations.toml"),
        "[populations.students]\nrule = { affiliation = \"student\" }\n",
    )
    .expect("write");
    let (code, err) = check(&root);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("config/fragments/students.toml") && err.contains("[tabs[0].columns[0][1]]"),
        "{err}"
    );
    assert!(err.contains("no publication `ghost`"), "{err}");
    std::fs::write(
        root.join("config/catalogue.toml"),
        "[publications.p]\ncategories = [\"nope\"]\neveryone = true\n",
    )
    .expect("write");
    std::fs::write(
        root.join("config/fragments/students.toml"),
        "populations = [\"students\"]\n[[tabs]]\nid = \"home\"\ntitle = { fr = \"A\", en = \"H\" }\ncolumns = [[\"p\"]]\n",
    )
    .expect("write");
    let (code, err) = check(&root);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("config/catalogue.toml") && err.contains("[publications.p.categories[0]]"),
        "{err}"
    );
}

#[test]
fn two_packages_declaring_one_channel_id_are_refused() {
    // A copy of the news package under another name still declares `id = "news"`: it could
    // pass for the news channel in logs, metrics and the catalogue. Refused, with both names.
    let root = site("duplicate-id", "");
    let shipped = std::env::var_os("AGORA_CHANNEL_PACKAGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/channels"));
    assert!(
        shipped.join("news/channel.wasm").exists(),
        "run `cargo xtask test` to build the channels"
    );
    let packages = root.join("packages");
    for name in ["news", "news-impostor"] {
        std::fs::create_dir_all(packages.join(name)).expect("mkdir");
        for file in ["channel.toml", "channel.wasm", "icon.svg"] {
            std::fs::copy(shipped.join("news").join(file), packages.join(name).join(file)).expect("copy");
        }
    }
    std::fs::write(
        root.join("config/channels.toml"),
        "[channels.a]\npackage = \"news\"\nbackends.feed = { url = \"http://127.0.0.1:9/\" }\n\
         [channels.b]\npackage = \"news-impostor\"\nbackends.feed = { url = \"http://127.0.0.1:9/\" }\n",
    )
    .expect("write");
    std::fs::write(root.join("config/portal.toml"), paths(&root, &packages)).expect("write");
    let (code, err) = check(&root);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("config/channels.toml") && err.contains("[channels.b.package]"),
        "{err}"
    );
    assert!(
        err.contains("`news`") && err.contains("news-impostor") && err.contains("unique"),
        "{err}"
    );
}
