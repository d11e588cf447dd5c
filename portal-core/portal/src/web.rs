//! The web front: routes, sessions, CSRF, security headers, metrics.
//!
//! | route | what |
//! |---|---|
//! | `GET /` | the home page (guest page when not signed in), streamed |
//! | `GET /login` | sign-on (demo: the persona page) |
//! | `POST /login/demo` | sign in as a demo persona (demo mode only, CSRF-checked) |
//! | `POST /logout` | sign out (CSRF-checked) |
//! | `GET /health` | liveness and readiness, JSON |
//! | `GET /metrics` | Prometheus metrics |
//! | `GET /static/…`, `GET /skin.css` | theme files and the institution's colours |

use crate::app::PortalState;
use crate::i18n::{LANG_COOKIE, negotiate};
use crate::page::{PageRequest, base_context, stream_page};
use crate::person::Person;
use crate::slot::now_ms;
use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionExt, SessionMiddleware};
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, Next, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, web};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Instant;

/// Handle to stop a running server.
pub type ServerHandle = actix_web::dev::ServerHandle;

/// Content-Security-Policy of every response: no inline script, no plugin, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; \
font-src 'self'; connect-src 'self'; object-src 'none'; frame-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const SESSION_UID: &str = "uid";
const SESSION_CSRF: &str = "csrf";
const SESSION_SEEN: &str = "last_seen_ms";
const SESSION_NOTICES: &str = "notices";

/// Build the actix application for `state`.
pub fn app(
    state: Arc<PortalState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let session =
        SessionMiddleware::builder(CookieSessionStore::default(), state.session_key.clone())
            .cookie_name(state.config.session.cookie_name.clone())
            .cookie_secure(state.config.secure_cookies())
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_content_security(CookieContentSecurity::Private)
            .session_lifecycle(BrowserSession::default())
            .build();
    let headers = DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CSP))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ));
    let static_dir = state.theme.static_dir.clone();
    App::new()
        .app_data(web::Data::from(state))
        .app_data(web::FormConfig::default().limit(16 * 1024))
        .wrap(session)
        .wrap(headers)
        .wrap(from_fn(count_requests))
        .route("/", web::get().to(home))
        .route("/login", web::get().to(login_page))
        .route("/login/demo", web::post().to(demo_login))
        .route("/logout", web::post().to(logout))
        .route("/health", web::get().to(health))
        .route("/metrics", web::get().to(prometheus))
        .route("/skin.css", web::get().to(skin_css))
        .app_data(web::Data::new(StaticDir(static_dir)))
        .route("/static/{file:.*}", web::get().to(static_file))
        .default_service(web::to(not_found))
}

async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let status = res.status().as_u16().to_string();
    metrics::counter!("agora_http_requests_total", "method" => method, "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("agora_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    Ok(res)
}

/// The language of this request.
fn locale_of(req: &HttpRequest, state: &PortalState) -> String {
    let query = web::Query::<LangQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.lang.clone());
    let cookie = req.cookie(LANG_COOKIE).map(|c| c.value().to_string());
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    negotiate(
        query.as_deref(),
        cookie.as_deref(),
        accept,
        &state.config.i18n.default_locale,
    )
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// Remember an explicit `?lang=` choice.
fn lang_cookie(req: &HttpRequest, locale: &str, secure: bool) -> Option<Cookie<'static>> {
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

/// The CSRF token of this session, created on first use.
fn csrf_token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(SESSION_CSRF) {
        return t;
    }
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = hex::encode(bytes);
    if let Err(e) = session.insert(SESSION_CSRF, &token) {
        tracing::warn!("cannot store CSRF token: {e}");
    }
    token
}

