//! `agora-portal explain UID`: the populations of a person and why, from the command line,
//! with the shipped population rules and the demo directory (the same person code path as
//! LDAP; the real-directory case is in `tests/tests/ldap_directory.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn site(name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("agora-cli-{name}-{}", std::process::id()));
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
    let root = site("explain");
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

    // An alias login (supannAliasLogin) is the same person: explained under the directory's
    // uid, never as a second identity.
    let (code, out, err) = explain(&root, "amartin");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("`amartin` is a login of uid `alice.martin`"), "{err}");
    assert!(out.contains("✔ l1-ufr27"), "{out}");
    assert!(!out.contains("amartin"), "the alias is not the uid: {out}");

    // Someone no source knows: said so, nothing explained, a failing exit code.
    let (code, out, err) = explain(&root, "nobody.here");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no one with uid `nobody.here`"), "{err}");
    assert!(out.is_empty(), "{out}");

    // Without a uid: a usage error, not a panic.
    let out = Command::new(env!("CARGO_BIN_EXE_agora-portal"))
        .args(["explain"])
        .output()
        .expect("run");
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("explain needs a uid"));
}

fn run(root: &Path, args: &[&str], filter: &str) -> (i32, String, String) {
    let config = root.join("config/portal.toml").display().to_string();
    let mut all = vec!["--config", config.as_str()];
    all.extend_from_slice(args);
    let out = Command::new(env!("CARGO_BIN_EXE_agora-portal"))
        .args(all)
        .env_remove("PORTAL_SERVER__LISTEN")
        .env_remove("PORTAL_LDAP__URL")
        .env("PORTAL_LOG__FILTER", filter)
        .output()
        .expect("run agora-portal");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_writes_nothing() {
    let root = site("check");
    let (code, out, err) = run(&root, &["check"], "info");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("configuration OK"), "{out}");
    assert!(
        !root.join("data").exists(),
        "check created the data directory (database, session key, compiled channels)"
    );
}

#[test]
fn logs_go_to_stderr_so_the_explanation_can_be_redirected() {
    let root = site("stderr");
    let (code, out, err) = run(&root, &["explain", "alice.martin"], "info");
    assert_eq!(code, 0, "{err}");
    // The portal logs at start-up (demo mode warning, "portal ready"): none of it on stdout.
    assert!(
        err.contains("portal ready") || err.contains("demo mode"),
        "logs expected on stderr: {err}"
    );
    for line in out.lines() {
        assert!(
            line.starts_with('✔') || line.starts_with('✘') || line.starts_with(' ') || line.is_empty(),
            "a log line on stdout: {line}\n{out}"
        );
    }
}
