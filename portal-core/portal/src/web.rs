//! The web front: routes, sessions, CSRF, security headers, metrics.
//!
//! | route | what |
//! |---|---|
//! | `GET /` | the home page (guest page when not signed in), streamed |
//! | `GET /login` | sign-on (demo: the persona page) |
//! | `POST /login/demo` | sign in as a demo persona (demo mode only, CSRF-checked) |
//! | `POST /logout` | sign out (CSRF-checked) |
//! | `POST /layout/edit`, `POST /layout/reset`, `GET /catalogue` | customisation ([`crate::customise`]) |
//! | `GET /admin/view-as/{uid}`, `GET /admin/explain/{uid}` | administration |
//! | `/api/v1/…` | JSON API ([`crate::api`], OpenAPI at `/api/v1/openapi.json`) |
//! | `GET /health` | liveness and readiness, JSON |
//! | `GET /metrics` | Prometheus metrics |
//! | `GET /static/…`, `GET /skin.css` | theme files and the institution's colours |

use crate::app::PortalState;
use crate::i18n::{LANG_COOKIE, negotiate};
use crate::page::{PageRequest, base_context, stream_page};
use crate::person::Person;
use crate::session_limits::SessionLimits;
use crate::session_store::{CAS_TICKET_KEY, OIDC_ID_TOKEN_KEY};
use crate::signon::safe_return_path;
use crate::slot::now_ms;
use actix_session::config::{BrowserSession, CookieContentSecurity};
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

/// Content-Security-Policy of every response but `form-action`: no inline script, no plugin,
/// no framing.
const CSP_BASE: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; \
font-src 'self'; connect-src 'self'; object-src 'none'; frame-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The Content-Security-Policy for this configuration. Forms post to the portal only; when
/// sign-out goes on to CAS `/logout` or to the OIDC provider's end-session endpoint (on the
/// issuer's origin), that origin is allowed too, because browsers apply `form-action` to the
/// redirect that follows a form (the sign-out form's 303).
pub fn content_security_policy(config: &crate::config::PortalConfig) -> String {
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

const SESSION_UID: &str = "uid";
const SESSION_CSRF: &str = "csrf";
const SESSION_SEEN: &str = "last_seen_ms";
const SESSION_NOTICES: &str = "notices";
const SESSION_FLASH: &str = "flash";
const SESSION_SIGNON_ATTRS: &str = "signon_attributes";
const SESSION_SIGNED_IN_AT: &str = "signed_in_at";
const SESSION_PGT: &str = "pgt";
const SESSION_RETURN: &str = "return_to";
const SESSION_GATEWAY_TRIED: &str = "gateway_tried";
const SESSION_OIDC_PENDING: &str = "oidc_pending";

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
    let session = SessionMiddleware::builder(state.sessions.clone(), state.session_key.clone())
        .cookie_name(state.config.session.cookie_name.clone())
        .cookie_secure(state.config.secure_cookies())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_content_security(CookieContentSecurity::Signed)
        .session_lifecycle(
            BrowserSession::default().state_ttl(actix_web::cookie::time::Duration::minutes(
                state.config.session.idle_minutes as i64,
            )),
        )
        .build();
    let headers = DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, content_security_policy(&state.config)))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=()"));
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
        .route("/login/cas", web::get().to(cas_return))
        .route("/login/cas", web::post().to(cas_single_logout))
        .route("/login/cas/proxy-callback", web::get().to(cas_pgt_callback))
        .route("/login/oidc", web::get().to(oidc_return))
        .route("/logout", web::post().to(logout))
        .route("/health", web::get().to(health))
        .route("/admin/explain/{uid}", web::get().to(admin_explain))
        .route("/admin/view-as/{uid}", web::get().to(crate::customise::view_as_page))
        .route("/layout/edit", web::post().to(crate::customise::post_edit))
        .route("/layout/reset", web::post().to(crate::customise::post_reset))
        .route("/catalogue", web::get().to(crate::customise::catalogue_page))
        .app_data(crate::api::json_config())
        .route("/api/v1/openapi.json", web::get().to(crate::api::openapi))
        .route("/api/v1/layout", web::get().to(crate::api::get_layout))
        .route("/api/v1/layout", web::post().to(crate::api::post_layout))
        .route("/api/v1/layout/reset", web::post().to(crate::api::reset_layout))
        .route("/api/v1/catalogue", web::get().to(crate::api::get_catalogue))
        .route("/api/v1/registry", web::get().to(crate::api::get_registry))
        .route("/api/v1/admin/view-as/{uid}", web::get().to(crate::api::admin_view_as))
        .route("/api/v1/admin/layout/{uid}", web::get().to(crate::api::admin_export))
        .route("/api/v1/admin/layout/{uid}", web::post().to(crate::api::admin_import))
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
    let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".into());
    let status = res.status().as_u16().to_string();
    metrics::counter!("agora_http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("agora_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    Ok(res)
}

