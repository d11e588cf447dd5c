//! Page assembly, streamed.
//!
//! The shell (head, header, tabs, and a placeholder per slot) leaves first, before any channel
//! finishes. Each slot follows as soon as its render is done, in completion order. Without
//! JavaScript the browser puts each slot in place by itself: the shell is a declarative
//! shadow root whose `<slot name="s-N">` elements receive the light-DOM `<div slot="s-N">`
//! chunks streamed after it. So the first byte never waits for a channel, and the page
//! costs about its slowest channel, not the sum.

use crate::app::PortalState;
use crate::layout::Tab;
use crate::person::Person;
use crate::slot::SlotView;
use bytes::Bytes;
use futures::stream::{self, FuturesUnordered, Stream, StreamExt};
use serde::Serialize;
use std::sync::Arc;

/// Everything the shell template shows besides the slots.
#[derive(Clone, Default)]
pub struct PageRequest {
    /// `fr` or `en`.
    pub locale: String,
    /// Requested tab id (the first tab if unknown).
    pub tab: Option<String>,
    /// Token for the forms of the page (sign-out).
    pub csrf_token: String,
    /// Messages for the user (i18n keys).
    pub notices: Vec<String>,
    /// The populations of the person (slots restricted to others are not shown).
    pub populations: Vec<String>,
    /// CAS proxy tickets for this user's channels, when signed in with CAS.
    pub proxy_tickets: Option<std::sync::Arc<dyn agora_channel_host::render::ProxyTicketIssuer>>,
}

#[derive(Serialize)]
struct SlotShell {
    name: String,
    title: String,
    publication: String,
}

#[derive(Serialize)]
struct TabLink {
    id: String,
    title: String,
    active: bool,
}

/// A page could not be produced (template error): shown as a plain error page.
#[derive(Debug, thiserror::Error)]
#[error("cannot render template {template}: {reason}")]
pub struct PageError {
    /// Template name.
    pub template: String,
    /// Cause.
    pub reason: String,
}

fn render(state: &PortalState, template: &str, ctx: &tera::Context) -> Result<String, PageError> {
    state.theme.tera.render(template, ctx).map_err(|e| PageError {
        template: template.to_string(),
        reason: crate::theme::tera_error(&e),
    })
}

/// Base template context: skin, strings, language, person.
pub fn base_context(state: &PortalState, person: &Person, locale: &str) -> tera::Context {
    let mut ctx = tera::Context::new();
    ctx.insert("skin", &state.config.skin);
    ctx.insert("t", state.theme.catalog.table(locale));
    ctx.insert("locale", locale);
    ctx.insert("other_locale", if locale == "en" { "fr" } else { "en" });
    ctx.insert("signed_in", &person.is_signed_in());
    ctx.insert("display_name", person.display_name());
    ctx.insert("demo", &state.config.demo.enabled);
    ctx
}

