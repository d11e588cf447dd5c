//! What makes the portal an installable web app: `GET /manifest.webmanifest` (name, colours
//! and icon of the establishment) and `GET /sw.js`, the theme's service worker, served from
//! the root so that its scope is the whole portal. The worker keeps the last home page
//! viewed for when the network is gone (see `themes/default/static/sw.js`).

use super::extract::{error_page, locale_of};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

/// `GET /manifest.webmanifest`.
pub(super) async fn manifest(state: super::Tenant) -> HttpResponse {
    let skin = &state.theme.skin;
    let icon_type = if skin.logo_url.ends_with(".svg") {
        "image/svg+xml"
    } else {
        "image/png"
    };
    let body = serde_json::json!({
        "name": format!("{} · {}", skin.portal_name, skin.institution),
        "short_name": skin.portal_name,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f4f6fa",
        "theme_color": skin.primary_color,
        "lang": state.config.i18n.default_locale,
        "icons": [{ "src": skin.logo_url, "sizes": "any", "type": icon_type, "purpose": "any" }],
    });
    HttpResponse::Ok()
        .content_type("application/manifest+json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body.to_string())
}

/// `GET /sw.js`: the theme's `static/sw.js`, never cached by the browser's HTTP cache (a new
/// version of the worker is picked up at the next visit).
pub(super) async fn service_worker(req: HttpRequest, state: super::Tenant) -> HttpResponse {
    match tokio::fs::read(state.theme.static_dir.join("sw.js")).await {
        Ok(body) => HttpResponse::Ok()
            .content_type("text/javascript; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(body),
        Err(e) => {
            tracing::warn!("the theme has no static/sw.js: {e}");
            error_page(&state, &locale_of(&req, &state), 404, "error.not_found")
        }
    }
}
