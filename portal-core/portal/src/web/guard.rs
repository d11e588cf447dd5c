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

use super::extract::{admin, current_person, error_page_in_session, locale_of};
use super::session::PortalSession;
use crate::people::Person;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
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

/// Run `check` on a request with the portal's state and the user's language: its value,
/// or its refusal as the answer. The one shape of every guard here and in `throttle`.
pub(super) fn guard<T, F, Fut>(req: &HttpRequest, check: F) -> LocalBoxFuture<'static, Result<T, actix_web::Error>>
where
    T: 'static,
    F: FnOnce(HttpRequest, super::Tenant, String) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<T, HttpResponse>> + 'static,
{
    let req = req.clone();
    Box::pin(async move {
        let (state, locale) = state_and_locale(&req)?;
        check(req, state, locale)
            .await
            .map_err(|answer| refuse("refused by a guard", answer))
    })
}

/// The state and language of `req` (the state is always there: the app installs it).
fn state_and_locale(req: &HttpRequest) -> Result<(super::Tenant, String), actix_web::Error> {
    let state =
        super::Tenant::of(req).ok_or_else(|| refuse("no state", HttpResponse::InternalServerError().finish()))?;
    let locale = locale_of(req, &state);
    Ok((state, locale))
}

/// The signed-in person, within the API's rate limit (API: 401 or 429 otherwise).
pub struct SignedIn(pub Person);

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        guard(req, |req, state, locale| async move {
            let Some((person, _)) = current_person(&PortalSession::of(&req), &state).await else {
                let message = state.theme.catalog.get(&locale, "error.sign_in_first");
                return Err(problem(401, "not-signed-in", message));
            };
            super::throttle::api_call(&state, &person.uid, &locale).await?;
            Ok(SignedIn(person))
        })
    }
}

/// The signed-in administrator, within the API's rate limit (API: 403 or 429 otherwise).
pub struct ApiAdmin(pub Person);

impl FromRequest for ApiAdmin {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        guard(req, |req, state, locale| async move {
            let Some(person) = admin(&PortalSession::of(&req), &state).await else {
                let message = state.theme.catalog.get(&locale, "error.admin_only");
                return Err(problem(403, "administrators-only", message));
            };
            super::throttle::api_call(&state, &person.uid, &locale).await?;
            Ok(ApiAdmin(person))
        })
    }
}

/// The signed-in administrator (pages: a 403 page otherwise).
pub struct PageAdmin(pub Person);

impl FromRequest for PageAdmin {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        guard(req, |req, state, locale| async move {
            match admin(&PortalSession::of(&req), &state).await {
                Some(person) => Ok(PageAdmin(person)),
                None => Err(error_page_in_session(&req, &state, &locale, 403, "error.admin_only").await),
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
        guard(req, |req, state, locale| async move {
            let session = PortalSession::of(&req);
            let ok = req
                .headers()
                .get("X-CSRF-Token")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| session.csrf_ok(t));
            if ok {
                Ok(ApiCsrf)
            } else {
                Err(problem(403, "csrf", state.theme.catalog.get(&locale, "error.csrf")))
            }
        })
    }
}
