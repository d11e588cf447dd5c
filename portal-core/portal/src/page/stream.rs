//! Page assembly, streamed.
//!
//! The shell (head, header, tabs, and a placeholder per slot) leaves first, before any channel
//! finishes. Each slot follows as soon as its render is done, in completion order. Without
//! JavaScript the browser puts each slot in place by itself: the shell is a declarative
//! shadow root whose `<slot name="s-N">` elements receive the light-DOM `<div slot="s-N">`
//! chunks streamed after it. So the first byte never waits for a channel, and the page
//! costs about its slowest channel, not the sum.

use super::Pages;
use super::chunk::slot_chunk;
use super::slot::{Preferences, SlotInputs, SlotView};
use crate::live::lifecycle::Effective;
use crate::live::registry::Entry;
use crate::people::Person;
use crate::theme::Theme;
use agora_layout::Layout;
use bytes::Bytes;
use futures::stream::{self, FuturesUnordered, Stream, StreamExt};
use serde::Serialize;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// At most this many pieces (shell, slots, end) are joined into one write.
const MAX_CHUNKS_PER_WRITE: usize = 64;

/// Everything the shell template shows besides the slots.
#[derive(Clone, Default)]
pub struct PageRequest {
    /// `fr` or `en`.
    pub locale: String,
    /// Requested tab id (the first tab if unknown).
    pub tab: Option<String>,
    /// Token for the forms of the page (sign-out, customisation).
    pub csrf_token: String,
    /// Messages for the user, already in their language.
    pub notices: Vec<String>,
    /// Show the customisation controls.
    pub customise: bool,
    /// The control to focus (`publication:action`) after a customisation form.
    pub focus: Option<String>,
    /// A destructive action waiting for confirmation (`remove-tab`, `reset`).
    pub confirm: Option<String>,
    /// A removal or reset just made, which may be undone: what was done, in words.
    pub undo: Option<String>,
    /// The page's query parameters; each channel gets those named `<publication>.<name>`.
    pub query: Vec<(String, String)>,
    /// What the page's channels may use: proxy tickets, directory, mail.
    pub services: agora_channel_host::Services,
    /// An administrator previews someone's page (read only, with a bar saying so).
    pub view_as: Option<ViewAs>,
    /// Whether a failed slot shows why and the technical detail (administrators); others
    /// are told only what is unavailable, in words.
    pub technical: bool,
    /// The signed-in person's banners and unread count (none for a guest or a preview).
    pub inbox: Option<crate::inbox::Summary>,
    /// The colour scheme the browser chose (`light`, `dark`), none for the system's.
    pub scheme: Option<&'static str>,
}

/// An administrator's preview of someone else's page.
#[derive(Clone)]
pub struct ViewAs {
    /// Whose page it is.
    pub uid: String,
    /// Their name, for the bar.
    pub name: String,
    /// The administrator: the header stays theirs.
    pub viewer: Person,
}

/// A move target for a button: tab, column, position.
#[derive(Serialize, Hash)]
struct Target {
    tab: String,
    column: usize,
    position: usize,
}

#[derive(Serialize, Hash)]
struct PreferenceField {
    key: String,
    label: String,
    value: String,
    kind: &'static str,
    min: Option<i64>,
    max: Option<i64>,
}

#[derive(Serialize, Hash)]
struct SlotShell {
    name: String,
    title: String,
    /// The channel's icon, sanitised SVG (decorative).
    icon: Option<Arc<str>>,
    publication: String,
    movable: bool,
    deletable: bool,
    /// Where it is: what a drag and drop (script) counts from.
    at: Target,
    up: Option<Target>,
    down: Option<Target>,
    left: Option<Target>,
    right: Option<Target>,
    preferences: Vec<PreferenceField>,
}

