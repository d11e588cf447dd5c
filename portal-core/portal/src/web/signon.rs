//! The sign-in and sign-out routes of every way in; each ends in [`open`], the one place a
//! signed-in session is opened (see [`crate::signon::finish`]).
//!
//! | route | what |
//! |---|---|
//! | `GET /login` | start sign-on (CAS, OIDC), or the persona page in demo mode |
//! | `POST /login/demo` | sign in as a demo persona (CSRF-checked without a session) |
//! | `GET /login/cas` | back from CAS with a service ticket |
//! | `POST /login/cas` | CAS single logout (back channel) |
//! | `GET /login/cas/proxy-callback` | CAS delivers the proxy-granting ticket |
//! | `GET /login/oidc` | back from the OpenID provider |
//! | `POST /logout` | sign out (CSRF-checked), then on to CAS, the provider or the proxy |

use super::extract::{error_page, locale_of, redirect, see_other};
use super::home::GATEWAY_DONE;
use super::session::{AnonymousCsrf, PortalSession, ReturnPath};
use super::state::PortalState;
use crate::clock::now_ms;
use crate::people::Person;
use crate::signon::{Method, Vouched, finish, refused, safe_return_path};
use actix_web::http::header;
use actix_web::http::header::HeaderMap;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

/// Open the signed-in session of `vouched`: the one place a session becomes signed in.
/// On failure, the error page to answer with.
async fn start_session(
    state: &PortalState,
    session: &PortalSession,
    locale: &str,
    vouched: Vouched,
) -> Result<(), HttpResponse> {
    let method = vouched.method;
    let (sign_in, directory_failed) = finish(&state.people, vouched).await;
    let notices: &[&str] = if directory_failed {
        &["notice.directory_unavailable"]
    } else {
        &[]
    };
    session.open(&sign_in, notices).map_err(|e| {
        tracing::error!("cannot store session: {e}");
        error_page(state, locale, 500, "error.internal")
    })?;
    tracing::info!(uid = %sign_in.uid, method = method.label(), "signed in");
    // Counted for the person's populations, never with who they are.
    let populations = match state.people.cached(&sign_in.uid).await {
        Some(person) => {
            let person = state.groups.attach(person).await;
            crate::people::populations::memberships(&state.live.get().populations, &person, now_ms())
        }
        None => Vec::new(),
    };
    state.usage.sign_in(&populations, now_ms());
    Ok(())
}

/// Open the signed-in session of `vouched` and answer with a redirect to `return_to`.
async fn open(
    state: &PortalState,
    session: &PortalSession,
    locale: &str,
    vouched: Vouched,
    return_to: &str,
) -> HttpResponse {
    if let Err(answer) = start_session(state, session, locale, vouched).await {
        return answer;
    }
    let mut res = see_other(return_to);
    ReturnPath::clear(&mut res);
    res.finish()
}

/// An actix header map, as the trusted-headers judge reads it.
struct ActixHeaders<'a>(&'a HeaderMap);

impl crate::signon::trusted_headers::Headers for ActixHeaders<'_> {
    fn values(&self, name: &str) -> Vec<&[u8]> {
        self.0.get_all(name).map(|v| v.as_bytes()).collect()
    }
}

