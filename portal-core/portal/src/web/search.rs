//! `GET /search?q=`: the one search field, for the signed-in person (services, people,
//! what their channels offer), grouped by kind; see [`crate::find`].

use super::extract::{current_person, error_page, locale_of, redirect};
use super::session::PortalSession;
use crate::clock::now_ms;
use crate::find::Searcher;
use crate::page::{base_context, personal::personal_page};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

/// The query of `GET /search`.
#[derive(Deserialize)]
pub(super) struct SearchQuery {
    q: Option<String>,
}

/// `GET /search`.
pub(super) async fn search(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    query: web::Query<SearchQuery>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let Some((person, _)) = current_person(&session, &state).await else {
        return redirect("/login?return=/search");
    };
    let q: String = query.q.clone().unwrap_or_default().trim().chars().take(64).collect();
    let live = state.live.get();
    let populations = crate::people::populations::memberships(&live.populations, &person, now_ms());
    let person = person.with_populations(&populations);
    let layout = match personal_page(state.site(&live), &live, &person, &populations, &locale, false).await {
        Ok(page) => page.layout,
        Err(e) => {
            tracing::error!("cannot read the user's layout: {e}");
            return error_page(&state, &locale, 503, "notice.storage_unavailable");
        }
    };
    let searcher = Searcher {
        registry: &live.registry,
        live: &live,
        directory: state.directory.clone(),
        slots: &state.slots,
    };
    let services = agora_channel_host::Services {
        directory: Some(state.directory.clone()),
        ..Default::default()
    };
    let results = searcher
        .search(&person, &populations, &layout, &locale, &q, services)
        .await;
    let mut ctx = base_context(&state.theme, &person, &locale);
    ctx.insert("q", &q);
    ctx.insert("searched", &!q.is_empty());
    ctx.insert("count", &results.count());
    ctx.insert("results", &results);
    ctx.insert("csrf_token", &session.csrf_token());
    super::extract::html_page(&state, &locale, "search.html", &ctx)
}