/// The language of this request.
pub(crate) fn locale_of(req: &HttpRequest, state: &PortalState) -> String {
    let query = web::Query::<LangQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.lang.clone());
    let cookie = req.cookie(LANG_COOKIE).map(|c| c.value().to_string());
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
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
pub(crate) fn csrf_token(session: &Session) -> String {
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
pub(crate) fn csrf_ok(session: &Session, submitted: &str) -> bool {
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

/// Messages for the next page, already in the user's language (after a form post).
pub(crate) fn flash(session: &Session, message: String) {
    let mut all = session
        .get::<Vec<String>>(SESSION_FLASH)
        .ok()
        .flatten()
        .unwrap_or_default();
    all.push(message);
    let _ = session.insert(SESSION_FLASH, all);
}

pub(crate) fn take_flash(session: &Session) -> Vec<String> {
    session
        .remove_as::<Vec<String>>(SESSION_FLASH)
        .and_then(Result::ok)
        .unwrap_or_default()
}

/// The signed-in person of this session, if any; ends idle sessions.
pub(crate) async fn current_person(session: &Session, state: &PortalState) -> Option<(Person, Vec<String>)> {
    let uid = session.get::<String>(SESSION_UID).ok().flatten()?;
    let now = now_ms();
    let seen = session.get::<i64>(SESSION_SEEN).ok().flatten();
    let signed_in_at = session.get::<i64>(SESSION_SIGNED_IN_AT).ok().flatten();
    let limits = SessionLimits::from_config(&state.config);
    if let Err(why) = limits.check(now, seen, signed_in_at) {
        tracing::info!(%uid, ?why, "session over its time limit, signing out");
        session.purge();
        return None;
    }
    if limits.refresh_seen(now, seen) {
        let _ = session.insert(SESSION_SEEN, now);
    }
    let mut notices = session
        .remove_as::<Vec<String>>(SESSION_NOTICES)
        .and_then(Result::ok)
        .unwrap_or_default();
    // The common case: the person is cached, and the sign-on attributes kept in the session
    // need not even be decoded.
    if let Some(person) = state.people.cached(&uid).await {
        return Some((person, notices));
    }
    let signon = session
        .get::<agora_channel_host::Attributes>(SESSION_SIGNON_ATTRS)
        .ok()
        .flatten()
        .unwrap_or_default();
    let resolved = state.people.resolve(&uid, signon).await;
    if !resolved.failed_sources.is_empty() {
        notices.push("notice.directory_unavailable".into());
    }
    Some((resolved.person, notices))
}

#[derive(Deserialize)]
struct HomeQuery {
    tab: Option<String>,
    /// `1`: show the customisation controls.
    customise: Option<String>,
    /// The control to focus (`publication:action`), after a customisation form.
    focus: Option<String>,
    /// `done`: CAS gateway already came back without a session (see [`GATEWAY_DONE`]).
    gateway: Option<String>,
}

/// Added to the return path when CAS gateway comes back without a ticket, so a client that
/// keeps no cookies (a crawler, a monitor, a browser refusing cookies) gets the guest page
/// instead of being sent round CAS forever.
const GATEWAY_DONE: (&str, &str) = ("gateway", "done");

async fn home(
    req: HttpRequest,
    state: web::Data<PortalState>,
    session: Session,
    query: web::Query<HomeQuery>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    if let Some(refusal) = apply_trusted_headers(&req, &state, &session, &locale) {
        return refusal;
    }
    let current = current_person(&session, &state).await;
    if current.is_none()
        && let Some(cas) = &state.cas
    {
        let tried = query.gateway.as_deref() == Some(GATEWAY_DONE.1)
            || session
                .get::<bool>(SESSION_GATEWAY_TRIED)
                .ok()
                .flatten()
                .unwrap_or(false);
        if !state.config.auth.guest_page || (cas.gateway && !tried) {
            // Without a guest page, sign-on is mandatory; with one, gateway is tried once.
            let gateway = state.config.auth.guest_page;
            let _ = session.insert(SESSION_GATEWAY_TRIED, true);
            let _ = session.insert(SESSION_RETURN, request_path(&req));
            return redirect(&cas.login_redirect(gateway));
        }
    }
    if current.is_none() && !state.config.auth.guest_page && state.oidc.is_some() {
        let target = format!(
            "/login?return={}",
            url::form_urlencoded::byte_serialize(request_path(&req).as_bytes()).collect::<String>()
        );
        return redirect(&target);
    }
    let (person, mut notices) = current.unwrap_or_else(|| (Person::guest(), Vec::new()));
    let proxy_tickets = match (&state.cas, session.get::<String>(SESSION_PGT).ok().flatten()) {
        (Some(cas), Some(pgt)) if person.is_signed_in() => {
            Some(Arc::new(cas.issuer(pgt)) as Arc<dyn agora_channel_host::ProxyTicketIssuer>)
        }
        _ => None,
    };
    let live = state.live.get();
    // One parse of the SupAnn composites serves both the populations and the notice.
    let (populations, malformed) = crate::populations::evaluate(&live.populations, &person, now_ms());
    if malformed {
        notices.push("notice.directory_malformed".into());
    }
    let mut messages: Vec<String> = notices
        .iter()
        .map(|k| state.theme.catalog.get(&locale, k).to_string())
        .collect();
    messages.extend(take_flash(&session));
    let layout = match crate::personal::personal_page(&state, &live, &person, &populations, &locale, true).await {
        Ok(page) => {
            messages.extend(page.notices);
            page.layout
        }
        Err(e) => {
            // The store is down: the institution's page still shows, without the user's edits.
            tracing::error!("cannot read the user's layout edits: {e}");
            messages.push(
                state
                    .theme
                    .catalog
                    .get(&locale, "notice.storage_unavailable")
                    .to_string(),
            );
            live.fragments.layout_for(person.is_signed_in(), &populations)
        }
    };
    let page = PageRequest {
        locale: locale.clone(),
        tab: query.tab.clone(),
        csrf_token: csrf_token(&session),
        notices: messages,
        customise: query.customise.as_deref() == Some("1"),
        focus: query.focus.clone(),
        view_as: None,
        query: url::form_urlencoded::parse(req.query_string().as_bytes())
            .into_owned()
            .take(32)
            .collect(),
        services: agora_channel_host::Services {
            directory: person.is_signed_in().then(|| state.directory.clone()),
            mail: (person.is_signed_in() && state.mail.enabled()).then(|| {
                Arc::new(crate::imap::ImapMail::new(
                    state.mail.clone(),
                    person.uid.clone(),
                    proxy_tickets.clone(),
                )) as Arc<dyn agora_channel_host::MailService>
            }),
            proxy_tickets,
        },
    };
    let person = person.with_populations(&populations);
    match stream_page(state.clone().into_inner(), person, layout, page) {
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
    let body = state.theme.tera.render("error.html", &ctx).unwrap_or_else(|e| {
        tracing::error!("error template failed: {}", crate::theme::tera_error(&e));
        state.theme.catalog.get(locale, key).to_string()
    });
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
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

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(rename = "return")]
    return_to: Option<String>,
}

pub(crate) fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// Path and query of this request, as a return path.
fn request_path(req: &HttpRequest) -> String {
    let pq = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    safe_return_path(pq).unwrap_or_else(|| "/".into())
}

async fn login_page(req: HttpRequest, state: web::Data<PortalState>, session: Session) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let query = web::Query::<LoginQuery>::from_query(req.query_string()).ok();
    let return_to = query
        .and_then(|q| q.return_to.clone())
        .and_then(|r| safe_return_path(&r))
        .unwrap_or_else(|| "/".into());
    if state.config.trusted_headers.enabled {
        if let Some(refusal) = apply_trusted_headers(&req, &state, &session, &locale) {
            return refusal;
        }
        return match session.get::<String>(SESSION_UID).ok().flatten() {
            Some(_) => redirect(&return_to),
            None => error_page(&state, &locale, 401, "error.signon_via_proxy"),
        };
    }
    if let Some(oidc) = &state.oidc {
        return match oidc.start().await {
            Ok((url, pending)) => {
                let stored = session
                    .insert(SESSION_RETURN, &return_to)
                    .and_then(|()| session.insert(SESSION_OIDC_PENDING, &pending));
                if let Err(e) = stored {
                    tracing::error!("cannot store session: {e}");
                    return error_page(&state, &locale, 500, "error.internal");
                }
                redirect(&url)
            }
            Err(e) => {
                tracing::warn!("OIDC provider unavailable: {e}");
                error_page(&state, &locale, 503, "error.signon_unavailable")
            }
        };
    }
    if let Some(cas) = &state.cas {
        // The return path stays in the session, never in `service`.
        let _ = session.insert(SESSION_RETURN, &return_to);
        return redirect(&cas.login_redirect(false));
    }
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
            affiliation: p.first("eduPersonPrimaryAffiliation").unwrap_or_default().to_string(),
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
    if let Err(e) = open_session(&session, &form.uid, &Default::default(), &[]) {
        tracing::error!("cannot store session: {e}");
        return error_page(&state, &locale, 500, "error.internal");
    }
    metrics::counter!("agora_signon_total", "method" => "demo", "outcome" => "ok").increment(1);
    tracing::info!(uid = %form.uid, "demo sign-in");
    HttpResponse::SeeOther().insert_header((header::LOCATION, "/")).finish()
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
    let id_token = session.get::<String>(OIDC_ID_TOKEN_KEY).ok().flatten();
    session.purge();
    if let Some(cas) = &state.cas
        && cas.logout_from_cas
    {
        return redirect(cas.client.logout_url(Some(&state.config.public_url())).as_str());
    }
    if let Some(oidc) = &state.oidc
        && let Some(url) = oidc.logout_url(id_token.as_deref(), &state.config.public_url()).await
    {
        return redirect(&url);
    }
    let proxy = &state.config.trusted_headers;
    if proxy.enabled && !proxy.logout_path.is_empty() {
        return redirect(&with_query_param(
            &proxy.logout_path,
            "return",
            &state.config.public_url(),
        ));
    }
    redirect("/")
}

/// `url` with `key=value` added to its query string (`value` form-encoded).
fn with_query_param(url: &str, key: &str, value: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    let value: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    format!("{url}{sep}{key}={value}")
}

async fn health(state: web::Data<PortalState>) -> HttpResponse {
    let storage = state.storage.ping().await;
    let live = state.live.get();
    let body = serde_json::json!({
        "config_generation": live.generation,
        "config_rejected": state.live.rejection(),
        "fragments": live.fragments.all().len(),
        "status": if storage.is_ok() { "ok" } else { "degraded" },
        "storage": storage.as_ref().map(|_| "ok".to_string()).unwrap_or_else(|e| e.to_string()),
        "publications": state.registry.len(),
        "kept_renders": state.storage.count_renders().await.unwrap_or(-1),
        "sessions": state.sessions.len(),
        "version": env!("CARGO_PKG_VERSION"),
    });
    if storage.is_ok() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn prometheus(req: HttpRequest, state: web::Data<PortalState>) -> HttpResponse {
    let allowed = req
        .peer_addr()
        .is_some_and(|peer| state.config.server.metrics_from.contains(&peer.ip()));
    if !allowed {
        return HttpResponse::Forbidden()
            .content_type("text/plain; charset=utf-8")
            .body("metrics are for the addresses in [server] metrics_from\n");
    }
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
    let inside = rel.components().all(|c| matches!(c, std::path::Component::Normal(_)));
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

/// In trusted-headers mode, open (or keep) the session of the user the reverse proxy vouches
/// for; refuse identity headers that do not come from it.
fn apply_trusted_headers(
    req: &HttpRequest,
    state: &PortalState,
    session: &Session,
    locale: &str,
) -> Option<HttpResponse> {
    use crate::trusted_headers::{Verdict, judge};
    if !state.config.trusted_headers.enabled {
        return None;
    }
    match judge(&state.config.trusted_headers, req) {
        Verdict::Anonymous => None,
        Verdict::Refused(reason) => {
            tracing::warn!(peer = ?req.peer_addr(), "trusted headers refused: {reason}");
            metrics::counter!("agora_signon_total", "method" => "trusted_headers", "outcome" => "refused").increment(1);
            Some(error_page(state, locale, 403, "error.signon_refused"))
        }
        Verdict::SignedOn { user, attributes } => {
            if session.get::<String>(SESSION_UID).ok().flatten().as_deref() == Some(user.as_str()) {
                return None;
            }
            if let Err(e) = open_session(session, &user, &attributes, &[]) {
                tracing::error!("cannot store session: {e}");
                return Some(error_page(state, locale, 500, "error.internal"));
            }
            metrics::counter!("agora_signon_total", "method" => "trusted_headers", "outcome" => "ok").increment(1);
            tracing::info!(%user, "signed on by the trusted proxy");
            None
        }
    }
}

/// Open a new signed-in session for `user`: a new session id (no fixation), the attributes
/// that came with sign-on, the time of sign-in, and `extra` keys (CAS ticket, PGT).
fn open_session(
    session: &Session,
    user: &str,
    attributes: &agora_channel_host::Attributes,
    extra: &[(&str, &str)],
) -> Result<(), actix_session::SessionInsertError> {
    session.renew();
    session.clear();
    let now = now_ms();
    session.insert(SESSION_UID, user)?;
    session.insert(SESSION_SIGNON_ATTRS, attributes)?;
    session.insert(SESSION_SEEN, now)?;
    session.insert(SESSION_SIGNED_IN_AT, now)?;
    for (key, value) in extra {
        session.insert(*key, value)?;
    }
    Ok(())
}

/// The return path kept in the session at sign-on start (`/` when none or not local).
fn stored_return_path(session: &Session) -> String {
    session
        .get::<String>(SESSION_RETURN)
        .ok()
        .flatten()
        .and_then(|r| safe_return_path(&r))
        .unwrap_or_else(|| "/".into())
}

#[derive(Deserialize)]
struct TicketQuery {
    ticket: Option<String>,
}

/// The browser comes back from CAS: validate the ticket, open a new session, go back to the
/// page first asked for.
async fn cas_return(
    req: HttpRequest,
    state: web::Data<PortalState>,
    session: Session,
    query: web::Query<TicketQuery>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let Some(cas) = &state.cas else {
        return error_page(&state, &locale, 404, "error.no_signon");
    };
    let return_to = stored_return_path(&session);
    let Some(ticket) = query.ticket.as_deref() else {
        // Gateway came back without a CAS session: stay a guest.
        let _ = session.remove(SESSION_RETURN);
        return redirect(&with_query_param(&return_to, GATEWAY_DONE.0, GATEWAY_DONE.1));
    };
    let started = std::time::Instant::now();
    let validation = match cas
        .client
        .validate(&cas.service, ticket, cas.pgt_callback.as_deref())
        .await
    {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "CAS ticket refused");
            metrics::counter!("agora_signon_total", "method" => "cas", "outcome" => "refused").increment(1);
            let key = if matches!(e, agora_cas::CasError::Unreachable(_)) {
                "error.signon_unavailable"
            } else {
                "error.signon_refused"
            };
            return error_page(&state, &locale, 403, key);
        }
    };
    let pgt = match &validation.pgt_iou {
        Some(iou) => cas.take_pgt(iou).await,
        None => None,
    };
    if cas.pgt_callback.is_some() && pgt.is_none() {
        tracing::warn!(user = %validation.user, "no proxy-granting ticket received: cas-proxy back-ends will be unavailable");
    }
    let mut extra = vec![(CAS_TICKET_KEY, ticket)];
    if let Some(p) = &pgt {
        extra.push((SESSION_PGT, p.as_str()));
    }
    if let Err(e) = open_session(&session, &validation.user, &validation.attributes, &extra) {
        tracing::error!("cannot store session: {e}");
        return error_page(&state, &locale, 500, "error.internal");
    }
    metrics::counter!("agora_signon_total", "method" => "cas", "outcome" => "ok").increment(1);
    metrics::histogram!("agora_signon_server_seconds", "method" => "cas").record(started.elapsed().as_secs_f64());
    tracing::info!(user = %validation.user, proxy = pgt.is_some(), "CAS sign-in");
    redirect(&return_to)
}

#[derive(Deserialize)]
struct PgtCallback {
    #[serde(rename = "pgtIou")]
    pgt_iou: Option<String>,
    #[serde(rename = "pgtId")]
    pgt_id: Option<String>,
}

/// CAS delivers the proxy-granting ticket here, before it answers the validation.
async fn cas_pgt_callback(state: web::Data<PortalState>, query: web::Query<PgtCallback>) -> HttpResponse {
    if let (Some(cas), Some(iou), Some(pgt)) = (&state.cas, &query.pgt_iou, &query.pgt_id)
        && iou.starts_with("PGTIOU-")
        && pgt.starts_with("PGT-")
        && iou.len() < 512
        && pgt.len() < 512
    {
        cas.store_pgt(iou, pgt).await;
    }
    HttpResponse::Ok().content_type("text/plain").body("OK")
}

#[derive(Deserialize)]
struct SingleLogout {
    #[serde(rename = "logoutRequest")]
    logout_request: String,
}

/// Back-channel single logout from the CAS server. No CSRF token (the CAS server has no
/// session here); it can only end the session opened by the service ticket it names.
async fn cas_single_logout(state: web::Data<PortalState>, form: web::Form<SingleLogout>) -> HttpResponse {
    if state.cas.is_none() {
        return HttpResponse::NotFound().finish();
    }
    match agora_cas::parse_logout_request(&form.logout_request) {
        Ok(request) => {
            let ended = state.sessions.end_by_ticket(&request.session_index).await;
            tracing::info!(ended, user = ?request.name_id, "CAS single logout");
            HttpResponse::Ok().content_type("text/plain").body("OK")
        }
        Err(e) => {
            tracing::warn!("malformed logoutRequest: {e}");
            HttpResponse::BadRequest()
                .content_type("text/plain")
                .body("malformed logoutRequest")
        }
    }
}

#[derive(Deserialize)]
struct OidcCallback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The provider sends the browser back with `code` and `state`.
async fn oidc_return(
    req: HttpRequest,
    state: web::Data<PortalState>,
    session: Session,
    query: web::Query<OidcCallback>,
) -> HttpResponse {
    use crate::signon_oidc::{OidcError, PendingLogin};
    let locale = locale_of(&req, &state);
    let Some(oidc) = &state.oidc else {
        return error_page(&state, &locale, 404, "error.no_signon");
    };
    // One attempt per pending login: taken out of the session whatever happens next.
    let pending = session
        .remove_as::<PendingLogin>(SESSION_OIDC_PENDING)
        .and_then(Result::ok);
    let return_to = stored_return_path(&session);
    let (Some(pending), Some(code), Some(st)) = (pending, query.code.as_deref(), query.state.as_deref()) else {
        tracing::warn!(error = ?query.error, "OIDC callback without a pending login, code or state");
        return error_page(&state, &locale, 403, "error.signon_refused");
    };
    let started = std::time::Instant::now();
    let identity = match oidc.finish(pending, st, code).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "OIDC sign-in refused");
            metrics::counter!("agora_signon_total", "method" => "oidc", "outcome" => "refused").increment(1);
            let (status, key) = match e {
                OidcError::Unavailable(_) => (503, "error.signon_unavailable"),
                _ => (403, "error.signon_refused"),
            };
            return error_page(&state, &locale, status, key);
        }
    };
    let extra = [(OIDC_ID_TOKEN_KEY, identity.id_token.as_str())];
    if let Err(e) = open_session(&session, &identity.login, &identity.attributes, &extra) {
        tracing::error!("cannot store session: {e}");
        return error_page(&state, &locale, 500, "error.internal");
    }
    metrics::counter!("agora_signon_total", "method" => "oidc", "outcome" => "ok").increment(1);
    metrics::histogram!("agora_signon_server_seconds", "method" => "oidc").record(started.elapsed().as_secs_f64());
    tracing::info!(user = %identity.login, "OIDC sign-in");
    redirect(&return_to)
}

