//! Self-managed groups, as pages that work without a script:
//!
//! | route | what |
//! |---|---|
//! | `GET /groups?q=` | my groups and invitations, groups to join (found by name), the form to create one |
//! | `POST /groups` | create a group (its creator administers it) |
//! | `GET /groups/{id}` | the group: what the person may see of it, and the forms they may use |
//! | `POST /groups/{id}/{action}` | `join`, `leave`, `decline`; administrators: `invite`, `accept`, `refuse`, `remove`, `promote`, `delete` |
//!
//! Every form carries the CSRF token; what the rules refuse is said in the person's
//! language on the group's page ([`crate::groups::rules::Refusal`]); a private group is
//! "not found" for those it is hidden from.

use super::customise::form_user;
use super::extract::{current_person, error_page, locale_of, redirect};
use super::session::PortalSession;
use crate::clock::now_ms;
use crate::groups::rules::{Refusal, Standing, Visibility};
use crate::groups::{GroupError, NewGroup};
use crate::page::base_context;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub(super) struct ListQuery {
    q: Option<String>,
}

#[derive(Serialize)]
struct Listed {
    id: String,
    /// `/groups/<id>`, encoded.
    path: String,
    name: String,
    description: String,
    visibility: String,
    standing: Option<Standing>,
}

fn path_of(id: &str) -> String {
    format!(
        "/groups/{}",
        url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
    )
}

/// `GET /groups`.
pub(super) async fn list(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    query: web::Query<ListQuery>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let Some((person, _)) = current_person(&session, &state).await else {
        return redirect("/login?return=/groups");
    };
    let q = query.q.as_deref().unwrap_or("").trim().to_string();
    let (mine, found) = match (state.groups.mine(&person.uid).await, state.groups.find(&q).await) {
        (Ok(mine), Ok(found)) => (mine, found),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!("cannot read the groups: {e}");
            return error_page(&state, &locale, 503, "notice.storage_unavailable");
        }
    };
    let listed = |g: crate::storage::StoredGroup, standing: Option<Standing>| Listed {
        path: path_of(&g.id),
        id: g.id,
        name: g.name,
        description: g.description,
        visibility: g.visibility,
        standing,
    };
    let known: std::collections::BTreeSet<String> = mine.iter().map(|(g, _)| g.id.clone()).collect();
    let (invited, mine): (Vec<_>, Vec<_>) = mine.into_iter().partition(|(_, s)| *s == Standing::Invited);
    let mut ctx = base_context(&state.theme, &person, &locale);
    ctx.insert(
        "mine",
        &mine.into_iter().map(|(g, s)| listed(g, Some(s))).collect::<Vec<_>>(),
    );
    ctx.insert(
        "invited",
        &invited.into_iter().map(|(g, s)| listed(g, Some(s))).collect::<Vec<_>>(),
    );
    ctx.insert(
        "found",
        &found
            .into_iter()
            .filter(|g| !known.contains(&g.id))
            .map(|g| listed(g, None))
            .collect::<Vec<_>>(),
    );
    ctx.insert("q", &q);
    ctx.insert("csrf_token", &session.csrf_token());
    ctx.insert("notices", &session.take_flash());
    super::extract::html_page(&state, &locale, "groups.html", &ctx)
}

/// The form of `POST /groups`.
#[derive(Deserialize)]
pub(super) struct CreateForm {
    csrf: String,
    name: String,
    #[serde(default)]
    description: String,
    visibility: String,
}

/// `POST /groups`.
pub(super) async fn create(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    form: web::Form<CreateForm>,
) -> HttpResponse {
    let (person, locale) = match form_user(&req, &state, &session, &form.csrf).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let Some(visibility) = Visibility::parse(&form.visibility) else {
        return error_page(&state, &locale, 400, "error.bad_request");
    };
    let new = NewGroup {
        id: String::new(),
        name: form.name.clone(),
        description: form.description.clone(),
        visibility,
    };
    match state.groups.create(&person.uid, new, now_ms()).await {
        Ok(id) => {
            session.flash(state.theme.catalog.get(&locale, "groups.created").to_string());
            redirect(&path_of(&id))
        }
        Err(e) => answer_error(&state, &session, &locale, e, "/groups"),
    }
}

/// What a refusal or a failure shows: the group's page (or the list) with the reason, a
/// 404 for a group hidden from the person, a 503 when the store is down.
fn answer_error(
    state: &super::Tenant,
    session: &PortalSession,
    locale: &str,
    e: GroupError,
    back: &str,
) -> HttpResponse {
    match e {
        GroupError::Refused(Refusal::NotFound) => error_page(state, locale, 404, "groups.refused.not_found"),
        GroupError::Refused(why) => {
            session.flash(state.theme.catalog.get(locale, why.key()).to_string());
            redirect(back)
        }
        GroupError::Invalid(key) => {
            session.flash(state.theme.catalog.get(locale, key).to_string());
            redirect(back)
        }
        GroupError::Storage(e) => {
            tracing::error!("groups: {e}");
            error_page(state, locale, 503, "notice.storage_unavailable")
        }
    }
}

