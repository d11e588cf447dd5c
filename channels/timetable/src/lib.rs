//! The "timetable" channel: the user's courses for today and the coming days, from ADE
//! Campus iCalendar exports (`anonymous_cal.jsp`), parsed with the `icalendar` crate.
//!
//! Which ADE resources a person follows is configuration (`resources`): by étape (from the
//! `etape` of `supannEtuInscription`) or by login (teachers), e.g.
//! `["etape:L1MATH=1205,1206", "uid:claire.dubois=3001"]`. One fetched calendar is cached
//! (`calendar_ttl_seconds`, an hour by default) and shared by every user with the same
//! resources. ADE's `(Exporté le: …)` noise is removed from descriptions.

use agora_channel_sdk::prelude::*;
use agora_channel_sdk::time::{self, civil_from_days, weekday};
use icalendar::{CalendarDateTime, Component, DatePerhapsTime, EventLike};
use serde::Deserialize;

/// Configuration of a timetable publication.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// ADE project id.
    pub project_id: u32,
    /// Weeks asked from ADE (`nbWeeks`).
    pub weeks: u32,
    /// Days shown, from today.
    pub days: u32,
    /// Mapping rules: `etape:<code>=<ids>` or `uid:<login>=<ids>`.
    pub resources: Vec<String>,
    /// Time zone of the institution.
    pub timezone: String,
    /// Public URL to subscribe to the calendar, `{resources}` replaced; empty: no link.
    pub subscribe_url: String,
    /// How long a fetched calendar is kept, shared by every user with the same resources.
    pub calendar_ttl_seconds: u32,
}

/// The channel.
pub struct Timetable;

/// One course.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Start, Unix seconds (UTC).
    pub start: i64,
    /// End, Unix seconds (UTC).
    pub end: i64,
    /// Course title.
    pub summary: String,
    /// Rooms.
    pub rooms: Vec<String>,
    /// Groups and teachers, as ADE lists them.
    pub attendees: Vec<String>,
}

