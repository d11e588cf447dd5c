//! What handlers read from a request: its language, its signed-in person, whether they are
//! an administrator; and the two answers every handler may give (redirect, error page).

use super::session::PortalSession;
use super::state::PortalState;
use crate::clock::now_ms;
use crate::i18n::{LANG_COOKIE, negotiate};
use crate::page::base_context;
use crate::people::Person;
use crate::session::limits::SessionLimits;
use crate::signon::safe_return_path;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Deserialize;
use std::future::{Ready, ready};

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The language of this request: `?lang=`, else the cookie, else `Accept-Language`, else the
/// portal's default.
pub struct Locale(pub String);

impl FromRequest for Locale {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let default = super::Tenant::of(req)
            .map(|s| s.config.i18n.default_locale.clone())
            .unwrap_or_else(|| "fr".into());
        ready(Ok(Locale(negotiated(req, &default))))
    }
}

fn negotiated(req: &HttpRequest, default: &str) -> String {
    let query = web::Query::<LangQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.lang.clone());
    let cookie = req.cookie(LANG_COOKIE).map(|c| c.value().to_string());
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    negotiate(query.as_deref(), cookie.as_deref(), accept, default)
}

/// The language of this request (see [`Locale`]).
pub fn locale_of(req: &HttpRequest, state: &PortalState) -> String {
    negotiated(req, &state.config.i18n.default_locale)
}

/// Remember an explicit `?lang=` choice.
pub fn lang_cookie(req: &HttpRequest, locale: &str, secure: bool) -> Option<Cookie<'static>> {
    let asked = web::Query::<LangQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.lang.clone())?;
    (asked == locale).then(|| {
        Cookie::build(LANG_COOKIE, locale.to_string())
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish()
    })
}

/// The signed-in person of this session, if any, with the notices kept for them; ends
/// sessions over their time limits.
pub async fn current_person(session: &PortalSession, state: &PortalState) -> Option<(Person, Vec<String>)> {
    let sign_in = session.sign_in()?;
    let now = now_ms();
    let seen = session.seen();
    let limits = SessionLimits::from_config(&state.config);
    if let Err(why) = limits.check(now, seen, Some(sign_in.at_ms)) {
        tracing::info!(uid = %sign_in.uid, ?why, "session over its time limit, signing out");
        session.purge();
        return None;
    }
    if limits.refresh_seen(now, seen) {
        session.touch();
    }
    let mut notices = session.take_notices();
    // The common case: the person is cached.
    if let Some(person) = state.people.cached(&sign_in.uid).await {
        return Some((state.groups.attach(person).await, notices));
    }
    let resolved = state.people.resolve(&sign_in.uid, session.signon_attributes()).await;
    if !resolved.failed_sources.is_empty() {
        notices.push("notice.directory_unavailable".into());
    }
    Some((state.groups.attach(resolved.person).await, notices))
}

/// Whether `person` is an administrator (`[admin] uids`, or a member of `[admin]
/// populations`).
pub fn is_admin_person(state: &PortalState, person: &Person) -> bool {
    let mine = crate::people::populations::memberships(&state.live.get().populations, person, now_ms());
    is_admin_among(state, person, &mine)
}

/// [`is_admin_person`] for a person whose populations are already known (`populations`):
/// no rule is evaluated again (the home page asks on every view).
pub fn is_admin_among(state: &PortalState, person: &Person, populations: &[String]) -> bool {
    state.config.admin.uids.contains(&person.uid)
        || is_platform_admin(state, person)
        || state.config.admin.populations.iter().any(|p| populations.contains(p))
}

/// Whether `person`, of this tenant, is a platform administrator (`[admin] platform` in
/// `portal.toml` names them `<tenant>:<uid>`).
pub fn is_platform_admin(state: &PortalState, person: &Person) -> bool {
    let me = format!("{}:{}", state.tenant, person.uid);
    state.config.admin.platform.contains(&me)
}

/// The signed-in administrator of this session, if they are one.
pub async fn admin(session: &PortalSession, state: &PortalState) -> Option<Person> {
    let (person, _) = current_person(session, state).await?;
    is_admin_person(state, &person).then_some(person)
}

/// A `303 See Other` to `location`, never cached, still open for cookies.
pub fn see_other(location: impl Into<String>) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, location.into()))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    res
}

/// A `303 See Other` to `location`, never cached.
pub fn redirect(location: &str) -> HttpResponse {
    see_other(location).finish()
}

/// Path and query of this request, as a return path.
pub fn request_path(req: &HttpRequest) -> String {
    let pq = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    safe_return_path(pq).unwrap_or_else(|| "/".into())
}

/// A full error page in the user's language.
pub fn error_page(state: &PortalState, locale: &str, status: u16, key: &str) -> HttpResponse {
    error_page_with(state, locale, status, state.theme.catalog.get(locale, key))
}

/// The page `template` rendered with `ctx`, never cached (it is one person's); the error
/// page if the template fails.
pub fn html_page(state: &PortalState, locale: &str, template: &str, ctx: &tera::Context) -> HttpResponse {
    match state.theme.tera.render(template, ctx) {
        Ok(body) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .body(body),
        Err(e) => {
            tracing::error!("{template}: {}", crate::theme::tera_error(&e));
            error_page(state, locale, 500, "error.internal")
        }
    }
}

/// A full error page for whoever is signed in on `req` (their name and the sign-out button
/// in the header, not "sign in"), in the user's language.
pub async fn error_page_in_session(
    req: &HttpRequest,
    state: &PortalState,
    locale: &str,
    status: u16,
    key: &str,
) -> HttpResponse {
    let session = PortalSession::of(req);
    let person = current_person(&session, state).await.map(|(p, _)| p);
    let message = state.theme.catalog.get(locale, key);
    match person {
        Some(p) => render_error(state, &p, &session.csrf_token(), locale, status, message),
        None => error_page_with(state, locale, status, message),
    }
}

/// A full error page with `message` (already in the user's language).
pub fn error_page_with(state: &PortalState, locale: &str, status: u16, message: &str) -> HttpResponse {
    render_error(state, &Person::guest(), "", locale, status, message)
}

/// The error page of `person` (a guest, or who is signed in, with their CSRF token).
fn render_error(
    state: &PortalState,
    person: &Person,
    csrf: &str,
    locale: &str,
    status: u16,
    message: &str,
) -> HttpResponse {
    let mut ctx = base_context(&state.theme, person, locale);
    ctx.insert("csrf_token", csrf);
    ctx.insert("message", message);
    ctx.insert("status", &status);
    let body = state.theme.tera.render("error.html", &ctx).unwrap_or_else(|e| {
        tracing::error!("error template failed: {}", crate::theme::tera_error(&e));
        message.to_string()
    });
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
    )
    .content_type("text/html; charset=utf-8")
    .insert_header((header::CACHE_CONTROL, "no-store"))
    .body(body)
}