/// Whether the signed-in person may use the administration API.
pub(crate) async fn is_admin(session: &Session, state: &PortalState) -> bool {
    let Some((person, _)) = current_person(session, state).await else {
        return false;
    };
    if state.config.admin.uids.contains(&person.uid) {
        return true;
    }
    let mine = crate::populations::memberships(&state.live.get().populations, &person, now_ms());
    state.config.admin.populations.iter().any(|p| mine.contains(p))
}

/// `GET /admin/explain/{uid}`: which populations a person belongs to and why (JSON), with
/// the attributes the rules looked at and any source that failed.
async fn admin_explain(state: web::Data<PortalState>, session: Session, uid: web::Path<String>) -> HttpResponse {
    if !is_admin(&session, &state).await {
        return HttpResponse::Forbidden().json(serde_json::json!({ "error": "administrators only" }));
    }
    let resolved = state.people.resolve(&uid, Default::default()).await;
    let explanations = crate::populations::explain(&state.live.get().populations, &resolved.person, now_ms());
    let members: Vec<&str> = explanations
        .iter()
        .filter(|e| e.outcome.matched)
        .map(|e| e.population.as_str())
        .collect();
    HttpResponse::Ok().json(serde_json::json!({
        "uid": resolved.person.uid,
        "failed_sources": resolved.failed_sources,
        "populations": members,
        "explanations": explanations,
        "text": explanations.iter().map(|e| e.to_text()).collect::<String>(),
    }))
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