/// Stream the page for `person`.
pub fn stream_page(
    state: Arc<PortalState>,
    person: Person,
    req: PageRequest,
) -> Result<impl Stream<Item = Result<Bytes, std::convert::Infallible>>, PageError> {
    let tabs: &[Tab] = state.layouts.page(person.is_signed_in());
    let active = req
        .tab
        .as_deref()
        .and_then(|id| tabs.iter().position(|t| t.id == id))
        .unwrap_or(0);
    let locale = req.locale.clone();
    let mut slots = Vec::new();
    let mut columns: Vec<Vec<SlotShell>> = Vec::new();
    if let Some(tab) = tabs.get(active) {
        for column in &tab.columns {
            let mut col = Vec::new();
            for slot in column.iter().filter(|s| s.visible_to(&req.populations)) {
                let publication = slot.publication().to_string();
                let Some(entry) = state.registry.get(&publication) else {
                    continue;
                };
                let name = format!("s-{}", slots.len());
                col.push(SlotShell {
                    name: name.clone(),
                    title: entry.publication.title.get(&locale).to_string(),
                    publication: publication.clone(),
                });
                slots.push((name, entry.clone()));
            }
            columns.push(col);
        }
    }
    let tab_links: Vec<TabLink> = tabs
        .iter()
        .enumerate()
        .map(|(i, t)| TabLink {
            id: t.id.clone(),
            title: t.title.get(&locale).to_string(),
            active: i == active,
        })
        .collect();
    let mut ctx = base_context(&state, &person, &locale);
    ctx.insert("tabs", &tab_links);
    ctx.insert("columns", &columns);
    ctx.insert("column_count", &columns.len());
    ctx.insert("csrf_token", &req.csrf_token);
    let notices: Vec<&str> = req
        .notices
        .iter()
        .map(|k| state.theme.catalog.get(&locale, k))
        .collect();
    ctx.insert("notices", &notices);
    let shell = render(&state, "page_open.html", &ctx)?;
    let close = render(&state, "page_close.html", &ctx)?;

    let renders: FuturesUnordered<_> = slots
        .into_iter()
        .map(|(name, entry)| {
            let state = state.clone();
            let person = person.clone();
            let locale = locale.clone();
            let proxy = req.proxy_tickets.clone();
            async move {
                let view = state.slots.render(&entry, &person, &locale, proxy).await;
                let title = entry.publication.title.get(&locale).to_string();
                slot_chunk(&state, &name, &title, &locale, &view).unwrap_or_else(|e| {
                    tracing::error!("{e}");
                    format!(
                        "<div slot=\"{name}\" class=\"channel-body channel-error\"><p>{}</p></div>",
                        state.theme.catalog.get(&locale, "slot.error.crashed")
                    )
                })
            }
        })
        .collect();
    let head = stream::once(async move { Ok(Bytes::from(shell)) });
    let body = renders.map(|chunk| Ok(Bytes::from(chunk)));
    let tail = stream::once(async move { Ok(Bytes::from(close)) });
    Ok(head.chain(body).chain(tail))
}

/// HTML of one finished slot.
pub fn slot_chunk(
    state: &PortalState,
    name: &str,
    title: &str,
    locale: &str,
    view: &SlotView,
) -> Result<String, PageError> {
    let mut ctx = tera::Context::new();
    ctx.insert("t", state.theme.catalog.table(locale));
    ctx.insert("slot", name);
    ctx.insert("title", title);
    match view {
        SlotView::Fresh {
            html,
            title: channel_title,
        } => {
            ctx.insert("state", "fresh");
            ctx.insert("html", html);
            ctx.insert("channel_title", channel_title);
        }
        SlotView::Stale {
            html,
            title: channel_title,
            age_seconds,
            reason_key,
        } => {
            ctx.insert("state", "stale");
            ctx.insert("html", html);
            ctx.insert("channel_title", channel_title);
            ctx.insert("age", &age_text(state, locale, *age_seconds));
            ctx.insert("message", state.theme.catalog.get(locale, reason_key));
        }
        SlotView::Failed { reason_key, detail } => {
            ctx.insert("state", "failed");
            ctx.insert("message", state.theme.catalog.get(locale, reason_key));
            ctx.insert("detail", detail);
        }
    }
    render(state, "slot.html", &ctx)
}

/// "12 min" / "3 h" style age in the user's language.
fn age_text(state: &PortalState, locale: &str, seconds: i64) -> String {
    let c = &state.theme.catalog;
    if seconds < 60 {
        c.get(locale, "age.seconds").replace("{n}", &seconds.to_string())
    } else if seconds < 3600 {
        c.get(locale, "age.minutes").replace("{n}", &(seconds / 60).to_string())
    } else if seconds < 86400 {
        c.get(locale, "age.hours").replace("{n}", &(seconds / 3600).to_string())
    } else {
        c.get(locale, "age.days").replace("{n}", &(seconds / 86400).to_string())
    }
}
