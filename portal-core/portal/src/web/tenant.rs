//! Which tenant a request is for, decided once, before anything else reads it: by the
//! `Host` header (a tenant's own host name), else, on the shared host, by the establishment
//! the browser chose (`?establishment=<id>`, remembered in a cookie), else the
//! establishment picker. The chosen site travels with the request ([`Tenant`]); nothing
//! below picks a tenant again.
//!
//! The `Host` header is what the client (or the reverse proxy, which must pass it on, as
//! `proxy_set_header Host $host` does) sent; `X-Forwarded-Host` is never read.

use super::sites::{SiteMap, Sites};
use super::state::PortalState;
use crate::config::PortalConfig;
use crate::i18n::negotiate;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use std::future::{Ready, ready};
use std::sync::Arc;
use tracing::Instrument;

/// The cookie remembering the establishment chosen on the shared host.
pub const ESTABLISHMENT_COOKIE: &str = "agora_establishment";
/// The query parameter choosing an establishment (`/?establishment=ut1`).
pub const ESTABLISHMENT_PARAM: &str = "establishment";

/// The site of the request's tenant: what handlers take instead of the whole platform.
#[derive(Clone)]
pub struct Tenant(pub Arc<PortalState>);

impl std::ops::Deref for Tenant {
    type Target = PortalState;
    fn deref(&self) -> &PortalState {
        &self.0
    }
}

impl Tenant {
    /// The tenant [`route`] chose for `req`, if any.
    pub fn of(req: &HttpRequest) -> Option<Tenant> {
        req.extensions().get::<Tenant>().cloned()
    }
}

impl FromRequest for Tenant {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(Tenant::of(req).ok_or_else(|| {
            actix_web::error::InternalError::from_response("no tenant", HttpResponse::InternalServerError().finish())
                .into()
        }))
    }
}

/// Paths answered without a chosen tenant (by the first site): the platform's plumbing.
fn platform_path(path: &str) -> bool {
    path == "/health"
        || path == "/metrics"
        || path == "/sw.js"
        || path == "/manifest.webmanifest"
        || path.starts_with("/static/")
}

/// How the tenant of a request was found.
enum Choice {
    /// Its host name, or the only site.
    Found(Arc<PortalState>),
    /// Chosen on the shared host now (`?establishment=`): remember it.
    Chosen(Arc<PortalState>),
    /// Chosen before (the cookie).
    Remembered(Arc<PortalState>),
    /// Nobody knows yet: the picker.
    Unknown,
}

fn choose(map: &SiteMap, req: &ServiceRequest) -> Choice {
    if let Some(only) = map.only() {
        return Choice::Found(only.clone());
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or("");
    if let Some(site) = map.by_host(host) {
        return Choice::Found(site.clone());
    }
    // On the shared host only the establishments without a host of their own are chosen
    // (the others are links to their host).
    let shared = |id: &str| map.get(id).filter(|s| s.identity.hosts.is_empty()).cloned();
    let asked = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.iter().find(|(k, _)| k == ESTABLISHMENT_PARAM).map(|(_, v)| v.clone()));
    if let Some(site) = asked.as_deref().and_then(shared) {
        return Choice::Chosen(site);
    }
    if req.path() != "/establishment"
        && let Some(site) = req.cookie(ESTABLISHMENT_COOKIE).and_then(|c| shared(c.value()))
    {
        return Choice::Remembered(site);
    }
    Choice::Unknown
}

/// The outermost layer: find the request's tenant and hand the request on with it, inside
/// a span naming it (every log line of the request carries `tenant`); else answer with the
/// establishment picker.
pub async fn route(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(sites) = req.app_data::<web::Data<Sites>>().cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let map = sites.current();
    let choice = choose(&map, &req);
    let (site, remember) = match choice {
        Choice::Found(s) | Choice::Remembered(s) => (s, false),
        Choice::Chosen(s) => (s, true),
        Choice::Unknown if platform_path(req.path()) => match map.any() {
            Some(s) => (s.clone(), false),
            None => return Ok(req.into_response(HttpResponse::ServiceUnavailable().finish())),
        },
        Choice::Unknown => {
            let platform = req.app_data::<web::Data<PortalConfig>>().cloned();
            let res = picker(req.request(), &map, platform.as_ref().map(|p| p.get_ref()));
            return Ok(req.into_response(res));
        }
    };
    let span = tracing::info_span!("tenant", tenant = %site.tenant);
    req.extensions_mut().insert(Tenant(site.clone()));
    let mut res = next.call(req).instrument(span).await?.map_into_boxed_body();
    if remember {
        let cookie = Cookie::build(ESTABLISHMENT_COOKIE, site.tenant.to_string())
            .path("/")
            .http_only(true)
            .secure(site.config.secure_cookies())
            .same_site(SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish();
        let _ = res.response_mut().add_cookie(&cookie);
    }
    Ok(res)
}

/// The establishment picker: every tenant, with its acronym and support contact; choosing
/// one comes back to the page that was asked for (`return`), in that establishment.
fn picker(req: &HttpRequest, map: &SiteMap, platform: Option<&PortalConfig>) -> HttpResponse {
    let Some(first) = map.any() else {
        return HttpResponse::ServiceUnavailable().finish();
    };
    let query = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    let asked = query.iter().find(|(k, _)| k == "lang").map(|(_, v)| v.as_str());
    let cookie = req.cookie(crate::i18n::LANG_COOKIE).map(|c| c.value().to_string());
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let locale = negotiate(asked, cookie.as_deref(), accept, &first.config.i18n.default_locale);
    // Where to go once chosen: the page asked for (a deep link), never another site.
    let back = if req.path() == "/establishment" {
        query
            .iter()
            .find(|(k, _)| k == "return")
            .and_then(|(_, v)| crate::signon::safe_return_path(v))
            .unwrap_or_else(|| "/".into())
    } else {
        let kept: Vec<_> = query.iter().filter(|(k, _)| k != ESTABLISHMENT_PARAM).collect();
        let mut path = req.path().to_string();
        if !kept.is_empty() {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in kept {
                s.append_pair(k, v);
            }
            path = format!("{path}?{}", s.finish());
        }
        crate::signon::safe_return_path(&path).unwrap_or_else(|| "/".into())
    };
    let listed: Vec<serde_json::Value> = map
        .listed(&locale)
        .into_iter()
        .map(|l| {
            let sep = if back.contains('?') { '&' } else { '?' };
            let href = if l.url.is_empty() {
                format!("{back}{sep}{ESTABLISHMENT_PARAM}={}", l.id)
            } else {
                format!("{}{}", l.url.trim_end_matches('/'), back)
            };
            serde_json::json!({ "id": l.id, "name": l.name, "acronym": l.acronym, "href": href, "support": l.support })
        })
        .collect();
    let theme = &first.theme;
    let mut ctx = crate::page::base_context(theme, &crate::people::Person::guest(), &locale);
    ctx.insert("establishments", &listed);
    let body = match theme.tera.render("establishment.html", &ctx) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!("establishment template failed: {}", crate::theme::tera_error(&e));
            theme.catalog.get(&locale, "error.internal").to_string()
        }
    };
    let mut res = HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body);
    if let Some(p) = platform {
        super::headers::secure(&mut res, p);
    }
    res
}
