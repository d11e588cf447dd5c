//! Request guards as extractors: a handler that takes one never runs for a request that
//! fails it. Pages answer with an error page in the user's language, the JSON API with a
//! problem document (`{"error": "...", "message": "..."}`).
//!
//! | extractor | passes when | refused with |
//! |---|---|---|
//! | [`SignedIn`] | someone is signed in | 401 JSON |
//! | [`ApiAdmin`] | the signed-in person is an administrator | 403 JSON |
//! | [`ApiCsrf`] | `X-CSRF-Token` is the session's token | 403 JSON |
//! | [`PageAdmin`] | the signed-in person is an administrator | 403 page |
//!
//! Handlers list them in the order they must be checked (actix extracts in argument order):
//! the CSRF token first, then who is asking. The no-script forms carry their token in the
//! body, which their `web::Form` reads: they check it with [`PortalSession::csrf_ok`].

use super::extract::{admin, current_person, error_page, locale_of};
use super::session::PortalSession;
use super::state::PortalState;
use crate::people::Person;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures::future::LocalBoxFuture;
use serde_json::json;

/// A JSON problem document with `status`.
pub fn problem(status: u16, error: &str, message: impl Into<String>) -> HttpResponse {
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::BAD_REQUEST),
    )
    .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
    .json(json!({ "error": error, "message": message.into() }))
}

/// The refusal as the error actix answers with.
fn refuse(why: &'static str, response: HttpResponse) -> actix_web::Error {
    actix_web::error::InternalError::from_response(why, response).into()
}

/// The state and language of `req` (the state is always there: the app installs it).
fn state_and_locale(req: &HttpRequest) -> Result<(web::Data<PortalState>, String), actix_web::Error> {
    let state = req
        .app_data::<web::Data<PortalState>>()
        .cloned()
        .ok_or_else(|| refuse("no state", HttpResponse::InternalServerError().finish()))?;
    let locale = locale_of(req, &state);
    Ok((state, locale))
}

/// The signed-in person (API: 401 otherwise).
pub struct SignedIn(pub Person);

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (state, locale) = state_and_locale(&req)?;
            match current_person(&PortalSession::of(&req), &state).await {
                Some((person, _)) => match super::throttle::api_call(&state, &person.uid, &locale).await {
                    Ok(()) => Ok(SignedIn(person)),
                    Err(res) => Err(refuse("too many requests", res)),
                },
                None => Err(refuse(
                    "not signed in",
                    problem(
                        401,
                        "not-signed-in",
                        state.theme.catalog.get(&locale, "error.sign_in_first"),
                    ),
                )),
            }
        })
    }
}

/// The signed-in administrator (API: 403 otherwise).
pub struct ApiAdmin(pub Person);

impl FromRequest for ApiAdmin {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (state, locale) = state_and_locale(&req)?;
            match admin(&PortalSession::of(&req), &state).await {
                Some(person) => match super::throttle::api_call(&state, &person.uid, &locale).await {
                    Ok(()) => Ok(ApiAdmin(person)),
                    Err(res) => Err(refuse("too many requests", res)),
                },
                None => Err(refuse(
                    "administrators only",
                    problem(
                        403,
                        "administrators-only",
                        state.theme.catalog.get(&locale, "error.admin_only"),
                    ),
                )),
            }
        })
    }
}

/// The signed-in administrator (pages: a 403 page otherwise).
pub struct PageAdmin(pub Person);

impl FromRequest for PageAdmin {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (state, locale) = state_and_locale(&req)?;
            match admin(&PortalSession::of(&req), &state).await {
                Some(person) => Ok(PageAdmin(person)),
                None => Err(refuse(
                    "administrators only",
                    error_page(&state, &locale, 403, "error.admin_only"),
                )),
            }
        })
    }
}

/// A state-changing API call carrying the session's CSRF token in `X-CSRF-Token`.
pub struct ApiCsrf;

impl FromRequest for ApiCsrf {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (state, locale) = state_and_locale(&req)?;
            let session = PortalSession::of(&req);
            let ok = req
                .headers()
                .get("X-CSRF-Token")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| session.csrf_ok(t));
            if ok {
                Ok(ApiCsrf)
            } else {
                Err(refuse(
                    "bad CSRF token",
                    problem(403, "csrf", state.theme.catalog.get(&locale, "error.csrf")),
                ))
            }
        })
    }
}
