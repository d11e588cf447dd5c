//! The fuzz targets' inputs, replayed on stable Rust by `cargo test`: the committed seeds in
//! `fuzz/seeds/` (each with its expected outcome), and, when present on this machine, the
//! corpus and crash artefacts a `cargo fuzz run` left in `fuzz/corpus/` and `fuzz/artifacts/`.
//! A crash once found keeps being checked here after it is fixed.

use agora_cas::{CasError, parse_logout_request, parse_proxy_response, parse_validation};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Every file under `fuzz/<kind>/<target>/`, if that directory exists.
fn inputs(kind: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = fuzz_dir().join(kind).join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, bytes)
        })
        .collect()
}

fn seed(target: &str, name: &str) -> String {
    let path = fuzz_dir().join("seeds").join(target).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn seeds_give_the_expected_outcome() {
    let ok = parse_validation(&seed("service_response", "success-attributes.xml")).expect("success");
    assert_eq!(ok.user, "alice.martin");
    let other = parse_validation(&seed("service_response", "success-other-prefix.xml")).expect("prefix");
    assert_eq!(other.user, "alice.martin");
    let cdata = parse_validation(&seed("service_response", "cdata-and-comments.xml")).expect("cdata");
    assert_eq!(cdata.user, "alice");
    assert!(matches!(
        parse_validation(&seed("service_response", "failure-invalid-ticket.xml")),
        Err(CasError::Failure { .. })
    ));
    assert_eq!(
        parse_proxy_response(&seed("service_response", "proxy-success.xml")).expect("pt"),
        "PT-1-xyz"
    );
    assert!(parse_proxy_response(&seed("service_response", "proxy-failure.xml")).is_err());
    for hostile in ["doctype-entity.xml", "billion-laughs.xml", "deep.xml"] {
        assert!(
            matches!(
                parse_validation(&seed("service_response", hostile)),
                Err(CasError::Malformed(_))
            ),
            "{hostile}"
        );
    }
    let logout = parse_logout_request(&seed("logout_request", "django-cas-server.xml")).expect("logout");
    assert_eq!(logout.session_index, "ST-1700-abcdef");
    for wrong in ["no-namespace.xml", "no-session-index.xml"] {
        assert!(parse_logout_request(&seed("logout_request", wrong)).is_err(), "{wrong}");
    }
}

#[test]
fn every_fuzz_input_parses_or_errors() {
    let mut replayed = 0;
    for kind in ["seeds", "corpus", "artifacts"] {
        for (_, bytes) in inputs(kind, "service_response") {
            if let Ok(text) = std::str::from_utf8(&bytes) {
                let _ = parse_validation(text);
                let _ = parse_proxy_response(text);
            }
            replayed += 1;
        }
        for (_, bytes) in inputs(kind, "logout_request") {
            if let Ok(text) = std::str::from_utf8(&bytes) {
                let _ = parse_logout_request(text);
            }
            replayed += 1;
        }
    }
    assert!(replayed >= 12, "the committed seeds are there ({replayed} inputs)");
}
