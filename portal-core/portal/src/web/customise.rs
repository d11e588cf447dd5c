//! Customisation without script: every control of the page in customisation mode is a small
//! form (a button, keyboard- and screen-reader-friendly), posted with the session's CSRF token
//! and answered by a redirect back to the page. Also the catalogue page.
//!
//! | route | what |
//! |---|---|
//! | `POST /layout/edit` | apply one edit (form fields of [`EditForm`]) |
//! | `POST /layout/reset` | forget the user's edits |
//! | `POST /layout/undo` | undo the latest removal or reset ([`crate::page::undo`]) |
//! | `GET /catalogue` | search the channels the user may add (`q`, `category`, `tab`) |

use super::extract::{current_person, error_page, locale_of, redirect};
use super::session::PortalSession;
use super::state::PortalState;
use crate::clock::now_ms;
use crate::page::base_context;
use crate::page::personal::{EditError, personal_page, refusal_text, submit_edit};
use crate::page::undo::Undo;
use crate::people::Person;
use actix_web::{HttpRequest, HttpResponse, web};
use agora_layout::{Edit, USER_TAB_PREFIX};
use serde::{Deserialize, Serialize};

/// The fields a customisation form may carry.
#[derive(Debug, Deserialize)]
pub struct EditForm {
    csrf: String,
    /// Operation, as in the JSON API (`move-channel`, …).
    op: String,
    publication: Option<String>,
    tab: Option<String>,
    column: Option<usize>,
    position: Option<usize>,
    title: Option<String>,
    count: Option<usize>,
    key: Option<String>,
    value: Option<String>,
    favourite: Option<String>,
    /// The tab to show afterwards.
    here: Option<String>,
    /// Which control gets the focus afterwards (`publication:action`).
    focus: Option<String>,
    /// `catalogue` to go back to the catalogue.
    back: Option<String>,
    /// The catalogue search to go back to.
    q: Option<String>,
    /// `1`: a destructive edit (deleting a tab) was confirmed.
    confirm: Option<String>,
}

/// A new id for a user's tab.
pub fn new_tab_id() -> String {
    let mut bytes = [0u8; 4];
    rand::fill(&mut bytes);
    format!("{USER_TAB_PREFIX}{}", hex::encode(bytes))
}

