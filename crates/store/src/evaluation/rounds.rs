//! Rounds (đợt đánh giá) of a province: dates, deadlines, the plan, and what came in.

use crate::audit::{self, Change, Who};
use crate::db::{fetch_all, fetch_optional, now};
use crate::{Result, StoreError, Tx};
use domain::place::ProvinceCode;
use domain::text::clean;
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use time::Date;

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct Round {
    pub id: i64,
    pub province_code: String,
    pub name: String,
    pub year: i64,
    pub opens_on: Date,
    pub commune_deadline: Date,
    pub closes_on: Date,
    pub plan_count: i64,
    pub criteria_version: String,
    pub version: i64,
    /// Registrations filed at the commune (every state after the draft).
    pub received: i64,
    pub drafts: i64,
    pub accepted: i64,
    pub recognised: i64,
}

impl Round {
    /// Producers may register products from the opening day to the commune deadline.
    pub fn open_on(&self, day: Date) -> bool {
        self.opens_on <= day && day <= self.commune_deadline
    }
}

/// A round as typed in the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct RoundInput {
    pub name: String,
    pub opens_on: String,
    pub commune_deadline: String,
    pub closes_on: String,
    pub plan_count: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundDraft {
    pub name: String,
    pub opens_on: Date,
    pub commune_deadline: Date,
    pub closes_on: Date,
    pub plan_count: i64,
}

impl RoundInput {
    pub fn parse(&self) -> Result<RoundDraft, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = clean(&self.name);
        if name.is_empty() {
            e.add("name", Invalid::new("invalid-required"));
        }
        let opens = e.check("opens_on", domain::registry::parse_date(&self.opens_on));
        let deadline = e.check("commune_deadline", domain::registry::parse_date(&self.commune_deadline));
        let closes = e.check("closes_on", domain::registry::parse_date(&self.closes_on));
        let plan = match self.plan_count.trim().replace(['.', ' '], "").parse::<i64>() {
            Ok(n) if (0..=100_000).contains(&n) => Some(n),
            _ => {
                e.add("plan_count", Invalid::new("invalid-count"));
                None
            }
        };
        if let (Some(o), Some(d)) = (opens, deadline)
            && d < o
        {
            e.add("commune_deadline", Invalid::new("invalid-date-order"));
        }
        if let (Some(d), Some(c)) = (deadline, closes)
            && c < d
        {
            e.add("closes_on", Invalid::new("invalid-date-order"));
        }
        match (opens, deadline, closes, plan) {
            (Some(opens_on), Some(commune_deadline), Some(closes_on), Some(plan_count)) if e.is_empty() => {
                Ok(RoundDraft { name, opens_on, commune_deadline, closes_on, plan_count })
            }
            _ => Err(e),
        }
    }
}

const SELECT: &str = "SELECT r.id, r.province_code, r.name, r.year, r.opens_on, r.commune_deadline, r.closes_on, \
    r.plan_count, r.criteria_version, r.version, \
    (SELECT COUNT(*) FROM registration g WHERE g.round_id = r.id AND g.state <> 'draft') AS received, \
    (SELECT COUNT(*) FROM registration g WHERE g.round_id = r.id AND g.state = 'draft') AS drafts, \
    (SELECT COUNT(*) FROM registration g WHERE g.round_id = r.id \
       AND g.state NOT IN ('draft', 'submitted', 'returned')) AS accepted, \
    (SELECT COUNT(*) FROM registration g WHERE g.round_id = r.id AND g.state = 'recognised') AS recognised \
    FROM round r";

pub async fn create(tx: &Tx, who: &Who, province: &ProvinceCode, d: &RoundDraft) -> Result<Round> {
    let version = domain::criteria::version_in_force(d.opens_on);
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let t = now();
    let row: Id = crate::db::fetch_one(
        tx,
        "INSERT INTO round (province_code, name, year, opens_on, commune_deadline, closes_on, plan_count, \
         criteria_version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        [
            province.as_str().into(),
            d.name.clone().into(),
            i64::from(d.opens_on.year()).into(),
            d.opens_on.into(),
            d.commune_deadline.into(),
            d.closes_on.into(),
            d.plan_count.into(),
            version.into(),
            t.into(),
        ],
    )
    .await?;
    let round = get(tx, row.id).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        tx,
        who,
        Change::new("round.create", "round", row.id).province(Some(province.as_str())).after(&round),
    )
    .await?;
    Ok(round)
}

pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<Round>> {
    fetch_optional(c, &format!("{SELECT} WHERE r.id = $1"), [id.into()]).await
}

/// The rounds of a province (or every province), newest first.
pub async fn list(c: &impl ConnectionTrait, province: Option<&str>) -> Result<Vec<Round>> {
    match province {
        Some(p) => {
            fetch_all(
                c,
                &format!("{SELECT} WHERE r.province_code = $1 ORDER BY r.opens_on DESC, r.id DESC"),
                [p.into()],
            )
            .await
        }
        None => fetch_all(c, &format!("{SELECT} ORDER BY r.opens_on DESC, r.id DESC"), []).await,
    }
}

/// The rounds of a province open for registration on `day`.
pub async fn open(c: &impl ConnectionTrait, province: &str, day: Date) -> Result<Vec<Round>> {
    fetch_all(
        c,
        &format!(
            "{SELECT} WHERE r.province_code = $1 AND r.opens_on <= $2 AND r.commune_deadline >= $2 ORDER BY r.opens_on"
        ),
        [province.into(), day.into()],
    )
    .await
}
