//! Service URLs. CAS compares `service` byte for byte between `/login` and validation: build
//! it once, from the public base URL, without `ticket`, encoded once.

use crate::CasError;
use url::Url;

/// `base` joined with `path`, without any `ticket` parameter.
pub fn canonical_service(base: &str, path: &str) -> Result<String, CasError> {
    let base = Url::parse(base).map_err(|e| CasError::InvalidUrl(format!("{base}: {e}")))?;
    let url = base
        .join(path.trim_start_matches('/'))
        .map_err(|e| CasError::InvalidUrl(format!("{path}: {e}")))?;
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
    }
}
