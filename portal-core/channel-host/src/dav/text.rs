//! iCalendar (RFC 5545) and vCard (RFC 6350) as the host reads them: content lines unfolded,
//! parameters split, text unescaped, `VEVENT`s and `VCARD`s taken out, dates turned into
//! instants. Careful and small: never panics, bounded by the caller's sizes; what it cannot
//! read is skipped, not guessed.

use crate::capability::dav::{DavContact, DavEvent};

/// Longest summary and location kept, in characters.
const SHORT: usize = 200;
/// Longest description kept, in characters.
const LONG: usize = 400;
/// Most components read from one document.
const MAX_COMPONENTS: usize = 2_000;

/// One content line: `NAME;PARAM=V:value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    /// Upper-cased name, without a group prefix (`item1.EMAIL` → `EMAIL`).
    pub name: String,
    /// Parameters, names upper-cased, values unquoted.
    pub params: Vec<(String, String)>,
    /// The raw value.
    pub value: String,
}

impl Line {
    fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// The content lines of `text`, unfolded.
pub(crate) fn lines(text: &str) -> Vec<Line> {
    let mut unfolded: Vec<String> = Vec::new();
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix([' ', '\t']) {
            if let Some(last) = unfolded.last_mut() {
                last.push_str(rest);
            }
        } else if !raw.is_empty() {
            unfolded.push(raw.to_string());
        }
    }
    unfolded.iter().filter_map(|l| parse_line(l)).collect()
}

fn parse_line(line: &str) -> Option<Line> {
    // The value starts at the first ':' outside a quoted parameter value.
    let mut quoted = false;
    let mut colon = None;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let colon = colon?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut parts = split_outside_quotes(head, ';').into_iter();
    let name = parts.next()?;
    let name = name.rsplit('.').next().unwrap_or(name).to_ascii_uppercase();
    if name.is_empty() {
        return None;
    }
    let params = parts
        .filter_map(|p| {
            let (n, v) = p.split_once('=')?;
            Some((n.to_ascii_uppercase(), v.trim_matches('"').to_string()))
        })
        .collect();
    Some(Line {
        name,
        params,
        value: value.to_string(),
    })
}

fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut quoted, mut start) = (false, 0);
    for (i, c) in s.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            out.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&s[start..]);
    out
}

/// A TEXT value unescaped (`\n`, `\,`, `\;`, `\\`), control characters dropped, at most
/// `max` characters.
pub(crate) fn unescape(value: &str, max: usize) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        let c = if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => '\n',
                Some(other) => other,
                None => break,
            }
        } else {
            c
        };
        if c == '\n' || !c.is_control() {
            out.push(c);
        }
    }
    truncate(out.trim(), max)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// The components named `kind` (`VEVENT`, `VCARD`) of `text`, each as its own lines (those
/// of nested components, such as a `VALARM`, left out).
pub(crate) fn components(text: &str, kind: &str) -> Vec<Vec<Line>> {
    let mut out = Vec::new();
    let mut depth_inside: Option<usize> = None;
    let mut depth = 0usize;
    let mut current = Vec::new();
    for line in lines(text) {
        match line.name.as_str() {
            "BEGIN" => {
                depth += 1;
                if depth_inside.is_none() && line.value.eq_ignore_ascii_case(kind) {
                    depth_inside = Some(depth);
                    current = Vec::new();
                }
            }
            "END" => {
                if depth_inside == Some(depth) {
                    depth_inside = None;
                    out.push(std::mem::take(&mut current));
                    if out.len() >= MAX_COMPONENTS {
                        break;
                    }
                }
                depth = depth.saturating_sub(1);
            }
            _ if depth_inside == Some(depth) => current.push(line),
            _ => {}
        }
    }
    out
}

/// An instant from an iCalendar DATE or DATE-TIME: (ms since the epoch, all day).
/// `Z` is UTC; a `TZID` the host knows, its zone; a floating time or an unknown zone,
/// `default_zone`.
pub(crate) fn instant(line: &Line, default_zone: &str) -> Option<(i64, bool)> {
    let v = line.value.trim();
    let date = |s: &str| -> Option<i64> {
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let y: i64 = s[0..4].parse().ok()?;
        let m: u32 = s[4..6].parse().ok()?;
        let d: u32 = s[6..8].parse().ok()?;
        ((1..=12).contains(&m) && (1..=31).contains(&d)).then(|| days_from_civil(y, m, d))
    };
    if line.param("VALUE").is_some_and(|p| p.eq_ignore_ascii_case("DATE")) || v.len() == 8 {
        return Some((date(v)? * 86_400_000, true));
    }
    let (d, t) = v.split_once('T')?;
    let days = date(d)?;
    let (t, utc) = match t.strip_suffix('Z') {
        Some(t) => (t, true),
        None => (t, false),
    };
    if t.len() != 6 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i64 = t[0..2].parse().ok()?;
    let mi: i64 = t[2..4].parse().ok()?;
    let s: i64 = t[4..6].parse().ok()?;
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let local = days * 86_400 + h * 3_600 + mi * 60 + s;
    if utc {
        return Some((local * 1_000, false));
    }
    let zone = line
        .param("TZID")
        .filter(|z| utc_offset(z, 0).is_some())
        .unwrap_or(default_zone);
    let guess = local - utc_offset(zone, local).unwrap_or(0);
    let unix = local - utc_offset(zone, guess).unwrap_or(0);
    Some((unix * 1_000, false))
}

