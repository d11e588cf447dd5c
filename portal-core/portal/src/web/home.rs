//! `GET /` (and `HEAD /`): the home page, streamed. Sign-on first when it is mandatory or
//! when CAS gateway has not been tried yet; then the person, their populations, their page,
//! and the slots.

use super::extract::{current_person, error_page, lang_cookie, locale_of, redirect, request_path, see_other};
use super::session::{GatewayTried, PortalSession, ReturnPath};
use super::signon::apply_trusted_headers;
use super::state::PortalState;
use crate::clock::now_ms;
use crate::page::{PageRequest, personal::personal_page, stream_page};
use crate::people::Person;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use agora_channel_host::{MailService, ProxyTicketIssuer, Services};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
pub(super) struct HomeQuery {
    tab: Option<String>,
    /// `1`: show the customisation controls.
    customise: Option<String>,
    /// The control to focus (`publication:action`), after a customisation form.
    focus: Option<String>,
    /// `done`: CAS gateway already came back without a session (see [`GATEWAY_DONE`]).
    gateway: Option<String>,
    /// A destructive customisation to confirm (`remove-tab`, `reset`).
    confirm: Option<String>,
}

/// Added to the return path when CAS gateway comes back without a ticket, so a client that
/// keeps no cookies (a crawler, a monitor, a browser refusing cookies) gets the guest page
/// instead of being sent round CAS forever.
pub const GATEWAY_DONE: (&str, &str) = ("gateway", "done");

/// The services of the page's channels for `person` (none for a guest).
fn services(state: &PortalState, person: &Person, pgt: Option<String>) -> Services {
    if !person.is_signed_in() {
        return Services::default();
    }
    let proxy_tickets = match (&state.cas, pgt) {
        (Some(cas), Some(pgt)) => Some(Arc::new(cas.issuer(pgt)) as Arc<dyn ProxyTicketIssuer>),
        _ => None,
    };
    Services {
        dav: state.dav.as_ref().map(|client| {
            Arc::new(client.for_person(&person.uid, proxy_tickets.clone())) as Arc<dyn agora_channel_host::DavService>
        }),
        directory: Some(state.directory.clone()),
        mail: state.mail.enabled().then(|| {
            Arc::new(crate::imap::ImapMail::new(
                state.mail.clone(),
                state.tls.clone(),
                person.uid.clone(),
                proxy_tickets.clone(),
            )) as Arc<dyn MailService>
        }),
        proxy_tickets,
    }
}

/// `GET /`.
pub(super) async fn home(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    query: web::Query<HomeQuery>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    if let Some(refusal) = apply_trusted_headers(&req, &state, &session, &locale).await {
        return refusal;
    }
    let current = current_person(&session, &state).await;
    let secure = state.config.secure_cookies();
    if current.is_none()
        && let Some(cas) = &state.cas
    {
        let tried = query.gateway.as_deref() == Some(GATEWAY_DONE.1) || GatewayTried::is_set(&req);
        if !state.config.auth.guest_page || (cas.gateway && !tried) {
            // Without a guest page, sign-on is mandatory; with one, gateway is tried once.
            let gateway = state.config.auth.guest_page;
            let mut res = see_other(cas.login_redirect(gateway));
            if gateway {
                GatewayTried::set(&mut res, secure);
            }
            ReturnPath::keep(&mut res, &request_path(&req), secure);
            return res.finish();
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
    let pgt = session.sign_in().and_then(|s| s.pgt);
    let live = state.live.get();
    // One parse of the SupAnn composites (kept a minute per person) serves the populations,
    // the notice and the person the channels see.
    let (person, populations, malformed) = state.memberships.evaluate(
        live.generation,
        &live.populations,
        &live.nomenclature,
        &person,
        now_ms(),
    );
    if malformed {
        notices.push("notice.directory_malformed".into());
    }
    let mut messages: Vec<String> = notices
        .iter()
        .map(|k| state.theme.catalog.get(&locale, k).to_string())
        .collect();
    messages.extend(session.take_flash());
    let layout = match personal_page(state.site(&live), &live, &person, &populations, &locale, true).await {
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
    if req.method() == actix_web::http::Method::GET {
        let shown = query
            .tab
            .as_deref()
            .and_then(|t| layout.tab(t))
            .or_else(|| layout.tabs.first());
        state.usage.page_view(
            person.is_signed_in(),
            &populations,
            shown.into_iter().flat_map(|t| {
                t.columns
                    .iter()
                    .flat_map(|c| c.slots.iter().map(|s| s.publication.as_str()))
            }),
            now_ms(),
        );
    }
    let inbox = if person.is_signed_in() {
        match state
            .inbox
            .summary(&person.uid, &populations, &live.announcements, &locale, now_ms())
            .await
        {
            Ok(summary) => Some(summary),
            Err(e) => {
                // The page still shows, without the banners and the count.
                tracing::warn!("cannot read the inbox: {e}");
                None
            }
        }
    } else {
        None
    };
    let page = PageRequest {
        locale: locale.clone(),
        tab: query.tab.clone(),
        csrf_token: session.csrf_token(),
        notices: messages,
        customise: query.customise.as_deref() == Some("1"),
        focus: query.focus.clone(),
        confirm: query.confirm.clone().filter(|c| c == "remove-tab" || c == "reset"),
        undo: session.take_undo_offer(),
        view_as: None,
        technical: person.is_signed_in() && super::extract::is_admin_among(&state, &person, &populations),
        query: url::form_urlencoded::parse(req.query_string().as_bytes())
            .into_owned()
            .take(32)
            .collect(),
        services: services(&state, &person, pgt),
        inbox,
        scheme: super::scheme::chosen(&req).map(|s| s.name()),
    };
    match stream_page(state.pages(&live), person, layout, page) {
        Ok(stream) => {
            let mut res = HttpResponse::Ok();
            res.content_type("text/html; charset=utf-8")
                .insert_header((header::CACHE_CONTROL, "private, no-store"));
            if let Some(c) = lang_cookie(&req, &locale, secure) {
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
