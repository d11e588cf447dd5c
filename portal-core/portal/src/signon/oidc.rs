//! Sign-on with OpenID Connect: authorization code flow with PKCE, `state` and `nonce`
//! checked, ID token verified against the provider's keys, claims mapped to attributes by
//! configuration. Provider metadata is discovered on first use (and retried after a failure),
//! so a provider that is down at start-up does not stop the portal. Sign-out goes on to the
//! provider's `end_session_endpoint` when it has one (RP-initiated logout 1.0).

use crate::config::OidcConfig;
use agora_channel_host::Attributes;
use base64::Engine;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdToken};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndSessionUrl, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IssuerUrl, LogoutRequest, Nonce, PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl,
    ProviderMetadataWithLogout, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};

/// Path the provider redirects back to.
pub const REDIRECT_PATH: &str = "login/oidc";

type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// Why an OIDC sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// Discovery or the token endpoint failed.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    /// `state` does not match the one sent (forged or stale callback).
    #[error("state mismatch")]
    State,
    /// The ID token is missing, badly signed, for another client, or its nonce is wrong.
    #[error("ID token refused: {0}")]
    IdToken(String),
    /// The login claim is missing.
    #[error("claim `{0}` missing from the ID token")]
    MissingLogin(String),
}

/// Who signed in.
#[derive(Debug)]
pub struct OidcIdentity {
    /// The portal login (the configured login claim).
    pub login: String,
    /// Attributes mapped from the claims.
    pub attributes: Attributes,
    /// The ID token as received, kept to name the session at sign-out (`id_token_hint`).
    pub id_token: String,
}

/// The discovered provider.
struct Provider {
    client: Client,
    end_session: Option<EndSessionUrl>,
}

/// What is kept in the session between the redirect and the callback.
#[derive(Debug, Serialize, Deserialize)]
pub struct PendingLogin {
    state: String,
    nonce: String,
    pkce_verifier: String,
}

/// The provider, for one portal.
pub struct OidcSignOn {
    config: OidcConfig,
    redirect: String,
    http: reqwest::Client,
    provider: tokio::sync::OnceCell<Provider>,
}

impl OidcSignOn {
    /// From configuration; `None` when OIDC is off.
    pub fn from_config(config: &OidcConfig, public_url: &str, trust: &crate::tls::Trust) -> Option<Self> {
        if config.issuer_url.is_empty() {
            return None;
        }
        let http = trust
            .http(reqwest::Client::builder())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_millis(config.timeout_ms))
            .build()
            .ok()?;
        Some(OidcSignOn {
            config: config.clone(),
            redirect: format!("{public_url}{REDIRECT_PATH}"),
            http,
            provider: tokio::sync::OnceCell::new(),
        })
    }

    async fn provider(&self) -> Result<&Provider, OidcError> {
        self.provider
            .get_or_try_init(|| async {
                let issuer = IssuerUrl::new(self.config.issuer_url.clone())
                    .map_err(|e| OidcError::Unavailable(e.to_string()))?;
                let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
                    .await
                    .map_err(|e| OidcError::Unavailable(format!("discovery: {e}")))?;
                let end_session = metadata.additional_metadata().end_session_endpoint.clone();
                let secret = (!self.config.client_secret.is_empty())
                    .then(|| ClientSecret::new(self.config.client_secret.expose().to_string()));
                let redirect =
                    RedirectUrl::new(self.redirect.clone()).map_err(|e| OidcError::Unavailable(e.to_string()))?;
                let client =
                    CoreClient::from_provider_metadata(metadata, ClientId::new(self.config.client_id.clone()), secret)
                        .set_redirect_uri(redirect);
                Ok(Provider { client, end_session })
            })
            .await
    }

    /// Where to send the browser at sign-out to end the provider's session too, coming back
    /// to `after` (register it as a post-logout redirect URI): `None` when
    /// `logout_from_provider` is off, the provider has no `end_session_endpoint`, or it cannot
    /// be reached.
    pub async fn logout_url(&self, id_token: Option<&str>, after: &str) -> Option<String> {
        if !self.config.logout_from_provider {
            return None;
        }
        let provider = match self.provider().await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!("OIDC sign-out stays local: {e}");
                return None;
            }
        };
        let mut request = LogoutRequest::from(provider.end_session.clone()?)
            .set_client_id(ClientId::new(self.config.client_id.clone()));
        if let Ok(after) = PostLogoutRedirectUrl::new(after.to_string()) {
            request = request.set_post_logout_redirect_uri(after);
        }
        if let Some(token) = id_token.and_then(|t| t.parse::<CoreIdToken>().ok()) {
            request = request.set_id_token_hint(&token);
        }
        Some(request.http_get_url().to_string())
    }

    /// The authorization URL to send the browser to, and what to keep in the session.
    pub async fn start(&self) -> Result<(String, PendingLogin), OidcError> {
        let client = &self.provider().await?.client;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in &self.config.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let pending = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        };
        Ok((url.to_string(), pending))
    }

    /// Finish the flow: check `state`, exchange `code`, verify the ID token and its nonce,
    /// map claims.
    pub async fn finish(&self, pending: PendingLogin, state: &str, code: &str) -> Result<OidcIdentity, OidcError> {
        if pending.state.len() != state.len()
            || pending
                .state
                .bytes()
                .zip(state.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                != 0
        {
            return Err(OidcError::State);
        }
        let client = &self.provider().await?.client;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| OidcError::Unavailable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::Unavailable(format!("token endpoint: {e}")))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| OidcError::IdToken("no ID token in the answer".into()))?;
        id_token
            .claims(&client.id_token_verifier(), &Nonce::new(pending.nonce))
            .map_err(|e| OidcError::IdToken(e.to_string()))?;
        // Verified above: read every claim from the payload for the configured mapping.
        let claims = payload_claims(&id_token.to_string()).map_err(OidcError::IdToken)?;
        let login = claims
            .get(&self.config.login_claim)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| OidcError::MissingLogin(self.config.login_claim.clone()))?
            .to_string();
        let mut attributes = Attributes::new();
        for (claim, attribute) in &self.config.claims {
            let values: Vec<String> = match claims.get(claim) {
                Some(serde_json::Value::String(s)) => vec![s.clone()],
                Some(serde_json::Value::Array(items)) => {
                    items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()
                }
                Some(serde_json::Value::Bool(b)) => vec![b.to_string().to_uppercase()],
                Some(serde_json::Value::Number(n)) => vec![n.to_string()],
                _ => continue,
            };
            if !values.is_empty() {
                attributes.insert(attribute.clone(), values);
            }
        }
        Ok(OidcIdentity {
            login,
            attributes,
            id_token: id_token.to_string(),
        })
    }
}

fn payload_claims(jwt: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let payload = jwt.split('.').nth(1).ok_or("not a JWT")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| format!("payload: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("payload: {e}"))
}