/// A `DURATION` (`PT1H30M`, `P1D`, `-PT15M`) in ms.
fn duration_ms(v: &str) -> Option<i64> {
    let (sign, v) = match v.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, v.strip_prefix('+').unwrap_or(v)),
    };
    let v = v.strip_prefix('P')?;
    let (mut total, mut n, mut seen) = (0i64, 0i64, false);
    for c in v.chars() {
        match c {
            '0'..='9' => {
                n = n.checked_mul(10)?.checked_add(i64::from(c.to_digit(10)?))?;
                seen = true;
            }
            'T' => {}
            'W' | 'D' | 'H' | 'M' | 'S' if seen => {
                let unit = match c {
                    'W' => 604_800,
                    'D' => 86_400,
                    'H' => 3_600,
                    'M' => 60,
                    _ => 1,
                };
                total = total.checked_add(n.checked_mul(unit)?)?;
                n = 0;
                seen = false;
            }
            _ => return None,
        }
    }
    Some(sign * total * 1_000)
}

/// The events of one calendar object (its `VEVENT`s; the expanded instances a server sends).
pub(crate) fn events(text: &str, default_zone: &str) -> Vec<DavEvent> {
    components(text, "VEVENT")
        .into_iter()
        .filter_map(|lines| {
            let get = |name: &str| lines.iter().find(|l| l.name == name);
            let (start, all_day) = instant(get("DTSTART")?, default_zone)?;
            let end = match (get("DTEND"), get("DURATION")) {
                (Some(end), _) => instant(end, default_zone).map(|(e, _)| e),
                (None, Some(d)) => duration_ms(d.value.trim()).map(|d| start.saturating_add(d)),
                (None, None) if all_day => Some(start + 86_400_000),
                (None, None) => Some(start),
            }
            .filter(|e| *e >= start)
            .unwrap_or(start);
            if get("STATUS").is_some_and(|s| s.value.trim().eq_ignore_ascii_case("CANCELLED")) {
                return None;
            }
            let text = |name: &str, max: usize| get(name).map(|l| unescape(&l.value, max)).unwrap_or_default();
            Some(DavEvent {
                uid: text("UID", SHORT),
                summary: text("SUMMARY", SHORT),
                location: text("LOCATION", SHORT),
                description: text("DESCRIPTION", LONG),
                start_unix_ms: start,
                end_unix_ms: end,
                all_day,
            })
        })
        .collect()
}

