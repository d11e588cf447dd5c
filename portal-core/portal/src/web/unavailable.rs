//! A failure below the handlers (the shared session store down or slow) becomes a page in
//! the user's language with status 503, never actix's opaque 500: the user learns they are
//! still signed in and to retry, the load balancer and the logs learn what failed.

use super::extract::{error_page, locale_of};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

/// Wraps the session layer: its errors are shown as [`error_page`]s.
pub async fn unavailable(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Read before the call: the request cannot be kept (routing needs it unshared).
    let Some(state) = super::Tenant::of(req.request()) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let locale = locale_of(req.request(), &state);
    let path = req.path().to_string();
    match next.call(req).await {
        Ok(res) => Ok(res.map_into_boxed_body()),
        Err(e) => {
            let page = if state.redis.is_some() {
                metrics::counter!("agora_shared_store_failures_total").increment(1);
                tracing::error!(path, "request failed on the shared session store: {e:?}");
                // A sign-in that cannot be stored: its ticket is spent, so "reload" would
                // not help, and the user is not signed in yet.
                let key = if path.starts_with("/login") {
                    "error.signon_unavailable"
                } else {
                    "error.session_store"
                };
                error_page(&state, &locale, 503, key)
            } else {
                tracing::error!(path, "request failed below the handlers: {e:?}");
                error_page(&state, &locale, 500, "error.internal")
            };
            let mut page = page;
            super::headers::secure(&mut page, &state.config);
            Err(actix_web::error::InternalError::from_response(e.to_string(), page).into())
        }
    }
}
