//! `agora:channel/backend`: outbound HTTP, only to the back-ends the manifest declares and
//! the admin bound. The host resolves the name to the bound URL, keeps the request inside
//! it (refusing any segment a server could read as a way up: `..` however encoded,
//! `..;` for Tomcat, look-alike dots, control characters), attaches the credentials, and
//! enforces the request budget, timeout and size cap. Every call, granted or not, counts
//! against `limits.requests`.

use super::shape::{Capability, Getter, HasView, View, grant_error};
use crate::bindings::agora::channel0_1_0::backend::{self as wit, FetchError, Host, Method, Request, Response};
use crate::jwt::TokenCache;
use crate::ledger::quoted;
use crate::manifest::{ChannelManifest, ManifestError};
use crate::publication::{BackendAuth, BackendBinding, Publication};
use crate::secret::Secret;
use std::collections::BTreeSet;
use std::sync::Arc;
use url::Url;
use wasmtime::component::{Component, Linker};

/// Request headers a channel may not set: the host owns identity and routing.
const RESERVED_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie", "host", "forwarded"];

/// Mints CAS proxy tickets for the signed-in user (the portal holds the PGT; channels never
/// see it, nor a ticket for another back-end).
pub trait ProxyTicketIssuer: Send + Sync {
    /// A proxy ticket for `target_service`, or why not.
    fn issue<'a>(&'a self, target_service: &'a str) -> futures::future::BoxFuture<'a, Result<String, String>>;
}

/// The back-end capability.
pub struct Backend;

/// The back-ends a manifest declares.
#[derive(Debug, Clone)]
pub struct BackendGrant {
    declared: BTreeSet<String>,
    manifest_file: String,
}

/// What the portal provides for one render's back-end calls.
pub struct BackendHook {
    /// The shared HTTP client (no redirects followed).
    pub http: reqwest::Client,
    /// The publication, whose bindings give each name its URL and credentials.
    pub publication: Arc<Publication>,
    /// Proxy tickets for `auth = cas-proxy` bindings (none on the guest page).
    pub proxy_tickets: Option<Arc<dyn ProxyTicketIssuer>>,
    /// Application tokens for `auth = jwt` bindings, shared by every render.
    pub tokens: Arc<TokenCache>,
}

/// Per-render state of the back-end capability.
pub struct BackendState {
    grant: Arc<BackendGrant>,
    hook: BackendHook,
}

impl Capability for Backend {
    const INTERFACE: &'static str = "agora:channel/backend";
    type Grant = Arc<BackendGrant>;
    type Hook = BackendHook;
    type State = BackendState;

    fn grant(manifest: &ChannelManifest) -> Result<Arc<BackendGrant>, ManifestError> {
        for name in manifest.backends.keys() {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(grant_error(
                    manifest,
                    &format!("backends.{name}"),
                    "back-end names are made of letters, digits, '-' and '_'",
                ));
            }
        }
        Ok(Arc::new(BackendGrant {
            declared: manifest.backends.keys().cloned().collect(),
            manifest_file: manifest
                .source
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| "channel.toml".into()),
        }))
    }

    fn prepare(grant: &Arc<BackendGrant>, hook: BackendHook) -> BackendState {
        BackendState {
            grant: grant.clone(),
            hook,
        }
    }

    fn link<T: Send + 'static>(
        linker: &mut Linker<T>,
        _component: &Component,
        get: Getter<T, BackendState>,
    ) -> wasmtime::Result<()> {
        wit::add_to_linker::<T, HasView<BackendState>>(linker, get)
    }
}

/// Why a path is refused.
fn refused_path(path: &str, why: &str) -> String {
    format!("path `{}` {why}", quoted(path))
}

