//! The "helpdesk" channel: the person's requests to the IT help desk, read from iTop's
//! REST/JSON API (`core/get` on `UserRequest` for the caller), with a link to open each one
//! in iTop's user portal and one to open a new request.
//!
//! The caller is the iTop `Person` whose `caller_field` (`email` by default) equals the
//! person's `caller_attribute` (`mail` by default): universities synchronise iTop's persons
//! from their directory, matched on the mail. The REST user's credentials are the host's
//! (see [`itop`]).

pub mod itop;

use agora_channel_sdk::prelude::*;
use agora_channel_sdk::time;
use itop::Ticket;
use serde::Deserialize;

/// Configuration of a helpdesk publication (see channel.toml).
#[derive(Debug, Deserialize)]
pub struct Config {
    /// iTop's address for browsers.
    pub itop_url: String,
    /// The person attribute naming the caller.
    pub caller_attribute: String,
    /// The Person field holding it in iTop.
    pub caller_field: String,
    /// The ticket class.
    pub ticket_class: String,
    /// The REST API version.
    pub api_version: String,
    /// iTop's time zone, empty for the institution's.
    pub itop_time_zone: String,
    /// Link template to a request.
    pub request_link: String,
    /// Link template to a new request.
    pub new_request_link: String,
    /// Link template to all the person's requests, empty for none.
    pub all_requests_link: String,
    /// Requests shown.
    pub max_items: u32,
    /// Show resolved and closed requests.
    pub show_closed: bool,
}

/// Whether a status is an end (resolved or closed): those come after the open ones.
pub fn is_done(status: &str) -> bool {
    matches!(status, "resolved" | "closed" | "rejected")
}

/// A status in words, as a person reads it (French words agree with « demande »); the
/// escalation states are iTop's own affair and read as the state they escalate.
pub fn status_label(status: &str, en: bool) -> String {
    let (fr, english) = match status {
        "new" | "escalated_tto" => ("Nouvelle", "New"),
        "assigned" | "escalated_ttr" | "dispatched" | "redispatched" => ("Prise en charge", "In progress"),
        "pending" => ("En attente de votre réponse", "Waiting for your answer"),
        "waiting_for_approval" => ("En attente d’approbation", "Waiting for approval"),
        "approved" => ("Approuvée", "Approved"),
        "rejected" => ("Refusée", "Rejected"),
        "resolved" => ("Résolue", "Resolved"),
        "closed" => ("Clôturée", "Closed"),
        other => return other.replace('_', " "),
    };
    (if en { english } else { fr }).to_string()
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MOIS: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.",
];

/// Seconds since the epoch of iTop's `YYYY-MM-DD hh:mm:ss`, read as wall time (no zone).
fn wall_seconds(date: &str) -> Option<i64> {
    let (day, clock) = date.trim().split_once(' ').unwrap_or((date.trim(), "00:00:00"));
    let mut d = day.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, dd) = (d.next()??, d.next()??, d.next()??);
    let mut c = clock.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (h, mi, s) = (
        c.next()??,
        c.next().flatten().unwrap_or(0),
        c.next().flatten().unwrap_or(0),
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&dd) || !(0..24).contains(&h) || !(0..60).contains(&mi) {
        return None;
    }
    Some(time::days_from_civil(y, m as u32, dd as u32) * 86_400 + h * 3600 + mi * 60 + s)
}

/// The UTC instant of iTop's wall time `date` in `itop_zone`.
pub fn itop_instant(date: &str, itop_zone: &str) -> Result<Option<i64>, ChannelError> {
    let Some(wall) = wall_seconds(date) else {
        return Ok(None);
    };
    // The offset at the wall time read as UTC is the offset at the instant, except within
    // the hour of a change, where either reading is a real instant.
    let offset = time::utc_offset(itop_zone, wall)?;
    Ok(Some(wall - offset))
}

/// `(datetime attribute, words)` for the instant `utc` in the institution's `zone`.
pub fn shown_date(utc: i64, zone: &str, en: bool) -> Result<(String, String), ChannelError> {
    let local = utc + time::utc_offset(zone, utc)?;
    let (y, m, d) = time::civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    let (h, mi) = (secs / 3600, secs % 3600 / 60);
    let (uy, um, ud) = time::civil_from_days(utc.div_euclid(86_400));
    let us = utc.rem_euclid(86_400);
    let datetime = format!(
        "{uy:04}-{um:02}-{ud:02}T{:02}:{:02}:{:02}Z",
        us / 3600,
        us % 3600 / 60,
        us % 60
    );
    let words = if en {
        format!("{d} {} {y}, {h:02}:{mi:02}", MONTHS[m as usize - 1])
    } else {
        format!("{d} {} {y} à {h:02}h{mi:02}", MOIS[m as usize - 1])
    };
    Ok((datetime, words))
}

