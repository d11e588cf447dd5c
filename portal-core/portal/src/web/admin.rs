//! Administration pages. Every view of a person goes through [`crate::admin::PersonView`].
//!
//! | route | what |
//! |---|---|
//! | `GET /admin` | the landing page: view a person's page, explain their populations |
//! | `GET /admin/view-as/{uid}` | `uid`'s page, read only, with the administrator's header |
//! | `GET /admin/explain/{uid}` | which populations `uid` belongs to and why (JSON) |

use super::extract::{error_page, error_page_with, locale_of, redirect};
use super::guard::{ApiAdmin, PageAdmin};
use super::session::PortalSession;
use super::state::PortalState;
use crate::admin::{PersonView, ViewError};
use crate::page::personal::personal_page;
use crate::page::{PageRequest, ViewAs, stream_page};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use agora_channel_host::Services;
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct LandingQuery {
    /// A uid typed in the landing page's form.
    uid: Option<String>,
}

/// `GET /admin`: what an administrator can do here, and the form to view a person.
pub(super) async fn landing(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    PageAdmin(me): PageAdmin,
    query: web::Query<LandingQuery>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    if let Some(uid) = query.uid.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        let encoded: String = url::form_urlencoded::byte_serialize(uid.as_bytes()).collect();
        return redirect(&format!("/admin/view-as/{encoded}"));
    }
    let mut ctx = crate::page::base_context(&state.theme, &me, &locale);
    ctx.insert("csrf_token", &session.csrf_token());
    ctx.insert("publications", &publications_view(&state, &locale));
    if super::extract::is_platform_admin(&state, &me)
        && let Some(sites) = req.app_data::<web::Data<super::sites::Sites>>()
    {
        ctx.insert("tenants", &platform_view(&sites.current(), &locale));
    }
    super::extract::html_page(&state, &locale, "admin.html", &ctx)
}

/// The site's publications with their package, version and lifecycle, for its administrators.
fn publications_view(state: &PortalState, locale: &str) -> Vec<serde_json::Value> {
    let now = crate::clock::now_ms();
    let catalog = &state.theme.catalog;
    let date = |ms: i64| {
        let days = ms.div_euclid(86_400_000);
        let (y, m, d) = crate::clock::civil_from_days(days);
        format!("{y:04}-{m:02}-{d:02}")
    };
    let live = state.live.get();
    live.registry
        .iter()
        .map(|(id, entry)| {
            let life = &entry.lifecycle;
            let state_now = life.state_at(now);
            let note = match (state_now, life.publish_at, life.expire_at) {
                (crate::live::lifecycle::State::Approved, Some(p), _) => {
                    catalog.get(locale, "lifecycle.publishes").replace("{date}", &date(p))
                }
                (crate::live::lifecycle::State::Maintenance, _, _) => life
                    .maintenance_message
                    .as_ref()
                    .map(|m| m.get(locale).to_string())
                    .unwrap_or_default(),
                (_, _, Some(e)) if e > now => catalog.get(locale, "lifecycle.expires").replace("{date}", &date(e)),
                _ => String::new(),
            };
            serde_json::json!({
                "id": id,
                "title": entry.publication.title.get(locale),
                "package": entry.channel.manifest.channel.id,
                "version": entry.channel.manifest.channel.version,
                "state": state_now,
                "label": catalog.get(locale, &format!("lifecycle.{}", serde_json::json!(state_now).as_str().unwrap_or_default())).to_string(),
                "note": note,
            })
        })
        .collect()
}

/// Every tenant's state, for a platform administrator: never a person, only configuration.
fn platform_view(map: &super::sites::SiteMap, locale: &str) -> Vec<serde_json::Value> {
    map.iter()
        .map(|s| {
            serde_json::json!({
                "id": &*s.tenant,
                "name": s.identity.name_in(locale, &s.tenant),
                "hosts": s.identity.hosts.join(", "),
                "publications": s.live.get().registry.len(),
                "generation": s.live.get().generation,
                "rejected": s.live.rejection().map(|e| e.to_string()),
            })
        })
        .collect()
}

