//! `GET /accessibilite` (and `/accessibility`): the *déclaration d'accessibilité* RGAA asks
//! every institution to publish, from the theme's `accessibility.html` (an institution
//! overrides it with its own audit through `paths.theme_overrides`), filled with the
//! establishment's name, its support contact and what the portal's tests cover.

use super::extract::{current_person, locale_of};
use super::session::PortalSession;
use crate::page::base_context;
use crate::people::Person;
use actix_web::{HttpRequest, HttpResponse};

/// `GET /accessibilite`.
pub(super) async fn statement(req: HttpRequest, state: super::Tenant, session: PortalSession) -> HttpResponse {
    let locale = locale_of(&req, &state);
    let person = current_person(&session, &state)
        .await
        .map(|(p, _)| p)
        .unwrap_or_else(Person::guest);
    let mut ctx = base_context(&state.theme, &person, &locale);
    ctx.insert("csrf_token", &session.csrf_token());
    ctx.insert("support", &state.identity.support);
    super::extract::html_page(&state, &locale, "accessibility.html", &ctx)
}