#[derive(Serialize)]
struct MemberRow {
    uid: String,
    name: String,
    state: String,
}

#[derive(Serialize)]
struct AuditRow {
    when: String,
    actor: String,
    action: String,
    subject: String,
}

/// `GET /groups/{id}`.
pub(super) async fn show(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    id: web::Path<String>,
) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let Some((person, _)) = current_person(&session, &state).await else {
        return redirect(&format!("/login?return={}", path_of(&id)));
    };
    let view = match state.groups.view(&id, &person.uid).await {
        Ok(view) => view,
        Err(e) => return answer_error(&state, &session, &locale, e, "/groups"),
    };
    let mut names = std::collections::BTreeMap::new();
    let mut name_of = async |uid: &str| -> String {
        if let Some(n) = names.get(uid) {
            return String::clone(n);
        }
        let n = state
            .people
            .resolve(uid, Default::default())
            .await
            .person
            .display_name()
            .to_string();
        names.insert(uid.to_string(), n.clone());
        n
    };
    let mut members = Vec::new();
    for m in &view.members {
        members.push(MemberRow {
            name: name_of(&m.uid).await,
            uid: m.uid.clone(),
            state: m.state.clone(),
        });
    }
    let now = now_ms();
    let mut audit = Vec::new();
    for a in &view.audit {
        audit.push(AuditRow {
            when: super::notifications::age_words(&state.theme.catalog, &locale, now - a.at_ms),
            actor: name_of(&a.actor).await,
            action: state
                .theme
                .catalog
                .get(&locale, &format!("groups.audit.{}", a.action))
                .to_string(),
            subject: if a.subject.is_empty() {
                String::new()
            } else {
                name_of(&a.subject).await
            },
        });
    }
    let mut ctx = base_context(&state.theme, &person, &locale);
    ctx.insert("group", &view.group);
    ctx.insert("path", &path_of(&view.group.id));
    ctx.insert("standing", &view.standing);
    ctx.insert("members", &members);
    ctx.insert("audit", &audit);
    ctx.insert("me", &person.uid);
    ctx.insert("csrf_token", &session.csrf_token());
    ctx.insert("notices", &session.take_flash());
    super::extract::html_page(&state, &locale, "group.html", &ctx)
}

/// The form of `POST /groups/{id}/{action}`.
#[derive(Deserialize)]
pub(super) struct ActionForm {
    csrf: String,
    /// The person concerned (administrators' actions).
    #[serde(default)]
    uid: String,
}

/// `POST /groups/{id}/{action}`.
pub(super) async fn act(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    path: web::Path<(String, String)>,
    form: web::Form<ActionForm>,
) -> HttpResponse {
    let (person, locale) = match form_user(&req, &state, &session, &form.csrf).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let (id, action) = path.into_inner();
    let back = path_of(&id);
    let me = person.uid.as_str();
    let who = form.uid.trim();
    let now = now_ms();
    let groups = &state.groups;
    let done = match action.as_str() {
        "join" => groups.join(&id, me, now).await.map(|s| match s {
            Standing::Requested => "groups.done.requested",
            _ => "groups.done.joined",
        }),
        "leave" => groups.leave(&id, me, now).await.map(|()| "groups.done.left"),
        "decline" => groups.decline(&id, me, now).await.map(|()| "groups.done.declined"),
        "invite" => {
            if who.is_empty() || !state.people.resolve(who, Default::default()).await.known {
                Err(GroupError::Invalid("groups.invalid.unknown_person"))
            } else {
                groups.invite(&id, me, who, now).await.map(|s| match s {
                    Standing::Member => "groups.done.accepted",
                    _ => "groups.done.invited",
                })
            }
        }
        "accept" => groups
            .answer(&id, me, who, true, now)
            .await
            .map(|()| "groups.done.accepted"),
        "refuse" => groups
            .answer(&id, me, who, false, now)
            .await
            .map(|()| "groups.done.refused"),
        "remove" => groups.remove(&id, me, who, now).await.map(|()| "groups.done.removed"),
        "promote" => groups.promote(&id, me, who, now).await.map(|()| "groups.done.promoted"),
        "delete" => groups.delete(&id, me, now).await.map(|()| "groups.done.deleted"),
        _ => return error_page(&state, &locale, 404, "error.not_found"),
    };
    match done {
        Ok(key) => {
            tracing::info!(group = %id, action = %action, "group membership changed");
            session.flash(state.theme.catalog.get(&locale, key).to_string());
            match action.as_str() {
                "delete" | "leave" | "decline" => redirect("/groups"),
                _ => redirect(&back),
            }
        }
        Err(e) => answer_error(&state, &session, &locale, e, &back),
    }
}
