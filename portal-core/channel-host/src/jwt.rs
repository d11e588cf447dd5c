//! Application JWTs for back-ends bound with `auth = { type = "jwt", … }` (Pégase's REST
//! services, among others): the host obtains the token with the documented call — a CAS REST
//! `POST {token_url}` with the form `username`, `password`, `token=true`, the JWT in the
//! body — keeps it until shortly before its `exp` (read from the payload, never verified:
//! the back-end verifies it), and sends it as `Authorization: Bearer …`. One token per
//! application account is shared by every render and publication; the channel never sees
//! it, nor the account's password.

use crate::publication::JwtAuth;
use crate::secret::Secret;
use base64::Engine as _;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Lifetime assumed for a token whose payload has no `exp`, unless the binding says.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// A token is renewed this long before it expires (or at half its life, if shorter).
const RENEW_MARGIN: Duration = Duration::from_secs(60);
/// A 403 on a token younger than this is about the account's rights, not the token's age:
/// the token is not renewed for it (the token service is not asked on every render).
const FRESH: Duration = Duration::from_secs(60);
/// Longest answer read from the token service.
const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// Why no token could be obtained. The texts name the token service's answer, never the
/// credentials.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    /// The token service refused the application account (HTTP 400, 401 or 403).
    #[error(
        "the token service refused the application account `{username}` (HTTP {status}): check its user name and password"
    )]
    Refused {
        /// The account's user name.
        username: String,
        /// The HTTP status.
        status: u16,
    },
    /// The token service did not answer, or answered an error.
    #[error("the token service is unavailable: {0}")]
    Unavailable(String),
    /// The token service answered something that is not a JWT.
    #[error("the token service's answer is not a JWT ({0})")]
    NotAJwt(&'static str),
}

impl TokenError {
    /// What the channel is told: the same without the account's name (the host's log has it).
    pub fn for_channel(&self) -> String {
        match self {
            TokenError::Refused { status, .. } => {
                format!("the token service refused the application account (HTTP {status})")
            }
            other => other.to_string(),
        }
    }
}

/// One cached token.
#[derive(Clone)]
struct Cached {
    token: Secret,
    obtained: Instant,
    renew_at: Instant,
}

/// The application tokens of the host, per token service and account. Cheap to share.
#[derive(Default)]
pub struct TokenCache {
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Cached>>>>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.slots.lock().map(|s| s.len()).unwrap_or(0);
        f.debug_struct("TokenCache").field("accounts", &n).finish()
    }
}

/// The cache key of an account: its token service, user name and a digest of its password
/// (a changed password is another account; the password itself is never kept in a key).
fn key(auth: &JwtAuth) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(auth.token_url.as_str());
    h.update([0]);
    h.update(&auth.username);
    h.update([0]);
    h.update(auth.password.expose());
    hex::encode(h.finalize())
}

/// Seconds since the Unix epoch of the JWT's `exp` claim, if it has one (not verified).
pub fn expiry(jwt: &str) -> Option<i64> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = &claims["exp"];
    exp.as_i64().or_else(|| exp.as_f64().map(|f| f as i64))
}

/// When a token received now should be renewed.
fn renew_at(jwt: &str, fallback: Duration) -> Instant {
    let now_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let life = match expiry(jwt) {
        Some(exp) => Duration::from_secs(u64::try_from(exp - now_unix).unwrap_or(0)),
        None => fallback,
    };
    Instant::now() + life.saturating_sub(RENEW_MARGIN.min(life / 2))
}

/// Check the token service's answer looks like a JWT (three base64url parts).
fn check_shape(text: &str) -> Result<(), TokenError> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 3 || parts[..2].iter().any(|p| p.is_empty()) {
        return Err(TokenError::NotAJwt("not three dot-separated parts"));
    }
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=');
    if !parts.iter().all(|p| p.chars().all(ok)) {
        return Err(TokenError::NotAJwt("characters outside base64url"));
    }
    Ok(())
}

