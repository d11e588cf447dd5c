//! The JSON REST API, described by the OpenAPI document at `GET /api/v1/openapi.json`.
//!
//! State-changing calls (`POST`) need the session's CSRF token in the `X-CSRF-Token` header
//! (`GET /api/v1/layout` returns it). Errors are JSON: `{"error": "...", "message": "..."}`,
//! the message in the user's language.

use super::extract::locale_of;
use super::guard::{ApiAdmin, ApiCsrf, SignedIn, problem};
use super::session::PortalSession;
use super::state::PortalState;
use crate::clock::now_ms;
use crate::page::personal::{EditError, personal_page, refusal_text, submit_edit};
use actix_web::{HttpRequest, HttpResponse, web};
use agora_layout::Edit;
use serde::Deserialize;
use serde_json::json;

/// The OpenAPI document (kept next to the code it describes).
pub const OPENAPI: &str = include_str!("openapi.json");

/// The store is down: log why, tell the user in their language.
fn storage_down(state: &PortalState, locale: &str, what: &str, e: impl std::fmt::Display) -> HttpResponse {
    tracing::error!("{what}: {e}");
    problem(
        503,
        "storage-unavailable",
        state.theme.catalog.get(locale, "notice.storage_unavailable"),
    )
}

/// How the JSON extractor reports a body it cannot read.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default().limit(64 * 1024).error_handler(|err, _req| {
        let message = err.to_string();
        actix_web::error::InternalError::from_response(err, problem(400, "bad-request", message)).into()
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "public, max-age=300"))
        .body(OPENAPI)
}

/// `GET /api/v1/layout`: the user's page, their edits (set-aside ones with the reason) and
/// the CSRF token for changes.
pub async fn get_layout(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    SignedIn(person): SignedIn,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let live = state.live.get();
    let memberships = crate::people::populations::memberships(&live.populations, &person, now_ms());
    match personal_page(state.site(&live), &live, &person, &memberships, &locale, false).await {
        Ok(page) => HttpResponse::Ok()
            .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
            .json(json!({
                "uid": person.uid,
                "populations": memberships,
                "layout": page.layout,
                "edits": page.edits,
                "csrf_token": session.csrf_token(),
            })),
        Err(e) => storage_down(&state, &locale, "cannot read the user's layout", e),
    }
}

/// `POST /api/v1/layout`: apply one edit (JSON of an operation); 409 with the reason when
/// it does not apply.
pub async fn post_layout(
    req: HttpRequest,
    state: super::Tenant,
    _csrf: ApiCsrf,
    SignedIn(person): SignedIn,
    edit: web::Json<Edit>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let mut edit = edit.into_inner();
    if let Edit::AddTab { id, .. } = &mut edit {
        // The portal chooses ids of new tabs.
        *id = super::customise::new_tab_id();
    }
    let live = state.live.get();
    let memberships = crate::people::populations::memberships(&live.populations, &person, now_ms());
    match submit_edit(state.site(&live), &live, &person, &memberships, edit.clone()).await {
        Ok(layout) => HttpResponse::Ok().json(json!({ "layout": layout })),
        Err(EditError::Refused(refusal, current)) => {
            let message = refusal_text(state.site(&live), &current, &locale, &edit, &refusal);
            HttpResponse::Conflict().json(json!({
                "error": "refused",
                "refusal": refusal,
                "message": message,
            }))
        }
        Err(EditError::NotSignedIn) => problem(401, "not-signed-in", "sign in first"),
        Err(EditError::Storage(e)) => storage_down(&state, &locale, "cannot store a layout edit", e),
    }
}

/// `POST /api/v1/layout/reset`: back to the institution's page.
pub async fn reset_layout(
    req: HttpRequest,
    state: super::Tenant,
    _csrf: ApiCsrf,
    SignedIn(person): SignedIn,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    match state.edits.reset(&person.uid).await {
        Ok(n) => HttpResponse::Ok().json(json!({ "removed_edits": n })),
        Err(e) => storage_down(&state, &locale, "cannot reset a layout", e),
    }
}

/// The query of `GET /api/v1/catalogue`: the search words and the category.
#[derive(Deserialize)]
pub struct CatalogueQuery {
    q: Option<String>,
    category: Option<String>,
}

/// `GET /api/v1/catalogue`: what the user may add (`q` searches, `category` filters).
pub async fn get_catalogue(
    req: HttpRequest,
    state: super::Tenant,
    SignedIn(person): SignedIn,
    query: web::Query<CatalogueQuery>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let live = state.live.get();
    let memberships = crate::people::populations::memberships(&live.populations, &person, now_ms());
    let items = live.catalogue.search(
        &live.registry,
        &memberships,
        &locale,
        query.q.as_deref().unwrap_or_default(),
        query.category.as_deref().filter(|c| !c.is_empty()),
    );
    HttpResponse::Ok().json(json!({
        "categories": live.catalogue.categories(&locale),
        "items": items,
    }))
}

