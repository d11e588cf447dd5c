//! The "agenda" channel: the person's next events, today and the following days, grouped by
//! day in the institution's time zone and the page's language. The portal reads the
//! person's calendars over CalDAV (the `dav` capability, `agora:channel@0.3.0`) with a
//! credential the channel never sees.

use agora_channel_sdk::dav::{self, Event};
use agora_channel_sdk::prelude::*;
use agora_channel_sdk::time;
use serde::Deserialize;

/// Configuration of an agenda publication.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// Days shown, today included.
    pub days: u32,
    /// Most events listed.
    pub max_events: u32,
    /// The calendar application, linked; empty: none.
    #[serde(default)]
    pub agenda_url: String,
}

const DAY_MS: i64 = 86_400_000;
const WEEKDAYS: [(&str, &str); 7] = [
    ("lundi", "Monday"),
    ("mardi", "Tuesday"),
    ("mercredi", "Wednesday"),
    ("jeudi", "Thursday"),
    ("vendredi", "Friday"),
    ("samedi", "Saturday"),
    ("dimanche", "Sunday"),
];
const MONTHS: [(&str, &str); 12] = [
    ("janvier", "January"),
    ("février", "February"),
    ("mars", "March"),
    ("avril", "April"),
    ("mai", "May"),
    ("juin", "June"),
    ("juillet", "July"),
    ("août", "August"),
    ("septembre", "September"),
    ("octobre", "October"),
    ("novembre", "November"),
    ("décembre", "December"),
];

/// The local day number (days since 1970-01-01 in `zone`) and minutes of an instant.
fn local(ms: i64, zone: &str) -> Result<(i64, i64), time::UnknownZone> {
    let secs = ms.div_euclid(1_000);
    let local = secs + time::utc_offset(zone, secs)?;
    Ok((local.div_euclid(86_400), local.rem_euclid(86_400) / 60))
}

/// "Aujourd'hui", "Demain", else "mardi 8 décembre" / "Tuesday 8 December".
pub fn day_heading(day: i64, today: i64, en: bool) -> String {
    let pick = |(fr, en_word): (&'static str, &'static str)| if en { en_word } else { fr };
    match day - today {
        0 => pick(("Aujourd'hui", "Today")).to_string(),
        1 => pick(("Demain", "Tomorrow")).to_string(),
        _ => {
            let (_, m, d) = time::civil_from_days(day);
            let weekday = pick(WEEKDAYS[time::weekday(day)]);
            let month = pick(MONTHS[(m as usize).saturating_sub(1) % 12]);
            format!("{weekday} {d} {month}")
        }
    }
}

fn hhmm(minutes: i64) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The events grouped by local day, as HTML.
pub fn render_events(events: &[Event], now_ms: i64, zone: &str, days: u32, en: bool) -> Result<String, ChannelError> {
    let tr = |fr: &'static str, e: &'static str| if en { e } else { fr };
    let (today, _) = local(now_ms, zone)?;
    let mut by_day: Vec<(i64, Vec<String>)> = Vec::new();
    for e in events {
        let (day, when) = if e.all_day {
            (
                e.start_unix_ms.div_euclid(DAY_MS),
                tr("Toute la journée", "All day").to_string(),
            )
        } else {
            let (day, start) = local(e.start_unix_ms, zone)?;
            let (end_day, end) = local(e.end_unix_ms, zone)?;
            let when = if e.end_unix_ms <= e.start_unix_ms {
                hhmm(start)
            } else if end_day == day {
                format!("{}–{}", hhmm(start), hhmm(end))
            } else {
                format!("{} →", hhmm(start))
            };
            (day, when)
        };
        // An event that began before today and goes on is shown today.
        let day = day.max(today);
        let mut item = format!(
            "<li><span class=\"agenda-time\">{}</span> <strong>{}</strong>",
            escape(&when),
            escape(if e.summary.is_empty() {
                tr("(sans titre)", "(untitled)")
            } else {
                &e.summary
            })
        );
        if !e.location.is_empty() {
            item.push_str(&format!(
                " <span class=\"agenda-location\">— {}</span>",
                escape(&e.location)
            ));
        }
        item.push_str("</li>");
        match by_day.iter_mut().find(|(d, _)| *d == day) {
            Some((_, items)) => items.push(item),
            None => by_day.push((day, vec![item])),
        }
    }
    by_day.sort_by_key(|(d, _)| *d);
    if by_day.is_empty() {
        let text = if days == 1 {
            tr("Aucun événement aujourd'hui.", "No events today.").to_string()
        } else if en {
            format!("No events in the next {days} days.")
        } else {
            format!("Aucun événement dans les {days} prochains jours.")
        };
        return Ok(format!("<p>{text}</p>"));
    }
    let mut html = String::new();
    for (day, items) in by_day {
        html.push_str(&format!(
            "<h3>{}</h3><ul>{}</ul>",
            escape(&day_heading(day, today, en)),
            items.concat()
        ));
    }
    Ok(html)
}

/// The agenda channel.
pub struct Agenda;

impl Channel for Agenda {
    type Config = Config;

    fn render(ctx: &Context<Config>) -> Result<Output, ChannelError> {
        if !ctx.signed_in {
            return Err(ChannelError::not_applicable("guests have no agenda"));
        }
        let en = ctx.tr("fr", "en") == "en";
        let days = ctx.config.days.clamp(1, 31);
        // From the start of today (local) to the end of the last day shown.
        let (_, minutes) = local(ctx.now_unix_ms, &ctx.time_zone)?;
        let start_of_today = ctx.now_unix_ms - minutes * 60_000 - ctx.now_unix_ms.rem_euclid(60_000);
        let until = start_of_today + i64::from(days) * DAY_MS;
        let events = dav::events(ctx.now_unix_ms, until, ctx.config.max_events)?;
        let mut html = render_events(&events, ctx.now_unix_ms, &ctx.time_zone, days, en)?;
        let link = html::safe_url(&ctx.config.agenda_url);
        if !ctx.config.agenda_url.is_empty() && link != "#" {
            html.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape(link),
                ctx.tr("Ouvrir l'agenda", "Open the calendar")
            ));
        }
        Ok(Output::html(html))
    }
}

agora_channel_sdk::export_channel!(Agenda);
