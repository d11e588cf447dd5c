//! `GET /scheme?set=light|dark|system&return=/…`: the colour scheme switch. The choice is a
//! cookie read by `/skin.css` ([`crate::theme::scheme`]); like the language switch it is a
//! preference of the browser, not of the account, and works for guests too. The return path
//! is checked like every other (never another site).

use crate::theme::scheme::{COOKIE, Scheme};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

/// The scheme `req`'s browser chose, if any.
pub fn chosen(req: &HttpRequest) -> Option<Scheme> {
    req.cookie(COOKIE).and_then(|c| Scheme::parse(c.value()))
}

/// The query of `GET /scheme`.
#[derive(Deserialize)]
pub(super) struct SchemeQuery {
    set: Option<String>,
    #[serde(rename = "return")]
    back: Option<String>,
}

/// `GET /scheme`.
pub(super) async fn switch(state: super::Tenant, query: web::Query<SchemeQuery>) -> HttpResponse {
    let back = query
        .back
        .as_deref()
        .and_then(crate::signon::return_path::safe_return_path)
        .unwrap_or_else(|| "/".to_string());
    let mut cookie = Cookie::build(COOKIE, "")
        .path("/")
        .http_only(true)
        .secure(state.config.secure_cookies())
        .same_site(SameSite::Lax)
        .finish();
    match query.set.as_deref().and_then(Scheme::parse) {
        Some(scheme) => {
            cookie.set_value(scheme.name());
            cookie.set_max_age(actix_web::cookie::time::Duration::days(365));
        }
        None => cookie.make_removal(),
    }
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, back))
        .cookie(cookie)
        .finish()
}