/// The ADE resource ids of a person, from the mapping rules, their login, their
/// `supannEtuInscription` values and their groups (`memberOf` DNs), sorted, without
/// duplicates. Rules: `etape:<code>=<ids>`, `uid:<login>=<ids>`, `group:<cn or DN>=<ids>`.
pub fn resources_for(
    rules: &[String],
    uid: &str,
    inscriptions: &[String],
    groups: &[String],
) -> Result<Vec<u32>, ChannelError> {
    let etapes: Vec<String> = inscriptions
        .iter()
        .filter_map(|i| {
            let start = i.find("[etape=")? + "[etape=".len();
            let value = &i[start..];
            let value = &value[..value.find(']')?];
            // `{UAI:0751717J}L1MATH` → `L1MATH`
            Some(value.rsplit('}').next().unwrap_or(value).to_string())
        })
        .collect();
    let mut ids = Vec::new();
    for rule in rules {
        // Group DNs contain `=`: the ids follow the last one.
        let (selector, list) = rule
            .rsplit_once('=')
            .ok_or_else(|| ChannelError::bad_config(format!("resources rule `{rule}` has no `=`")))?;
        let matched = match selector.split_once(':') {
            Some(("etape", code)) => etapes.iter().any(|e| e == code),
            Some(("uid", login)) => login == uid,
            Some(("group", group)) => groups.iter().any(|dn| {
                dn.eq_ignore_ascii_case(group)
                    || dn
                        .split(',')
                        .next()
                        .and_then(|rdn| rdn.trim().strip_prefix("cn="))
                        .is_some_and(|cn| cn.eq_ignore_ascii_case(group))
            }),
            _ => {
                return Err(ChannelError::bad_config(format!(
                    "resources rule `{rule}`: expected etape:<code>=…, uid:<login>=… or group:<cn or DN>=…"
                )));
            }
        };
        if matched {
            for id in list.split(',') {
                ids.push(
                    id.trim().parse::<u32>().map_err(|_| {
                        ChannelError::bad_config(format!("resources rule `{rule}`: `{id}` is not an id"))
                    })?,
                );
            }
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Offset from UTC (seconds) of a supported time zone at the UTC instant `unix`.
pub fn utc_offset(timezone: &str, unix: i64) -> Result<i64, ChannelError> {
    Ok(time::utc_offset(timezone, unix)?)
}

fn instant(value: Option<DatePerhapsTime>, timezone: &str) -> Option<i64> {
    match value? {
        DatePerhapsTime::DateTime(CalendarDateTime::Utc(dt)) => Some(dt.timestamp()),
        DatePerhapsTime::DateTime(CalendarDateTime::Floating(naive))
        | DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time: naive, .. }) => {
            let local = naive.and_utc().timestamp();
            Some(local - utc_offset(timezone, local).ok()?)
        }
        DatePerhapsTime::Date(date) => {
            let local = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
            Some(local - utc_offset(timezone, local).ok()?)
        }
    }
}

/// Parse an ADE export into events, sorted by start. A calendar that does not parse is the
/// back-end's fault (garbage), not the channel's. The `icalendar` parser already turns the
/// format's escapes (`\n`, `\,`, `\;`, `\\`) into text: unescaping again would make a
/// literal backslash-n a line break.
pub fn parse_events(ics: &str, timezone: &str) -> Result<Vec<Event>, ChannelError> {
    if !ics.trim_start().starts_with("BEGIN:VCALENDAR") {
        return Err(ChannelError::backend_garbage(
            "the ADE answer is not an iCalendar document",
        ));
    }
    let calendar: icalendar::Calendar = ics
        .parse()
        .map_err(|e: String| ChannelError::backend_garbage(format!("the ADE calendar does not parse: {e}")))?;
    let mut events: Vec<Event> = calendar
        .iter()
        .filter_map(|c| c.as_event())
        .filter_map(|e| {
            let start = instant(e.get_start(), timezone)?;
            let end = instant(e.get_end(), timezone).unwrap_or(start);
            let description = e.get_description().unwrap_or_default();
            let attendees = description
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("(Exporté le") && !l.starts_with("(Exported"))
                .map(str::to_string)
                .collect();
            let rooms = e
                .get_location()
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect();
            Some(Event {
                start,
                end,
                summary: e.get_summary().unwrap_or_default().to_string(),
                rooms,
                attendees,
            })
        })
        .collect();
    events.sort_by_key(|e| (e.start, e.end));
    Ok(events)
}

const DAYS_FR: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
const DAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn hhmm(local: i64) -> String {
    let s = local.rem_euclid(86_400);
    format!("{:02}:{:02}", s / 3600, s % 3600 / 60)
}