/// Check one path segment at every level of percent-decoding (a back-end may decode twice).
fn check_segment(segment: &str) -> Result<(), &'static str> {
    let mut current = segment.to_string();
    for _ in 0..4 {
        if current.chars().any(|c| c.is_control() || c == '\u{FFFD}') {
            return Err("contains a control character or invalid encoding");
        }
        if current.contains(['/', '\\']) {
            return Err("contains an encoded separator");
        }
        // Tomcat and other servlet containers drop `;params` from a segment: `..;x` is `..`.
        let name = current.split(';').next().unwrap_or("");
        let dots: String = name
            .chars()
            .map(|c| match c {
                '\u{FF0E}' | '\u{2024}' | '\u{FE52}' | '\u{3002}' | '\u{FF61}' => '.',
                other => other,
            })
            .collect();
        if !dots.is_empty() && dots.chars().all(|c| c == '.' || c == ' ') {
            return Err("tries to leave the back-end's base URL");
        }
        if name.len() != current.len() && name.is_empty() {
            return Err("has an empty segment with parameters");
        }
        let decoded = percent_decode(&current);
        if decoded == current {
            return Ok(());
        }
        current = decoded;
    }
    Err("is encoded too many times")
}

/// Build the URL for `path` under `base`, refusing anything that would leave it.
pub fn join_within(base: &Url, path: &str) -> Result<Url, String> {
    if path.is_empty() {
        return Ok(base.clone());
    }
    if !(path.starts_with('/') || path.starts_with('?')) {
        return Err(refused_path(path, "must be empty or start with '/' or '?'"));
    }
    if path.contains(['\\', '#']) || path.chars().any(char::is_control) || path.starts_with("//") {
        return Err(refused_path(path, "contains a forbidden character"));
    }
    let (route, _query) = path.split_once('?').unwrap_or((path, ""));
    for segment in route.split('/') {
        check_segment(segment).map_err(|why| refused_path(path, why))?;
    }
    let mut text = base.as_str().to_string();
    if base.query().is_some() && path.starts_with('?') {
        text.push('&');
        text.push_str(&path[1..]);
    } else if base.query().is_some() {
        return Err("the back-end URL has a query: only a `?…` suffix may be appended".into());
    } else if path.starts_with('/') && text.ends_with('/') {
        text.push_str(&path[1..]);
    } else {
        text.push_str(path);
    }
    let url = Url::parse(&text).map_err(|e| format!("{}: {e}", refused_path(path, "gives an invalid URL")))?;
    let same_origin = url.scheme() == base.scheme()
        && url.host() == base.host()
        && url.port_or_known_default() == base.port_or_known_default();
    if !same_origin || !url.path().starts_with(base.path().trim_end_matches('/')) {
        return Err(refused_path(path, "tries to leave the back-end's base URL"));
    }
    Ok(url)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn method(m: Method) -> reqwest::Method {
    match m {
        Method::Get => reqwest::Method::GET,
        Method::Head => reqwest::Method::HEAD,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
    }
}

fn classify(e: reqwest::Error) -> FetchError {
    if e.is_timeout() {
        FetchError::Timeout
    } else {
        // With its causes (reqwest's own text is only "error sending request"): an operator
        // reading the log learns it was the certificate, the DNS, a refused connection…
        let e = e.without_url();
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text.truncate(text.floor_char_boundary(400));
        FetchError::Unavailable(text)
    }
}

impl View<'_, BackendState> {
    fn refuse(&mut self, err: FetchError) -> FetchError {
        if let FetchError::NotGranted(m) | FetchError::InvalidRequest(m) = &err {
            self.ledger.refuse(m);
        }
        err
    }

    /// A token the host could not obtain: said to the channel as an outage (without the
    /// account), with the reason (which names the account, never its password) in the host's
    /// log.
    fn token_refused(&mut self, e: &crate::jwt::TokenError) -> FetchError {
        self.ledger
            .host_line(&format!("cannot obtain an application token: {e}"));
        FetchError::Unavailable(e.for_channel())
    }

    async fn perform(&mut self, binding: &BackendBinding, req: Request) -> Result<Response, FetchError> {
        let mut url = join_within(&binding.url, &req.path).map_err(|m| self.refuse(FetchError::InvalidRequest(m)))?;
        if let BackendAuth::CasProxy { service } = &binding.auth {
            let target = service.as_ref().unwrap_or(&binding.url).to_string();
            let Some(issuer) = self.state.hook.proxy_tickets.clone() else {
                return Err(FetchError::Unavailable(
                    "no CAS proxy ticket can be obtained for this user (not signed in with CAS)".into(),
                ));
            };
            let ticket = issuer.issue(&target).await.map_err(|e| {
                self.ledger.host_line(&format!("cannot obtain a proxy ticket: {e}"));
                FetchError::Unavailable("the CAS server refused a proxy ticket".into())
            })?;
            url.query_pairs_mut().append_pair("ticket", &ticket);
        }
        let limits = self.ledger.limits().clone();
        let timeout = binding.timeout(limits.request_timeout_ms);
        for name in req.headers.iter().map(|(name, _)| name) {
            let lower = name.to_ascii_lowercase();
            if RESERVED_HEADERS.contains(&lower.as_str()) || lower.starts_with("x-forwarded") {
                return Err(self.refuse(FetchError::InvalidRequest(format!(
                    "header `{}` is reserved to the portal",
                    quoted(name)
                ))));
            }
        }
        let http = self.state.hook.http.clone();
        let send = |token: Option<&Secret>| {
            let mut builder = http.request(method(req.method), url.clone()).timeout(timeout);
            for (name, value) in &req.headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            builder = match &binding.auth {
                BackendAuth::None | BackendAuth::CasProxy { .. } => builder,
                BackendAuth::Basic { username, password } => builder.basic_auth(username, Some(password.expose())),
                BackendAuth::Bearer { token } => builder.bearer_auth(token.expose()),
                BackendAuth::Header { name, value } => builder.header(name.as_str(), value.expose()),
                BackendAuth::Jwt(_) => match token {
                    Some(t) => builder.bearer_auth(t.expose()),
                    None => builder,
                },
            };
            if let Some(body) = &req.body {
                builder = builder.body(body.clone());
            }
            builder.send()
        };
        let mut resp = match &binding.auth {
            BackendAuth::Jwt(jwt) => {
                let tokens = self.state.hook.tokens.clone();
                let token = tokens.token(&http, jwt, timeout, None).await;
                let token = token.map_err(|e| self.token_refused(&e))?;
                let resp = send(Some(&token)).await.map_err(classify)?;
                // Pégase answers 401 without a valid token and 403 for an expired one: one
                // fresh token, one more try (not for a 403 on a token just obtained: that is
                // the account's rights, and the token service is not asked again for it).
                let status = resp.status().as_u16();
                if matches!(status, 401 | 403) {
                    let fresh = tokens.token(&http, jwt, timeout, Some((&token, status))).await;
                    let fresh = fresh.map_err(|e| self.token_refused(&e))?;
                    if fresh == token {
                        resp
                    } else {
                        send(Some(&fresh)).await.map_err(classify)?
                    }
                } else {
                    resp
                }
            }
            _ => send(None).await.map_err(classify)?,
        };
        let cap = limits.response_bytes as usize;
        if resp.content_length().is_some_and(|l| l as usize > cap) {
            return Err(FetchError::TooLarge);
        }
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(n, v)| v.to_str().ok().map(|v| (n.as_str().to_string(), v.to_string())))
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(classify)? {
            if body.len() + chunk.len() > cap {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response { status, headers, body })
    }
}