#[derive(Serialize, Hash)]
struct TabLink {
    id: String,
    title: String,
    active: bool,
    position: usize,
    movable: bool,
    deletable: bool,
    editable: bool,
    accepts_children: bool,
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

pub(super) fn render(theme: &Theme, template: &str, ctx: &tera::Context) -> Result<String, PageError> {
    theme.tera.render(template, ctx).map_err(|e| PageError {
        template: template.to_string(),
        reason: crate::theme::tera_error(&e),
    })
}

/// Base template context: skin, strings, language, person.
pub fn base_context(theme: &Theme, person: &Person, locale: &str) -> tera::Context {
    context_with_strings(theme, person, locale, theme.catalog.table(locale), &[])
}

/// Base template context with the strings `t` given; `query` is the page's query string,
/// kept by the language switch.
fn context_with_strings(
    theme: &Theme,
    person: &Person,
    locale: &str,
    strings: &std::collections::BTreeMap<String, String>,
    query: &[(String, String)],
) -> tera::Context {
    let mut ctx = tera::Context::new();
    ctx.insert("skin", &theme.skin);
    ctx.insert("t", strings);
    ctx.insert("locale", locale);
    let other_locale = if locale == "en" { "fr" } else { "en" };
    ctx.insert("other_locale", other_locale);
    ctx.insert("lang_switch", &lang_switch(query, other_locale));
    ctx.insert("signed_in", &person.is_signed_in());
    ctx.insert("display_name", person.display_name());
    ctx.insert("demo", &theme.demo);
    ctx.insert("picked", &theme.picked);
    ctx
}

/// The link of the language switch: the same page (`query` without `lang` nor `focus`) in
/// `other_locale`, so switching language keeps the tab, customisation mode and searches.
fn lang_switch(query: &[(String, String)], other_locale: &str) -> String {
    let mut out = url::form_urlencoded::Serializer::for_suffix(String::from("?"), 1);
    for (k, v) in query.iter().filter(|(k, _)| k != "lang" && k != "focus") {
        out.append_pair(k, v);
    }
    out.append_pair("lang", other_locale);
    out.finish()
}

/// The preference fields a channel declares, with the person's current values.
fn preference_fields(
    entry: &Entry,
    chosen: Option<&Preferences>,
    defaults: &serde_json::Map<String, serde_json::Value>,
    locale: &str,
) -> Vec<PreferenceField> {
    use agora_channel_host::manifest::ConfigType;
    entry
        .channel
        .manifest
        .config
        .iter()
        .filter(|(_, f)| f.preference)
        .map(|(key, f)| {
            let value = chosen
                .and_then(|c| c.get(key))
                .cloned()
                .unwrap_or_else(|| match defaults.get(key) {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    // One item per line, as the list editor shows them.
                    Some(serde_json::Value::Array(items)) => {
                        items.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join("\n")
                    }
                    Some(other) => other.to_string(),
                    None => String::new(),
                });
            PreferenceField {
                key: key.clone(),
                label: match &f.label {
                    Some(label) => label.get(locale).to_string(),
                    None if f.description.is_empty() => key.clone(),
                    None => f.description.clone(),
                },
                value,
                kind: match f.kind {
                    ConfigType::Integer => "number",
                    ConfigType::Boolean => "boolean",
                    ConfigType::StringList => "list",
                    _ => "text",
                },
                min: f.min,
                max: f.max,
            }
        })
        .collect()
}

/// Stream `layout`, the page of `person`.
pub fn stream_page(
    parts: Pages,
    person: Person,
    layout: Layout,
    mut req: PageRequest,
) -> Result<impl Stream<Item = Result<Bytes, std::convert::Infallible>>, PageError> {
    let tabs = &layout.tabs;
    let asked = req
        .tab
        .as_deref()
        .filter(|id| !id.is_empty())
        .map(|id| tabs.iter().position(|t| t.id == id));
    let active = asked.flatten().unwrap_or(0);
    let locale = req.locale.clone();
    // A tab that is gone (deleted, or a stale bookmark): the first one, and say so.
    if asked.is_some_and(|found| found.is_none()) {
        let notice = parts.theme.catalog.get(&locale, "page.unknown_tab").to_string();
        req.notices.push(notice);
    }
    let mut slots = Vec::new();
    let mut columns: Vec<Vec<SlotShell>> = Vec::new();
    let now = crate::clock::now_ms();
    if let Some(tab) = tabs.get(active) {
        let count = tab.columns.len();
        for (c, column) in tab.columns.iter().enumerate() {
            let mut col = Vec::new();
            let len = column.slots.len();
            let accepts = |i: usize| tab.flags.accepts_children && tab.columns[i].accepts_children;
            for (s, slot) in column.slots.iter().enumerate() {
                let publication = slot.publication.clone();
                let Some(entry) = parts.registry.get(&publication) else {
                    continue;
                };
                // A draft, an approved one before its date, an expired one: on no page.
                let life = entry.lifecycle.at(now);
                if life == Effective::Hidden {
                    continue;
                }
                let withheld = req.view_as.is_some() && entry.personal_only();
                let name = format!("s-{}", slots.len());
                let movable = slot.flags.movable;
                let target = |column: usize, position: usize| Target {
                    tab: tab.id.clone(),
                    column,
                    position,
                };
                // Settings forms exist only in customisation mode: skip the work otherwise.
                let preferences = if req.customise {
                    let defaults: serde_json::Map<String, serde_json::Value> =
                        serde_json::from_str(&entry.publication.config_json).unwrap_or_default();
                    preference_fields(entry, layout.preferences.get(&publication), &defaults, &locale)
                } else {
                    Vec::new()
                };
                col.push(SlotShell {
                    name: name.clone(),
                    title: entry.publication.title.get(&locale).to_string(),
                    icon: entry.channel.icon.clone(),
                    publication: publication.clone(),
                    movable,
                    deletable: slot.flags.deletable,
                    at: target(c, s),
                    up: (movable && s > 0).then(|| target(c, s - 1)),
                    down: (movable && s + 1 < len).then(|| target(c, s + 1)),
                    left: (movable && c > 0 && accepts(c - 1)).then(|| target(c - 1, tab.columns[c - 1].slots.len())),
                    right: (movable && c + 1 < count && accepts(c + 1))
                        .then(|| target(c + 1, tab.columns[c + 1].slots.len())),
                    preferences,
                });
                let mut params: std::collections::BTreeMap<String, String> = req
                    .query
                    .iter()
                    .filter_map(|(k, v)| {
                        k.strip_prefix(publication.as_str())
                            .and_then(|rest| rest.strip_prefix('.'))
                            .map(|name| (name.to_string(), v.chars().take(256).collect()))
                    })
                    .take(8)
                    .collect();
                params.insert("tab".into(), tab.id.clone());
                let inputs = SlotInputs {
                    preferences: layout.preferences.get(&publication).cloned().unwrap_or_default(),
                    params,
                    services: req.services.clone(),
                    notifications: req.view_as.is_none(),
                };
                let maintenance = (life == Effective::Maintenance).then(|| {
                    entry
                        .lifecycle
                        .maintenance_message
                        .as_ref()
                        .map(|m| m.get(&locale).to_string())
                        .unwrap_or_default()
                });
                slots.push((name, entry.clone(), inputs, withheld, maintenance));
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
            position: i,
            movable: t.flags.movable,
            deletable: t.flags.deletable,
            editable: t.flags.editable,
            accepts_children: t.flags.accepts_children,
        })
        .collect();
    // A shell is kept for its person only (the key starts with the uid), never for a preview.
    let lang_switch_link = lang_switch(&req.query, if locale == "en" { "fr" } else { "en" });
    let customise = req.customise && person.is_signed_in() && req.view_as.is_none();
    let focus = if customise {
        super::focus::resolve(
            req.focus.as_deref().unwrap_or_default(),
            &controls(&columns, &tab_links, req.undo.is_some()),
        )
    } else if req.focus.as_deref() == Some(super::focus::HEADING) {
        // After a banner was dismissed: the heading, not the top of the page.
        super::focus::HEADING.to_string()
    } else {
        String::new()
    };
    req.focus = Some(focus.clone());
    if !customise {
        req.confirm = None;
    }
    let shell_key = req.view_as.is_none().then(|| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&locale, &lang_switch_link, person.display_name(), &req.csrf_token).hash(&mut h);
        (
            customise,
            &focus,
            &req.confirm,
            &tab_links,
            &columns,
            active,
            &req.notices,
            &req.undo,
            &req.inbox,
            req.scheme,
        )
            .hash(&mut h);
        (person.uid.clone(), h.finish())
    });
    let cached = shell_key.as_ref().and_then(|k| parts.kept.shell(k));
    let (shell, close) = match cached {
        Some(both) => (both.0.clone(), both.1.clone()),
        None => {
            let (shell, close) = render_shell(&parts, &person, &req, &locale, &tab_links, &columns, active, tabs)?;
            let (shell, close) = (Bytes::from(shell), Bytes::from(close));
            if let Some(key) = shell_key {
                parts.kept.keep_shell(key, Arc::new((shell.clone(), close.clone())));
            }
            (shell, close)
        }
    };