/// In trusted-headers mode, open (or keep) the session of the user the reverse proxy vouches
/// for; refuse identity headers that do not come from it.
pub(super) async fn apply_trusted_headers(
    req: &HttpRequest,
    state: &PortalState,
    session: &PortalSession,
    locale: &str,
) -> Option<HttpResponse> {
    use crate::signon::trusted_headers::{Verdict, judge};
    if !state.config.trusted_headers.enabled {
        return None;
    }
    let peer = req.peer_addr().map(|a| a.ip());
    match judge(&state.config.trusted_headers, peer, &ActixHeaders(req.headers())) {
        Verdict::Anonymous => None,
        Verdict::Refused(reason) => {
            tracing::warn!(?peer, "trusted headers refused: {reason}");
            refused(Method::TrustedHeaders);
            Some(error_page(state, locale, 403, "error.signon_refused"))
        }
        Verdict::SignedOn { user, attributes } => {
            if let Some(current) = session.sign_in() {
                let same =
                    current.uid == user || state.people.cached(&user).await.is_some_and(|p| p.uid == current.uid);
                if same {
                    return None;
                }
            }
            let vouched = Vouched::new(Method::TrustedHeaders, user, attributes);
            start_session(state, session, locale, vouched).await.err()
        }
    }
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

/// `GET /login`.
pub(super) async fn login_page(req: HttpRequest, state: super::Tenant, session: PortalSession) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let secure = state.config.secure_cookies();
    let query = web::Query::<LoginQuery>::from_query(req.query_string()).ok();
    let return_to = query
        .and_then(|q| q.return_to.clone())
        .and_then(|r| safe_return_path(&r))
        .unwrap_or_else(|| "/".into());
    if state.config.trusted_headers.enabled {
        if let Some(refusal) = apply_trusted_headers(&req, &state, &session, &locale).await {
            return refusal;
        }
        return match session.sign_in() {
            Some(_) => redirect(&return_to),
            None => error_page(&state, &locale, 401, "error.signon_via_proxy"),
        };
    }
    if let Some(oidc) = &state.oidc {
        return match oidc.start().await {
            Ok((url, pending)) => {
                if let Err(e) = session.set_oidc_pending(&pending) {
                    tracing::error!("cannot store session: {e}");
                    return error_page(&state, &locale, 500, "error.internal");
                }
                let mut res = see_other(url);
                ReturnPath::keep(&mut res, &return_to, secure);
                res.finish()
            }
            Err(e) => {
                tracing::warn!("OIDC provider unavailable: {e}");
                error_page(&state, &locale, 503, "error.signon_unavailable")
            }
        };
    }
    if let Some(cas) = &state.cas {
        // The return path stays in a cookie, never in `service`.
        let mut res = see_other(cas.login_redirect(false));
        ReturnPath::keep(&mut res, &return_to, secure);
        return res.finish();
    }
    let Some(dir) = &state.demo_directory else {
        return error_page(&state, &locale, 404, "error.no_signon");
    };
    let mut personas = Vec::new();
    for uid in crate::signon::demo::personas(&state.config, dir) {
        let p = state.people.resolve(&uid, Default::default()).await.person;
        personas.push(PersonaView {
            uid: uid.clone(),
            name: p.display_name().to_string(),
            description: p.first("description").unwrap_or_default().to_string(),
            affiliation: p.first("eduPersonPrimaryAffiliation").unwrap_or_default().to_string(),
        });
    }
    let (token, cookie) = AnonymousCsrf::issue(&state.session_key, secure);
    let mut ctx = crate::page::base_context(&state.theme, &Person::guest(), &locale);
    ctx.insert("personas", &personas);
    ctx.insert("csrf_token", &token);
    match state.theme.tera.render("login.html", &ctx) {
        Ok(body) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .cookie(cookie)
            .body(body),
        Err(e) => {
            tracing::error!("{}", crate::theme::tera_error(&e));
            error_page(&state, &locale, 500, "error.internal")
        }
    }
}

#[derive(Deserialize)]
pub(super) struct DemoLogin {
    uid: String,
    csrf: String,
}

/// `POST /login/demo`.
pub(super) async fn demo_login(
    req: HttpRequest,
    state: super::Tenant,
    _allowed: super::throttle::SignInAllowed,
    session: PortalSession,
    form: web::Form<DemoLogin>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let Some(dir) = &state.demo_directory else {
        return error_page(&state, &locale, 404, "error.no_signon");
    };
    if !AnonymousCsrf::check(&req, &state.session_key, &form.csrf) {
        return error_page(&state, &locale, 403, "error.csrf");
    }
    if !crate::signon::demo::may_sign_in_as(&state.config, dir, &form.uid) {
        return error_page(&state, &locale, 400, "error.unknown_persona");
    }
    let vouched = Vouched::new(Method::Demo, form.uid.clone(), Default::default());
    open(&state, &session, &locale, vouched, "/").await
}

#[derive(Deserialize)]
pub(super) struct CsrfForm {
    csrf: String,
}

