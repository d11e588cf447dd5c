//! `agora-portal explain UID`: the populations of a person and why, from the command line,
//! with the shipped population rules and the demo directory (the same person code path as
//! LDAP; the real-directory case is in `tests/tests/ldap_directory.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn site() -> PathBuf {
    let root = std::env::temp_dir().join(format!("agora-cli-explain-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("config/fragments")).expect("mkdir");
    let repo = repo();
    std::fs::copy(
        repo.join("config/populations.toml"),
        root.join("config/populations.toml"),
    )
    .expect("copy populations");
    std::fs::write(root.join("config/channels.toml"), "").expect("write");
    std::fs::write(root.join("config/catalogue.toml"), "").expect("write");
    std::fs::write(
        root.join("config/fragments/main.toml"),
        "everyone = true\n[[tabs]]\nid = \"home\"\ntitle = { fr = \"A\", en = \"H\" }\ncolumns = [[]]\n",
    )
    .expect("write");
    std::fs::write(
        root.join("config/portal.toml"),
        format!(
            "[paths]\ndata_dir = \"{}\"\ntheme_dir = \"{}\"\nchannel_packages = \"{}\"\n\
             [demo]\nenabled = true\ndirectory = \"{}\"\n",
            root.join("data").display(),
            repo.join("themes/default").display(),
            root.display(),
            repo.join("examples/demo/directory.ldif").display()
        ),
    )
    .expect("write");
    root
}

fn explain(root: &Path, uid: &str) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_agora-portal"))
        .args([
            "--config",
            &root.join("config/portal.toml").display().to_string(),
            "explain",
            uid,
        ])
        .env_remove("PORTAL_SERVER__LISTEN")
        .env_remove("PORTAL_LDAP__URL")
        .env("PORTAL_LOG__FILTER", "error")
        .output()
        .expect("run agora-portal");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn explain_names_each_population_and_the_deciding_rule() {
    let root = site();
    let (code, out, err) = explain(&root, "alice.martin");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("✔ l1-ufr27"), "{out}");
    assert!(out.contains("✘ teachers"), "{out}");
    assert!(
        out.contains("inscription") && out.contains("UFR27"),
        "the deciding rule and its values are shown: {out}"
    );

    let (code, out, err) = explain(&root, "bruno.leroy");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("✘ l1-ufr27"), "{out}");

    // Someone no source knows: said so, and nothing matches.
    let (code, out, err) = explain(&root, "nobody.here");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("no source knows `nobody.here`"), "{err}");
    assert!(out.lines().any(|l| l.starts_with('✘')), "{out}");
    assert!(!out.lines().any(|l| l.starts_with('✔')), "{out}");

    // Without a uid: a usage error, not a panic.
    let out = Command::new(env!("CARGO_BIN_EXE_agora-portal"))
        .args(["explain"])
        .output()
        .expect("run");
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("explain needs a uid"));
}
