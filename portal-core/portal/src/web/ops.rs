//! For operators and browsers' plumbing: `/health`, `/metrics`, the skin stylesheet, theme
//! files, and the not-found page.

use super::extract::{error_page_in_session, locale_of};
use super::state::PortalState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

/// `GET /health`: liveness and readiness, JSON: 503 when the database is down; `degraded`
/// (still 200) when the shared store is.
pub(super) async fn health(state: super::Tenant) -> HttpResponse {
    let storage = state.storage.ping().await;
    let shared = match &state.redis {
        Some(redis) => Some(redis.ping().await),
        None => None,
    };
    let shared_ok = shared.as_ref().is_none_or(Result::is_ok);
    let live = state.live.get();
    let body = serde_json::json!({
        "config_generation": live.generation,
        "config_rejected": state.live.rejection(),
        "fragments": live.fragments.all().len(),
        "status": if storage.is_ok() && shared_ok { "ok" } else { "degraded" },
        "storage": storage.as_ref().map(|_| "ok".to_string()).unwrap_or_else(|e| e.to_string()),
        "shared_state": match &shared {
            None => "in process".to_string(),
            Some(Ok(())) => "ok".to_string(),
            Some(Err(e)) => e.to_string(),
        },
        "publications": live.registry.len(),
        "kept_renders": state.storage.count_renders().await.unwrap_or(-1),
        // Counting sessions on Redis means scanning every key: not at each balancer check.
        "sessions": if state.redis.is_none() { state.sessions.count().await.ok() } else { None },
        "version": env!("CARGO_PKG_VERSION"),
    });
    // Redis down is "degraded" but 200: it fails every node alike, and a load balancer that
    // drained them all would replace the portal's own page ("sessions unavailable for a
    // moment") by its bare 503 (docs/operations.md).
    if storage.is_ok() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Whether `req` may read the metrics: it carries `Authorization: Bearer <[server]
/// metrics_token>` (and comes from `[server] metrics_from`, when that list is set). The peer
/// address alone proves nothing behind a reverse proxy on the same host, so without a token
/// the metrics are closed.
fn may_read_metrics(req: &HttpRequest, state: &PortalState) -> bool {
    let server = &state.config.server;
    if server.metrics_token.is_empty() {
        return false;
    }
    let from_allowed = server.metrics_from.is_empty()
        || req
            .peer_addr()
            .is_some_and(|peer| server.metrics_from.contains(&peer.ip()));
    from_allowed && bearer_is(req, server.metrics_token.expose())
}

/// Whether `req` carries `Authorization: Bearer <expected>` (compared in constant time);
/// never for an empty `expected`.
pub(super) fn bearer_is(req: &HttpRequest, expected: &str) -> bool {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    !expected.is_empty()
        && presented.len() == expected.len()
        && presented
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// `GET /metrics`: Prometheus exposition, for the bearer of `[server] metrics_token`.
pub(super) async fn prometheus(req: HttpRequest, state: super::Tenant) -> HttpResponse {
    if !may_read_metrics(&req, &state) {
        return HttpResponse::Forbidden()
            .content_type("text/plain; charset=utf-8")
            .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
            .body("metrics need the bearer token of [server] metrics_token\n");
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(state.metrics.render())
}

/// `GET /skin.css`: the institution's colours.
pub(super) async fn skin_css(req: HttpRequest, state: super::Tenant) -> HttpResponse {
    // Colours were validated as #rrggbb at start-up: nothing else can reach this stylesheet.
    let mut css = state.theme.skin_css.clone();
    // The person's scheme, when they chose one: its tokens win over the system's.
    let chosen = super::scheme::chosen(&req);
    if let (Some(scheme), Some(tokens)) = (chosen, &state.theme.schemes) {
        css.push_str(&tokens.rule(scheme));
    }
    // Revalidated at each page (a 304 most of the time), so a new choice shows at once.
    let etag = format!("\"{:x}-{}\"", css.len(), chosen.map_or("system", |s| s.name()));
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish();
    }
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::VARY, "Cookie"))
        .body(css)
}

/// `GET /static/{file}`: a theme file, whole body at once (no chunked streaming for small
/// assets), never outside the static directory.
pub(super) async fn static_file(req: HttpRequest, state: super::Tenant, path: web::Path<String>) -> HttpResponse {
    let rel = std::path::Path::new(path.as_str());
    let inside = rel.components().all(|c| matches!(c, std::path::Component::Normal(_)));
    let file = state.theme.static_dir.join(rel);
    match (inside, tokio::fs::read(&file).await) {
        (true, Ok(body)) => {
            let ctype = match file.extension().and_then(|e| e.to_str()) {
                Some("css") => "text/css; charset=utf-8",
                Some("svg") => "image/svg+xml",
                Some("png") => "image/png",
                Some("jpg") | Some("jpeg") => "image/jpeg",
                Some("woff2") => "font/woff2",
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript; charset=utf-8",
                _ => "application/octet-stream",
            };
            HttpResponse::Ok()
                .content_type(ctype)
                .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
                .body(body)
        }
        _ => {
            let locale = locale_of(&req, &state);
            error_page_in_session(&req, &state, &locale, 404, "error.not_found").await
        }
    }
}

/// Anything else: the not-found page, in the user's language.
pub(super) async fn not_found(req: HttpRequest, state: super::Tenant) -> HttpResponse {
    let locale = locale_of(&req, &state);
    error_page_in_session(&req, &state, &locale, 404, "error.not_found").await
}