fn edit_from_form(f: &EditForm) -> Option<Edit> {
    let publication = || f.publication.clone();
    let tab = || f.tab.clone();
    Some(match f.op.as_str() {
        "add-channel" => Edit::AddChannel {
            publication: publication()?,
            tab: tab()?,
            column: f.column.unwrap_or(0),
            position: f.position,
        },
        "remove-channel" => Edit::RemoveChannel {
            publication: publication()?,
        },
        "move-channel" => Edit::MoveChannel {
            publication: publication()?,
            tab: tab()?,
            column: f.column.unwrap_or(0),
            position: f.position,
        },
        "add-tab" => Edit::AddTab {
            id: new_tab_id(),
            title: f.title.clone()?,
        },
        "remove-tab" => Edit::RemoveTab { tab: tab()? },
        "rename-tab" => Edit::RenameTab {
            tab: tab()?,
            title: f.title.clone()?,
        },
        "move-tab" => Edit::MoveTab {
            tab: tab()?,
            position: f.position?,
        },
        "set-columns" => Edit::SetColumns {
            tab: tab()?,
            count: f.count?,
        },
        "set-preference" => Edit::SetPreference {
            publication: publication()?,
            key: f.key.clone()?,
            value: f.value.clone().unwrap_or_default(),
        },
        "set-favourite" => Edit::SetFavourite {
            publication: publication()?,
            favourite: f.favourite.as_deref() == Some("true"),
        },
        _ => return None,
    })
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The signed-in user posting a form with a valid CSRF token, and their language; otherwise
/// the answer to send (an error page, or the sign-in page).
pub(super) async fn form_user(
    req: &HttpRequest,
    state: &PortalState,
    session: &PortalSession,
    csrf: &str,
) -> Result<(Person, String), HttpResponse> {
    let locale = locale_of(req, state);
    if !session.csrf_ok(csrf) {
        return Err(error_page(state, &locale, 403, "error.csrf"));
    }
    match current_person(session, state).await {
        Some((person, _)) => Ok((person, locale)),
        None => Err(redirect("/login")),
    }
}

/// `POST /layout/edit`.
pub async fn post_edit(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    form: web::Form<EditForm>,
) -> HttpResponse {
    let (person, locale) = match form_user(&req, &state, &session, &form.csrf).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let Some(mut edit) = edit_from_form(&form) else {
        return error_page(&state, &locale, 400, "error.bad_request");
    };
    // Deleting a tab deletes the services in it: the page asks first (no script needed).
    if let Edit::RemoveTab { tab } = &edit
        && form.confirm.as_deref() != Some("1")
    {
        return redirect(&format!("/?tab={}&customise=1&confirm=remove-tab", encode(tab)));
    }
    // Moving "to another tab" from a select lands at the end of its first column.
    if let Edit::MoveChannel { position, .. } = &mut edit
        && form.position.is_none()
    {
        *position = None;
    }
    let live = state.live.get();
    let memberships = crate::people::populations::memberships(&live.populations, &person, now_ms());
    let here = form
        .here
        .clone()
        .or_else(|| edit.tab().map(str::to_string))
        .unwrap_or_default();
    // A removal can be undone: the edits as they are now are kept first.
    let undo = match &edit {
        Edit::RemoveChannel { publication } => Some((format!("{publication}:remove"), here.clone())),
        Edit::RemoveTab { tab } => Some(("tab:remove".to_string(), tab.clone())),
        _ => None,
    };
    let undo = match undo {
        Some((focus, tab)) => match Undo::before(&state.edits, &person.uid, &tab, &focus, now_ms()).await {
            Ok(u) => Some(u),
            Err(e) => {
                tracing::error!("cannot read a layout's edits: {e}");
                return error_page(&state, &locale, 503, "notice.storage_unavailable");
            }
        },
        None => None,
    };
    let mut undo_offered = false;
    match submit_edit(state.site(&live), &live, &person, &memberships, edit.clone()).await {
        Ok(_) => {
            tracing::info!(uid = %person.uid, op = crate::page::personal::op_name(&edit), "layout edit");
            let done = done_text(&state, &locale, &edit);
            match undo {
                Some(u) => {
                    session.set_undo(&u, done);
                    undo_offered = true;
                }
                None => {
                    session.forget_undo();
                    session.flash(done);
                }
            }
        }
        Err(EditError::Refused(refusal, layout)) => {
            let reason = refusal_text(state.site(&live), &layout, &locale, &edit, &refusal);
            session.flash(
                state
                    .theme
                    .catalog
                    .get(&locale, "notice.edit_refused")
                    .replace("{reason}", &reason),
            );
        }
        Err(EditError::NotSignedIn) => return redirect("/login"),
        Err(EditError::Storage(e)) => {
            tracing::error!("cannot store a layout edit: {e}");
            return error_page(&state, &locale, 503, "notice.storage_unavailable");
        }
    }
    let here = match &edit {
        Edit::AddTab { id, .. } => id.clone(),
        // The deleted tab is gone (unless the deletion was refused): the first tab.
        Edit::RemoveTab { tab } if *tab == here => String::new(),
        _ => here,
    };
    if form.back.as_deref() == Some("catalogue") {
        return redirect(&format!(
            "/catalogue?tab={}&q={}",
            encode(&here),
            encode(form.q.as_deref().unwrap_or_default())
        ));
    }
    let focus = match &edit {
        // A removal offers its undo: the focus goes there (the removed control is gone).
        Edit::RemoveChannel { .. } | Edit::RemoveTab { .. } if undo_offered => Some(crate::page::focus::UNDO),
        // A removed tab leaves nothing to focus: the page heading then; a new tab, its name.
        Edit::RemoveTab { .. } => Some(crate::page::focus::HEADING),
        Edit::AddTab { .. } => Some("tab:rename"),
        _ => form.focus.as_deref(),
    }
    .map(|f| format!("&focus={}", encode(f)))
    .unwrap_or_default();
    redirect(&format!("/?tab={}&customise=1{focus}", encode(&here)))
}

/// The form of `POST /layout/reset`.
#[derive(Deserialize)]
pub struct ResetForm {
    csrf: String,
    /// `1`: confirmed (the user's tabs and settings are lost).
    confirm: Option<String>,
    /// The tab the request came from.
    here: Option<String>,
}

/// `POST /layout/reset`.
pub async fn post_reset(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    form: web::Form<ResetForm>,
) -> HttpResponse {
    let (person, locale) = match form_user(&req, &state, &session, &form.csrf).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    if form.confirm.as_deref() != Some("1") {
        let here = encode(form.here.as_deref().unwrap_or_default());
        return redirect(&format!("/?tab={here}&customise=1&confirm=reset"));
    }
    let here = form.here.clone().unwrap_or_default();
    let undo = match Undo::before(&state.edits, &person.uid, &here, "reset", now_ms()).await {
        Ok(u) => u,
        Err(e) => {
            tracing::error!("cannot read a layout's edits: {e}");
            return error_page(&state, &locale, 503, "notice.storage_unavailable");
        }
    };
    match state.edits.reset(&person.uid).await {
        Ok(n) => {
            tracing::info!(uid = %person.uid, edits = n, "layout reset");
            let done = state.theme.catalog.get(&locale, "notice.layout_reset").to_string();
            if undo.edits.is_empty() {
                // Nothing was customised: nothing to undo.
                session.forget_undo();
                session.flash(done);
                return redirect(&format!("/?customise=1&focus={}", crate::page::focus::HEADING));
            }
            session.set_undo(&undo, done);
            redirect(&format!("/?customise=1&focus={}", crate::page::focus::UNDO))
        }
        Err(e) => {
            tracing::error!("cannot reset a layout: {e}");
            error_page(&state, &locale, 503, "notice.storage_unavailable")
        }
    }
}

/// The form of `POST /layout/undo`.
#[derive(Deserialize)]
pub struct UndoForm {
    csrf: String,
}

/// `POST /layout/undo`: put the user's edits back as they were before their latest removal
/// or reset, if that was less than [`crate::page::undo::UNDO_FOR_MS`] ago and nothing was
/// edited since.
pub async fn post_undo(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    form: web::Form<UndoForm>,
) -> HttpResponse {
    let (person, locale) = match form_user(&req, &state, &session, &form.csrf).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let catalog = &state.theme.catalog;
    let Some(undo) = session.take_undo().filter(|u| u.fresh(now_ms())) else {
        session.flash(catalog.get(&locale, "customise.undo_gone").to_string());
        return redirect(&format!("/?customise=1&focus={}", crate::page::focus::HEADING));
    };
    match undo.apply(&state.edits, &person.uid).await {
        Ok(()) => {
            tracing::info!(uid = %person.uid, edits = undo.edits.len(), "layout edit undone");
            session.flash(catalog.get(&locale, "customise.undone").to_string());
            redirect(&format!(
                "/?tab={}&customise=1&focus={}",
                encode(&undo.here),
                encode(&undo.focus)
            ))
        }
        Err(e) => {
            tracing::error!("cannot undo a layout edit: {e}");
            error_page(&state, &locale, 503, "notice.storage_unavailable")
        }
    }
}

/// What an edit did, in the user's words (shown, and read out by the live region).
fn done_text(state: &PortalState, locale: &str, edit: &Edit) -> String {
    let catalog = &state.theme.catalog;
    let registry = state.live.get().registry.clone();
    let channel = |publication: &str| {
        registry
            .get(publication)
            .map(|e| e.publication.title.get(locale).to_string())
            .unwrap_or_else(|| publication.to_string())
    };
    let (key, name) = match edit {
        Edit::AddChannel { publication, .. } => ("customise.done_added", channel(publication)),
        Edit::RemoveChannel { publication } => ("customise.done_removed", channel(publication)),
        Edit::MoveChannel { publication, .. } => ("customise.done_moved", channel(publication)),
        Edit::SetPreference { publication, .. } => ("customise.done_settings", channel(publication)),
        Edit::SetFavourite { publication, favourite } => (
            if *favourite {
                "customise.done_favourite"
            } else {
                "customise.done_unfavourite"
            },
            channel(publication),
        ),
        Edit::AddTab { title, .. } => ("customise.done_tab_added", title.clone()),
        Edit::RenameTab { title, .. } => ("customise.done_tab_renamed", title.clone()),
        Edit::RemoveTab { .. } => ("customise.done_tab_removed", String::new()),
        Edit::MoveTab { .. } => ("customise.done_tab_moved", String::new()),
        Edit::SetColumns { count, .. } => ("customise.done_columns", count.to_string()),
    };
    catalog.get(locale, key).replace("{name}", &name)
}

/// The query of `GET /catalogue`: search words, category, the tab to add to.
#[derive(Deserialize)]
pub struct CatalogueQuery {
    q: Option<String>,
    category: Option<String>,
    tab: Option<String>,
}

#[derive(Serialize)]
struct CatalogueRow {
    publication: String,
    icon: Option<std::sync::Arc<str>>,
    title: String,
    description: String,
    categories: Vec<crate::live::catalogue::CategoryView>,
    on_page: bool,
    favourite: bool,
    /// Its administrator's message while it is in maintenance.
    maintenance: Option<String>,
}

/// `GET /catalogue`: the channels the user may add, searchable, by category, favourites first.
pub async fn catalogue_page(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    query: web::Query<CatalogueQuery>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let Some((person, _)) = current_person(&session, &state).await else {
        return redirect("/login?return=/catalogue");
    };
    let live = state.live.get();
    let memberships = crate::people::populations::memberships(&live.populations, &person, now_ms());
    let layout = match personal_page(state.site(&live), &live, &person, &memberships, &locale, false).await {
        Ok(p) => p.layout,
        Err(e) => {
            tracing::error!("cannot read the user's layout: {e}");
            return error_page(&state, &locale, 503, "notice.storage_unavailable");
        }
    };
    let q = query.q.clone().unwrap_or_default();
    let category = query.category.clone().filter(|c| !c.is_empty());
    let items = live
        .catalogue
        .search(&live.registry, &memberships, &locale, &q, category.as_deref());
    let mut rows: Vec<CatalogueRow> = items
        .into_iter()
        .map(|i| CatalogueRow {
            maintenance: live.registry.get(&i.publication).and_then(|e| {
                (e.lifecycle.at(crate::clock::now_ms()) == crate::live::lifecycle::Effective::Maintenance)
                    .then(|| {
                        e.lifecycle
                            .maintenance_message
                            .as_ref()
                            .map(|m| m.get(&locale).to_string())
                    })
                    .flatten()
            }),
            on_page: layout.find(&i.publication).is_some(),
            icon: live.registry.get(&i.publication).and_then(|e| e.channel.icon.clone()),
            favourite: layout.favourites.contains(&i.publication),
            publication: i.publication,
            title: i.title,
            description: i.description,
            categories: i.categories,
        })
        .collect();
    rows.sort_by_key(|r| !r.favourite);
    let tab = query
        .tab
        .clone()
        .filter(|t| layout.tab(t).is_some())
        .or_else(|| layout.tabs.first().map(|t| t.id.clone()))
        .unwrap_or_default();
    let tab_title = layout
        .tab(&tab)
        .map(|t| t.title.get(&locale).to_string())
        .unwrap_or_default();
    let mut ctx = base_context(&state.theme, &person, &locale);
    ctx.insert("rows", &rows);
    ctx.insert("q", &q);
    ctx.insert("category", &category.unwrap_or_default());
    ctx.insert("categories", &live.catalogue.categories(&locale));
    ctx.insert("tab", &tab);
    ctx.insert("tab_title", &tab_title);
    ctx.insert("csrf_token", &session.csrf_token());
    let notices = session.take_flash();
    ctx.insert("notices", &notices);
    super::extract::html_page(&state, &locale, "catalogue.html", &ctx)
}