impl TokenCache {
    /// A token for `auth`: the cached one while it is fresh, else a new one. With
    /// `rejected`, the back-end refused that token with that HTTP status: a new one is
    /// fetched unless another render already replaced it, or unless the status is 403 and
    /// the token was obtained in the last minute (then the same token comes back: the
    /// account lacks the rights, a new token would not help).
    pub async fn token(
        &self,
        http: &reqwest::Client,
        auth: &JwtAuth,
        timeout: Duration,
        rejected: Option<(&Secret, u16)>,
    ) -> Result<Secret, TokenError> {
        let slot = {
            let mut slots = self
                .slots
                .lock()
                .map_err(|_| TokenError::Unavailable("the token cache is poisoned".into()))?;
            slots.entry(key(auth)).or_default().clone()
        };
        // One token call at a time per account: concurrent renders wait for it.
        let mut cached = slot.lock().await;
        if let Some(c) = cached.as_ref() {
            let keep = match rejected {
                None => Instant::now() < c.renew_at,
                // Another render replaced it already.
                Some((token, _)) if token != &c.token => true,
                Some((_, status)) => status == 403 && c.obtained.elapsed() < FRESH,
            };
            if keep {
                return Ok(c.token.clone());
            }
        }
        *cached = None;
        let token = fetch(http, auth, timeout).await?;
        let fallback = auth
            .lifetime_seconds
            .map_or(DEFAULT_LIFETIME, |s| Duration::from_secs(u64::from(s)));
        *cached = Some(Cached {
            obtained: Instant::now(),
            renew_at: renew_at(token.expose(), fallback),
            token: token.clone(),
        });
        Ok(token)
    }
}

/// The documented token call.
async fn fetch(http: &reqwest::Client, auth: &JwtAuth, timeout: Duration) -> Result<Secret, TokenError> {
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("username", &auth.username)
        .append_pair("password", auth.password.expose())
        .append_pair("token", "true")
        .finish();
    let mut resp = http
        .post(auth.token_url.clone())
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/plain, application/jwt, */*")
        .timeout(timeout)
        .body(form)
        .send()
        .await
        .map_err(|e| {
            let e = e.without_url();
            let mut text = if e.is_timeout() {
                "no answer in time".to_string()
            } else {
                e.to_string()
            };
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            TokenError::Unavailable(text)
        })?;
    let status = resp.status().as_u16();
    if matches!(status, 400 | 401 | 403) {
        return Err(TokenError::Refused {
            username: auth.username.clone(),
            status,
        });
    }
    if !resp.status().is_success() {
        return Err(TokenError::Unavailable(format!("HTTP {status}")));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| TokenError::Unavailable(e.without_url().to_string()))?
    {
        if body.len() + chunk.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::NotAJwt("longer than 64 KiB"));
        }
        body.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(body).map_err(|_| TokenError::NotAJwt("not UTF-8"))?;
    let text = text.trim();
    check_shape(text)?;
    Ok(Secret::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.c2ln", b("{\"alg\":\"RS256\"}"), b(claims))
    }

    #[test]
    fn the_expiry_is_read_from_the_payload_without_verifying_it() {
        assert_eq!(
            expiry(&jwt("{\"sub\":\"ent\",\"exp\":1900000000}")),
            Some(1_900_000_000)
        );
        assert_eq!(expiry(&jwt("{\"exp\":1900000000.5}")), Some(1_900_000_000));
        assert_eq!(expiry(&jwt("{\"sub\":\"ent\"}")), None);
        assert_eq!(expiry("not-a-jwt"), None);
        assert_eq!(expiry("a.%%%.c"), None);
        assert_eq!(expiry(&format!("a.{}.c", "e30")), None, "{{}}: no exp");
    }

    #[test]
    fn a_token_is_renewed_before_it_expires() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let hour = renew_at(&jwt(&format!("{{\"exp\":{}}}", now + 3600)), DEFAULT_LIFETIME);
        let left = hour.saturating_duration_since(Instant::now());
        assert!(
            left > Duration::from_secs(3400) && left <= Duration::from_secs(3540),
            "{left:?}"
        );
        let short = renew_at(&jwt(&format!("{{\"exp\":{}}}", now + 20)), DEFAULT_LIFETIME);
        assert!(short.saturating_duration_since(Instant::now()) <= Duration::from_secs(10));
        let expired = renew_at(&jwt(&format!("{{\"exp\":{}}}", now - 20)), DEFAULT_LIFETIME);
        assert!(expired <= Instant::now());
        let no_exp = renew_at(&jwt("{}"), Duration::from_secs(600));
        let left = no_exp.saturating_duration_since(Instant::now());
        assert!(
            left > Duration::from_secs(500) && left <= Duration::from_secs(540),
            "{left:?}"
        );
    }

    #[test]
    fn only_jwt_shaped_answers_are_tokens() {
        assert!(check_shape(&jwt("{}")).is_ok());
        for bad in ["", "TGT-1-abc", "a.b", "<html>x.y.z</html>", "a..c", "a.b.c.d"] {
            assert!(check_shape(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_name_the_account_never_the_password() {
        let e = TokenError::Refused {
            username: "agora-ent".into(),
            status: 401,
        };
        assert!(e.to_string().contains("agora-ent") && e.to_string().contains("401"));
        assert!(!e.for_channel().contains("agora-ent") && e.for_channel().contains("401"));
    }
}
