//! The session as handlers see it: [`PortalSession`], typed accessors over actix-session for
//! every key of [`crate::session::key`], and the actix adapter of the session store.
//!
//! Nothing is stored server-side for an anonymous visitor. What an anonymous browser needs
//! carried lives in short-lived cookies instead: the sign-in form's CSRF token (signed with
//! the session key), the page to return to after sign-in, and the CAS gateway mark.

use crate::clock::now_ms;
use crate::session::store::SessionStore;
use crate::session::{SignIn, key};
use actix_session::storage::{LoadError, SaveError, SessionKey, UpdateError};
use actix_session::{Session, SessionExt, SessionInsertError};
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponseBuilder};
use agora_shared::SharedError;
use std::collections::HashMap;
use std::future::{Ready, ready};
use std::time::Duration;

/// The session store, as actix-session wants it. A failure of the shared store reaches
/// actix-session as an error, which [`super::unavailable::unavailable`] turns into a page
/// saying so (the session itself is not lost).
#[derive(Clone)]
pub struct ActixStore(pub SessionStore);

fn std_ttl(ttl: &actix_web::cookie::time::Duration) -> Duration {
    Duration::from_secs(ttl.whole_seconds().max(1) as u64)
}

/// The error actix-session carries for a failure of the shared store.
fn shared(e: SharedError) -> anyhow::Error {
    anyhow::Error::new(e)
}

impl actix_session::storage::SessionStore for ActixStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<HashMap<String, String>>, LoadError> {
        self.0
            .load(session_key.as_ref())
            .await
            .map_err(|e| LoadError::Other(shared(e)))
    }

    async fn save(
        &self,
        session_state: HashMap<String, String>,
        ttl: &actix_web::cookie::time::Duration,
    ) -> Result<SessionKey, SaveError> {
        let key = self
            .0
            .save(session_state, std_ttl(ttl))
            .await
            .map_err(|e| SaveError::Other(shared(e)))?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(anyhow::anyhow!("{e}")))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        session_state: HashMap<String, String>,
        ttl: &actix_web::cookie::time::Duration,
    ) -> Result<SessionKey, UpdateError> {
        let key: String = session_key.into();
        let key = self
            .0
            .update(key, session_state, std_ttl(ttl))
            .await
            .map_err(|e| UpdateError::Other(shared(e)))?;
        SessionKey::try_from(key).map_err(|e| UpdateError::Other(anyhow::anyhow!("{e}")))
    }

    async fn update_ttl(
        &self,
        session_key: &SessionKey,
        ttl: &actix_web::cookie::time::Duration,
    ) -> Result<(), anyhow::Error> {
        self.0
            .update_ttl(session_key.as_ref(), std_ttl(ttl))
            .await
            .map_err(shared)
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        self.0.delete(session_key.as_ref()).await.map_err(shared)
    }
}

/// Marks a request whose foreign session was already logged and counted.
#[derive(Clone, Copy)]
struct ForeignSessionSaid;

/// One browser's session, with a typed accessor per key, bound to the request's tenant: a
/// session another tenant opened is, here, no session at all (nobody signed in, no CSRF
/// token, no sign-in under way). This is the one place that check is made.
pub struct PortalSession {
    session: Session,
    /// The request's tenant.
    tenant: std::sync::Arc<str>,
    /// The session belongs to another tenant.
    foreign: bool,
}

impl FromRequest for PortalSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(Ok(PortalSession::of(req)))
    }
}

impl PortalSession {
    /// The session of `req`, as its tenant sees it.
    pub fn of(req: &HttpRequest) -> Self {
        let session = req.get_session();
        let tenant: std::sync::Arc<str> = super::Tenant::of(req)
            .map(|t| t.tenant.clone())
            .unwrap_or_else(|| crate::storage::DEFAULT_TENANT.into());
        let owner = session.get::<String>(key::TENANT).ok().flatten();
        let foreign = owner.as_deref().is_some_and(|o| o != &*tenant);
        // Said once per request: handlers and guards each take the session.
        if foreign && req.extensions_mut().insert(ForeignSessionSaid).is_none() {
            metrics::counter!("agora_tenant_refusals_total", "tenant" => tenant.to_string(), "what" => "session")
                .increment(1);
            tracing::warn!(
                owner = owner.as_deref().unwrap_or(""),
                "a session of another tenant presented here: refused, treated as signed out"
            );
        }
        PortalSession {
            session,
            tenant,
            foreign,
        }
    }

