//! ADE Campus `anonymous_cal.jsp` iCalendar exports.

use crate::civil::{days_from_civil, ical_utc, paris_offset, weekday};
use serde::Deserialize;

/// Resources and the weekly pattern of courses.
#[derive(Debug, Deserialize)]
pub struct AdeData {
    /// ADE project id (`projectId=`).
    pub project_id: u32,
    /// Groups, teachers, rooms.
    pub resources: Vec<Resource>,
    /// Courses, every week.
    pub courses: Vec<Course>,
}

/// One ADE resource.
#[derive(Debug, Deserialize)]
pub struct Resource {
    /// Numeric id, as in `resources=`.
    pub id: u32,
    /// Name shown in DESCRIPTION.
    pub name: String,
}

/// A weekly course.
#[derive(Debug, Deserialize)]
pub struct Course {
    /// SUMMARY.
    pub summary: String,
    /// ISO weekday, 1 = Monday.
    pub weekday: u32,
    /// Paris local start, `HH:MM`.
    pub start: String,
    /// Paris local end, `HH:MM`.
    pub end: String,
    /// LOCATION (comma-separated in the export).
    pub rooms: Vec<String>,
    /// Resource ids attending (groups and teachers).
    pub resources: Vec<u32>,
}

fn minutes(hhmm: &str) -> i64 {
    let (h, m) = hhmm.split_once(':').unwrap_or(("0", "0"));
    h.parse::<i64>().unwrap_or(0) * 60 + m.parse::<i64>().unwrap_or(0)
}

/// Escape a TEXT value (RFC 5545 §3.3.11).
fn text(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// Fold a content line at 75 octets (RFC 5545 §3.1).
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

fn query_value<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

/// The export for `query` at `now` (Unix seconds).
pub fn calendar(data: &AdeData, query: &str, now: i64) -> Result<String, String> {
    let resources: Vec<u32> = query_value(query, "resources")
        .ok_or("missing resources")?
        .replace("%2C", ",")
        .split(',')
        .filter_map(|r| r.trim().parse().ok())
        .collect();
    if query_value(query, "calType") != Some("ical") {
        return Err("calType=ical expected".into());
    }
    let weeks: i64 = query_value(query, "nbWeeks")
        .and_then(|w| w.parse().ok())
        .unwrap_or(1)
        .clamp(1, 52);
    let today = now.div_euclid(86_400);
    let monday = today - i64::from(weekday(today)) + 1;
    let (ey, em, ed) = crate::civil::civil_from_days(today);
    let exported = format!(
        "{ed:02}/{em:02}/{ey:04} {:02}:{:02}",
        (now + paris_offset(now)).rem_euclid(86_400) / 3600,
        (now + paris_offset(now)).rem_euclid(3_600) / 60
    );
    let name = |id: u32| data.resources.iter().find(|r| r.id == id).map(|r| r.name.as_str());
    let mut ics = String::from(
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nPRODID:-//ADE/version 6.0\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\n",
    );
    for week in 0..weeks {
        for (n, course) in data.courses.iter().enumerate() {
            if !course.resources.iter().any(|r| resources.contains(r)) {
                continue;
            }
            let day = monday + week * 7 + i64::from(course.weekday) - 1;
            let local_midnight = day * 86_400;
            let offset = paris_offset(local_midnight + 12 * 3_600);
            let start = local_midnight + minutes(&course.start) * 60 - offset;
            let end = local_midnight + minutes(&course.end) * 60 - offset;
            let attendees: Vec<&str> = course.resources.iter().filter_map(|r| name(*r)).collect();
            let description = format!("\n{}\n(Exporté le:{exported})\n", attendees.join("\n"));
            let (y, m, d) = crate::civil::civil_from_days(day);
            ics.push_str("BEGIN:VEVENT\r\n");
            ics.push_str(&format!("DTSTAMP:{}\r\n", ical_utc(now)));
            ics.push_str(&format!("DTSTART:{}\r\n", ical_utc(start)));
            ics.push_str(&format!("DTEND:{}\r\n", ical_utc(end)));
            ics.push_str(&fold(&format!("SUMMARY:{}", text(&course.summary))));
            ics.push_str(&fold(&format!("LOCATION:{}", text(&course.rooms.join(",")))));
            ics.push_str(&fold(&format!("DESCRIPTION:{}", text(&description))));
            ics.push_str(&format!(
                "UID:ADE60{:x}{y:04}{m:02}{d:02}-{n}-{}\r\n",
                data.project_id,
                days_from_civil(y, m, d)
            ));
            ics.push_str(&format!(
                "CREATED:{}\r\nLAST-MODIFIED:{}\r\nSEQUENCE:1\r\n",
                ical_utc(now - 86_400 * 30),
                ical_utc(now - 3_600)
            ));
            ics.push_str("END:VEVENT\r\n");
        }
    }
    ics.push_str("END:VCALENDAR\r\n");
    Ok(ics)
}