/// `GET /api/v1/registry`: the publications of the portal, their channels, what their
/// manifests grant and their lifecycle (signed-in users; drafts, approved ones before their
/// date and expired ones for administrators only).
pub async fn get_registry(req: HttpRequest, state: super::Tenant, SignedIn(who): SignedIn) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let live = state.live.get();
    let now = crate::clock::now_ms();
    let administrator = super::extract::is_admin_person(&state, &who);
    let publications: Vec<serde_json::Value> = live
        .registry
        .iter()
        .filter(|(_, entry)| administrator || entry.lifecycle.at(now) != crate::live::lifecycle::Effective::Hidden)
        .map(|(id, entry)| {
            let m = &entry.channel.manifest;
            json!({
                "id": id,
                "lifecycle": entry.lifecycle.state_at(now),
                "title": entry.publication.title.get(&locale),
                "channel": { "id": m.channel.id, "version": m.channel.version, "world": m.channel.world,
                             "description": m.channel.description.get(&locale) },
                "backends": m.backends.keys().collect::<Vec<_>>(),
                "attributes": m.attributes.read,
                "preferences": m.config.iter().filter(|(_, f)| f.preference).map(|(k, _)| k).collect::<Vec<_>>(),
                "cache_ttl_seconds": m.cache.ttl_seconds,
            })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "publications": publications }))
}

/// `GET /api/v1/admin/view-as/{uid}`: the fragments and population rules that make `uid`'s
/// page, their edits (with those set aside) and the resulting page. Read only.
pub async fn admin_view_as(
    req: HttpRequest,
    state: super::Tenant,
    _admin: ApiAdmin,
    uid: web::Path<String>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let resolved = state.people.resolve(&uid, Default::default()).await;
    let live = state.live.get();
    let now = now_ms();
    let explanations = crate::people::populations::explain(&live.populations, &resolved.person, now);
    let memberships: Vec<String> = explanations
        .iter()
        .filter(|e| e.outcome.matched)
        .map(|e| e.population.clone())
        .collect();
    let fragments: Vec<serde_json::Value> = live
        .fragments
        .for_person(true, &memberships)
        .iter()
        .map(|f| {
            let because: Vec<&String> = f
                .audience
                .populations
                .iter()
                .filter(|p| memberships.contains(p))
                .collect();
            json!({
                "id": f.id, "file": f.file, "description": f.description, "precedence": f.precedence,
                "everyone": f.audience.everyone, "because_of": because,
                "tabs": f.tabs.iter().map(|t| &t.id).collect::<Vec<_>>(),
            })
        })
        .collect();
    match personal_page(state.site(&live), &live, &resolved.person, &memberships, &locale, false).await {
        Ok(page) => HttpResponse::Ok().json(json!({
            "uid": resolved.person.uid,
            "failed_sources": resolved.failed_sources,
            "populations": memberships,
            "explanations": explanations,
            "fragments": fragments,
            "default_layout": live.fragments.layout_for(true, &memberships),
            "edits": page.edits,
            "layout": page.layout,
            "config_generation": live.generation,
        })),
        Err(e) => storage_down(&state, &locale, "cannot read the user's layout", e),
    }
}

/// `GET /api/v1/admin/layout/{uid}`: export `uid`'s edits.
pub async fn admin_export(
    req: HttpRequest,
    state: super::Tenant,
    _admin: ApiAdmin,
    uid: web::Path<String>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    match state.edits.edits(&uid).await {
        Ok(edits) => HttpResponse::Ok()
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"layout-{}.json\"", uid.replace(['"', '\\'], "_")),
            ))
            .json(json!({
                "format": "agora-layout-edits/1",
                "uid": uid.as_str(),
                "exported_at_ms": now_ms(),
                "edits": edits.iter().map(|e| &e.edit).collect::<Vec<_>>(),
            })),
        Err(e) => storage_down(&state, &locale, "cannot read a layout", e),
    }
}

/// The body of an import.
#[derive(Deserialize)]
pub struct Import {
    edits: Vec<Edit>,
}

/// `POST /api/v1/admin/layout/{uid}`: replace `uid`'s edits with the imported ones (they are
/// replayed on the next view; those that do not apply are set aside and announced).
pub async fn admin_import(
    req: HttpRequest,
    state: super::Tenant,
    _csrf: ApiCsrf,
    _admin: ApiAdmin,
    uid: web::Path<String>,
    body: web::Json<Import>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    if body.edits.len() > 500 {
        return problem(400, "too-many-edits", "at most 500 edits per layout");
    }
    match state.edits.replace(&uid, &body.edits).await {
        Ok(()) => {
            tracing::info!(uid = %uid, edits = body.edits.len(), "layout imported by an administrator");
            HttpResponse::Ok().json(json!({ "imported_edits": body.edits.len() }))
        }
        Err(e) => storage_down(&state, &locale, "cannot import a layout", e),
    }
}
