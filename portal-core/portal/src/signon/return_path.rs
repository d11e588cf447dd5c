//! Where the browser goes after sign-in: only a path on this portal, never an open
//! redirect.

/// Keep `candidate` only if it is a path on this portal: starts with one `/`, no scheme, no
/// host, no backslash or control character, also once percent-decoded.
pub fn safe_return_path(candidate: &str) -> Option<String> {
    let ok = |s: &str| {
        s.starts_with('/')
            && !s.starts_with("//")
            && !s.contains('\\')
            && !s.chars().any(char::is_control)
            && !s.split(['?', '#']).next().unwrap_or("").contains(':')
            && s.len() <= 1024
    };
    let decoded = percent_decode(candidate);
    (ok(candidate) && ok(&decoded) && ok(&percent_decode(&decoded))).then(|| candidate.to_string())
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::safe_return_path;

    #[test]
    fn only_local_paths_are_kept() {
        for good in ["/", "/?tab=news", "/channels/news?x=a:b", "/a%20b"] {
            assert_eq!(safe_return_path(good).as_deref(), Some(good), "{good}");
        }
        for evil in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "%2F%2Fevil.example",
            "/%2F%2Fevil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%252F%252Fevil.example",
            "javascript:alert(1)",
            "/javascript:alert(1)",
            "evil.example",
            "",
            "/\r\nLocation: https://evil.example",
        ] {
            assert_eq!(safe_return_path(evil), None, "{evil}");
        }
    }
}