    let technical = req.technical;
    let renders: FuturesUnordered<_> = slots
        .into_iter()
        .map(|(name, entry, inputs, withheld, maintenance)| {
            let parts = parts.clone();
            let person = person.clone();
            let locale = locale.clone();
            async move {
                let view = if let Some(message) = maintenance {
                    // In maintenance: its administrator's words, and the channel is not run.
                    SlotView::Maintenance { message }
                } else if withheld {
                    // Made with the person's credentials or of their own data: never shown
                    // to anyone else, neither from the cache nor rendered afresh.
                    SlotView::Failed {
                        reason_key: "slot.viewas.withheld",
                        detail: String::new(),
                        since_seconds: None,
                    }
                } else {
                    parts.slots.render(&entry, &person, &locale, inputs).await
                };
                let title = entry.publication.title.get(&locale);
                if let SlotView::Fresh {
                    html,
                    title: channel_title,
                } = &view
                    && let Some(chunk) = parts.kept.chunk(&name, title, &locale, channel_title.as_deref(), html)
                {
                    return chunk;
                }
                let chunk = slot_chunk(&parts.theme, &name, title, &locale, &view, technical).map(Bytes::from);
                if let (
                    Ok(chunk),
                    SlotView::Fresh {
                        html,
                        title: channel_title,
                    },
                ) = (&chunk, &view)
                {
                    parts
                        .kept
                        .keep_chunk(&name, title, &locale, channel_title.as_deref(), html, chunk);
                }
                chunk.unwrap_or_else(|e| {
                    tracing::error!("{e}");
                    Bytes::from(format!(
                        "<div slot=\"{name}\" class=\"channel-body channel-error\"><p>{}</p></div>",
                        parts.theme.catalog.get(&locale, "slot.error.crashed")
                    ))
                })
            }
        })
        .collect();
    let head = stream::once(async move { shell });
    let tail = stream::once(async move { close });
    // Whatever is ready at once leaves in one write: a page whose slots all come from the
    // cache is a single chunk (one send, like a static file), while a slow slot still lets
    // the shell and the finished slots go first.
    Ok(head
        .chain(renders)
        .chain(tail)
        .ready_chunks(MAX_CHUNKS_PER_WRITE)
        .map(|parts| Ok(join(parts))))
}