/// The cards of one vCard document.
pub(crate) fn contacts(text: &str) -> Vec<DavContact> {
    components(text, "VCARD")
        .into_iter()
        .filter_map(|lines| {
            let all = |name: &str| -> Vec<String> {
                lines
                    .iter()
                    .filter(|l| l.name == name)
                    .map(|l| unescape(&l.value, SHORT))
                    .filter(|v| !v.is_empty())
                    .take(10)
                    .collect()
            };
            let mut full_name = all("FN").into_iter().next().unwrap_or_default();
            if full_name.is_empty() {
                // `N` is family;given;…: shown as "given family".
                let n = lines.iter().find(|l| l.name == "N")?;
                let parts: Vec<String> = split_outside_quotes(&n.value, ';')
                    .into_iter()
                    .map(|p| unescape(p, SHORT))
                    .collect();
                full_name = [parts.get(1), parts.first()]
                    .into_iter()
                    .flatten()
                    .filter(|p| !p.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" ");
            }
            let organisation = lines
                .iter()
                .find(|l| l.name == "ORG")
                .map(|l| {
                    split_escaped(&l.value)
                        .iter()
                        .map(|p| unescape(p, SHORT))
                        .filter(|p| !p.is_empty())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            let emails = all("EMAIL");
            (!full_name.is_empty() || !emails.is_empty()).then(|| DavContact {
                full_name,
                emails,
                phones: all("TEL")
                    .into_iter()
                    .map(|t| t.strip_prefix("tel:").map(str::to_string).unwrap_or(t))
                    .collect(),
                organisation,
            })
        })
        .collect()
}

/// A structured value split at its unescaped `;`.
fn split_escaped(v: &str) -> Vec<String> {
    let (mut out, mut cur, mut escaped) = (Vec::new(), String::new(), false);
    for c in v.chars() {
        if escaped {
            cur.push('\\');
            cur.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ';' {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out
}

/// Offset from UTC in seconds of a French institution's zone at `unix` (seconds); `None` for
/// a zone the host does not know (the SDK's `time::utc_offset`, the same rules).
pub(crate) fn utc_offset(zone: &str, unix: i64) -> Option<i64> {
    Some(match zone {
        "Europe/Paris" | "Europe/Brussels" | "Europe/Luxembourg" | "Europe/Monaco" => {
            let year = civil_from_days(unix.div_euclid(86_400));
            let start = last_sunday(year, 3) * 86_400 + 3_600;
            let end = last_sunday(year, 10) * 86_400 + 3_600;
            if (start..end).contains(&unix) { 7_200 } else { 3_600 }
        }
        "UTC" | "Etc/UTC" | "GMT" => 0,
        "Indian/Reunion" => 4 * 3_600,
        "Indian/Mayotte" => 3 * 3_600,
        "America/Guadeloupe" | "America/Martinique" => -4 * 3_600,
        "America/Cayenne" => -3 * 3_600,
        "Pacific/Noumea" => 11 * 3_600,
        "Pacific/Tahiti" => -10 * 3_600,
        _ => return None,
    })
}

/// Days since 1970-01-01 of a civil date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((i64::from(m) + 9) % 12) + 2) / 5 + i64::from(d) - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// The year of a day number.
fn civil_from_days(days: i64) -> i64 {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    yoe + era * 400 + i64::from(mp >= 10)
}

/// Day number of the last Sunday of `month` in `year`.
fn last_sunday(year: i64, month: u32) -> i64 {
    let last = days_from_civil(year, month + 1, 1) - 1;
    // 1970-01-01 was a Thursday: weekday 0 = Sunday is (days + 4) mod 7.
    last - (last + 4).rem_euclid(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a1\r\nSUMMARY:Cours d'alg\r\n èbre\\, TD\r\nDTSTART;TZID=Europe/Paris:20261207T100000\r\nDTEND;TZID=Europe/Paris:20261207T120000\r\nLOCATION:Amphi \"B\"\r\nDESCRIPTION:ligne 1\\nligne 2\r\nBEGIN:VALARM\r\nDESCRIPTION:alarm\r\nEND:VALARM\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:a2\r\nSUMMARY:Férié\r\nDTSTART;VALUE=DATE:20261225\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:a3\r\nDTSTART:20260701T080000Z\r\nDURATION:PT1H30M\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn events_are_read_with_zones_durations_and_all_day() {
        let e = events(ICS, "Europe/Paris");
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].summary, "Cours d'algèbre, TD");
        // 2026-12-07 10:00 in Paris (CET, +1) is 09:00 UTC.
        assert_eq!(
            e[0].start_unix_ms,
            (days_from_civil(2026, 12, 7) * 86_400 + 9 * 3_600) * 1_000
        );
        assert_eq!(e[0].end_unix_ms - e[0].start_unix_ms, 2 * 3_600_000);
        assert_eq!(e[0].description, "ligne 1\nligne 2");
        assert_eq!(e[0].location, "Amphi \"B\"");
        assert!(e[1].all_day);
        assert_eq!(e[1].end_unix_ms - e[1].start_unix_ms, 86_400_000);
        assert_eq!(e[2].end_unix_ms - e[2].start_unix_ms, 90 * 60_000);
        // Summer time: 2026-07-01 10:00 Paris is 08:00 UTC.
        let line = Line {
            name: "DTSTART".into(),
            params: vec![("TZID".into(), "Europe/Paris".into())],
            value: "20260701T100000".into(),
        };
        assert_eq!(instant(&line, "UTC"), Some((e[2].start_unix_ms, false)));
    }

    #[test]
    fn garbage_never_panics_and_gives_nothing() {
        for text in [
            "",
            "BEGIN:VEVENT",
            "BEGIN:VEVENT\nDTSTART:2026\nEND:VEVENT",
            ":::\n;;;\n\"",
            "END:VEVENT\nEND:VEVENT",
            "BEGIN:VEVENT\nDTSTART:20261399T250000\nEND:VEVENT",
        ] {
            assert!(events(text, "Europe/Paris").is_empty(), "{text}");
            assert!(contacts(text).is_empty(), "{text}");
        }
        assert_eq!(duration_ms("P"), Some(0));
        assert_eq!(duration_ms("PT99999999999999999999H"), None);
    }

    #[test]
    fn cards_are_read() {
        let vcf = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Chloé Dubois\r\nN:Dubois;Chloé;;;\r\nitem1.EMAIL;TYPE=INTERNET:chloe.dubois@univ.example\r\nTEL;TYPE=work:+33 1 23 45 67 89\r\nORG:Université\\; Paris;Scolarité\r\nEND:VCARD\r\nBEGIN:VCARD\r\nN:Martin;Paul;;;\r\nTEL;VALUE=uri:tel:+33-6\r\nEND:VCARD\r\n";
        let c = contacts(vcf);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].full_name, "Chloé Dubois");
        assert_eq!(c[0].emails, ["chloe.dubois@univ.example"]);
        assert_eq!(c[0].phones, ["+33 1 23 45 67 89"]);
        assert_eq!(c[0].organisation, "Université; Paris, Scolarité");
        assert_eq!(c[1].full_name, "Paul Martin");
        assert_eq!(c[1].phones, ["+33-6"]);
    }
}