/// `template` with `{itop}`, `{class}`, `{id}` and `{ref}` replaced (the values
/// percent-encoded, the base without its trailing `/`).
pub fn link(template: &str, itop_url: &str, ticket: Option<&Ticket>) -> String {
    let mut out = template.replace("{itop}", itop_url.trim_end_matches('/'));
    if let Some(t) = ticket {
        out = out
            .replace("{class}", &itop::form_encode(&t.class))
            .replace("{id}", &itop::form_encode(&t.key))
            .replace("{ref}", &itop::form_encode(&t.reference));
    }
    out
}

/// Open requests first, then the others; most recently updated first within each.
pub fn ordered(mut tickets: Vec<Ticket>, show_closed: bool) -> Vec<Ticket> {
    if !show_closed {
        tickets.retain(|t| !is_done(&t.status));
    }
    tickets.sort_by(|a, b| {
        is_done(&a.status)
            .cmp(&is_done(&b.status))
            .then_with(|| wall_seconds(&b.last_update).cmp(&wall_seconds(&a.last_update)))
            .then_with(|| b.reference.cmp(&a.reference))
    });
    tickets
}

/// Where the render's dates and links come from.
pub struct Setting<'a> {
    /// The publication's configuration.
    pub config: &'a Config,
    /// The institution's time zone.
    pub zone: &'a str,
    /// English page.
    pub en: bool,
}

/// HTML of the person's requests (already [`ordered`]).
pub fn render_tickets(tickets: &[Ticket], s: &Setting) -> Result<String, ChannelError> {
    let (c, en) = (s.config, s.en);
    let itop_zone = if c.itop_time_zone.trim().is_empty() {
        s.zone
    } else {
        c.itop_time_zone.trim()
    };
    let open = tickets.iter().filter(|t| !is_done(&t.status)).count();
    let summary = match (open, en) {
        (0, true) => "You have no open request.".to_string(),
        (0, false) => "Vous n’avez aucune demande en cours.".to_string(),
        (1, true) => "1 open request".to_string(),
        (1, false) => "1 demande en cours".to_string(),
        (n, true) => format!("{n} open requests"),
        (n, false) => format!("{n} demandes en cours"),
    };
    let mut html = format!("<p class=\"helpdesk-count\"><strong>{}</strong></p>", escape(&summary));
    let shown = &tickets[..tickets.len().min(c.max_items.max(1) as usize)];
    if !shown.is_empty() {
        html.push_str("<ul class=\"helpdesk-list\">");
        for t in shown {
            let title = if t.title.trim().is_empty() {
                if en { "(no title)" } else { "(sans titre)" }
            } else {
                t.title.as_str()
            };
            html.push_str(&format!(
                "<li><a href=\"{}\"><span class=\"helpdesk-ref\">{}</span> {}</a><br><span class=\"helpdesk-status\">{}</span>",
                escape(safe_url(&link(&c.request_link, &c.itop_url, Some(t)))),
                escape(&t.reference),
                escape(title),
                escape(&status_label(&t.status, en)),
            ));
            if let Some(utc) = itop_instant(&t.last_update, itop_zone)? {
                let (datetime, words) = shown_date(utc, s.zone, en)?;
                html.push_str(&format!(
                    " · {} <time datetime=\"{datetime}\">{}</time>",
                    if en { "updated" } else { "mise à jour le" },
                    escape(&words)
                ));
            }
            if !t.agent.trim().is_empty() && !is_done(&t.status) {
                html.push_str(&format!(
                    " · {} {}",
                    if en { "handled by" } else { "suivie par" },
                    escape(t.agent.trim())
                ));
            }
            html.push_str("</li>");
        }
        html.push_str("</ul>");
    }
    if tickets.len() > shown.len() {
        let more = tickets.len() - shown.len();
        html.push_str(&format!(
            "<p class=\"hint\">{}</p>",
            if en {
                format!("And {more} more in the help desk portal.")
            } else {
                format!("Et {more} de plus sur le portail d’assistance.")
            }
        ));
    }
    html.push_str(&format!(
        "<p class=\"helpdesk-actions\"><a class=\"button\" href=\"{}\">{}</a>",
        escape(safe_url(&link(&c.new_request_link, &c.itop_url, None))),
        if en {
            "Open a new request"
        } else {
            "Faire une nouvelle demande"
        }
    ));
    if !c.all_requests_link.trim().is_empty() {
        html.push_str(&format!(
            " <a href=\"{}\">{}</a>",
            escape(safe_url(&link(&c.all_requests_link, &c.itop_url, None))),
            if en { "All my requests" } else { "Toutes mes demandes" }
        ));
    }
    html.push_str("</p>");
    Ok(html)
}

