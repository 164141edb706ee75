//! How dates and numbers read on a page: `29/11/2026 14:05` in Vietnam's time (UTC+7, no summer
//! time), `1.250.000` with dots between thousands.

#[cfg(test)]
use time::Month;
use time::{Date, OffsetDateTime};

/// A date in JSON as `yyyy-mm-dd` (the `time` crate would write `[year, ordinal]`).
pub fn iso_date<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

use domain::VIETNAM;

fn local(ts: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(ts).ok().map(|t| t.to_offset(VIETNAM))
}

/// `dd/mm/yyyy HH:MM`, Vietnam time.
pub fn datetime(ts: i64) -> String {
    local(ts).map_or_else(String::new, |t| {
        format!("{:02}/{:02}/{} {:02}:{:02}", t.day(), u8::from(t.month()), t.year(), t.hour(), t.minute())
    })
}

/// `HH:MM`, Vietnam time.
pub fn time(ts: i64) -> String {
    local(ts).map_or_else(String::new, |t| format!("{:02}:{:02}", t.hour(), t.minute()))
}

/// `dd/mm/yyyy`.
pub fn date(d: Date) -> String {
    domain::fmt_date(d)
}

/// Unix seconds at the start of a day in Vietnam.
pub fn day_start(d: Date) -> i64 {
    d.midnight().assume_offset(VIETNAM).unix_timestamp()
}

/// `1.250.000`
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnam_time() {
        // 2026-11-29 17:30 UTC is 30/11/2026 00:30 in Hà Nội.
        assert_eq!(datetime(1_795_973_400), "30/11/2026 00:30");
    }

    #[test]
    fn days() {
        let d = Date::from_calendar_date(2026, Month::November, 29).expect("date");
        assert_eq!(date(d), "29/11/2026");
        assert_eq!(datetime(day_start(d)), "29/11/2026 00:00");
    }

    #[test]
    fn thousands_use_dots() {
        assert_eq!(thousands(1_250_000), "1.250.000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(-1000), "-1.000");
        assert_eq!(thousands(0), "0");
    }
}