/// `POST /logout`.
pub(super) async fn logout(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    if !session.csrf_ok(&form.csrf) {
        let locale = locale_of(&req, &state);
        return error_page(&state, &locale, 403, "error.csrf");
    }
    let id_token = session.sign_in().and_then(|s| s.oidc_id_token);
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

#[derive(Deserialize)]
pub(super) struct TicketQuery {
    ticket: Option<String>,
}

/// `GET /login/cas`: the browser comes back from CAS: validate the ticket, open a new
/// session, go back to the page first asked for.
pub(super) async fn cas_return(
    req: HttpRequest,
    state: super::Tenant,
    _allowed: super::throttle::SignInAllowed,
    session: PortalSession,
    query: web::Query<TicketQuery>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let Some(cas) = &state.cas else {
        return error_page(&state, &locale, 404, "error.no_signon");
    };
    let return_to = ReturnPath::read(&req);
    let Some(ticket) = query.ticket.as_deref() else {
        // Gateway came back without a CAS session: stay a guest.
        let mut res = see_other(with_query_param(&return_to, GATEWAY_DONE.0, GATEWAY_DONE.1));
        ReturnPath::clear(&mut res);
        return res.finish();
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
            refused(Method::Cas);
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
    metrics::histogram!("agora_signon_server_seconds", "method" => "cas").record(started.elapsed().as_secs_f64());
    let mut vouched = Vouched::new(Method::Cas, validation.user, validation.attributes);
    vouched.cas_ticket = Some(ticket.to_string());
    vouched.pgt = pgt;
    open(&state, &session, &locale, vouched, &return_to).await
}

#[derive(Deserialize)]
pub(super) struct PgtCallback {
    #[serde(rename = "pgtIou")]
    pgt_iou: Option<String>,
    #[serde(rename = "pgtId")]
    pgt_id: Option<String>,
}

/// `GET /login/cas/proxy-callback`: CAS delivers the proxy-granting ticket here, before it
/// answers the validation.
pub(super) async fn cas_pgt_callback(state: super::Tenant, query: web::Query<PgtCallback>) -> HttpResponse {
    if let (Some(cas), Some(iou), Some(pgt)) = (&state.cas, &query.pgt_iou, &query.pgt_id)
        && iou.starts_with("PGTIOU-")
        && pgt.starts_with("PGT-")
        && iou.len() < 512
        && pgt.len() < 512
        && let Err(e) = cas.store_pgt(iou, pgt).await
    {
        // Still 200: a CAS server that sees its callback fail refuses the whole validation
        // (django-cas-server does), so the user would read "sign-in refused". The sign-in
        // goes on without a PGT (cas-proxy back-ends unavailable for this session).
        tracing::error!("cannot keep the proxy-granting ticket: {e}");
    }
    HttpResponse::Ok().content_type("text/plain").body("OK")
}

#[derive(Deserialize)]
pub(super) struct SingleLogout {
    #[serde(rename = "logoutRequest")]
    logout_request: String,
}

/// `POST /login/cas`: back-channel single logout from the CAS server. No CSRF token (the
/// CAS server has no session here); it can only end the session opened by the service
/// ticket it names.
pub(super) async fn cas_single_logout(state: super::Tenant, form: web::Form<SingleLogout>) -> HttpResponse {
    if state.cas.is_none() {
        return HttpResponse::NotFound().finish();
    }
    match agora_cas::parse_logout_request(&form.logout_request) {
        Ok(request) => {
            // Only this tenant's sessions are indexed under its tickets: a request naming
            // another tenant's session ends nothing.
            let index = crate::session::ticket_index(&state.tenant, &request.session_index);
            match state.sessions.end_by_ticket(&index).await {
                Ok(ended) => {
                    if ended {
                        tracing::info!(user = ?request.name_id, "CAS single logout");
                    } else {
                        tracing::warn!(user = ?request.name_id, "CAS single logout for no session of this tenant: nothing ended");
                    }
                    HttpResponse::Ok().content_type("text/plain").body("OK")
                }
                Err(e) => {
                    // The session may still be alive: say so to the CAS server and the logs.
                    tracing::error!(user = ?request.name_id, "CAS single logout not applied: {e}");
                    HttpResponse::ServiceUnavailable()
                        .content_type("text/plain")
                        .body("session store unavailable")
                }
            }
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
pub(super) struct OidcCallback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /login/oidc`: the provider sends the browser back with `code` and `state`.
pub(super) async fn oidc_return(
    req: HttpRequest,
    state: super::Tenant,
    _allowed: super::throttle::SignInAllowed,
    session: PortalSession,
    query: web::Query<OidcCallback>,
) -> HttpResponse {
    use crate::signon::oidc::{OidcError, PendingLogin};
    let locale = locale_of(&req, &state);
    let Some(oidc) = &state.oidc else {
        return error_page(&state, &locale, 404, "error.no_signon");
    };
    // One attempt per pending login: taken out of the session whatever happens next.
    let pending = session.take_oidc_pending::<PendingLogin>();
    let return_to = ReturnPath::read(&req);
    let (Some(pending), Some(code), Some(st)) = (pending, query.code.as_deref(), query.state.as_deref()) else {
        tracing::warn!(error = ?query.error, "OIDC callback without a pending login, code or state");
        return error_page(&state, &locale, 403, "error.signon_refused");
    };
    let started = std::time::Instant::now();
    let identity = match oidc.finish(pending, st, code).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "OIDC sign-in refused");
            refused(Method::Oidc);
            let (status, key) = match e {
                OidcError::Unavailable(_) => (503, "error.signon_unavailable"),
                _ => (403, "error.signon_refused"),
            };
            return error_page(&state, &locale, status, key);
        }
    };
    metrics::histogram!("agora_signon_server_seconds", "method" => "oidc").record(started.elapsed().as_secs_f64());
    let mut vouched = Vouched::new(Method::Oidc, identity.login, identity.attributes);
    vouched.oidc_id_token = Some(identity.id_token);
    open(&state, &session, &locale, vouched, &return_to).await
}
