//! One browser's session: every key it may hold, declared once, and the one typed value
//! that makes it signed in ([`SignIn`]).
//!
//! The cookie carries only a random session id; the state lives in the [`store`]. Nothing
//! is stored for an anonymous visitor: a session starts at sign-in (the sign-in form's CSRF
//! protection, the return path and the CAS gateway mark are short-lived cookies, see
//! `web::session`). [`limits`] says when a signed-in session is over.

pub mod limits;
pub mod shared;
pub mod store;

use agora_channel_host::Attributes;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The names of the session's keys: every key the portal stores, once.
pub mod key {
    /// The [`super::SignIn`] value (JSON).
    pub const SIGN_IN: &str = "signin";
    /// The CSRF token of a signed-in session.
    pub const CSRF: &str = "csrf";
    /// Last request, ms since the epoch (idle limit).
    pub const SEEN: &str = "last_seen_ms";
    /// Message keys for the next page (a source was down at sign-in …).
    pub const NOTICES: &str = "notices";
    /// The attributes released with the sign-on (JSON), read only when the person must be
    /// resolved again (the person cache expired): a page view does not decode them.
    pub const SIGNON_ATTRIBUTES: &str = "signon_attributes";
    /// Messages for the next page after a form post, already in the user's language.
    pub const FLASH: &str = "flash";
    /// An OpenID Connect sign-in under way (state, nonce, PKCE verifier).
    pub const OIDC_PENDING: &str = "oidc_pending";
    /// The tenant whose session it is (JSON string): presented to another, it is refused.
    pub const TENANT: &str = "tenant";
    /// What undoes the latest destructive customisation (`crate::page::undo::Undo`, JSON).
    pub const UNDO: &str = "undo";
    /// The undo to offer on the next page: what was done, in the user's language.
    pub const UNDO_OFFER: &str = "undo_offer";
}

/// Keys that belong to a sign-in: never carried over to another session id once the
/// sign-in ended (single logout while a request was in flight).
pub const AUTH_KEYS: &[&str] = &[
    key::SIGN_IN,
    key::SIGNON_ATTRIBUTES,
    key::CSRF,
    key::SEEN,
    key::NOTICES,
    key::UNDO,
    key::UNDO_OFFER,
];

fn default_tenant() -> String {
    crate::storage::DEFAULT_TENANT.to_string()
}

/// The key of CAS service ticket `st` of `tenant` in the ticket → session index: a single
/// logout request reaching one tenant finds only that tenant's sessions.
pub fn ticket_index(tenant: &str, st: &str) -> String {
    if tenant == crate::storage::DEFAULT_TENANT {
        st.to_string()
    } else {
        format!("{tenant}\u{1f}{st}")
    }
}

/// Who signed in, how and when: present exactly when the session is signed in.
#[derive(Clone, Serialize, Deserialize)]
pub struct SignIn {
    /// The directory's `uid` of the person (never the alias that was typed).
    pub uid: String,
    /// The tenant the person signed in to (set when the session opens; sessions from
    /// before tenants are the default tenant's).
    #[serde(default = "default_tenant")]
    pub tenant: String,
    /// Attributes that came with the sign-on assertion, secrets already dropped; stored
    /// under their own key ([`key::SIGNON_ATTRIBUTES`]), not in this value.
    #[serde(skip)]
    pub attributes: Attributes,
    /// When the user signed in, ms since the epoch (absolute limit).
    pub at_ms: i64,
    /// The CAS service ticket that opened the session (single logout finds it by this).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cas_ticket: Option<String>,
    /// The CAS proxy-granting ticket, for cas-proxy back-ends and mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pgt: Option<String>,
    /// The OIDC ID token, the `id_token_hint` of sign-out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidc_id_token: Option<String>,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tickets and tokens are credentials: never in a log line.
        f.debug_struct("SignIn")
            .field("uid", &self.uid)
            .field("tenant", &self.tenant)
            .field("attributes", &self.attributes.len())
            .field("at_ms", &self.at_ms)
            .field("cas_ticket", &self.cas_ticket.as_ref().map(|_| "…"))
            .field("pgt", &self.pgt.as_ref().map(|_| "…"))
            .field("oidc_id_token", &self.oidc_id_token.as_ref().map(|_| "…"))
            .finish()
    }
}

/// The ticket index key ([`ticket_index`]) of a stored session state, if it is a CAS
/// sign-in (the state is the store's map of key → JSON value).
pub fn cas_ticket_of(state: &HashMap<String, String>) -> Option<String> {
    let sign_in = state.get(key::SIGN_IN)?;
    let sign_in = serde_json::from_str::<SignIn>(sign_in).ok()?;
    Some(ticket_index(&sign_in.tenant, &sign_in.cas_ticket?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ticket_index_reads_the_sign_in_value_and_debug_hides_credentials() {
        let mut sign_in = SignIn {
            uid: "amartin".into(),
            tenant: default_tenant(),
            attributes: Attributes::new(),
            at_ms: 1,
            cas_ticket: Some("ST-1".into()),
            pgt: Some("PGT-secret".into()),
            oidc_id_token: None,
        };
        let mut state = HashMap::new();
        state.insert(key::SIGN_IN.to_string(), serde_json::to_string(&sign_in).expect("json"));
        assert_eq!(cas_ticket_of(&state).as_deref(), Some("ST-1"));
        assert!(!format!("{sign_in:?}").contains("PGT-secret"));
        assert_eq!(cas_ticket_of(&HashMap::new()), None);
        // Another tenant's ticket is indexed apart: the same ticket string does not collide.
        sign_in.tenant = "ut2".into();
        state.insert(key::SIGN_IN.to_string(), serde_json::to_string(&sign_in).expect("json"));
        assert_eq!(cas_ticket_of(&state).as_deref(), Some("ut2\u{1f}ST-1"));
        // A session from before tenants is the default tenant's.
        let old: SignIn = serde_json::from_str(r#"{"uid":"x","at_ms":1}"#).expect("old session");
        assert_eq!(old.tenant, "default");
    }
}
