//! Working days: weekdays that are not public holidays or days off by a swap, and the weekend
//! days worked in exchange. The commune screens a dossier within 15 working days (QĐ 26/2026/QĐ-TTg,
//! Điều 7.2); the days are data (`data/calendar/`), each with its source.

use serde::Deserialize;
use std::collections::BTreeSet;
use time::{Date, Duration, Weekday};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    /// Weekdays off: holidays and the weekdays given in a swap.
    off: BTreeSet<Date>,
    /// Weekend days worked in exchange for a weekday off.
    worked: BTreeSet<Date>,
    /// The years the data lists (first, last).
    years: Option<(i32, i32)>,
    /// The data file's version, recorded with each deadline computed from it.
    pub version: String,
}

#[derive(Deserialize)]
struct File {
    version: String,
    years: Vec<Year>,
    days: Vec<Day>,
}

#[derive(Deserialize)]
struct Year {
    year: i32,
}

#[derive(Deserialize)]
struct Day {
    date: String,
    kind: DayKind,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum DayKind {
    Holiday,
    DayOff,
    Working,
}

/// A deadline counted in working days, with what it was counted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub due: Date,
    /// The calendar's version.
    pub version: String,
    /// The count ran past the last year in the data: weekends were left out but that year's
    /// holidays are unknown, so the day may come too early. Shown as a warning and logged.
    pub beyond_data: bool,
}

impl WorkCalendar {
    pub fn from_json(json: &str) -> Result<WorkCalendar, String> {
        let file: File = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let mut cal = WorkCalendar { version: file.version, ..WorkCalendar::default() };
        let first = file.years.iter().map(|y| y.year).min();
        let last = file.years.iter().map(|y| y.year).max();
        cal.years = first.zip(last);
        for d in &file.days {
            let date = Date::parse(&d.date, format).map_err(|e| format!("{}: {e}", d.date))?;
            if !cal.years.is_some_and(|(a, b)| (a..=b).contains(&date.year())) {
                return Err(format!("{}: the year is not listed in \"years\"", d.date));
            }
            let weekend = is_weekend(date);
            match d.kind {
                DayKind::DayOff if weekend => {
                    return Err(format!("{}: a day off by a swap falls on a weekend", d.date));
                }
                DayKind::Holiday | DayKind::DayOff => {
                    cal.off.insert(date);
                }
                DayKind::Working if !weekend => {
                    return Err(format!("{}: a day worked by a swap must be a Saturday or Sunday", d.date));
                }
                DayKind::Working => {
                    cal.worked.insert(date);
                }
            }
        }
        Ok(cal)
    }

    pub fn is_working_day(&self, day: Date) -> bool {
        if is_weekend(day) { self.worked.contains(&day) } else { !self.off.contains(&day) }
    }

    /// Whether the data lists the holidays of `day`'s year.
    pub fn covers(&self, day: Date) -> bool {
        self.years.is_some_and(|(first, last)| (first..=last).contains(&day.year()))
    }

    /// The last year the data lists.
    pub fn last_year(&self) -> Option<i32> {
        self.years.map(|(_, last)| last)
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

    /// [`add_working_days`](Self::add_working_days) with the version it used and whether the
    /// data reached that far.
    pub fn deadline(&self, start: Date, n: u32) -> Deadline {
        let due = self.add_working_days(start, n);
        Deadline { due, version: self.version.clone(), beyond_data: !self.covers(start) || !self.covers(due) }
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

fn is_weekend(day: Date) -> bool {
    matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
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

    #[test]
    fn swapped_days_move_the_count() {
        let cal = WorkCalendar::from_json(JSON).expect("calendar");
        // Friday 2 January 2026 was given off, Saturday 10 January worked in exchange.
        assert!(!cal.is_working_day(date!(2026 - 01 - 02)));
        assert!(cal.is_working_day(date!(2026 - 01 - 10)));
        assert!(!cal.is_working_day(date!(2026 - 01 - 17)), "an ordinary Saturday");
        // Received Wednesday 31 December 2025: 1 and 2 January are off, so the first working
        // day is Monday 5 January; the fifth is Friday 9 and the sixth the Saturday worked.
        assert_eq!(cal.add_working_days(date!(2025 - 12 - 31), 1), date!(2026 - 01 - 05));
        assert_eq!(cal.add_working_days(date!(2025 - 12 - 31), 6), date!(2026 - 01 - 10));
        // 2025: Friday 2 May off, Saturday 26 April worked.
        assert!(cal.is_working_day(date!(2025 - 04 - 26)));
        assert!(!cal.is_working_day(date!(2025 - 05 - 02)));
    }

    #[test]
    fn a_deadline_past_the_data_says_so() {
        let cal = WorkCalendar::from_json(JSON).expect("calendar");
        let last = cal.last_year().expect("years");
        let inside = cal.deadline(date!(2026 - 11 - 02), 15);
        assert!(!inside.beyond_data);
        assert_eq!(inside.version, cal.version);
        let late_start = Date::from_calendar_date(last, time::Month::December, 20).expect("date");
        let beyond = cal.deadline(late_start, 15);
        assert!(beyond.beyond_data, "{beyond:?}");
        assert!(beyond.due.year() > last);
    }

    #[test]
    fn the_data_is_checked_on_load() {
        let day = |date: &str, kind: &str| {
            format!(r#"{{"version":"t","years":[{{"year":2026}}],"days":[{{"date":"{date}","kind":"{kind}"}}]}}"#)
        };
        assert!(WorkCalendar::from_json(&day("2026-01-10", "working")).is_ok());
        assert!(WorkCalendar::from_json(&day("2026-01-09", "working")).is_err(), "a Friday cannot be worked by swap");
        assert!(WorkCalendar::from_json(&day("2026-01-10", "day_off")).is_err(), "a Saturday is already off");
        assert!(WorkCalendar::from_json(&day("2025-01-01", "holiday")).is_err(), "a year not listed");
        assert!(WorkCalendar::from_json(&day("2026-01-01", "feast")).is_err(), "an unknown kind");
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
