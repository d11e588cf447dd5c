//! Sign-on through a trusted reverse proxy (Apache mod_shib in front of the portal for the
//! RENATER federation): the proxy authenticates and passes `REMOTE_USER` and attribute
//! headers. They are believed only from a configured proxy address *and* with the shared
//! secret header; any identity header from elsewhere is refused, never ignored silently.

use crate::config::TrustedHeadersConfig;
use actix_web::HttpRequest;
use agora_channel_host::Attributes;

/// What the headers of one request say.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No identity header: an anonymous request.
    Anonymous,
    /// A user signed on by the proxy, with mapped attributes.
    SignedOn {
        /// The login.
        user: String,
        /// Attributes, by portal (SupAnn) name.
        attributes: Attributes,
    },
    /// Identity headers that cannot be trusted; the reason is for the logs.
    Refused(String),
}

/// HTTP header names cannot hold `:`; an attribute configured by its `urn:oid:` name is
/// looked for under the same name with `_` instead (`urn_oid_1.3.6.1.4.1.5923.1.1.1.1`).
fn header_name(configured: &str) -> String {
    configured.replace(':', "_")
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The values of one attribute header: mod_shib joins several values with `;` and escapes a
/// `;` inside a value as `\;`. Values are trimmed; empty ones are dropped.
fn split_values(header: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut current = String::new();
    let mut chars = header.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&';') => {
                current.push(';');
                chars.next();
            }
            ';' => values.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    values.push(current);
    values
        .into_iter()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

/// Judge the identity headers of `req`.
pub fn judge(config: &TrustedHeadersConfig, req: &HttpRequest) -> Verdict {
    let headers = req.headers();
    let user = headers
        .get(config.user_header.as_str())
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok()) // mod_shib passes UTF-8 bytes
        .map(str::trim)
        .unwrap_or("");
    let any_attribute = config
        .attributes
        .keys()
        .any(|h| headers.contains_key(header_name(h).as_str()));
    if user.is_empty() && !any_attribute {
        return Verdict::Anonymous;
    }
    let peer = req.peer_addr().map(|a| a.ip());
    if !peer.is_some_and(|ip| config.proxies.contains(&ip)) {
        return Verdict::Refused(format!(
            "identity headers from {peer:?}, which is not a configured proxy"
        ));
    }
    let secret = headers
        .get(config.secret_header.as_str())
        .map(|v| v.as_bytes())
        .unwrap_or(b"");
    if !constant_time_eq(secret, config.secret.as_bytes()) {
        return Verdict::Refused("identity headers without the right shared secret".into());
    }
    if user.is_empty() || user.len() > 256 || user.chars().any(char::is_control) {
        return Verdict::Refused("the user header is empty or malformed".into());
    }
    let mut attributes = Attributes::new();
    for (header, name) in &config.attributes {
        for value in headers
            .get_all(header_name(header).as_str())
            .filter_map(|v| std::str::from_utf8(v.as_bytes()).ok())
        {
            attributes.entry(name.clone()).or_default().extend(split_values(value));
        }
    }
    Verdict::SignedOn {
        user: user.to_string(),
        attributes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn config() -> TrustedHeadersConfig {
        TrustedHeadersConfig {
            enabled: true,
            proxies: vec!["10.0.0.5".parse().expect("ip")],
            secret_header: "X-Agora-Proxy-Secret".into(),
            secret: "0123456789abcdef0123".into(),
            user_header: "REMOTE_USER".into(),
            attributes: [(
                "urn:oid:1.3.6.1.4.1.5923.1.1.1.1".to_string(),
                "eduPersonAffiliation".to_string(),
            )]
            .into(),
            logout_path: "/Shibboleth.sso/Logout".into(),
        }
    }

    #[test]
    fn multiple_values_are_split_on_unescaped_semicolons() {
        assert_eq!(split_values("student;member"), vec!["student", "member"]);
        assert_eq!(split_values(" a ; ;b;"), vec!["a", "b"]);
        assert_eq!(split_values("Dupont\\; Martin;x"), vec!["Dupont; Martin", "x"]);
        assert_eq!(split_values("C:\\dir"), vec!["C:\\dir"]);
        assert!(split_values("").is_empty());
    }

    #[test]
    fn accepted_from_the_proxy_with_the_secret_and_refused_otherwise() {
        let good = TestRequest::default()
            .peer_addr("10.0.0.5:4000".parse().expect("addr"))
            .insert_header(("REMOTE_USER", "alice"))
            .insert_header(("X-Agora-Proxy-Secret", "0123456789abcdef0123"))
            .insert_header(("urn_oid_1.3.6.1.4.1.5923.1.1.1.1", "student;member"))
            .to_http_request();
        match judge(&config(), &good) {
            Verdict::SignedOn { user, attributes } => {
                assert_eq!(user, "alice");
                assert_eq!(attributes["eduPersonAffiliation"], vec!["student", "member"]);
            }
            other => panic!("{other:?}"),
        }
        let wrong_peer = TestRequest::default()
            .peer_addr("192.0.2.1:4000".parse().expect("addr"))
            .insert_header(("REMOTE_USER", "alice"))
            .insert_header(("X-Agora-Proxy-Secret", "0123456789abcdef0123"))
            .to_http_request();
        assert!(matches!(judge(&config(), &wrong_peer), Verdict::Refused(_)));
        let no_secret = TestRequest::default()
            .peer_addr("10.0.0.5:4000".parse().expect("addr"))
            .insert_header(("REMOTE_USER", "alice"))
            .to_http_request();
        assert!(matches!(judge(&config(), &no_secret), Verdict::Refused(_)));
        // mod_shib passes UTF-8 bytes.
        let utf8 = TestRequest::default()
            .peer_addr("10.0.0.5:4000".parse().expect("addr"))
            .insert_header(("REMOTE_USER", "lea"))
            .insert_header(("X-Agora-Proxy-Secret", "0123456789abcdef0123"))
            .insert_header((
                "urn_oid_1.3.6.1.4.1.5923.1.1.1.1",
                actix_web::http::header::HeaderValue::from_bytes("étudiante".as_bytes()).expect("bytes"),
            ))
            .to_http_request();
        match judge(&config(), &utf8) {
            Verdict::SignedOn { attributes, .. } => assert_eq!(attributes["eduPersonAffiliation"], vec!["étudiante"]),
            other => panic!("{other:?}"),
        }
        let anonymous = TestRequest::default()
            .peer_addr("192.0.2.1:4000".parse().expect("addr"))
            .to_http_request();
        assert_eq!(judge(&config(), &anonymous), Verdict::Anonymous);
    }
}
