//! Security headers on every response, and the request metrics.

use crate::config::PortalConfig;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, Next};
use std::time::Instant;

/// Content-Security-Policy of every response but `form-action`: no inline script, no plugin,
/// no framing.
const CSP_BASE: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; \
font-src 'self'; connect-src 'self'; object-src 'none'; frame-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// HSTS for a portal served over https: a year, subdomains left to the institution.
pub const HSTS: &str = "max-age=31536000";

/// The Content-Security-Policy for this configuration. Forms post to the portal only; when
/// sign-out goes on to CAS `/logout` or to the OIDC provider's end-session endpoint (on the
/// issuer's origin), that origin is allowed too, because browsers apply `form-action` to the
/// redirect that follows a form (the sign-out form's 303).
pub fn content_security_policy(config: &PortalConfig) -> String {
    let mut form_action = String::from("'self'");
    let sign_out_to = [
        (config.cas.logout_from_cas, &config.cas.server_url),
        (config.oidc.logout_from_provider, &config.oidc.issuer_url),
    ];
    for (on, base) in sign_out_to {
        if on
            && !base.is_empty()
            && let Ok(url) = url::Url::parse(base)
            && url.origin().is_tuple()
        {
            form_action.push(' ');
            form_action.push_str(&url.origin().ascii_serialization());
        }
    }
    format!("{CSP_BASE}; form-action {form_action}")
}

/// The headers every response carries: CSP, no sniffing, no framing, no referrer to other
/// sites, no powerful features, and HSTS when the public URL is https.
pub fn security_headers(config: &PortalConfig) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, content_security_policy(config)))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=()"));
    if config.secure_cookies() {
        headers.add((header::STRICT_TRANSPORT_SECURITY, HSTS))
    } else {
        headers
    }
}

/// The request id of a request: the one a reverse proxy set (`X-Request-Id`, when it is a
/// plain token), else a new random one.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_string)
        .unwrap_or_else(|| {
            let mut bytes = [0u8; 8];
            rand::fill(&mut bytes);
            hex::encode(bytes)
        })
}

/// Count every request by method, route and status, and time it; with `[log] access`, log
/// it (never its query string: it may carry a ticket) under its request id, which every log
/// line of the request carries and the answer returns as `X-Request-Id`.
pub async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    use tracing::Instrument;
    let started = Instant::now();
    let method = req.method().to_string();
    let state = super::Tenant::of(req.request()).filter(|s| s.config.log.access);
    let Some(state) = state else {
        let res = next
            .call(req)
            .await
            .inspect_err(|e| record_error(e, &method, started))?;
        record(&res, method, started);
        return Ok(res);
    };
    let id = request_id(&req);
    let path = req.path().to_string();
    let peer = super::throttle::client_address(req.request(), &state.config.server.trusted_proxies)
        .map(|a| a.to_string())
        .unwrap_or_default();
    let span = tracing::info_span!("request", id = %id);
    let mut res = match next.call(req).instrument(span).await {
        Ok(res) => res,
        Err(e) => {
            // An answer made below as an error (the shared store down): logged all the same.
            let status = e.as_response_error().status_code().as_u16();
            tracing::info!(target: "agora_portal::access", request_id = %id, method = %method, path = %path, status, ms = started.elapsed().as_millis() as u64, peer = %peer, "request");
            record_error(&e, &method, started);
            return Err(e);
        }
    };
    if let Ok(value) = header::HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), value);
    }
    tracing::info!(
        target: "agora_portal::access",
        request_id = %id,
        method = %method,
        path = %path,
        status = res.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        peer = %peer,
        "request"
    );
    record(&res, method, started);
    Ok(res)
}

/// The request metrics of an answer made as an error.
fn record_error(e: &actix_web::Error, method: &str, started: Instant) {
    let status = e.as_response_error().status_code().as_u16().to_string();
    metrics::counter!("agora_http_requests_total", "method" => method.to_string(), "route" => "unmatched", "status" => status)
        .increment(1);
    metrics::histogram!("agora_http_request_duration_seconds", "route" => "unmatched")
        .record(started.elapsed().as_secs_f64());
}

/// Put the headers of [`security_headers`] on `res` (an answer made as an error, which
/// the `DefaultHeaders` layer does not see).
pub fn secure(res: &mut actix_web::HttpResponse, config: &PortalConfig) {
    let h = res.headers_mut();
    let mut put = |name: header::HeaderName, value: &str| {
        if let Ok(v) = header::HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    put(header::CONTENT_SECURITY_POLICY, &content_security_policy(config));
    put(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    put(header::X_FRAME_OPTIONS, "DENY");
    put(header::REFERRER_POLICY, "same-origin");
    if config.secure_cookies() {
        put(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
}

/// The request metrics of `res`.
fn record<B>(res: &ServiceResponse<B>, method: String, started: Instant) {
    let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".into());
    let status = res.status().as_u16().to_string();
    let tenant = super::Tenant::of(res.request())
        .map(|t| t.tenant.to_string())
        .unwrap_or_default();
    metrics::counter!("agora_http_requests_total", "method" => method, "route" => route.clone(), "status" => status, "tenant" => tenant)
        .increment(1);
    metrics::histogram!("agora_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
}
#[cfg(test)]
mod tests {
    use super::content_security_policy;
    use crate::config::PortalConfig;

    #[test]
    fn forms_may_go_on_to_cas_logout_and_nowhere_else() {
        let mut config = PortalConfig::default();
        assert!(content_security_policy(&config).ends_with("; form-action 'self'"));
        config.cas.server_url = "https://cas.univ.fr/cas/".into();
        let csp = content_security_policy(&config);
        assert!(csp.ends_with("; form-action 'self' https://cas.univ.fr"), "{csp}");
        assert!(csp.contains("script-src 'self';") && csp.contains("frame-ancestors 'none'"));
        config.cas.logout_from_cas = false;
        assert!(content_security_policy(&config).ends_with("; form-action 'self'"));
        config.oidc.issuer_url = "https://idp.univ.fr:8443/realms/univ".into();
        let csp = content_security_policy(&config);
        assert!(csp.ends_with("; form-action 'self' https://idp.univ.fr:8443"), "{csp}");
    }
}
