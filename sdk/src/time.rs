//! Dates without a clock of one's own: a channel gets the time from the host
//! (`Context::now_unix_ms`) and turns instants into the institution's local time here.
//! The zones are those of French institutions (metropolitan France and overseas), which is
//! what a channel without a time-zone database needs.

/// The time zones [`utc_offset`] knows.
pub const ZONES: &[&str] = &[
    "Europe/Paris",
    "UTC",
    "Indian/Reunion",
    "Indian/Mayotte",
    "America/Guadeloupe",
    "America/Martinique",
    "America/Cayenne",
    "Pacific/Noumea",
    "Pacific/Tahiti",
];

/// A time zone [`utc_offset`] does not know; the message lists those it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownZone(pub String);

impl std::fmt::Display for UnknownZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "timezone `{}` is not supported ({})", self.0, ZONES.join(", "))
    }
}

impl std::error::Error for UnknownZone {}

impl From<UnknownZone> for crate::ChannelError {
    fn from(e: UnknownZone) -> Self {
        crate::ChannelError::bad_config(e.to_string())
    }
}

/// Offset from UTC, in seconds, of `zone` at the UTC instant `unix` (seconds); Europe/Paris
/// follows the EU summer time rule (last Sunday of March to last Sunday of October, 01:00 UTC).
pub fn utc_offset(zone: &str, unix: i64) -> Result<i64, UnknownZone> {
    let fixed = |hours: i64| Ok(hours * 3600);
    match zone {
        "Europe/Paris" => {
            let year = civil_from_days(unix.div_euclid(86_400)).0;
            let start = last_sunday(year, 3) * 86_400 + 3_600;
            let end = last_sunday(year, 10) * 86_400 + 3_600;
            Ok(if (start..end).contains(&unix) { 7_200 } else { 3_600 })
        }
        "UTC" => fixed(0),
        "Indian/Reunion" => fixed(4),
        "Indian/Mayotte" => fixed(3),
        "America/Guadeloupe" | "America/Martinique" => fixed(-4),
        "America/Cayenne" => fixed(-3),
        "Pacific/Noumea" => fixed(11),
        "Pacific/Tahiti" => fixed(-10),
        other => Err(UnknownZone(other.to_string())),
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((i64::from(m) + 9) % 12) + 2) / 5 + i64::from(d) - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// The civil date (year, month 1–12, day 1–31) of a day number since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The day of the week of a day number: 0 = Monday … 6 = Sunday.
pub fn weekday(days: i64) -> usize {
    (days + 3).rem_euclid(7) as usize
}

fn last_sunday(year: i64, month: u32) -> i64 {
    let (ny, nm) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    let last = days_from_civil(ny, nm, 1) - 1;
    last - ((weekday(last) + 1) % 7) as i64
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// The UTC instant (seconds) of an RFC 5322 date-time (`Mon, 23 Nov 2026 08:02:00 +0100`;
/// the day name and the seconds are optional; `GMT`, `UT`, `Z` and the obsolete US zone
/// names are read as RFC 5322 §4.3 says). `None` when it is not one.
pub fn parse_rfc5322(date: &str) -> Option<i64> {
    // Comments such as `(CET)` end the value for our purpose.
    let date = date.split('(').next()?.trim();
    let date = match date.split_once(',') {
        Some((_, rest)) => rest,
        None => date,
    };
    let mut words = date.split_whitespace();
    let day: u32 = words.next()?.parse().ok()?;
    let month = words.next()?.to_ascii_lowercase();
    let month = MONTHS.iter().position(|m| month.starts_with(m))? as u32 + 1;
    let year: i64 = match words.next()?.parse::<i64>().ok()? {
        y @ 0..=49 => 2000 + y,
        y @ 50..=999 => 1900 + y,
        y => y,
    };
    let mut hms = words.next()?.split(':');
    let h: i64 = hms.next()?.parse().ok()?;
    let m: i64 = hms.next()?.parse().ok()?;
    let s: i64 = hms.next().map(str::parse).transpose().ok()?.unwrap_or(0);
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let zone = words.next().unwrap_or("-0000");
    let offset = match zone.to_ascii_uppercase().as_str() {
        "GMT" | "UT" | "UTC" | "Z" => 0,
        "EDT" => -4 * 3600,
        "EST" | "CDT" => -5 * 3600,
        "CST" | "MDT" => -6 * 3600,
        "MST" | "PDT" => -7 * 3600,
        "PST" => -8 * 3600,
        z if z.len() == 5 && (z.starts_with('+') || z.starts_with('-')) => {
            let hours: i64 = z[1..3].parse().ok()?;
            let minutes: i64 = z[3..5].parse().ok()?;
            let sign = if z.starts_with('-') { -1 } else { 1 };
            sign * (hours * 3600 + minutes * 60)
        }
        _ => 0,
    };
    let local = days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s;
    Some(local - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_has_summer_time_and_overseas_zones_do_not() {
        let summer = days_from_civil(2026, 7, 1) * 86_400;
        let winter = days_from_civil(2026, 12, 1) * 86_400;
        assert_eq!(utc_offset("Europe/Paris", summer), Ok(7200));
        assert_eq!(utc_offset("Europe/Paris", winter), Ok(3600));
        assert_eq!(utc_offset("Indian/Reunion", summer), Ok(14_400));
        assert!(
            utc_offset("Mars/Olympus", 0)
                .unwrap_err()
                .to_string()
                .contains("Europe/Paris")
        );
        assert_eq!(civil_from_days(days_from_civil(2026, 11, 23)), (2026, 11, 23));
        assert_eq!(weekday(days_from_civil(2026, 11, 23)), 0, "a Monday");
    }

    #[test]
    fn mail_dates_are_instants() {
        let at = days_from_civil(2026, 11, 23) * 86_400 + 7 * 3600 + 2 * 60;
        assert_eq!(parse_rfc5322("Mon, 23 Nov 2026 08:02:00 +0100"), Some(at));
        assert_eq!(parse_rfc5322("23 Nov 2026 02:02 -0500 (EST)"), Some(at));
        assert_eq!(parse_rfc5322("Mon, 23 Nov 2026 07:02:00 GMT"), Some(at));
        assert_eq!(parse_rfc5322("Mon, 23 Nov 26 07:02:00 +0000"), Some(at));
        assert_eq!(parse_rfc5322("yesterday"), None);
        assert_eq!(parse_rfc5322("Mon, 23 Nov 2026 25:02:00 +0100"), None);
    }
}