/// One buffer of `parts` (one write); a single part is sent as it is, without a copy.
fn join(mut parts: Vec<Bytes>) -> Bytes {
    if parts.len() == 1 {
        return parts.pop().unwrap_or_default();
    }
    let mut out = bytes::BytesMut::with_capacity(parts.iter().map(Bytes::len).sum());
    for p in &parts {
        out.extend_from_slice(p);
    }
    out.freeze()
}

/// The customisation controls the page shows, in page order, named as the forms name them
/// in `focus` (see [`super::focus`]).
fn controls(columns: &[Vec<SlotShell>], tabs: &[TabLink], undo: bool) -> Vec<String> {
    let mut out = Vec::new();
    if undo {
        out.push(super::focus::UNDO.to_string());
    }
    if let Some(tab) = tabs.iter().find(|t| t.active) {
        if tab.editable {
            out.push("tab:rename".to_string());
        }
        out.push("tab:columns".to_string());
        if tab.movable && tab.position > 0 {
            out.push("tab:left".to_string());
        }
        if tab.movable && tab.position + 1 < tabs.len() {
            out.push("tab:right".to_string());
        }
        if tab.deletable {
            out.push("tab:remove".to_string());
        }
    }
    out.extend(["tab:add".to_string(), "reset".to_string()]);
    let other_tabs = tabs.len() > 1;
    for s in columns.iter().flatten() {
        let p = &s.publication;
        for (action, target) in [("up", &s.up), ("down", &s.down), ("left", &s.left), ("right", &s.right)] {
            if target.is_some() {
                out.push(format!("{p}:{action}"));
            }
        }
        if s.movable && other_tabs {
            out.push(format!("{p}:move"));
        }
        if s.deletable {
            out.push(format!("{p}:remove"));
        }
        out.extend(s.preferences.iter().map(|f| format!("{p}:pref:{}", f.key)));
    }
    out
}

