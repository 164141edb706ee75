//! How dates and numbers read on a page: `29/11/2026 14:05` in Vietnam's time (UTC+7, no summer
//! time), `1.250.000` with dots between thousands.

use time::{Date, Month, OffsetDateTime, UtcOffset};

const VIETNAM: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

fn local(ts: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(ts).ok().map(|t| t.to_offset(VIETNAM))
}

/// `dd/mm/yyyy HH:MM`, Vietnam time.
pub fn datetime(ts: i64) -> String {
    local(ts).map_or_else(String::new, |t| {
        format!("{:02}/{:02}/{} {:02}:{:02}", t.day(), u8::from(t.month()), t.year(), t.hour(), t.minute())
    })
}

/// A calendar date typed as `dd/mm/yyyy` or sent by a date input as `yyyy-mm-dd`.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let (y, m, d) = if let Some((d, rest)) = s.split_once('/') {
        let (m, y) = rest.split_once('/')?;
        (y, m, d)
    } else {
        let mut parts = s.splitn(3, '-');
        (parts.next()?, parts.next()?, parts.next()?)
    };
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
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
    fn dates_in_both_spellings() {
        let d = Date::from_calendar_date(2026, Month::November, 29).expect("date");
        assert_eq!(parse_date("29/11/2026"), Some(d));
        assert_eq!(parse_date("2026-11-29"), Some(d));
        assert_eq!(parse_date("31/02/2026"), None);
        assert_eq!(parse_date("hôm nay"), None);
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
