//! The web front: the only part of the portal that knows HTTP (actix-web). Handlers read the
//! request through the extractors of [`extract`] and [`session`], hand each domain module
//! the parts of [`PortalState`] it needs, and answer.
//!
//! | route | handler |
//! |---|---|
//! | `GET /`, `HEAD /` | [`home`]: the home page (guest page when not signed in), streamed |
//! | `/login…`, `POST /logout` | [`signon`]: CAS, OIDC, trusted headers, demo personas |
//! | `POST /layout/edit`, `POST /layout/reset`, `POST /layout/undo`, `GET /catalogue` | [`customise`] |
//! | `GET /search` | [`search`]: services, people, channels' items |
//! | `GET /scheme` | [`scheme`]: the light / dark switch (a cookie `/skin.css` reads) |
//! | `GET /notifications`, `POST /notifications/read`, `/notifications/dismiss` | [`notifications`] |
//! | `GET /groups`, `/groups/{id}`, `POST /groups…` | [`groups`]: self-managed groups |
//! | `GET /sms`, `POST /sms/preview`, `/sms/send`, `/sms/{id}/…` | [`sms`]: SMS through SMS-U |
//! | `GET /admin`, `/admin/view-as/{uid}`, `/admin/explain/{uid}` | [`admin`] |
//! | `GET /admin/statistics`, `/admin/statistics.csv` | [`statistics`]: usage statistics |
//! | `/api/v1/…` | [`api`]: JSON (OpenAPI at `/api/v1/openapi.json`) |
//! | `/api/v1/admin/packages…` | [`deploy`]: channel packages deployed to the running portal (bearer token) |
//! | `GET /health`, `GET /metrics`, `/static/…`, `/skin.css` | [`ops`] |
//! | `GET /establishment` (shared host) | [`tenant`]: the establishment picker |
//!
//! Before any of them, [`tenant::route`] finds the request's tenant (host name, or the
//! establishment chosen on the shared host) and hands its site on as [`Tenant`].
//!
//! Every response carries the [`headers`] (CSP, HSTS over https …) and is compressed when
//! the browser asks (`Accept-Encoding`); the streamed page is flushed slot by slot.

pub mod admin;
pub mod api;
pub mod customise;
pub mod deploy;
pub mod extract;
pub mod groups;
pub mod guard;
pub mod headers;
pub mod home;
pub mod installable;
pub mod notifications;
pub mod ops;
pub mod scheme;
pub mod search;
pub mod session;
pub mod signon;
pub mod sites;
pub mod sms;
pub mod state;
pub mod statement;
pub mod statistics;
pub mod tenant;
pub mod throttle;
pub mod unavailable;

pub use headers::content_security_policy;
pub use state::PortalState;
pub use tenant::Tenant;

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_web::body::MessageBody;
use actix_web::cookie::SameSite;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, web};
use std::sync::Arc;

/// Handle to stop a running server.
pub type ServerHandle = actix_web::dev::ServerHandle;

