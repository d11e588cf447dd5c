//! SMS to a group or a population through ESUP SMS-U ([`crate::sms`]), for the staff
//! allowed to send, as pages that work without a script:
//!
//! | route | what |
//! |---|---|
//! | `GET /sms` | the form, the sender's latest sends with SMS-U's status; for approvers, the sends awaiting them |
//! | `POST /sms/preview` | how many people the text will reach, whether the quota allows it, whether it waits for an approver |
//! | `POST /sms/send` | send (or keep for an approver) |
//! | `POST /sms/{id}/approve`, `/sms/{id}/refuse` | an approver's decision |
//!
//! Every form carries the CSRF token; nobody sees a phone number.

use super::customise::form_user;
use super::extract::{current_person, error_page, locale_of, redirect};
use super::session::PortalSession;
use super::state::PortalState;
use crate::clock::now_ms;
use crate::people::Person;
use crate::sms::{Audience, Directory, Sms, SmsError};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

fn directory<'a>(state: &'a PortalState, live: &'a crate::live::LiveConfig) -> Directory<'a> {
    Directory {
        people: &state.people,
        everyone: &state.everyone,
        groups: &state.groups,
        populations: &live.populations,
    }
}

/// The SMS service and the person's rights, or the answer refusing them.
fn rights<'a>(
    state: &'a PortalState,
    person: &Person,
    locale: &str,
) -> Result<(&'a Sms, bool, bool), Box<HttpResponse>> {
    let Some(sms) = &state.sms else {
        return Err(Box::new(error_page(state, locale, 404, "error.not_found")));
    };
    let populations = crate::people::populations::memberships(&state.live.get().populations, person, now_ms());
    let (send, approve) = (
        sms.may_send(person, &populations),
        sms.may_approve(person, &populations),
    );
    if !send && !approve {
        return Err(Box::new(error_page(state, locale, 403, "sms.error.not_allowed")));
    }
    Ok((sms, send, approve))
}

#[derive(Serialize, Default)]
struct Preview {
    audience: String,
    audience_label: String,
    message: String,
    recipients: usize,
    without_number: usize,
    approval: bool,
    error: Option<String>,
}

/// The SMS page, with `preview` when the sender asked for one.
async fn page(
    state: &PortalState,
    session: &PortalSession,
    person: &Person,
    locale: &str,
    preview: Option<Preview>,
) -> HttpResponse {
    let (sms, send, approve) = match rights(state, person, locale) {
        Ok(r) => r,
        Err(answer) => return *answer,
    };
    let live = state.live.get();
    let loaded = async {
        let audiences = if send {
            sms.audiences(person, &state.groups, &live.populations, locale).await?
        } else {
            Vec::new()
        };
        let history = sms.history(&person.uid).await?;
        let awaiting = if approve { sms.awaiting().await? } else { Vec::new() };
        Ok::<_, crate::storage::StorageError>((audiences, history, awaiting))
    };
    let (audiences, history, awaiting) = match loaded.await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!("cannot read the SMS sends: {e}");
            return error_page(state, locale, 503, "notice.storage_unavailable");
        }
    };
    let mut ctx = crate::page::base_context(&state.theme, person, locale);
    ctx.insert("may_send", &send);
    ctx.insert("may_approve", &approve);
    ctx.insert("audiences", &audiences);
    ctx.insert("history", &history);
    ctx.insert("awaiting", &awaiting);
    ctx.insert("me", &person.uid);
    ctx.insert("max_chars", &sms.settings().max_chars);
    ctx.insert("approval_over", &sms.settings().approval_over);
    ctx.insert("preview", &preview);
    ctx.insert("csrf_token", &session.csrf_token());
    ctx.insert("notices", &session.take_flash());
    super::extract::html_page(state, locale, "sms.html", &ctx)
}

/// `GET /sms`.
pub(super) async fn show(req: HttpRequest, state: super::Tenant, session: PortalSession) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let Some((person, _)) = current_person(&session, &state).await else {
        return redirect("/login?return=/sms");
    };
    page(&state, &session, &person, &locale, None).await
}

/// The form of `POST /sms/preview` and `POST /sms/send`.
#[derive(Deserialize)]
pub(super) struct SendForm {
    csrf: String,
    audience: String,
    message: String,
}

/// The audience of `form` with its name, if the sender may use it.
async fn audience_of(
    state: &PortalState,
    sms: &Sms,
    person: &Person,
    locale: &str,
    value: &str,
) -> Result<(Audience, String), SmsError> {
    let audience = Audience::parse(value).ok_or(SmsError::NotAllowed)?;
    let live = state.live.get();
    let offered = sms.audiences(person, &state.groups, &live.populations, locale).await?;
    let label = offered
        .into_iter()
        .find(|(v, _)| *v == audience.value())
        .map(|(_, label)| label)
        .ok_or(SmsError::NotAllowed)?;
    Ok((audience, label))
}

/// What a form of `/sms` needs before anything: its token, a signed-in person, and the
/// right `need` (sending or approving).
#[derive(Clone, Copy)]
enum Need {
    Send,
    Approve,
}

async fn form_sender<'a>(
    req: &HttpRequest,
    state: &'a PortalState,
    session: &PortalSession,
    csrf: &str,
    need: Need,
) -> Result<(Person, String, &'a Sms), HttpResponse> {
    let (person, locale) = form_user(req, state, session, csrf).await?;
    let (sms, send, approve) = rights(state, &person, &locale).map_err(|answer| *answer)?;
    let allowed = match need {
        Need::Send => send,
        Need::Approve => approve,
    };
    if !allowed {
        return Err(error_page(state, &locale, 403, "sms.error.not_allowed"));
    }
    Ok((person, locale, sms))
}

