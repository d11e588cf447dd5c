//! Service URLs. CAS compares `service` byte for byte between `/login` and validation: build
//! it once, from the public base URL, without `ticket`, encoded once.

use crate::CasError;
use url::Url;

/// `base` joined with `path`, without any `ticket` parameter. `path` is relative to `base`
/// (leading `/` are ignored, so `//host/x` is the path `host/x`); a `path` that would leave
/// `base` (another scheme, host or port, or above its path: `https://…`, `\\host`, `../`) is
/// refused, so a service URL always points back at the application.
pub fn canonical_service(base: &str, path: &str) -> Result<String, CasError> {
    let base_url = Url::parse(base).map_err(|e| CasError::InvalidUrl(format!("{base}: {e}")))?;
    let url = base_url
        .join(path.trim_start_matches('/'))
        .map_err(|e| CasError::InvalidUrl(format!("{path}: {e}")))?;
    if url.origin() != base_url.origin() || !url.path().starts_with(base_url.path()) {
        return Err(CasError::InvalidUrl(format!("{path}: not under {base}")));
    }
    Ok(strip_ticket(&url))
}

/// The URL without its `ticket` query parameter(s); other parameters keep their order.
pub fn strip_ticket(url: &Url) -> String {
    let mut url = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "ticket")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    url.set_fragment(None);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_is_built_once_and_without_ticket() {
        assert_eq!(
            canonical_service("https://ent.univ.fr/", "/login/cas").expect("ok"),
            "https://ent.univ.fr/login/cas"
        );
        assert_eq!(
            canonical_service("https://ent.univ.fr/portail/", "login/cas").expect("ok"),
            "https://ent.univ.fr/portail/login/cas"
        );
        let u = Url::parse("https://ent.univ.fr/login/cas?a=1&ticket=ST-1&b=%20x").expect("url");
        assert_eq!(strip_ticket(&u), "https://ent.univ.fr/login/cas?a=1&b=+x");
        assert!(canonical_service("not a url", "/x").is_err());
        for away in [
            "https://evil.example/",
            "\\\\evil.example/x",
            "http:evil.example",
            "../../other-app/",
        ] {
            assert!(
                canonical_service("https://ent.univ.fr/portail/", away).is_err(),
                "{away}"
            );
        }
        assert_eq!(
            canonical_service("https://ent.univ.fr/portail/", "//evil.example/x").expect("a path"),
            "https://ent.univ.fr/portail/evil.example/x"
        );
    }
}
