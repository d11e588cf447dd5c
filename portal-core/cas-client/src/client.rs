//! The HTTP side: URLs to send browsers to, and back-channel calls to the CAS server.

use crate::response::{Validation, parse_proxy_response, parse_validation};
use crate::{CasError, MAX_DOCUMENT_BYTES};
use std::time::Duration;
use url::Url;

/// Options of a `/login` redirect.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginOptions {
    /// Force the user to enter credentials again (no single sign-on).
    pub renew: bool,
    /// Never show a login form: come back without a ticket when there is no CAS session.
    pub gateway: bool,
}

/// A CAS 3.0 client for one CAS server.
#[derive(Debug, Clone)]
pub struct CasClient {
    server: Url,
    http: reqwest::Client,
    timeout: Duration,
}

/// Whether `ticket` looks like a CAS service or proxy ticket (checked before any request,
/// so nothing odd is ever forwarded to the CAS server).
pub fn is_ticket(ticket: &str) -> bool {
    (ticket.starts_with("ST-") || ticket.starts_with("PT-"))
        && ticket.len() <= 256
        && ticket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
}

impl CasClient {
    /// A client for the CAS server whose base URL is `server_url` (e.g. `https://cas.univ.fr/cas/`).
    pub fn new(server_url: &str, http: reqwest::Client) -> Result<Self, CasError> {
        let mut server = Url::parse(server_url).map_err(|e| CasError::InvalidUrl(format!("{server_url}: {e}")))?;
        if !matches!(server.scheme(), "http" | "https") {
            return Err(CasError::InvalidUrl(format!("{server_url}: not http(s)")));
        }
        if !server.path().ends_with('/') {
            let p = format!("{}/", server.path());
            server.set_path(&p);
        }
        Ok(CasClient {
            server,
            http,
            timeout: Duration::from_secs(5),
        })
    }

    /// Use `timeout` for back-channel calls (default 5 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn endpoint(&self, path: &str, params: &[(&str, &str)]) -> Url {
        let mut url = self.server.join(path).unwrap_or_else(|_| self.server.clone());
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
        url
    }

    /// Where to send the browser to sign in for `service`.
    pub fn login_url(&self, service: &str, options: LoginOptions) -> Url {
        let mut params = vec![("service", service)];
        if options.renew {
            params.push(("renew", "true"));
        }
        if options.gateway {
            params.push(("gateway", "true"));
        }
        self.endpoint("login", &params)
    }

    /// Where to send the browser to sign out of CAS, optionally coming back to `service`.
    pub fn logout_url(&self, service: Option<&str>) -> Url {
        match service {
            Some(s) => self.endpoint("logout", &[("service", s)]),
            None => self.endpoint("logout", &[]),
        }
    }

    async fn get(&self, url: Url) -> Result<String, CasError> {
        let res = self
            .http
            .get(url)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| CasError::Unreachable(e.without_url().to_string()))?;
        if !res.status().is_success() {
            return Err(CasError::Unreachable(format!("HTTP {}", res.status())));
        }
        if res.content_length().is_some_and(|l| l as usize > MAX_DOCUMENT_BYTES) {
            return Err(CasError::TooLarge(MAX_DOCUMENT_BYTES));
        }
        let mut res = res;
        let mut body = Vec::new();
        while let Some(chunk) = res
            .chunk()
            .await
            .map_err(|e| CasError::Unreachable(e.without_url().to_string()))?
        {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(CasError::TooLarge(MAX_DOCUMENT_BYTES));
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body).map_err(|_| CasError::Malformed("response is not UTF-8".into()))
    }

    /// Validate a service ticket at `/p3/serviceValidate` (or a proxy ticket at
    /// `/p3/proxyValidate`). With `pgt_url`, ask for a proxy-granting ticket: the CAS server
    /// calls `pgt_url` with the PGT before answering, and the answer carries its IOU.
    pub async fn validate(&self, service: &str, ticket: &str, pgt_url: Option<&str>) -> Result<Validation, CasError> {
        if !is_ticket(ticket) {
            return Err(CasError::NotATicket);
        }
        let path = if ticket.starts_with("PT-") {
            "p3/proxyValidate"
        } else {
            "p3/serviceValidate"
        };
        let mut params = vec![("service", service), ("ticket", ticket)];
        if let Some(p) = pgt_url {
            params.push(("pgtUrl", p));
        }
        let body = self.get(self.endpoint(path, &params)).await?;
        parse_validation(&body)
    }

    /// Obtain a proxy ticket for `target_service` with a proxy-granting ticket.
    pub async fn proxy_ticket(&self, pgt: &str, target_service: &str) -> Result<String, CasError> {
        let body = self
            .get(self.endpoint("proxy", &[("pgt", pgt), ("targetService", target_service)]))
            .await?;
        parse_proxy_response(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_and_logout_urls() {
        let c = CasClient::new("https://cas.univ.fr/cas", reqwest::Client::new()).expect("client");
        assert_eq!(
            c.login_url("https://ent.univ.fr/login/cas", LoginOptions::default())
                .as_str(),
            "https://cas.univ.fr/cas/login?service=https%3A%2F%2Fent.univ.fr%2Flogin%2Fcas"
        );
        let u = c.login_url(
            "https://ent.univ.fr/login/cas",
            LoginOptions {
                renew: true,
                gateway: true,
            },
        );
        assert!(u.as_str().ends_with("&renew=true&gateway=true"));
        assert_eq!(c.logout_url(None).as_str(), "https://cas.univ.fr/cas/logout");
    }

    #[test]
    fn tickets_are_checked_before_any_request() {
        assert!(is_ticket("ST-12-abcDEF-cas01.univ.fr"));
        assert!(is_ticket("PT-1-x"));
        for bad in [
            "",
            "TGT-1",
            "ST-1&renew=true",
            "ST-1 x",
            "ST-é",
            &format!("ST-{}", "a".repeat(300)),
        ] {
            assert!(!is_ticket(bad), "{bad}");
        }
    }
}