/// The answer when there is no one to view: 404 with a message naming the uid.
fn unknown(state: &PortalState, locale: &str, e: &ViewError) -> HttpResponse {
    let ViewError::Unknown(uid) = e;
    let message = state
        .theme
        .catalog
        .get(locale, "admin.unknown_uid")
        .replace("{uid}", uid);
    error_page_with(state, locale, 404, &message)
}

#[derive(Deserialize)]
pub(super) struct ViewAsQuery {
    tab: Option<String>,
}

/// `GET /admin/view-as/{uid}`: the page `uid` gets (their fragments, their edits), read
/// only. Nothing is written (set-aside edits are shown, not recorded); the header stays the
/// administrator's; slots made with `uid`'s credentials or of their own data are withheld.
pub(super) async fn view_as_page(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    PageAdmin(me): PageAdmin,
    uid: web::Path<String>,
    query: web::Query<ViewAsQuery>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let view = match PersonView::of(&state.people, &state.groups, state.live.get(), &uid).await {
        Ok(v) => v,
        Err(e) => return unknown(&state, &locale, &e),
    };
    let person = view.resolved.person.clone();
    let page = match personal_page(
        state.site(&view.live),
        &view.live,
        &person,
        &view.memberships,
        &locale,
        false,
    )
    .await
    {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("cannot read the user's layout: {e}");
            return error_page(&state, &locale, 503, "notice.storage_unavailable");
        }
    };
    tracing::info!(admin = %me.uid, uid = %person.uid, "administrator views a user's page");
    let request = PageRequest {
        locale: locale.clone(),
        tab: query.tab.clone(),
        csrf_token: session.csrf_token(),
        notices: page.notices,
        customise: false,
        focus: None,
        confirm: None,
        undo: None,
        view_as: Some(ViewAs {
            uid: person.uid.clone(),
            name: person.display_name().to_string(),
            viewer: me,
        }),
        query: Vec::new(),
        technical: true,
        // Nothing made with the person's credentials: no proxy tickets, no mailbox.
        services: Services {
            directory: Some(state.directory.clone()),
            ..Default::default()
        },
        // The person's notifications and announcements are theirs: not in a preview.
        inbox: None,
        scheme: super::scheme::chosen(&req).map(|s| s.name()),
    };
    let person = view
        .live
        .nomenclature
        .describe(person.with_populations(&view.memberships));
    match stream_page(state.pages(&view.live), person, page.layout, request) {
        Ok(stream) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .streaming(stream),
        Err(e) => {
            tracing::error!("{e}");
            error_page(&state, &locale, 500, "error.internal")
        }
    }
}

/// `GET /admin/explain/{uid}`: which populations a person belongs to and why (JSON), with
/// the attributes the rules looked at and any source that failed.
pub(super) async fn explain(
    req: HttpRequest,
    state: super::Tenant,
    _admin: ApiAdmin,
    uid: web::Path<String>,
) -> HttpResponse {
    let view = match PersonView::of(&state.people, &state.groups, state.live.get(), &uid).await {
        Ok(v) => v,
        Err(e) => {
            let locale = locale_of(&req, &state);
            let ViewError::Unknown(uid) = &e;
            let message = state
                .theme
                .catalog
                .get(&locale, "admin.unknown_uid")
                .replace("{uid}", uid);
            return HttpResponse::NotFound().json(serde_json::json!({ "error": "unknown-uid", "message": message }));
        }
    };
    HttpResponse::Ok().json(serde_json::json!({
        "uid": view.resolved.person.uid,
        "failed_sources": view.resolved.failed_sources,
        "populations": view.memberships,
        "explanations": view.explanations,
        "text": view.text(),
    }))
}