/// HTML of the events of `days` days from the local day of `now` (Unix seconds).
pub fn render_days(events: &[Event], now: i64, timezone: &str, days: u32, en: bool) -> Result<String, ChannelError> {
    let today = (now + utc_offset(timezone, now)?).div_euclid(86_400);
    let mut html = String::from("<div class=\"timetable\">");
    let mut shown = 0;
    for day in today..today + i64::from(days.max(1)) {
        let of_day: Vec<&Event> = events
            .iter()
            .filter(|e| {
                let local = e.start + utc_offset(timezone, e.start).unwrap_or(0);
                local.div_euclid(86_400) == day && e.end > now
            })
            .collect();
        if of_day.is_empty() {
            continue;
        }
        let (_, m, d) = civil_from_days(day);
        let label = match (day - today, en) {
            (0, false) => "Aujourd'hui".to_string(),
            (0, true) => "Today".to_string(),
            (1, false) => "Demain".to_string(),
            (1, true) => "Tomorrow".to_string(),
            (_, false) => format!("{} {d} {}", DAYS_FR[weekday(day)], MONTHS_FR[m as usize - 1]),
            (_, true) => format!("{} {d} {}", DAYS_EN[weekday(day)], MONTHS_EN[m as usize - 1]),
        };
        html.push_str(&format!(
            "<h3 class=\"timetable-day\">{}</h3><ul class=\"timetable-list\">",
            escape(&label)
        ));
        for e in of_day {
            let offset = utc_offset(timezone, e.start)?;
            html.push_str(&format!(
                "<li><span class=\"timetable-time\">{}–{}</span> <strong>{}</strong>",
                hhmm(e.start + offset),
                hhmm(e.end + offset),
                escape(&e.summary)
            ));
            if !e.rooms.is_empty() {
                html.push_str(&format!(
                    "<br><span class=\"timetable-room\">{} {}</span>",
                    if en { "Room:" } else { "Salle :" },
                    escape(&e.rooms.join(", "))
                ));
            }
            if !e.attendees.is_empty() {
                html.push_str(&format!(
                    "<br><span class=\"timetable-people\">{}</span>",
                    escape(&e.attendees.join(" · "))
                ));
            }
            html.push_str("</li>");
            shown += 1;
        }
        html.push_str("</ul>");
    }
    if shown == 0 {
        html.push_str(&format!(
            "<p>{}</p>",
            if en {
                "No classes in the coming days."
            } else {
                "Aucun cours prévu ces prochains jours."
            }
        ));
    }
    html.push_str("</div>");
    Ok(html)
}

impl Channel for Timetable {
    type Config = Config;

    fn render(ctx: &Context<Config>) -> Result<Output, ChannelError> {
        let cfg = &ctx.config;
        let uid = ctx.first_attribute("uid").unwrap_or_default();
        let resources = resources_for(
            &cfg.resources,
            &uid,
            &ctx.attribute("supannEtuInscription"),
            &ctx.attribute("memberOf"),
        )?;
        if resources.is_empty() {
            return Err(ChannelError::not_applicable("no ADE resource for this person"));
        }
        let list = resources.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let path = format!(
            "/jsp/custom/modules/plannings/anonymous_cal.jsp?resources={list}&projectId={}&calType=ical&nbWeeks={}",
            cfg.project_id, cfg.weeks
        );
        let key = format!("ics:{}:{}:{list}", cfg.project_id, cfg.weeks);
        let bytes = cache::get_or_try_insert(&key, cfg.calendar_ttl_seconds, || {
            let resp = backend::get("ade", &path)?;
            if !resp.is_success() {
                return Err(ChannelError::backend_unavailable(format!(
                    "ADE answered HTTP {}",
                    resp.status
                )));
            }
            // Check before caching: garbage is not kept for an hour.
            parse_events(&resp.text(), &cfg.timezone)?;
            Ok(resp.body)
        })?;
        let text = String::from_utf8_lossy(&bytes);
        let events = parse_events(&text, &cfg.timezone)?;
        let en = ctx.locale == Locale::En;
        let mut html = render_days(&events, ctx.now_unix_ms / 1000, &cfg.timezone, cfg.days, en)?;
        if !cfg.subscribe_url.is_empty() {
            let url = cfg.subscribe_url.replace("{resources}", &list);
            html.push_str(&format!(
                "<p class=\"timetable-subscribe\"><a href=\"{}\">{}</a></p>",
                escape(safe_url(&url)),
                if en {
                    "Subscribe to this timetable (.ics)"
                } else {
                    "S'abonner à cet emploi du temps (.ics)"
                }
            ));
        }
        Ok(Output::html(html))
    }
}

agora_channel_sdk::export_channel!(Timetable);

#[cfg(test)]
mod tests {
    use super::*;
    use agora_channel_sdk::time::days_from_civil;

    const EXPORT: &str = include_str!("../tests/fixtures/ade-export.ics");