/// The channel.
pub struct Helpdesk;

impl Channel for Helpdesk {
    type Config = Config;

    fn render(ctx: &Context<Config>) -> Result<Output, ChannelError> {
        let c = &ctx.config;
        if c.itop_url.trim().is_empty() {
            return Err(ChannelError::bad_config("itop_url is empty"));
        }
        let Some(caller) = ctx
            .first_attribute(&c.caller_attribute)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty() && v.len() <= 256 && !v.chars().any(char::is_control))
        else {
            return Err(ChannelError::not_applicable(format!(
                "no usable {} for this person",
                c.caller_attribute
            )));
        };
        let tickets = itop::tickets_of(&c.api_version, &c.ticket_class, &c.caller_field, &caller)?;
        let setting = Setting {
            config: c,
            zone: &ctx.time_zone,
            en: ctx.locale == Locale::En,
        };
        Ok(Output::html(render_tickets(
            &ordered(tickets, c.show_closed),
            &setting,
        )?))
    }
}

agora_channel_sdk::export_channel!(Helpdesk);

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(reference: &str, status: &str, last_update: &str) -> Ticket {
        Ticket {
            key: reference.trim_start_matches("R-").to_string(),
            class: "UserRequest".into(),
            reference: reference.into(),
            title: format!("Title {reference}"),
            status: status.into(),
            last_update: last_update.into(),
            ..Default::default()
        }
    }

    #[test]
    fn itop_wall_times_become_instants_then_the_institution_s_time() {
        // 30 Nov 2026 14:22:05 in Paris (winter, UTC+1) is 13:22:05 UTC.
        let utc = itop_instant("2026-11-30 14:22:05", "Europe/Paris")
            .expect("zone")
            .expect("date");
        assert_eq!(
            shown_date(utc, "Europe/Paris", false).expect("ok").1,
            "30 nov. 2026 à 14h22"
        );
        let (datetime, words) = shown_date(utc, "Indian/Reunion", true).expect("ok");
        assert_eq!(
            (datetime.as_str(), words.as_str()),
            ("2026-11-30T13:22:05Z", "30 Nov 2026, 17:22")
        );
        // Summer time: 1 Jul 09:00 Paris is 07:00 UTC.
        let summer = itop_instant("2026-07-01 09:00:00", "Europe/Paris")
            .expect("zone")
            .expect("date");
        assert_eq!(shown_date(summer, "UTC", true).expect("ok").1, "1 Jul 2026, 07:00");
        assert_eq!(itop_instant("", "UTC").expect("zone"), None);
        assert_eq!(itop_instant("2026-13-01 00:00:00", "UTC").expect("zone"), None);
        assert!(itop_instant("2026-01-01 00:00:00", "Mars/Olympus").is_err());
    }

    #[test]
    fn open_requests_come_first_most_recent_first() {
        let all = vec![
            ticket("R-1", "closed", "2026-12-01 10:00:00"),
            ticket("R-2", "new", "2026-11-01 10:00:00"),
            ticket("R-3", "assigned", "2026-11-20 10:00:00"),
            ticket("R-4", "resolved", "2026-11-25 10:00:00"),
        ];
        let refs = |v: Vec<Ticket>| v.into_iter().map(|t| t.reference).collect::<Vec<_>>();
        assert_eq!(refs(ordered(all.clone(), true)), ["R-3", "R-2", "R-1", "R-4"]);
        assert_eq!(refs(ordered(all, false)), ["R-3", "R-2"]);
    }

    #[test]
    fn statuses_read_as_words_in_both_languages() {
        assert_eq!(status_label("escalated_ttr", false), "Prise en charge");
        assert_eq!(status_label("pending", true), "Waiting for your answer");
        assert_eq!(status_label("closed", false), "Clôturée");
        assert_eq!(status_label("custom_state", true), "custom state");
    }

    #[test]
    fn links_fill_their_template() {
        let t = ticket("R-000012", "new", "");
        assert_eq!(
            link(
                "{itop}/pages/UI.php?operation=details&class={class}&id={id}",
                "https://support.univ.fr/",
                Some(&t)
            ),
            "https://support.univ.fr/pages/UI.php?operation=details&class=UserRequest&id=000012"
        );
    }
}