/// Build the actix application serving `sites`, with the platform's configuration
/// `config`, its session store and cookie key.
pub fn app(
    config: Arc<crate::config::PortalConfig>,
    store: crate::session::store::SessionStore,
    session_key: actix_web::cookie::Key,
    sites: Arc<sites::Sites>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let sessions = SessionMiddleware::builder(session::ActixStore(store), session_key)
        .cookie_name(config.session.cookie_name.clone())
        .cookie_secure(config.secure_cookies())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_content_security(CookieContentSecurity::Signed)
        .session_lifecycle(
            BrowserSession::default().state_ttl(actix_web::cookie::time::Duration::minutes(
                config.session.idle_minutes as i64,
            )),
        )
        .build();
    let headers = headers::security_headers(&config);
    // A component, base64 in JSON: a third larger than its bytes, plus the manifest.
    let deploy_limit = usize::try_from(config.channels.deploy_max_mib.saturating_mul(1024 * 1024) * 4 / 3 + 64 * 1024)
        .unwrap_or(usize::MAX);
    App::new()
        .app_data(web::Data::from(sites))
        .app_data(web::Data::from(config))
        .app_data(web::FormConfig::default().limit(16 * 1024))
        .app_data(api::json_config())
        .wrap(sessions)
        .wrap(from_fn(unavailable::unavailable))
        .wrap(Compress::default())
        .wrap(headers)
        .wrap(from_fn(headers::count_requests))
        .wrap(from_fn(tenant::route))
        .route("/", web::get().to(home::home))
        .route("/", web::head().to(home::home))
        .route("/login", web::get().to(signon::login_page))
        .route("/login/demo", web::post().to(signon::demo_login))
        .route("/login/cas", web::get().to(signon::cas_return))
        .route("/login/cas", web::post().to(signon::cas_single_logout))
        .route("/login/cas/proxy-callback", web::get().to(signon::cas_pgt_callback))
        .route("/login/oidc", web::get().to(signon::oidc_return))
        .route("/logout", web::post().to(signon::logout))
        .route("/layout/edit", web::post().to(customise::post_edit))
        .route("/layout/reset", web::post().to(customise::post_reset))
        .route("/layout/undo", web::post().to(customise::post_undo))
        .route("/catalogue", web::get().to(customise::catalogue_page))
        .route("/search", web::get().to(search::search))
        .route("/notifications", web::get().to(notifications::list))
        .route("/notifications/read", web::post().to(notifications::mark_read))
        .route("/notifications/dismiss", web::post().to(notifications::dismiss))
        .route("/groups", web::get().to(groups::list))
        .route("/groups", web::post().to(groups::create))
        .route("/groups/{id}", web::get().to(groups::show))
        .route("/groups/{id}/{action}", web::post().to(groups::act))
        .route("/sms", web::get().to(sms::show))
        .route("/sms/preview", web::post().to(sms::preview))
        .route("/sms/send", web::post().to(sms::send))
        .route("/sms/{id}/{decision}", web::post().to(sms::decide))
        .route("/manifest.webmanifest", web::get().to(installable::manifest))
        .route("/sw.js", web::get().to(installable::service_worker))
        .route("/accessibilite", web::get().to(statement::statement))
        .route("/accessibility", web::get().to(statement::statement))
        .route("/admin", web::get().to(admin::landing))
        .route("/admin/explain/{uid}", web::get().to(admin::explain))
        .route("/admin/statistics", web::get().to(statistics::page))
        .route("/admin/statistics.csv", web::get().to(statistics::csv))
        .route("/admin/view-as/{uid}", web::get().to(admin::view_as_page))
        .route("/api/v1/openapi.json", web::get().to(api::openapi))
        .route("/api/v1/layout", web::get().to(api::get_layout))
        .route("/api/v1/layout", web::post().to(api::post_layout))
        .route("/api/v1/layout/reset", web::post().to(api::reset_layout))
        .route("/api/v1/catalogue", web::get().to(api::get_catalogue))
        .route("/api/v1/registry", web::get().to(api::get_registry))
        .route("/api/v1/admin/view-as/{uid}", web::get().to(api::admin_view_as))
        .route("/api/v1/admin/layout/{uid}", web::get().to(api::admin_export))
        .route("/api/v1/admin/layout/{uid}", web::post().to(api::admin_import))
        .service(
            web::resource("/api/v1/admin/packages")
                .app_data(web::PayloadConfig::new(deploy_limit))
                .route(web::get().to(deploy::list))
                .route(web::put().to(deploy::put_package)),
        )
        .route(
            "/api/v1/admin/packages/{name}/rollback",
            web::post().to(deploy::rollback),
        )
        .route("/health", web::get().to(ops::health))
        .route("/metrics", web::get().to(ops::prometheus))
        .route("/skin.css", web::get().to(ops::skin_css))
        .route("/scheme", web::get().to(scheme::switch))
        .route("/static/{file:.*}", web::get().to(ops::static_file))
        .default_service(web::to(ops::not_found))
}
