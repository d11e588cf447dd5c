//! Sign-on through a trusted reverse proxy (Apache mod_shib in front of the portal for the
//! RENATER federation): the proxy authenticates and passes `REMOTE_USER` and attribute
//! headers. They are believed only from a configured proxy address *and* with the shared
//! secret header; any identity header from elsewhere is refused, never ignored silently.

use crate::config::TrustedHeadersConfig;
use agora_channel_host::Attributes;
use std::net::IpAddr;

/// The headers of a request, as the judge reads them (names case-insensitive).
pub trait Headers {
    /// Every value of header `name`, raw bytes, in order.
    fn values(&self, name: &str) -> Vec<&[u8]>;
}

/// Header lists, for tests and tools: `(name, value)` pairs.
impl Headers for [(&str, &str)] {
    fn values(&self, name: &str) -> Vec<&[u8]> {
        self.iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_bytes())
            .collect()
    }
}

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

/// Judge the identity headers of a request from TCP peer `peer`.
pub fn judge<H: Headers + ?Sized>(config: &TrustedHeadersConfig, peer: Option<IpAddr>, headers: &H) -> Verdict {
    let first = |name: &str| headers.values(name).first().copied();
    let user = first(config.user_header.as_str())
        .and_then(|v| std::str::from_utf8(v).ok()) // mod_shib passes UTF-8 bytes
        .map(str::trim)
        .unwrap_or("");
    let any_attribute = config
        .attributes
        .keys()
        .any(|h| !headers.values(header_name(h).as_str()).is_empty());
    if user.is_empty() && !any_attribute {
        return Verdict::Anonymous;
    }
    if !peer.is_some_and(|ip| config.proxies.contains(&ip)) {
        return Verdict::Refused(format!(
            "identity headers from {peer:?}, which is not a configured proxy"
        ));
    }
    let secret = first(config.secret_header.as_str()).unwrap_or(b"");
    if !constant_time_eq(secret, config.secret.expose().as_bytes()) {
        return Verdict::Refused("identity headers without the right shared secret".into());
    }
    if user.is_empty() || user.len() > 256 || user.chars().any(char::is_control) {
        return Verdict::Refused("the user header is empty or malformed".into());
    }
    let mut attributes = Attributes::new();
    for (header, name) in &config.attributes {
        for value in headers
            .values(header_name(header).as_str())
            .into_iter()
            .filter_map(|v| std::str::from_utf8(v).ok())
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

    fn config() -> TrustedHeadersConfig {
        TrustedHeadersConfig {
            enabled: true,
            proxies: vec!["10.0.0.5".parse().expect("ip")],
            secret_header: "X-Agora-Proxy-Secret".into(),
            secret: crate::config::Secret::from("0123456789abcdef0123"),
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
        let proxy = Some("10.0.0.5".parse().expect("ip"));
        let elsewhere = Some("192.0.2.1".parse().expect("ip"));
        let secret = ("X-Agora-Proxy-Secret", "0123456789abcdef0123");
        let good: &[(&str, &str)] = &[
            ("REMOTE_USER", "alice"),
            secret,
            ("urn_oid_1.3.6.1.4.1.5923.1.1.1.1", "student;member"),
        ];
        match judge(&config(), proxy, good) {
            Verdict::SignedOn { user, attributes } => {
                assert_eq!(user, "alice");
                assert_eq!(attributes["eduPersonAffiliation"], vec!["student", "member"]);
            }
            other => panic!("{other:?}"),
        }
        let wrong_peer: &[(&str, &str)] = &[("REMOTE_USER", "alice"), secret];
        assert!(matches!(judge(&config(), elsewhere, wrong_peer), Verdict::Refused(_)));
        let no_secret: &[(&str, &str)] = &[("remote_user", "alice")];
        assert!(matches!(judge(&config(), proxy, no_secret), Verdict::Refused(_)));
        // mod_shib passes UTF-8 bytes.
        let utf8: &[(&str, &str)] = &[
            ("REMOTE_USER", "lea"),
            secret,
            ("urn_oid_1.3.6.1.4.1.5923.1.1.1.1", "étudiante"),
        ];
        match judge(&config(), proxy, utf8) {
            Verdict::SignedOn { attributes, .. } => assert_eq!(attributes["eduPersonAffiliation"], vec!["étudiante"]),
            other => panic!("{other:?}"),
        }
        let anonymous: &[(&str, &str)] = &[];
        assert_eq!(judge(&config(), elsewhere, anonymous), Verdict::Anonymous);
    }
}
