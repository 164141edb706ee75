//! The daily reminder job: producers whose certificates enter the re-rating window, commune
//! officers with overdue screenings, and a digest of both for the province office.
//!
//! Safe with several instances: a run claims its day in `job_run` inside the same transaction
//! that writes the notifications, so exactly one instance does the work (a failed run rolls its
//! claim back and the next tick tries again), and each notification is unique per user and
//! subject besides.

use super::today as vietnam_today;
use crate::db::{execute, fetch_all, now};
use crate::notifications::{Message, notify, users_of};
use crate::{Db, Result};
use domain::role::Role;
use sea_orm::FromQueryResult;
use std::collections::BTreeMap;
use time::{Date, Duration};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// This instance claimed the day and ran.
    pub ran: bool,
    pub rerating: usize,
    pub overdue: usize,
    /// Revocation proposals whose decision is due within three days or late.
    pub revocations_due: usize,
    /// Findings past their remedy date without an answer.
    pub findings_overdue: usize,
    /// Re-ratings within a week of their 45 days (from the commune's acceptance), or past them.
    pub rerating_limits: usize,
    pub notifications: u64,
}

/// Runs the job for `day` (normally today in Vietnam) unless an instance already did.
pub async fn run(db: &Db, day: Date) -> Result<Report> {
    let tx = db.write().await?;
    let claimed = execute(
        &tx,
        "INSERT INTO job_run (job, period, started_at) VALUES ('reminders', $1, $2) ON CONFLICT (job, period) DO NOTHING",
        [day.to_string().into(), now().into()],
    )
    .await?;
    if claimed == 0 {
        tx.commit().await?;
        return Ok(Report::default());
    }
    let mut report = Report { ran: true, ..Report::default() };

    #[derive(FromQueryResult)]
    struct Expiring {
        id: i64,
        number: String,
        expires_on: Date,
        product_id: i64,
        product_name: String,
        producer_id: i64,
        province_code: String,
    }
    let expiring: Vec<Expiring> = fetch_all(
        &tx,
        "SELECT c.id, c.number, c.expires_on, p.id AS product_id, p.name AS product_name, p.producer_id, p.province_code \
         FROM certificate c JOIN product p ON p.certificate_id = c.id \
         WHERE c.revoked_on IS NULL AND c.superseded_by IS NULL AND p.deleted_at IS NULL \
         AND c.expires_on >= $1 AND c.expires_on <= $2 ORDER BY c.expires_on, c.id",
        [
            (day + Duration::days(domain::rules::current().rerating_closes_days)).into(),
            (day + Duration::days(domain::rules::current().rerating_opens_days)).into(),
        ],
    )
    .await?;
    let mut per_province: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for c in &expiring {
        let producers = users_of(&tx, Role::Producer, None, None, Some(c.producer_id)).await?;
        let (_, closes) = domain::evaluation::rerating_window(c.expires_on);
        report.notifications += notify(
            &tx,
            &producers,
            &Message {
                subject: format!("rerating:{}", c.id),
                key: "notify-rerating",
                args: vec![
                    ("product", c.product_name.clone()),
                    ("number", c.number.clone()),
                    ("expires", domain::fmt_date(c.expires_on)),
                    ("closes", domain::fmt_date(closes)),
                ],
                link: format!("/registry/products/{}", c.product_id),
            },
        )
        .await?;
        per_province.entry(c.province_code.clone()).or_default().0 += 1;
    }
    report.rerating = expiring.len();

    #[derive(FromQueryResult)]
    struct Overdue {
        id: i64,
        number: Option<String>,
        screening_due: Date,
        province_code: String,
        commune_code: String,
        product_name: String,
    }
    let overdue: Vec<Overdue> = fetch_all(
        &tx,
        "SELECT g.id, g.number, g.screening_due, g.province_code, g.commune_code, p.name AS product_name \
         FROM registration g JOIN product p ON p.id = g.product_id \
         WHERE g.state = 'submitted' AND g.screening_due < $1 ORDER BY g.screening_due, g.id",
        [day.into()],
    )
    .await?;
    for g in &overdue {
        let officers = users_of(&tx, Role::CommuneOfficer, Some(&g.province_code), Some(&g.commune_code), None).await?;
        report.notifications += notify(
            &tx,
            &officers,
            &Message {
                subject: format!("screening-overdue:{}", g.id),
                key: "notify-screening-overdue",
                args: vec![
                    ("number", g.number.clone().unwrap_or_default()),
                    ("product", g.product_name.clone()),
                    ("due", domain::fmt_date(g.screening_due)),
                ],
                link: format!("/evaluation/registrations/{}", g.id),
            },
        )
        .await?;
        per_province.entry(g.province_code.clone()).or_default().1 += 1;
    }
    report.overdue = overdue.len();

    // Revocation proposals: the decision is due 15 days (data) after the conclusion; the office
    // is reminded from three days before, and every day after, until the certificate is revoked.
    #[derive(FromQueryResult)]
    struct Proposal {
        id: i64,
        proposed_on: Date,
        number: String,
        province_code: String,
    }
    let proposals: Vec<Proposal> = fetch_all(
        &tx,
        "SELECT f.id, f.proposed_on, ce.number, pl.province_code FROM finding f \
         JOIN certificate ce ON ce.id = f.certificate_id JOIN inspection i ON i.id = f.inspection_id \
         JOIN inspection_plan pl ON pl.id = i.plan_id \
         WHERE f.outcome = 'revocation_proposal' AND f.proposed_on IS NOT NULL AND ce.revoked_on IS NULL \
         ORDER BY f.proposed_on, f.id",
        [],
    )
    .await?;
    for p in &proposals {
        let due = domain::supervision::revocation_due(p.proposed_on);
        if due - day > Duration::days(3) {
            continue;
        }
        report.revocations_due += 1;
        let office = users_of(&tx, Role::ProvinceOffice, Some(&p.province_code), None, None).await?;
        report.notifications += notify(
            &tx,
            &office,
            &Message {
                subject: format!("revocation-due:{}:{day}", p.id),
                key: "notify-revocation-due",
                args: vec![("number", p.number.clone()), ("due", domain::fmt_date(due))],
                link: format!("/certificates/{}", domain::text::url_segment(&p.number)),
            },
        )
        .await?;
    }

    // Re-ratings are finished within 45 days of a complete dossier (Điều 7.6.đ): the office is
    // reminded from a week before, and every day after, until the decision.
    #[derive(FromQueryResult)]
    struct Rerating {
        id: i64,
        number: Option<String>,
        screened_at: i64,
        province_code: String,
        product_name: String,
    }
    let reratings: Vec<Rerating> = fetch_all(
        &tx,
        "SELECT g.id, g.number, g.screened_at, g.province_code, p.name AS product_name FROM registration g \
         JOIN product p ON p.id = g.product_id WHERE g.kind = 'rerating' AND g.screened_at IS NOT NULL \
         AND g.state IN ('accepted', 'completing', 'council', 'approved', 'forwarded', 'central_approved', \
         'central_returned') ORDER BY g.id",
        [],
    )
    .await?;
    for g in &reratings {
        let Some(due) = domain::evaluation::rerating_limit(g.screened_at) else { continue };
        if due - day > Duration::days(7) {
            continue;
        }
        report.rerating_limits += 1;
        let office = users_of(&tx, Role::ProvinceOffice, Some(&g.province_code), None, None).await?;
        report.notifications += notify(
            &tx,
            &office,
            &Message {
                subject: format!("rerating-limit:{}:{day}", g.id),
                key: "notify-rerating-limit",
                args: vec![
                    ("number", g.number.clone().unwrap_or_default()),
                    ("product", g.product_name.clone()),
                    ("due", domain::fmt_date(due)),
                ],
                link: format!("/evaluation/registrations/{}", g.id),
            },
        )
        .await?;
    }

    #[derive(FromQueryResult)]
    struct Late {
        id: i64,
        producer_id: i64,
        remedy_by: Date,
        description: String,
    }
    let late: Vec<Late> = fetch_all(
        &tx,
        "SELECT id, producer_id, remedy_by, description FROM finding WHERE state = 'open' AND remedy_by < $1 \
         ORDER BY remedy_by, id",
        [day.into()],
    )
    .await?;
    for f in &late {
        let owners = users_of(&tx, Role::Producer, None, None, Some(f.producer_id)).await?;
        report.notifications += notify(
            &tx,
            &owners,
            &Message {
                subject: format!("finding-overdue:{}", f.id),
                key: "notify-finding-overdue",
                args: vec![
                    ("remedy_by", domain::fmt_date(f.remedy_by)),
                    ("description", f.description.chars().take(80).collect()),
                ],
                link: format!("/findings/{}", f.id),
            },
        )
        .await?;
    }
    report.findings_overdue = late.len();

    for (province, (rerating, overdue)) in &per_province {
        let office = users_of(&tx, Role::ProvinceOffice, Some(province), None, None).await?;
        report.notifications += notify(
            &tx,
            &office,
            &Message {
                subject: format!("digest:{day}"),
                key: "notify-digest",
                args: vec![("rerating", rerating.to_string()), ("overdue", overdue.to_string())],
                link: "/evaluation".into(),
            },
        )
        .await?;
    }
    execute(
        &tx,
        "UPDATE job_run SET finished_at = $1 WHERE job = 'reminders' AND period = $2",
        [now().into(), day.to_string().into()],
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// Runs today's reminders (Vietnam's date).
pub async fn run_today(db: &Db) -> Result<Report> {
    run(db, vietnam_today()).await
}