/// Compare the submitted token with the session's, in constant time.
fn csrf_ok(session: &Session, submitted: &str) -> bool {
    let Ok(Some(expected)) = session.get::<String>(SESSION_CSRF) else {
        return false;
    };
    expected.len() == submitted.len()
        && expected
            .bytes()
            .zip(submitted.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The signed-in person of this session, if any; ends idle sessions.
async fn current_person(session: &Session, state: &PortalState) -> Option<(Person, Vec<String>)> {
    let uid = session.get::<String>(SESSION_UID).ok().flatten()?;
    let now = now_ms();
    let seen = session.get::<i64>(SESSION_SEEN).ok().flatten().unwrap_or(0);
    if now - seen > state.config.session.idle_minutes as i64 * 60_000 {
        tracing::info!("session idle for too long, signing out");
        session.purge();
        return None;
    }
    if now - seen > 60_000 {
        let _ = session.insert(SESSION_SEEN, now);
    }
    let resolved = state.people.resolve(&uid, Default::default()).await;
    let mut notices = session
        .remove_as::<Vec<String>>(SESSION_NOTICES)
        .and_then(Result::ok)
        .unwrap_or_default();
    if !resolved.failed_sources.is_empty() {
        notices.push("notice.directory_unavailable".into());
    }
    Some((resolved.person, notices))
}

#[derive(Deserialize)]
struct HomeQuery {
    tab: Option<String>,
}

async fn home(
    req: HttpRequest,
    state: web::Data<PortalState>,
    session: Session,
    query: web::Query<HomeQuery>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let (person, notices) = current_person(&session, &state)
        .await
        .unwrap_or_else(|| (Person::guest(), Vec::new()));
    let page = PageRequest {
        locale: locale.clone(),
        tab: query.tab.clone(),
        csrf_token: csrf_token(&session),
        notices,
    };
    match stream_page(state.clone().into_inner(), person, page) {
        Ok(stream) => {
            let mut res = HttpResponse::Ok();
            res.content_type("text/html; charset=utf-8")
                .insert_header((header::CACHE_CONTROL, "private, no-store"));
            if let Some(c) = lang_cookie(&req, &locale, state.config.secure_cookies()) {
                res.cookie(c);
            }
            res.streaming(stream)
        }
        Err(e) => {
            tracing::error!("{e}");
            error_page(&state, &locale, 500, "error.internal")
        }
    }
}

/// A full error page in the user's language.
pub fn error_page(state: &PortalState, locale: &str, status: u16, key: &str) -> HttpResponse {
    let mut ctx = base_context(state, &Person::guest(), locale);
    ctx.insert("message", state.theme.catalog.get(locale, key));
    ctx.insert("status", &status);
    let body = state
        .theme
        .tera
        .render("error.html", &ctx)
        .unwrap_or_else(|e| {
            tracing::error!("error template failed: {}", crate::theme::tera_error(&e));
            state.theme.catalog.get(locale, key).to_string()
        });
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
    )
    .content_type("text/html; charset=utf-8")
    .body(body)
}

#[derive(serde::Serialize)]
struct PersonaView {
    uid: String,
    name: String,
    description: String,
    affiliation: String,
}

async fn login_page(
    req: HttpRequest,
    state: web::Data<PortalState>,
    session: Session,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let Some(dir) = &state.demo_directory else {
        return error_page(&state, &locale, 404, "error.no_signon");
    };
    let uids: Vec<String> = if state.config.demo.personas.is_empty() {
        dir.uids().to_vec()
    } else {
        state.config.demo.personas.clone()
    };
    let mut personas = Vec::new();
    for uid in uids {
        let p = state.people.resolve(&uid, Default::default()).await.person;
        personas.push(PersonaView {
            uid: uid.clone(),
            name: p.display_name().to_string(),
            description: p.first("description").unwrap_or_default().to_string(),
            affiliation: p
                .first("eduPersonPrimaryAffiliation")
                .unwrap_or_default()
                .to_string(),
        });
    }
    let mut ctx = base_context(&state, &Person::guest(), &locale);
    ctx.insert("personas", &personas);
    ctx.insert("csrf_token", &csrf_token(&session));
    match state.theme.tera.render("login.html", &ctx) {
        Ok(body) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body),
        Err(e) => {
            tracing::error!("{}", crate::theme::tera_error(&e));
            error_page(&state, &locale, 500, "error.internal")
        }
    }
}

#[derive(Deserialize)]
struct DemoLogin {
    uid: String,
    csrf: String,
}

async fn demo_login(
    req: HttpRequest,
    state: web::Data<PortalState>,
    session: Session,
    form: web::Form<DemoLogin>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let Some(dir) = &state.demo_directory else {
        return error_page(&state, &locale, 404, "error.no_signon");
    };
    if !csrf_ok(&session, &form.csrf) {
        return error_page(&state, &locale, 403, "error.csrf");
    }
    let allowed = if state.config.demo.personas.is_empty() {
        dir.uids().contains(&form.uid)
    } else {
        state.config.demo.personas.contains(&form.uid)
    };
    if !allowed {
        return error_page(&state, &locale, 400, "error.unknown_persona");
    }
    // A new session at sign-on: no fixation.
    session.renew();
    session.clear();
    let stored = session
        .insert(SESSION_UID, &form.uid)
        .and_then(|()| session.insert(SESSION_SEEN, now_ms()));
    if let Err(e) = stored {
        tracing::error!("cannot store session: {e}");
        return error_page(&state, &locale, 500, "error.internal");
    }
    tracing::info!(uid = %form.uid, "demo sign-in");
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .finish()
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    req: HttpRequest,
    state: web::Data<PortalState>,
    session: Session,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    if !csrf_ok(&session, &form.csrf) {
        let locale = locale_of(&req, &state);
        return error_page(&state, &locale, 403, "error.csrf");
    }
    session.purge();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .finish()
}

async fn health(state: web::Data<PortalState>) -> HttpResponse {
    let storage = state.storage.ping().await;
    let body = serde_json::json!({
        "status": if storage.is_ok() { "ok" } else { "degraded" },
        "storage": storage.as_ref().map(|_| "ok".to_string()).unwrap_or_else(|e| e.to_string()),
        "publications": state.registry.len(),
        "version": env!("CARGO_PKG_VERSION"),
    });
    if storage.is_ok() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn prometheus(state: web::Data<PortalState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

async fn skin_css(state: web::Data<PortalState>) -> HttpResponse {
    let skin = &state.config.skin;
    // Colours were validated as #rrggbb at start-up: nothing else can reach this stylesheet.
    let css = format!(
        ":root {{ --primary: {}; --accent: {}; }}\n",
        skin.primary_color, skin.accent_color
    );
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(css)
}

/// The theme's static directory.
struct StaticDir(std::path::PathBuf);

/// Serve a theme file: whole body at once (no chunked streaming for small assets), never
/// outside the static directory.
async fn static_file(
    req: HttpRequest,
    dir: web::Data<StaticDir>,
    state: web::Data<PortalState>,
    path: web::Path<String>,
) -> HttpResponse {
    let rel = std::path::Path::new(path.as_str());
    let inside = rel
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    let file = dir.0.join(rel);
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
            error_page(&state, &locale, 404, "error.not_found")
        }
    }
}

async fn not_found(req: HttpRequest, state: web::Data<PortalState>) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let _ = req.get_session();
    error_page(&state, &locale, 404, "error.not_found")
}