/// `POST /sms/preview`.
pub(super) async fn preview(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    form: web::Form<SendForm>,
) -> HttpResponse {
    let (person, locale, sms) = match form_sender(&req, &state, &session, &form.csrf, Need::Send).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let live = state.live.get();
    let mut shown = Preview {
        audience: form.audience.clone(),
        message: form.message.clone(),
        ..Preview::default()
    };
    let checked = async {
        let text = sms.check_text(&form.message)?;
        let (audience, label) = audience_of(&state, sms, &person, &locale, &form.audience).await?;
        shown.audience_label = label;
        let to = sms
            .recipients(&person.uid, &audience, &directory(&state, &live), now_ms())
            .await?;
        shown.recipients = to.numbers.len();
        shown.without_number = to.without_number;
        shown.approval = sms.needs_approval(to.numbers.len());
        if to.numbers.is_empty() {
            return Err(SmsError::NoRecipient);
        }
        sms.check_quota(to.numbers.len()).await?;
        shown.message = text;
        Ok(())
    };
    if let Err(e) = checked.await {
        log_failure(&e);
        shown.error = Some(state.theme.catalog.get(&locale, e.key()).to_string());
    }
    page(&state, &session, &person, &locale, Some(shown)).await
}

fn log_failure(e: &SmsError) {
    match e {
        SmsError::Smsu(_) | SmsError::Directory(_) | SmsError::Storage(_) => tracing::warn!("SMS: {e}"),
        _ => {}
    }
}

/// `POST /sms/send`.
pub(super) async fn send(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    form: web::Form<SendForm>,
) -> HttpResponse {
    let (person, locale, sms) = match form_sender(&req, &state, &session, &form.csrf, Need::Send).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let live = state.live.get();
    let now = now_ms();
    let done = async {
        let text = sms.check_text(&form.message)?;
        let (audience, label) = audience_of(&state, sms, &person, &locale, &form.audience).await?;
        let to = sms
            .recipients(&person.uid, &audience, &directory(&state, &live), now)
            .await?;
        sms.submit(&person.uid, &audience, &label, &to, &text, now).await
    };
    let catalog = &state.theme.catalog;
    match done.await {
        Ok(sent) if sent.state == "awaiting" => {
            let approvers = match sms.approvers(&person.uid, &directory(&state, &live), now).await {
                Ok(found) => found,
                Err(e) => {
                    // The send waits all the same; approvers see it on /sms.
                    log_failure(&e);
                    sms.settings().approver_uids.clone()
                }
            };
            for approver in &approvers {
                if *approver == person.uid {
                    continue;
                }
                let title = crate::groups::stored_title("sms.notify.awaiting", &sent.audience_label);
                if let Err(e) = state
                    .storage
                    .notify_person(
                        approver,
                        crate::sms::NOTIFICATION_SOURCE,
                        &format!("awaiting:{}", sent.id),
                        &title,
                        "/sms",
                        now,
                    )
                    .await
                {
                    tracing::warn!("cannot tell an approver: {e}");
                }
                state.inbox.changed(approver).await;
            }
            session.flash(catalog.get(&locale, "sms.done.awaiting").to_string());
            redirect("/sms")
        }
        Ok(_) => {
            session.flash(catalog.get(&locale, "sms.done.sent").to_string());
            redirect("/sms")
        }
        Err(e) => {
            log_failure(&e);
            session.flash(catalog.get(&locale, e.key()).to_string());
            redirect("/sms")
        }
    }
}

/// The form of an approver's decision.
#[derive(Deserialize)]
pub(super) struct DecisionForm {
    csrf: String,
}

/// `POST /sms/{id}/{decision}`.
pub(super) async fn decide(
    req: HttpRequest,
    state: super::Tenant,
    session: PortalSession,
    path: web::Path<(i64, String)>,
    form: web::Form<DecisionForm>,
) -> HttpResponse {
    let (person, locale, sms) = match form_sender(&req, &state, &session, &form.csrf, Need::Approve).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let (id, decision) = path.into_inner();
    let approve = match decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return error_page(&state, &locale, 404, "error.not_found"),
    };
    let live = state.live.get();
    let now = now_ms();
    let decided = async {
        let Some(asked) = sms.get(id).await? else {
            return Ok(None);
        };
        let to = if approve && asked.state == "awaiting" {
            let audience = Audience::parse(&asked.audience).ok_or(SmsError::NotAllowed)?;
            Some(
                sms.recipients(&asked.sender, &audience, &directory(&state, &live), now)
                    .await?,
            )
        } else {
            None
        };
        sms.decide(id, &person.uid, approve, to.as_ref(), now).await
    };
    let catalog = &state.theme.catalog;
    match decided.await {
        Ok(Some(done)) => {
            let key = match done.state.as_str() {
                "sent" => "sms.notify.approved",
                "refused" => "sms.notify.refused",
                _ => "sms.notify.failed",
            };
            let title = crate::groups::stored_title(key, &done.audience_label);
            if let Err(e) = state
                .storage
                .notify_person(
                    &done.sender,
                    crate::sms::NOTIFICATION_SOURCE,
                    &format!("decided:{id}"),
                    &title,
                    "/sms",
                    now,
                )
                .await
            {
                tracing::warn!("cannot tell the sender: {e}");
            }
            state.inbox.changed(&done.sender).await;
            session.flash(catalog.get(&locale, &format!("sms.done.{}", done.state)).to_string());
            redirect("/sms")
        }
        Ok(None) => {
            session.flash(catalog.get(&locale, "sms.error.decided").to_string());
            redirect("/sms")
        }
        Err(e) => {
            log_failure(&e);
            session.flash(catalog.get(&locale, e.key()).to_string());
            redirect("/sms")
        }
    }
}
