//! Time as the pages show it. Pure functions of unix seconds, so the server render and the
//! hydrated page produce the same text.

use crate::language::{Locale, td_string};

/// `m:ss` for a countdown; never negative.
pub fn countdown(seconds_left: i64) -> String {
    let s = seconds_left.max(0);
    format!("{}:{:02}", s / 60, s % 60)
}

/// "3 minutes ago", "in 30 days", "just now": `at` relative to `now`, in English (the MCP
/// tools and the command-line client speak English).
pub fn relative(at: i64, now: i64) -> String {
    relative_in(Locale::en, at, now)
}

/// [`relative`] in the visitor's language.
pub fn relative_in(locale: Locale, at: i64, now: i64) -> String {
    let delta = at - now;
    let secs = delta.unsigned_abs();
    if secs < 45 {
        return td_string!(locale, common.just_now).to_owned();
    }
    let (n, unit) = match secs {
        // Rounded up to the next unit, a whole one reads as that unit: "1 hour", not "60 minutes".
        s if s < 3_570 => ((s + 30) / 60, Unit::Minute),
        s if s < 84_600 => ((s + 1_800) / 3_600, Unit::Hour),
        s => ((s + 43_200) / 86_400, Unit::Day),
    };
    match (delta < 0, unit, n == 1) {
        (true, Unit::Minute, true) => td_string!(locale, common.minutes_ago_one).to_owned(),
        (true, Unit::Minute, false) => td_string!(locale, common.minutes_ago, n).to_string(),
        (true, Unit::Hour, true) => td_string!(locale, common.hours_ago_one).to_owned(),
        (true, Unit::Hour, false) => td_string!(locale, common.hours_ago, n).to_string(),
        (true, Unit::Day, true) => td_string!(locale, common.days_ago_one).to_owned(),
        (true, Unit::Day, false) => td_string!(locale, common.days_ago, n).to_string(),
        (false, Unit::Minute, true) => td_string!(locale, common.in_minutes_one).to_owned(),
        (false, Unit::Minute, false) => td_string!(locale, common.in_minutes, n).to_string(),
        (false, Unit::Hour, true) => td_string!(locale, common.in_hours_one).to_owned(),
        (false, Unit::Hour, false) => td_string!(locale, common.in_hours, n).to_string(),
        (false, Unit::Day, true) => td_string!(locale, common.in_days_one).to_owned(),
        (false, Unit::Day, false) => td_string!(locale, common.in_days, n).to_string(),
    }
}

#[derive(Clone, Copy)]
enum Unit {
    Minute,
    Hour,
    Day,
}

/// `2026-11-22 10:15 UTC`, for tooltips and `datetime` attributes.
pub fn utc(at: i64) -> String {
    let days = at.div_euclid(86_400);
    let rem = at.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (h, min) = ((rem / 3_600) as u32, (rem % 3_600 / 60) as u32);
    let Ok(year @ 0..=9_999) = u32::try_from(y) else {
        return format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02} UTC");
    };
    // Digit by digit: `format!` cost ten times as much, and every `whoami` call writes one.
    let mut out = String::with_capacity(20);
    for (n, width, then) in [
        (year, 4, '-'),
        (m, 2, '-'),
        (d, 2, ' '),
        (h, 2, ':'),
        (min, 2, ' '),
    ] {
        for place in (0..width).rev() {
            out.push(char::from(b'0' + (n / 10u32.pow(place) % 10) as u8));
        }
        out.push(then);
    }
    out.push_str("UTC");
    out
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdown_pads_seconds_and_stops_at_zero() {
        assert_eq!(countdown(300), "5:00");
        assert_eq!(countdown(299), "4:59");
        assert_eq!(countdown(9), "0:09");
        assert_eq!(countdown(-4), "0:00");
    }

    #[test]
    fn relative_rounds_to_the_nearest_unit() {
        assert_eq!(relative(1_000, 1_010), "just now");
        assert_eq!(relative(1_000, 1_000 + 60), "1 minute ago");
        assert_eq!(relative(0, 3 * 3_600), "3 hours ago");
        assert_eq!(relative(30 * 86_400, 0), "in 30 days");
        assert_eq!(relative(3_599, 0), "in 1 hour", "not 60 minutes");
        assert_eq!(relative(86_399, 0), "in 1 day", "not 24 hours");
        assert_eq!(relative(3_540, 0), "in 59 minutes");
        assert_eq!(relative(23 * 3_600, 0), "in 23 hours");
    }

    #[test]
    fn relative_speaks_the_visitor_s_language() {
        assert_eq!(relative_in(Locale::zh_Hans, 0, 3 * 3_600), "3 小时前");
        assert_eq!(relative_in(Locale::zh_Hant_HK, 30 * 86_400, 0), "30 日後");
        assert_eq!(relative_in(Locale::zh_Hant_HK, 0, 10), "剛剛");
    }

    #[test]
    fn utc_formats_known_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc(1_795_342_500), "2026-11-22 10:15 UTC");
        assert_eq!(utc(1_795_385_659), "2026-11-22 22:14 UTC");
        assert_eq!(utc(253_402_300_800), "10000-01-01 00:00 UTC");
    }
}