    /// Who signed in, if anyone (never someone of another tenant).
    pub fn sign_in(&self) -> Option<SignIn> {
        if self.foreign {
            return None;
        }
        self.session
            .get::<SignIn>(key::SIGN_IN)
            .ok()
            .flatten()
            .filter(|s| *s.tenant == *self.tenant)
    }

    /// Open a signed-in session of this tenant: a new session id (no fixation), nothing of
    /// the anonymous (or other tenant's) one kept, `notices` for the first page.
    pub fn open(&self, sign_in: &SignIn, notices: &[&str]) -> Result<(), SessionInsertError> {
        self.session.renew();
        self.session.clear();
        let mut sign_in = sign_in.clone();
        sign_in.tenant = self.tenant.to_string();
        self.session.insert(key::TENANT, &*self.tenant)?;
        self.session.insert(key::SIGN_IN, &sign_in)?;
        if !sign_in.attributes.is_empty() {
            self.session.insert(key::SIGNON_ATTRIBUTES, &sign_in.attributes)?;
        }
        self.session.insert(key::SEEN, sign_in.at_ms)?;
        if !notices.is_empty() {
            self.session.insert(key::NOTICES, notices)?;
        }
        Ok(())
    }

    /// The attributes released with the sign-on (see [`key::SIGNON_ATTRIBUTES`]).
    pub fn signon_attributes(&self) -> agora_channel_host::Attributes {
        self.session
            .get::<agora_channel_host::Attributes>(key::SIGNON_ATTRIBUTES)
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// The last request's time (idle limit).
    pub fn seen(&self) -> Option<i64> {
        self.session.get::<i64>(key::SEEN).ok().flatten()
    }

    /// Record a request now.
    pub fn touch(&self) {
        let _ = self.session.insert(key::SEEN, now_ms());
    }

    /// Notices kept for the next page (message keys), taken out.
    pub fn take_notices(&self) -> Vec<String> {
        // `remove` marks the session changed even for an absent key: every page view would
        // then write the session back (to Redis, with several nodes).
        if !self.session.entries().contains_key(key::NOTICES) {
            return Vec::new();
        }
        self.session
            .remove_as::<Vec<String>>(key::NOTICES)
            .and_then(Result::ok)
            .unwrap_or_default()
    }

    /// End the session, server side and in the browser.
    pub fn purge(&self) {
        self.session.purge();
    }

    /// The CSRF token of a signed-in session, created on first use. Anonymous visitors get
    /// none here (see [`AnonymousCsrf`]): asking would open a session.
    pub fn csrf_token(&self) -> String {
        if self.sign_in().is_none() {
            return String::new();
        }
        if let Ok(Some(t)) = self.session.get::<String>(key::CSRF) {
            return t;
        }
        let token = random_token();
        if let Err(e) = self.session.insert(key::CSRF, &token) {
            tracing::warn!("cannot store CSRF token: {e}");
        }
        token
    }

    /// Whether `submitted` is this signed-in session's CSRF token (constant time).
    pub fn csrf_ok(&self, submitted: &str) -> bool {
        if self.sign_in().is_none() {
            return false;
        }
        match self.session.get::<String>(key::CSRF) {
            Ok(Some(expected)) => same(&expected, submitted),
            _ => false,
        }
    }

    /// A message for the next page, already in the user's language (after a form post).
    pub fn flash(&self, message: String) {
        let mut all = self
            .session
            .get::<Vec<String>>(key::FLASH)
            .ok()
            .flatten()
            .unwrap_or_default();
        all.push(message);
        let _ = self.session.insert(key::FLASH, all);
    }

    /// The messages kept for this page, taken out.
    pub fn take_flash(&self) -> Vec<String> {
        if !self.session.entries().contains_key(key::FLASH) {
            return Vec::new();
        }
        self.session
            .remove_as::<Vec<String>>(key::FLASH)
            .and_then(Result::ok)
            .unwrap_or_default()
    }

    /// Keep what undoes the destructive customisation just made, and offer it on the next
    /// page with `done` (what was done, in the user's language).
    pub fn set_undo(&self, undo: &crate::page::undo::Undo, done: String) {
        if self.session.insert(key::UNDO, undo).is_err() || self.session.insert(key::UNDO_OFFER, done).is_err() {
            tracing::warn!("cannot keep an undo in the session");
        }
    }

    /// Forget the undo (another edit was made: undoing would silently revert it).
    pub fn forget_undo(&self) {
        self.session.remove(key::UNDO);
        self.session.remove(key::UNDO_OFFER);
    }

    /// The undo kept, taken out (none from another tenant's session).
    pub fn take_undo(&self) -> Option<crate::page::undo::Undo> {
        if self.foreign || !self.session.entries().contains_key(key::UNDO) {
            return None;
        }
        self.session.remove(key::UNDO_OFFER);
        self.session
            .remove_as::<crate::page::undo::Undo>(key::UNDO)
            .and_then(Result::ok)
    }

    /// The undo to offer on this page (what was done), taken out: offered once.
    pub fn take_undo_offer(&self) -> Option<String> {
        if self.foreign || !self.session.entries().contains_key(key::UNDO_OFFER) {
            return None;
        }
        self.session.remove_as::<String>(key::UNDO_OFFER).and_then(Result::ok)
    }

    /// Keep an OpenID Connect sign-in under way.
    pub fn set_oidc_pending<T: serde::Serialize>(&self, pending: &T) -> Result<(), SessionInsertError> {
        if self.foreign {
            // Another tenant's session: start this tenant's afresh.
            self.session.renew();
            self.session.clear();
        }
        self.session.insert(key::TENANT, &*self.tenant)?;
        self.session.insert(key::OIDC_PENDING, pending)
    }

    /// The OpenID Connect sign-in under way, taken out (one attempt each; none from a
    /// session of another tenant).
    pub fn take_oidc_pending<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        if self.foreign {
            return None;
        }
        self.session.remove_as::<T>(key::OIDC_PENDING).and_then(Result::ok)
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    hex::encode(bytes)
}

/// Constant-time comparison of two tokens.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The CSRF protection of forms shown before sign-in (the persona form): a random token in
/// the form and in a cookie signed with the session key, compared on submission. No
/// server-side session is needed, and a cookie planted by a neighbouring site cannot pass:
/// it would not carry the portal's signature.
pub struct AnonymousCsrf;

impl AnonymousCsrf {
    /// The cookie's name.
    pub const COOKIE: &'static str = "agora_csrf";

