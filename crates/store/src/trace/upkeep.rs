//! The scan log's upkeep, run by the housekeeping job.
//!
//! On PostgreSQL `scan` is partitioned by month of Vietnam time (`scan_pYYYYMM`, see migration
//! 0014): each run creates the partitions of this month and the next [`AHEAD`] (and of any month
//! whose rows sit in `scan_default`, moving them in), and drops whole the partitions older than
//! the retention — a drop costs the same however many scans a month had. On SQLite the old rows
//! are deleted. Either way only the raw rows go (the evidence the anomaly rules and the office's
//! scan list read); the counts (`scan_daily`, each label's counters) are kept.

use crate::db::{execute, fetch_all};
use crate::stats::{day_start, vietnam_day};
use crate::{Backend, Db, Result};
use sea_orm::FromQueryResult;
use time::Date;

/// Months created ahead of the current one, so that a job that stops running for a while does
/// not send the writer's rows to the default partition.
pub const AHEAD: u32 = 2;
/// Key of the advisory lock that makes one instance at a time change the partitions ("SCAN").
const LOCK: i64 = 0x5343_414E;

/// A month of Vietnam time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    year: i32,
    /// 1 to 12.
    month: u8,
}

impl Month {
    /// The month an instant falls in, in Vietnam.
    pub fn of(at: i64) -> Month {
        let day = vietnam_day(at);
        Month { year: day.year(), month: u8::from(day.month()) }
    }

    /// The instant the month starts, in Vietnam.
    pub fn start(self) -> i64 {
        let month = time::Month::try_from(self.month).unwrap_or(time::Month::January);
        Date::from_calendar_date(self.year, month, 1).map_or(0, day_start)
    }

    pub fn next(self) -> Month {
        if self.month == 12 { Month { year: self.year + 1, month: 1 } } else { Month { month: self.month + 1, ..self } }
    }

    /// The month `n` months before this one.
    pub fn back(self, n: u32) -> Month {
        let index = i64::from(self.year) * 12 + i64::from(self.month) - 1 - i64::from(n);
        Month {
            year: i32::try_from(index.div_euclid(12)).unwrap_or(i32::MIN),
            month: u8::try_from(index.rem_euclid(12) + 1).unwrap_or(1),
        }
    }

    /// The partition holding the month's scans, `scan_pYYYYMM`.
    pub fn partition(self) -> String {
        format!("scan_p{:04}{:02}", self.year, self.month)
    }

    /// The month a partition's name names (`None` for other tables, e.g. `scan_default`).
    pub fn of_partition(name: &str) -> Option<Month> {
        let digits = name.strip_prefix("scan_p")?;
        if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (year, month) = (digits[..4].parse().ok()?, digits[4..].parse().ok()?);
        (1..=12).contains(&month).then_some(Month { year, month })
    }
}

/// What a run changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Upkeep {
    /// Partitions created (PostgreSQL).
    pub created: Vec<String>,
    /// Partitions dropped for the retention (PostgreSQL).
    pub dropped: Vec<String>,
    /// Rows deleted for the retention (from SQLite's log, or PostgreSQL's default partition).
    pub deleted: u64,
}

#[derive(FromQueryResult)]
struct Name {
    name: String,
}

/// Creates the coming months' partitions and applies the retention: raw scans of months more
/// than `keep_months` before the month of `at` are removed (0: kept for ever). Idempotent, and
/// safe on several instances at once (they take turns).
pub async fn run(db: &Db, at: i64, keep_months: u32) -> Result<Upkeep> {
    let current = Month::of(at);
    let cutoff = (keep_months > 0).then(|| current.back(keep_months));
    let tx = db.write().await?;
    let mut done = Upkeep::default();
    if db.backend() == Backend::Sqlite {
        if let Some(cutoff) = cutoff {
            done.deleted = execute(&tx, "DELETE FROM scan WHERE scanned_at < $1", [cutoff.start().into()]).await?;
        }
        tx.commit().await?;
        return Ok(done);
    }
    execute(&tx, "SELECT pg_advisory_xact_lock($1)", [LOCK.into()]).await?;
    // Rows written while no partition covered their month wait here; locking it keeps the
    // writer's new ones out while they move.
    execute(&tx, "LOCK TABLE scan_default IN EXCLUSIVE MODE", []).await?;
    let existing: Vec<Month> = fetch_all::<Name>(
        &tx,
        "SELECT c.relname::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = 'scan'::regclass",
        [],
    )
    .await?
    .iter()
    .filter_map(|n| Month::of_partition(&n.name))
    .collect();
    let waiting: Vec<Month> = fetch_all::<Name>(
        &tx,
        "SELECT DISTINCT to_char(to_timestamp(scanned_at + 25200) AT TIME ZONE 'UTC', '\"scan_p\"YYYYMM') AS name \
         FROM scan_default",
        [],
    )
    .await?
    .iter()
    .filter_map(|n| Month::of_partition(&n.name))
    .collect();
    let mut wanted = waiting;
    let mut month = current;
    for _ in 0..=AHEAD {
        wanted.push(month);
        month = month.next();
    }
    wanted.sort();
    wanted.dedup();
    for month in wanted {
        if existing.contains(&month) || cutoff.is_some_and(|c| month < c) {
            continue;
        }
        let (name, from, to) = (month.partition(), month.start(), month.next().start());
        // Names and bounds are computed here, never typed by anyone.
        execute(&tx, &format!("CREATE TABLE {name} (LIKE scan INCLUDING DEFAULTS)"), []).await?;
        execute(
            &tx,
            &format!(
                "WITH moved AS (DELETE FROM scan_default WHERE scanned_at >= {from} AND scanned_at < {to} RETURNING *) \
                 INSERT INTO {name} SELECT * FROM moved"
            ),
            [],
        )
        .await?;
        execute(&tx, &format!("ALTER TABLE scan ATTACH PARTITION {name} FOR VALUES FROM ({from}) TO ({to})"), [])
            .await?;
        done.created.push(name);
    }
    if let Some(cutoff) = cutoff {
        for month in existing.into_iter().filter(|m| *m < cutoff) {
            let name = month.partition();
            execute(&tx, &format!("DROP TABLE {name}"), []).await?;
            done.dropped.push(name);
        }
        done.deleted = execute(&tx, "DELETE FROM scan_default WHERE scanned_at < $1", [cutoff.start().into()]).await?;
    }
    tx.commit().await?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::Month;

    #[test]
    fn months_follow_vietnam_time() {
        // 2026-11-30 17:00 UTC is 2026-12-01 00:00 in Vietnam.
        let midnight = 1_764_522_000 + 365 * 86_400;
        assert_eq!(Month::of(midnight), Month { year: 2026, month: 12 });
        assert_eq!(Month::of(midnight - 1), Month { year: 2026, month: 11 });
        assert_eq!(Month { year: 2026, month: 12 }.start(), midnight);
        assert_eq!(Month { year: 2026, month: 12 }.next(), Month { year: 2027, month: 1 });
        assert_eq!(Month { year: 2026, month: 2 }.back(3), Month { year: 2025, month: 11 });
        assert_eq!(Month { year: 2026, month: 12 }.back(0), Month { year: 2026, month: 12 });
    }

    #[test]
    fn partition_names_round_trip() {
        let m = Month { year: 2027, month: 3 };
        assert_eq!(m.partition(), "scan_p202703");
        assert_eq!(Month::of_partition("scan_p202703"), Some(m));
        for other in ["scan_default", "scan_p2027", "scan_p202713", "scan_pabcdef", "scan"] {
            assert_eq!(Month::of_partition(other), None, "{other}");
        }
    }
}
