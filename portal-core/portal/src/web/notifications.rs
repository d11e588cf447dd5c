//! `GET /notifications`: the signed-in person's announcements and channel notifications;
//! `POST /notifications/read` marks them all read, `POST /notifications/dismiss` hides one
//! announcement's banner. Both forms carry the CSRF token and work without a script.

use super::customise::form_user;
use super::extract::{current_person, error_page, locale_of, redirect};
use super::session::PortalSession;
use crate::clock::now_ms;
use crate::page::base_context;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

/// One notification as the list shows it.
#[derive(Serialize)]
struct Row {
    title: String,
    body: String,
    link: Option<String>,
    source: String,
    when: String,
    read: bool,
}

/// "3 h ago", "yesterday" … in the user's language, from ms ages.
pub(crate) fn age_words(catalog: &crate::i18n::Catalog, locale: &str, age_ms: i64) -> String {
    let minutes = age_ms.max(0) / 60_000;
    let (key, n) = match minutes {
        0 => ("time.now", 0),
        1..=59 => ("time.minutes_ago", minutes),
        60..=1439 => ("time.hours_ago", minutes / 60),
        _ => ("time.days_ago", minutes / 1440),
    };
    catalog.get(locale, key).replace("{n}", &n.to_string())
}

/// `GET /notifications`.
pub(super) async fn list(req: HttpRequest, state: super::Tenant, session: PortalSession) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let Some((person, _)) = current_person(&session, &state).await else {
        return redirect("/login?return=/notifications");
    };
    let live = state.live.get();
    let now = now_ms();
    let populations = crate::people::populations::memberships(&live.populations, &person, now);
    let (announcements, stored) = match state
        .inbox
        .list(&person.uid, &populations, &live.announcements, &locale, now)
        .await
    {
        Ok(found) => found,
        Err(e) => {
            tracing::error!("cannot read the notifications: {e}");
            return error_page(&state, &locale, 503, "notice.storage_unavailable");
        }
    };
    let rows: Vec<Row> = stored
        .into_iter()
        .map(|n| Row {
            source: if n.source == crate::groups::NOTIFICATION_SOURCE {
                state.theme.catalog.get(&locale, "groups.title").to_string()
            } else if n.source == crate::sms::NOTIFICATION_SOURCE {
                state.theme.catalog.get(&locale, "sms.title").to_string()
            } else {
                live.registry
                    .get(&n.source)
                    .map(|e| e.publication.title.get(&locale).to_string())
                    .unwrap_or_else(|| n.source.clone())
            },
            when: age_words(&state.theme.catalog, &locale, now - n.raised_at_ms),
            title: if n.source.starts_with("portal:") {
                crate::groups::notification_title(&n.title, |k| state.theme.catalog.get(&locale, k).to_string())
            } else {
                n.title
            },
            body: n.body,
            link: n.link,
            read: n.read,
        })
        .collect();
    let unread = rows.iter().filter(|r| !r.read).count() + announcements.iter().filter(|a| !a.read).count();
    let mut ctx = base_context(&state.theme, &person, &locale);
    ctx.insert("announcements", &announcements);
    ctx.insert("rows", &rows);
    ctx.insert("unread", &unread);
    ctx.insert("inbox_unread", &unread);
    ctx.insert("csrf_token", &session.csrf_token());
    ctx.insert("notices", &session.take_flash());
    super::extract::html_page(&state, &locale, "notifications.html", &ctx)
}

/// The form of `POST /notifications/read`.
#[derive(Deserialize)]
pub(super) struct ReadForm {
    csrf: String,
}

/// `POST /notifications/read`: everything read.
pub(super) async fn mark_read(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    form: web::Form<ReadForm>,
) -> HttpResponse {
    let (person, locale) = match form_user(&req, &state, &session, &form.csrf).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let live = state.live.get();
    let now = now_ms();
    let populations = crate::people::populations::memberships(&live.populations, &person, now);
    match state
        .inbox
        .mark_read(&person.uid, &populations, &live.announcements, now)
        .await
    {
        Ok(()) => {
            session.flash(state.theme.catalog.get(&locale, "inbox.all_read").to_string());
            redirect("/notifications")
        }
        Err(e) => {
            tracing::error!("cannot mark the notifications read: {e}");
            error_page(&state, &locale, 503, "notice.storage_unavailable")
        }
    }
}

/// The form of `POST /notifications/dismiss`.
#[derive(Deserialize)]
pub(super) struct DismissForm {
    csrf: String,
    /// The announcement.
    id: String,
    /// The tab the banner was on (`""`: the notification list).
    here: Option<String>,
}

/// `POST /notifications/dismiss`: one announcement's banner no longer shown.
pub(super) async fn dismiss(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    form: web::Form<DismissForm>,
) -> HttpResponse {
    let (person, locale) = match form_user(&req, &state, &session, &form.csrf).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let live = state.live.get();
    let now = now_ms();
    let populations = crate::people::populations::memberships(&live.populations, &person, now);
    match state
        .inbox
        .dismiss(&person.uid, &form.id, &populations, &live.announcements, now)
        .await
    {
        Ok(true) => {
            session.flash(state.theme.catalog.get(&locale, "inbox.dismissed").to_string());
            match form.here.as_deref() {
                Some(tab) => redirect(&format!(
                    "/?tab={}&focus={}",
                    url::form_urlencoded::byte_serialize(tab.as_bytes()).collect::<String>(),
                    crate::page::focus::HEADING
                )),
                None => redirect("/notifications"),
            }
        }
        Ok(false) => error_page(&state, &locale, 404, "inbox.not_yours"),
        Err(e) => {
            tracing::error!("cannot dismiss an announcement: {e}");
            error_page(&state, &locale, 503, "notice.storage_unavailable")
        }
    }
}
