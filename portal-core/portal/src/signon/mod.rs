//! Sign-on: how a browser proves who its user is, and the one end every way shares.
//!
//! | module | way in |
//! |---|---|
//! | [`cas`] | CAS 3.0 (service tickets, proxy-granting tickets, single logout) |
//! | [`oidc`] | OpenID Connect (code flow with PKCE) |
//! | [`trusted_headers`] | Shibboleth and other reverse proxies that pass `REMOTE_USER` |
//! | [`demo`] | the demo personas (never in production) |
//! | [`return_path`] | where the browser goes afterwards: a path on this portal only |
//!
//! Each way ends with a [`Vouched`] user, and [`finish`] turns it into the session's
//! [`SignIn`]: the login resolved to the directory's `uid` (an alias or a typed login is the
//! same person), the attributes that must never be kept dropped, the time of sign-in.

pub mod cas;
pub mod demo;
pub mod oidc;
pub mod return_path;
pub mod trusted_headers;

pub use return_path::safe_return_path;

use crate::clock::now_ms;
use crate::people::PersonResolver;
use crate::people::person::without_secrets;
use crate::session::SignIn;
use agora_channel_host::Attributes;

/// The way a user signed in (the `method` label of `agora_signon_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// CAS 3.0.
    Cas,
    /// OpenID Connect.
    Oidc,
    /// A trusted reverse proxy (Shibboleth).
    TrustedHeaders,
    /// A demo persona.
    Demo,
}

impl Method {
    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            Method::Cas => "cas",
            Method::Oidc => "oidc",
            Method::TrustedHeaders => "trusted_headers",
            Method::Demo => "demo",
        }
    }
}

/// A user a sign-on vouched for, before the portal opens their session.
#[derive(Debug, Clone)]
pub struct Vouched {
    /// How.
    pub method: Method,
    /// The login as the sign-on gave it (may be an alias).
    pub login: String,
    /// Attributes released with the sign-on.
    pub attributes: Attributes,
    /// The CAS service ticket (single logout).
    pub cas_ticket: Option<String>,
    /// The CAS proxy-granting ticket.
    pub pgt: Option<String>,
    /// The OIDC ID token (sign-out hint).
    pub oidc_id_token: Option<String>,
}

impl Vouched {
    /// A user vouched for by `method`, with nothing but a login and attributes.
    pub fn new(method: Method, login: impl Into<String>, attributes: Attributes) -> Self {
        Vouched {
            method,
            login: login.into(),
            attributes,
            cas_ticket: None,
            pgt: None,
            oidc_id_token: None,
        }
    }
}

/// The end of every sign-in: who this is in the directory, and what the session keeps.
/// Returns the [`SignIn`] and whether an attribute source failed (the user is told).
pub async fn finish(people: &PersonResolver, vouched: Vouched) -> (SignIn, bool) {
    let attributes = without_secrets(vouched.attributes);
    let resolved = people.resolve(&vouched.login, attributes.clone()).await;
    if resolved.person.uid != vouched.login {
        tracing::info!(login = %vouched.login, uid = %resolved.person.uid, "signed in with an alias: the directory's uid is kept");
    }
    metrics::counter!("agora_signon_total", "method" => vouched.method.label(), "outcome" => "ok").increment(1);
    let sign_in = SignIn {
        uid: resolved.person.uid,
        // Set by `PortalSession::open`, which knows the request's tenant.
        tenant: String::new(),
        attributes,
        at_ms: now_ms(),
        cas_ticket: vouched.cas_ticket,
        pgt: vouched.pgt,
        oidc_id_token: vouched.oidc_id_token,
    };
    (sign_in, !resolved.failed_sources.is_empty())
}

/// Count a refused sign-in.
pub fn refused(method: Method) {
    metrics::counter!("agora_signon_total", "method" => method.label(), "outcome" => "refused").increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::LdifDirectory;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn an_alias_login_signs_in_as_the_directory_uid_and_secrets_stay_out() {
        let path = std::env::temp_dir().join(format!("agora-signon-{}.ldif", std::process::id()));
        std::fs::write(
            &path,
            "dn: uid=jdupont,dc=u\nuid: jdupont\nsupannAliasLogin: jdupont2\ndisplayName: Jean Dupont\n",
        )
        .expect("write");
        let dir = LdifDirectory::load(&path).expect("loads");
        let people = PersonResolver::new(vec![Arc::new(dir)], Duration::from_secs(60));
        let mut released = Attributes::new();
        released.insert("userPassword".into(), vec!["secret".into()]);
        released.insert("eduPersonAffiliation".into(), vec!["staff".into()]);
        let (sign_in, failed) = finish(&people, Vouched::new(Method::Cas, "jdupont2", released)).await;
        assert_eq!(sign_in.uid, "jdupont");
        assert!(!failed);
        assert!(!sign_in.attributes.contains_key("userPassword"));
        assert!(sign_in.attributes.contains_key("eduPersonAffiliation"));
    }
}