impl Host for View<'_, BackendState> {
    async fn fetch(&mut self, req: Request) -> Result<Response, FetchError> {
        if self.ledger.take_request().is_err() {
            return Err(FetchError::BudgetExhausted);
        }
        if !self.state.grant.declared.contains(&req.backend) {
            let hint = format!(
                "back-end `{}` is not declared: add `[backends.{}]` to {}",
                quoted(&req.backend),
                quoted(&req.backend),
                self.state.grant.manifest_file
            );
            return Err(self.refuse(FetchError::NotGranted(hint)));
        }
        let Some(binding) = self.state.hook.publication.backends.get(&req.backend).cloned() else {
            let msg = format!(
                "back-end `{}` is not bound for publication `{}` in channels.toml",
                req.backend, self.state.hook.publication.id
            );
            return Err(self.refuse(FetchError::NotGranted(msg)));
        };
        let backend = req.backend.clone();
        // The HTTP exchange (TLS, decompression, reading the body) is the host's CPU.
        let cpu = self.ledger.cpu();
        let result = crate::cpu::Unmetered::new(self.perform(&binding, req), cpu).await;
        let outcome = match &result {
            Ok(r) if r.status < 400 => "ok",
            Ok(_) => "http_error",
            Err(FetchError::Timeout) => "timeout",
            Err(FetchError::TooLarge) => "too_large",
            Err(_) => "error",
        };
        metrics::counter!("agora_backend_requests_total", "channel" => self.ledger.channel().to_string(), "backend" => backend, "outcome" => outcome).increment(1);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn paths_are_appended_to_the_base() {
        let b = base("http://127.0.0.1:8080/feeds/");
        assert_eq!(join_within(&b, "").unwrap().as_str(), "http://127.0.0.1:8080/feeds/");
        assert_eq!(
            join_within(&b, "/campus.xml?x=1").unwrap().as_str(),
            "http://127.0.0.1:8080/feeds/campus.xml?x=1"
        );
        assert_eq!(
            join_within(&b, "/a..b/c.d/%C3%A9t%C3%A9.xml").unwrap().as_str(),
            "http://127.0.0.1:8080/feeds/a..b/c.d/%C3%A9t%C3%A9.xml"
        );
        let b = base("http://h/cal.jsp?projectId=4");
        assert_eq!(
            join_within(&b, "?resources=12").unwrap().as_str(),
            "http://h/cal.jsp?projectId=4&resources=12"
        );
    }

    #[test]
    fn paths_cannot_escape_the_base() {
        let b = base("http://127.0.0.1:8080/feeds");
        for evil in [
            "/../admin",
            "/%2e%2e/admin",
            "/%2E%2E/admin",
            "//evil.example/",
            "http://evil.example/",
            "@evil.example",
            "/a\\..\\b",
            "/x#frag",
            "/a%2f..%2fb",
        ] {
            assert!(join_within(&b, evil).is_err(), "{evil} must be refused");
        }
    }

    #[test]
    fn paths_a_lenient_back_end_would_read_as_a_way_up_are_refused() {
        let b = base("http://127.0.0.1:8080/app/feeds");
        for evil in [
            "/%252e%252e/admin",
            "/%25252e%25252e/admin",
            "/%252E%252e%252fadmin",
            "/..;/admin",
            "/..;jsessionid=x/admin",
            "/.;/admin",
            "/%2e%2e;/admin",
            "/%09/admin",
            "/a%0a/admin",
            "/a%00b",
            "/\u{FF0E}\u{FF0E}/admin",
            "/%EF%BC%8E%EF%BC%8E/admin",
            "/\u{2024}\u{2024}/admin",
            "/.../admin",
            "/%c0%ae%c0%ae/admin",
            "/%255c..%255cadmin",
        ] {
            let got = join_within(&b, evil);
            assert!(got.is_err(), "{evil} must be refused, got {got:?}");
        }
    }

    #[test]
    fn refusals_quote_a_long_path_briefly() {
        let b = base("http://127.0.0.1:8080/feeds");
        let err = join_within(&b, &format!("/../{}", "x".repeat(1 << 20))).unwrap_err();
        assert!(err.len() < 200, "{} bytes", err.len());
    }
}