    /// A fresh token, with the cookie to set on the form's response.
    pub fn issue(key: &Key, secure: bool) -> (String, Cookie<'static>) {
        let token = random_token();
        let mut jar = CookieJar::new();
        jar.signed_mut(key).add(
            Cookie::build(Self::COOKIE, token.clone())
                .path("/login")
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Strict)
                .max_age(actix_web::cookie::time::Duration::hours(1))
                .finish(),
        );
        let cookie = jar
            .get(Self::COOKIE)
            .cloned()
            .unwrap_or_else(|| Cookie::new(Self::COOKIE, ""));
        (token, cookie)
    }

    /// Whether `submitted` matches the signed cookie of `req`.
    pub fn check(req: &HttpRequest, key: &Key, submitted: &str) -> bool {
        let Some(cookie) = req.cookie(Self::COOKIE) else {
            return false;
        };
        let mut jar = CookieJar::new();
        jar.add_original(cookie);
        jar.signed(key)
            .get(Self::COOKIE)
            .is_some_and(|c| !submitted.is_empty() && same(c.value(), submitted))
    }
}

/// The page to go back to after sign-in, carried by a cookie during the round trip to the
/// sign-on server (validated again when read: never an open redirect).
pub struct ReturnPath;

impl ReturnPath {
    const COOKIE: &'static str = "agora_return";

    /// Remember `path` on `res`.
    pub fn keep(res: &mut HttpResponseBuilder, path: &str, secure: bool) {
        res.cookie(
            Cookie::build(Self::COOKIE, path.to_string())
                .path("/login")
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Lax)
                .max_age(actix_web::cookie::time::Duration::minutes(15))
                .finish(),
        );
    }

    /// The remembered path, `/` when none or not local.
    pub fn read(req: &HttpRequest) -> String {
        req.cookie(Self::COOKIE)
            .and_then(|c| crate::signon::safe_return_path(c.value()))
            .unwrap_or_else(|| "/".into())
    }

    /// Forget it on `res`.
    pub fn clear(res: &mut HttpResponseBuilder) {
        let mut gone = Cookie::build(Self::COOKIE, "").path("/login").finish();
        gone.make_removal();
        res.cookie(gone);
    }
}

/// The mark that CAS gateway was tried in this browser session (a cookie, so a guest who
/// keeps cookies is not sent round CAS on every visit, and no server session is opened).
pub struct GatewayTried;

impl GatewayTried {
    const COOKIE: &'static str = "agora_gateway";

    /// Whether it was tried.
    pub fn is_set(req: &HttpRequest) -> bool {
        req.cookie(Self::COOKIE).is_some()
    }

    /// Mark it on `res` (a browser-session cookie).
    pub fn set(res: &mut HttpResponseBuilder, secure: bool) {
        res.cookie(
            Cookie::build(Self::COOKIE, "1")
                .path("/")
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Lax)
                .finish(),
        );
    }
}
