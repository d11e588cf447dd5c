//! The wall clock, in the unit the portal stores (milliseconds since the Unix epoch).

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Days since 1970-01-01 of the civil date `y-m-d` (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day number since 1970-01-01.
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

/// A TOML date-time as ms since the Unix epoch: with its offset, or, without one, in
/// `default_offset_minutes` (a bare date is its midnight). `None` when it has no date.
pub fn toml_datetime_ms(dt: &toml::value::Datetime, default_offset_minutes: i64) -> Option<i64> {
    let date = dt.date?;
    let days = days_from_civil(i64::from(date.year), u32::from(date.month), u32::from(date.day));
    let (h, mi, s) = dt
        .time
        .map(|t| (i64::from(t.hour), i64::from(t.minute), i64::from(t.second)))
        .unwrap_or((0, 0, 0));
    let offset = match dt.offset {
        Some(toml::value::Offset::Z) => 0,
        Some(toml::value::Offset::Custom { minutes }) => i64::from(minutes),
        None => default_offset_minutes,
    };
    Some(((days * 86_400 + h * 3_600 + mi * 60 + s) - offset * 60) * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_dates_become_epoch_milliseconds() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(days_from_civil(2026, 12, 6)), (2026, 12, 6));
        let dt: toml::value::Datetime = "2026-12-01T08:00:00+01:00".parse().expect("datetime");
        assert_eq!(toml_datetime_ms(&dt, 0), Some(1_796_108_400_000));
        let date: toml::value::Datetime = "2026-12-01".parse().expect("date");
        assert_eq!(toml_datetime_ms(&date, 60), Some(1_796_108_400_000 - 8 * 3_600_000));
        let time: toml::value::Datetime = "08:00:00".parse().expect("time");
        assert_eq!(toml_datetime_ms(&time, 0), None);
    }
}