    #[test]
    fn resources_follow_etape_and_login() {
        let rules = vec![
            "etape:L1MATH=1205,1206".to_string(),
            "uid:claire.dubois=3001".to_string(),
        ];
        let l1 = "[etab={UAI}0751717J][anneeinsc=2026][cursusann={SUPANN}L1][etape={UAI:0751717J}L1MATH]".to_string();
        assert_eq!(resources_for(&rules, "alice", &[l1], &[]).expect("ok"), [1205, 1206]);
        assert_eq!(resources_for(&rules, "claire.dubois", &[], &[]).expect("ok"), [3001]);
        assert!(resources_for(&rules, "nobody", &[], &[]).expect("ok").is_empty());
        assert!(resources_for(&["room:S101=1".to_string()], "x", &[], &[]).is_err());
        let groups = vec!["cn=l1-math-g2,ou=groups,dc=univ-agora,dc=fr".to_string()];
        let by_group = vec![
            "group:l1-math-g2=1206".to_string(),
            "group:cn=l1-math-g1,ou=groups,dc=univ-agora,dc=fr=1205".to_string(),
        ];
        assert_eq!(
            resources_for(&by_group, "x", &[], &groups).expect("ok"),
            [1206],
            "by cn"
        );
        let g1 = vec!["cn=l1-math-g1,ou=groups,dc=univ-agora,dc=fr".to_string()];
        assert_eq!(
            resources_for(&by_group, "x", &[], &g1).expect("ok"),
            [1205],
            "by whole DN"
        );
    }

    #[test]
    fn a_recorded_ade_export_parses_without_the_export_noise() {
        let events = parse_events(EXPORT, "Europe/Paris").expect("parses");
        assert_eq!(events.len(), 3);
        let first = &events[0];
        assert_eq!(first.summary, "Analyse 1 - CM");
        assert_eq!(first.rooms, ["Amphi A - Bâtiment Sciences"]);
        assert_eq!(first.attendees, ["L1 MATH G1", "L1 MATH G2", "DUBOIS Claire"]);
        assert_eq!(first.start, days_from_civil(2026, 11, 23) * 86_400 + 7 * 3600 + 30 * 60);
        assert_eq!(
            events[2].rooms,
            ["Salle machines 3", "Salle machines 4"],
            "comma-separated rooms"
        );
    }

    #[test]
    fn days_are_shown_in_local_time_in_both_languages() {
        let events = parse_events(EXPORT, "Europe/Paris").expect("parses");
        let monday_morning = days_from_civil(2026, 11, 23) * 86_400 + 6 * 3600;
        let fr = render_days(&events, monday_morning, "Europe/Paris", 5, false).expect("renders");
        assert!(
            fr.contains("Aujourd&#39;hui") && fr.contains("08:30–10:30") && fr.contains("Analyse 1 - CM"),
            "{fr}"
        );
        assert!(fr.contains("mercredi 25 novembre"), "{fr}");
        assert!(!fr.contains("Exporté"), "{fr}");
        let en = render_days(&events, monday_morning, "Europe/Paris", 5, true).expect("renders");
        assert!(
            en.contains("Today") && en.contains("Wednesday 25 November") && en.contains("Room:"),
            "{en}"
        );
        let later = days_from_civil(2026, 12, 20) * 86_400;
        assert!(
            render_days(&events, later, "Europe/Paris", 5, false)
                .expect("renders")
                .contains("Aucun cours")
        );
    }

    #[test]
    fn garbage_and_unknown_zones_are_reported() {
        assert!(parse_events("<html>maintenance</html>", "Europe/Paris").is_err());
        assert!(utc_offset("Mars/Olympus", 0).is_err());
        let summer = days_from_civil(2026, 7, 1) * 86_400;
        assert_eq!(utc_offset("Europe/Paris", summer).expect("known"), 7200);
        assert_eq!(utc_offset("Indian/Reunion", summer).expect("known"), 14_400);
    }
}