/// Render the shell (everything but the slots) and the end of the page.
#[allow(clippy::too_many_arguments)]
fn render_shell(
    parts: &Pages,
    person: &Person,
    req: &PageRequest,
    locale: &str,
    tab_links: &[TabLink],
    columns: &[Vec<SlotShell>],
    active: usize,
    tabs: &[agora_layout::TabNode],
) -> Result<(String, String), PageError> {
    // In a preview, the header is the administrator's, never the person's.
    let header_person = req.view_as.as_ref().map_or(person, |v| &v.viewer);
    let mut ctx = context_with_strings(
        &parts.theme,
        header_person,
        locale,
        parts.theme.catalog.page_table(locale),
        &req.query,
    );
    ctx.insert("tabs", tab_links);
    ctx.insert("tab_count", &tab_links.len());
    ctx.insert(
        "active_tab",
        &tabs.get(active).map(|t| t.id.clone()).unwrap_or_default(),
    );
    ctx.insert(
        "other_tabs",
        &tab_links.iter().filter(|t| !t.active).collect::<Vec<_>>(),
    );
    let customise = req.customise && person.is_signed_in() && req.view_as.is_none();
    // Outside customisation an empty column takes no room: the others share the width (a
    // two-column tab with one service is one wide column, not half a screen left blank).
    let mut shown: Vec<&Vec<SlotShell>> = columns.iter().filter(|c| customise || !c.is_empty()).collect();
    if shown.is_empty() {
        shown.extend(columns.first());
    }
    ctx.insert("columns", &shown);
    ctx.insert("column_count", &shown.len());
    ctx.insert("csrf_token", &req.csrf_token);
    ctx.insert("customise", &customise);
    ctx.insert("view_as", &req.view_as.as_ref().map(|v| &v.uid));
    if let Some(v) = &req.view_as {
        let bar = parts
            .theme
            .catalog
            .get(locale, "page.viewas.bar")
            .replace("{name}", &v.name)
            .replace("{uid}", &v.uid);
        ctx.insert("view_as_bar", &bar);
    }
    ctx.insert("focus", &req.focus.clone().unwrap_or_default());
    ctx.insert("confirm", &req.confirm.clone().unwrap_or_default());
    ctx.insert("notices", &req.notices);
    ctx.insert("undo", &req.undo.clone().unwrap_or_default());
    ctx.insert("schemes", &parts.theme.schemes.is_some());
    ctx.insert("scheme", req.scheme.unwrap_or("system"));
    let inbox = req.inbox.clone().unwrap_or_default();
    ctx.insert("banners", &inbox.banners);
    if req.inbox.is_some() {
        ctx.insert("inbox_unread", &inbox.unread);
    }
    let shell = render(&parts.theme, "page_open.html", &ctx)?;
    let close = render(&parts.theme, "page_close.html", &ctx)?;
    Ok((shell, close))
}

#[cfg(test)]
mod tests {
    use super::lang_switch;

    #[test]
    fn the_language_switch_keeps_the_page() {
        assert_eq!(lang_switch(&[], "fr"), "?lang=fr");
        let query = [
            ("tab".to_string(), "work".to_string()),
            ("lang".to_string(), "en".to_string()),
            ("customise".to_string(), "1".to_string()),
            ("focus".to_string(), "news:down".to_string()),
            ("directory.q".to_string(), "Dupont & fils".to_string()),
        ];
        assert_eq!(
            lang_switch(&query, "fr"),
            "?tab=work&customise=1&directory.q=Dupont+%26+fils&lang=fr"
        );
    }
}
