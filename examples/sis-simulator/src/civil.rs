//! Calendar arithmetic without a time-zone database: days ↔ civil dates, and Paris time
//! (CET/CEST, EU rules: summer time from the last Sunday of March to the last Sunday of
//! October, switching at 01:00 UTC).

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day count since 1970-01-01.
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

/// ISO weekday (1 = Monday … 7 = Sunday) of a day count.
pub fn weekday(days: i64) -> u32 {
    ((days + 3).rem_euclid(7) + 1) as u32
}

/// The day count of the last Sunday of `month` in `year`.
fn last_sunday(year: i64, month: u32) -> i64 {
    let (ny, nm) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    let last = days_from_civil(ny, nm, 1) - 1;
    last - i64::from(weekday(last) % 7)
}

/// Paris offset from UTC in seconds at the UTC instant `unix` (3600 or 7200).
pub fn paris_offset(unix: i64) -> i64 {
    let (year, _, _) = civil_from_days(unix.div_euclid(86_400));
    let start = last_sunday(year, 3) * 86_400 + 3_600;
    let end = last_sunday(year, 10) * 86_400 + 3_600;
    if unix >= start && unix < end { 7_200 } else { 3_600 }
}

/// `YYYYMMDDTHHMMSSZ` of a UTC instant.
pub fn ical_utc(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!("{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z", s / 3600, s % 3600 / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_summer_time_follows_eu_rules() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2026, 11, 23)), (2026, 11, 23));
        assert_eq!(weekday(days_from_civil(2026, 11, 23)), 1, "a Monday");
        assert_eq!(last_sunday(2026, 3), days_from_civil(2026, 3, 29));
        assert_eq!(last_sunday(2026, 10), days_from_civil(2026, 10, 25));
        let noon = |y, m, d| days_from_civil(y, m, d) * 86_400 + 12 * 3_600;
        assert_eq!(paris_offset(noon(2026, 7, 1)), 7_200);
        assert_eq!(paris_offset(noon(2026, 11, 23)), 3_600);
        assert_eq!(ical_utc(noon(2026, 11, 23)), "20261123T120000Z");
    }
}
