//! Working days: weekdays that are not public holidays. The commune screens a dossier within 15
//! working days (QĐ 26/2026/QĐ-TTg, Điều 7.2); the holidays are data (`data/calendar/`).

use serde::Deserialize;
use std::collections::BTreeSet;
use time::{Date, Duration, Weekday};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    holidays: BTreeSet<Date>,
    /// The data file's version, recorded with each deadline computed from it.
    pub version: String,
}

#[derive(Deserialize)]
struct File {
    version: String,
    days: Vec<Day>,
}

#[derive(Deserialize)]
struct Day {
    date: String,
}

impl WorkCalendar {
    pub fn from_json(json: &str) -> Result<WorkCalendar, String> {
        let file: File = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let holidays = file
            .days
            .iter()
            .map(|d| Date::parse(&d.date, format).map_err(|e| format!("{}: {e}", d.date)))
            .collect::<Result<_, _>>()?;
        Ok(WorkCalendar { holidays, version: file.version })
    }

    pub fn with_holidays(days: impl IntoIterator<Item = Date>) -> WorkCalendar {
        WorkCalendar { holidays: days.into_iter().collect(), version: String::new() }
    }

    pub fn is_working_day(&self, day: Date) -> bool {
        !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) && !self.holidays.contains(&day)
    }

    /// The day on which `n` working days after `start` have passed: the deadline of a task
    /// received on `start` (the day of receipt does not count).
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day += Duration::days(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not later).
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut day = from;
        let mut count = 0;
        while day < to {
            day += Duration::days(1);
            if self.is_working_day(day) {
                count += 1;
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const JSON: &str = include_str!("../../../data/calendar/holidays-vn.json");

    #[test]
    fn weekends_and_holidays_do_not_count() {
        let cal = WorkCalendar::from_json(JSON).expect("calendar");
        // Monday 2 November 2026 + 15 working days, no holidays: Monday 23 November.
        assert_eq!(cal.add_working_days(date!(2026 - 11 - 02), 15), date!(2026 - 11 - 23));
        // Received Friday 13 February 2026: Tết (16–20/2) and two weekends pass first.
        assert_eq!(cal.add_working_days(date!(2026 - 02 - 13), 1), date!(2026 - 02 - 23));
        assert_eq!(cal.add_working_days(date!(2026 - 02 - 13), 15), date!(2026 - 03 - 13));
        // 30/4 and 1/5/2026 are Thursday and Friday.
        assert_eq!(cal.add_working_days(date!(2026 - 04 - 29), 1), date!(2026 - 05 - 04));
        assert!(!cal.is_working_day(date!(2026 - 09 - 02)));
        assert!(cal.is_working_day(date!(2026 - 09 - 03)));
    }

    proptest! {
        #[test]
        fn counting_back_gives_the_number_added(offset in 0i64..1200, n in 0u32..60) {
            let cal = WorkCalendar::from_json(JSON).expect("calendar");
            let start = date!(2025 - 01 - 01) + Duration::days(offset);
            let due = cal.add_working_days(start, n);
            prop_assert_eq!(cal.working_days_between(start, due), n);
            prop_assert!(n == 0 || cal.is_working_day(due));
            prop_assert!(due >= start + Duration::days(i64::from(n)));
        }
    }
}
