//! `agora:channel/backend`: outbound HTTP, only to the back-ends the manifest declares and
//! the admin bound. The host resolves the name to the bound URL, keeps the request inside
//! it, attaches the credentials, and enforces the request budget, timeout and size cap.

use crate::bindings::agora::channel::backend::{FetchError, Host, Method, Request, Response};
use crate::publication::{BackendAuth, BackendBinding};
use crate::render::RenderState;
use std::time::Instant;
use url::Url;

/// Request headers a channel may not set: the host owns identity and routing.
const RESERVED_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie", "host", "forwarded"];

/// Build the URL for `path` under `base`, refusing anything that would leave it.
pub fn join_within(base: &Url, path: &str) -> Result<Url, String> {
    if path.is_empty() {
        return Ok(base.clone());
    }
    if !(path.starts_with('/') || path.starts_with('?')) {
        return Err(format!("path `{path}` must be empty or start with '/' or '?'"));
    }
    if path.contains(['\\', '#']) || path.chars().any(char::is_control) || path.starts_with("//") {
        return Err(format!("path `{path}` contains a forbidden character"));
    }
    let (route, _query) = path.split_once('?').unwrap_or((path, ""));
    for segment in route.split('/') {
        let decoded = percent_decode(segment).to_ascii_lowercase();
        if decoded == ".." || decoded == "." || decoded.contains('/') || decoded.contains('\\') {
            return Err(format!("path `{path}` tries to leave the back-end's base URL"));
        }
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
    let url = Url::parse(&text).map_err(|e| format!("path `{path}` gives an invalid URL: {e}"))?;
    let same_origin = url.scheme() == base.scheme()
        && url.host() == base.host()
        && url.port_or_known_default() == base.port_or_known_default();
    if !same_origin || !url.path().starts_with(base.path().trim_end_matches('/')) {
        return Err(format!("path `{path}` tries to leave the back-end's base URL"));
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

impl RenderState {
    fn refuse(&mut self, err: FetchError) -> FetchError {
        let text = match &err {
            FetchError::NotGranted(m) | FetchError::InvalidRequest(m) => m.clone(),
            FetchError::BudgetExhausted => {
                format!("more than {} back-end requests", self.limits.requests)
            }
            other => format!("{other:?}"),
        };
        tracing::warn!(channel = %self.manifest.channel.id, publication = %self.publication.id, "back-end request refused: {text}");
        self.refusals.push(text);
        err
    }

    async fn perform(&mut self, binding: &BackendBinding, req: Request) -> Result<Response, FetchError> {
        let mut url = join_within(&binding.url, &req.path).map_err(|m| self.refuse(FetchError::InvalidRequest(m)))?;
        if let BackendAuth::CasProxy { service } = &binding.auth {
            let target = service.as_ref().unwrap_or(&binding.url).to_string();
            let Some(issuer) = self.proxy_tickets.clone() else {
                return Err(FetchError::Unavailable(
                    "no CAS proxy ticket can be obtained for this user (not signed in with CAS)".into(),
                ));
            };
            let ticket = issuer.issue(&target).await.map_err(|e| {
                tracing::warn!(channel = %self.manifest.channel.id, "cannot obtain a proxy ticket: {e}");
                FetchError::Unavailable("the CAS server refused a proxy ticket".into())
            })?;
            url.query_pairs_mut().append_pair("ticket", &ticket);
        }
        let mut builder = self
            .http
            .request(method(req.method), url)
            .timeout(binding.timeout(self.limits.request_timeout_ms));
        for (name, value) in &req.headers {
            let lower = name.to_ascii_lowercase();
            if RESERVED_HEADERS.contains(&lower.as_str()) || lower.starts_with("x-forwarded") {
                return Err(self.refuse(FetchError::InvalidRequest(format!(
                    "header `{name}` is reserved to the portal"
                ))));
            }
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder = match &binding.auth {
            BackendAuth::None | BackendAuth::CasProxy { .. } => builder,
            BackendAuth::Basic { username, password } => builder.basic_auth(username, Some(password.expose())),
            BackendAuth::Bearer { token } => builder.bearer_auth(token.expose()),
            BackendAuth::Header { name, value } => builder.header(name.as_str(), value.expose()),
        };
        if let Some(body) = req.body {
            builder = builder.body(body);
        }
        let mut resp = builder.send().await.map_err(classify)?;
        let cap = self.limits.response_bytes as usize;
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

fn classify(e: reqwest::Error) -> FetchError {
    if e.is_timeout() {
        FetchError::Timeout
    } else {
        FetchError::Unavailable(e.without_url().to_string())
    }
}

impl Host for RenderState {
    async fn fetch(&mut self, req: Request) -> Result<Response, FetchError> {
        if !self.manifest.backends.contains_key(&req.backend) {
            let hint = self.manifest.missing_backend_hint(&req.backend);
            return Err(self.refuse(FetchError::NotGranted(hint)));
        }
        let Some(binding) = self.publication.backends.get(&req.backend).cloned() else {
            let msg = format!(
                "back-end `{}` is not bound for publication `{}` in channels.toml",
                req.backend, self.publication.id
            );
            return Err(self.refuse(FetchError::NotGranted(msg)));
        };
        if self.requests_made >= self.limits.requests {
            return Err(self.refuse(FetchError::BudgetExhausted));
        }
        self.requests_made += 1;
        let started = Instant::now();
        let backend = req.backend.clone();
        let result = self.perform(&binding, req).await;
        self.host_wait += started.elapsed();
        let outcome = match &result {
            Ok(r) if r.status < 400 => "ok",
            Ok(_) => "http_error",
            Err(FetchError::Timeout) => "timeout",
            Err(FetchError::TooLarge) => "too_large",
            Err(_) => "error",
        };
        metrics::counter!("agora_backend_requests_total", "channel" => self.manifest.channel.id.clone(), "backend" => backend, "outcome" => outcome).increment(1);
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
}
