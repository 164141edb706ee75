//! Inspection plans of a province's office, their coverage, and the facts the platform's
//! proposal of whom to inspect reads.

use crate::audit::{self, Change, Who};
use crate::db::{Conditions, execute, fetch_all, fetch_one, fetch_optional, now};
use crate::{Page, Paged, Result, StoreError, Tx};
use domain::access::Listing;
use domain::supervision::{Candidate, PlanDraft, PlanInput};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Plan {
    pub id: i64,
    pub province_code: String,
    pub province_name: String,
    pub year: i64,
    pub name: String,
    pub purpose: String,
    #[schema(value_type = String, format = Date)]
    pub starts_on: Date,
    #[schema(value_type = String, format = Date)]
    pub ends_on: Date,
    /// Producers in the plan, and those whose record is done.
    pub producers: i64,
    pub producers_done: i64,
    /// Products to inspect, and those covered by a done record.
    pub products: i64,
    pub products_done: i64,
    pub demo: bool,
    pub version: i64,
}

impl Plan {
    pub fn input(&self) -> PlanInput {
        PlanInput {
            name: self.name.clone(),
            purpose: self.purpose.clone(),
            starts_on: domain::fmt_date(self.starts_on),
            ends_on: domain::fmt_date(self.ends_on),
        }
    }
}

const COLUMNS: &str = "pl.id, pl.province_code, pr.name AS province_name, pl.year, pl.name, pl.purpose, pl.starts_on, \
    pl.ends_on, \
    (SELECT COUNT(*) FROM inspection i WHERE i.plan_id = pl.id) AS producers, \
    (SELECT COUNT(*) FROM inspection i WHERE i.plan_id = pl.id AND i.state = 'done') AS producers_done, \
    (SELECT COUNT(*) FROM inspection_product ip JOIN inspection i ON i.id = ip.inspection_id WHERE i.plan_id = pl.id) \
      AS products, \
    (SELECT COUNT(*) FROM inspection_product ip JOIN inspection i ON i.id = ip.inspection_id \
      WHERE i.plan_id = pl.id AND i.state = 'done') AS products_done, \
    pl.demo, pl.version";
const FROM: &str = "inspection_plan pl JOIN province pr ON pr.code = pl.province_code";

pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<Plan>> {
    fetch_optional(c, &format!("SELECT {COLUMNS} FROM {FROM} WHERE pl.id = $1"), [id.into()]).await
}

/// The plans of a listing's province (or all), latest first.
pub async fn search(c: &impl ConnectionTrait, listing: &Listing, year: Option<i32>, page: Page) -> Result<Paged<Plan>> {
    let mut w = Conditions::default();
    if let Some(p) = listing.province() {
        w.and("pl.province_code = ?", p.as_str());
    }
    if let Some(y) = year {
        w.and("pl.year = ?", i64::from(y));
    }
    w.page(c, COLUMNS, FROM, ("pl.starts_on DESC, pl.id DESC", Vec::new()), page).await
}

pub async fn create(tx: &Tx, who: &Who, province: &str, d: &PlanDraft, demo: bool) -> Result<Plan> {
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let row: Id = fetch_one(
        tx,
        "INSERT INTO inspection_plan (province_code, year, name, purpose, starts_on, ends_on, demo, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        [
            province.into(),
            i64::from(d.year()).into(),
            d.name.clone().into(),
            d.purpose.clone().into(),
            d.starts_on.into(),
            d.ends_on.into(),
            demo.into(),
            now().into(),
        ],
    )
    .await?;
    let after = get(tx, row.id).await?.ok_or(StoreError::NotFound)?;
    if !demo {
        audit::append(
            tx,
            who,
            Change::new("plan.create", "inspection_plan", row.id).province(Some(province)).after(&after),
        )
        .await?;
    }
    Ok(after)
}

pub async fn update(tx: &Tx, who: &Who, id: i64, version: i64, d: &PlanDraft) -> Result<Plan> {
    let before = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    let changed = execute(
        tx,
        "UPDATE inspection_plan SET year = $1, name = $2, purpose = $3, starts_on = $4, ends_on = $5, updated_at = $6, \
         version = version + 1 WHERE id = $7 AND version = $8",
        [
            i64::from(d.year()).into(),
            d.name.clone().into(),
            d.purpose.clone().into(),
            d.starts_on.into(),
            d.ends_on.into(),
            now().into(),
            id.into(),
            version.into(),
        ],
    )
    .await?;
    if changed == 0 {
        return Err(StoreError::Stale);
    }
    let after = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    let change = Change::new("plan.update", "inspection_plan", id)
        .province(Some(&after.province_code))
        .before(&before)
        .after(&after);
    audit::append(tx, who, change).await?;
    Ok(after)
}

/// Coverage of a plan by place: planned and done producers and products.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    /// The commune's or old district's code; empty when the producer has no old district.
    pub code: String,
    pub name: String,
    pub producers: i64,
    pub producers_done: i64,
    pub products: i64,
    pub products_done: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverageBy {
    Commune,
    /// The pre-2025 district (quận, huyện, thị xã) the producer's records name.
    OldDistrict,
}

pub async fn coverage(c: &impl ConnectionTrait, plan_id: i64, by: CoverageBy) -> Result<Vec<Coverage>> {
    let (code, name) = match by {
        CoverageBy::Commune => ("p.commune_code", "(SELECT u.name FROM commune u WHERE u.code = p.commune_code)"),
        CoverageBy::OldDistrict => (
            "COALESCE(p.old_district_code, '')",
            "COALESCE((SELECT MAX(o.district_name) FROM old_unit o WHERE o.district_code = p.old_district_code), '')",
        ),
    };
    let sql = format!(
        "SELECT code, name, COUNT(*) AS producers, \
         CAST(COALESCE(SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END), 0) AS BIGINT) AS producers_done, \
         CAST(COALESCE(SUM(n), 0) AS BIGINT) AS products, \
         CAST(COALESCE(SUM(CASE WHEN state = 'done' THEN n ELSE 0 END), 0) AS BIGINT) AS products_done \
         FROM (SELECT i.state, {code} AS code, {name} AS name, \
               (SELECT COUNT(*) FROM inspection_product ip WHERE ip.inspection_id = i.id) AS n \
               FROM inspection i JOIN producer p ON p.id = i.producer_id WHERE i.plan_id = $1) t \
         GROUP BY code, name ORDER BY name, code"
    );
    fetch_all(c, &sql, [plan_id.into()]).await
}

/// The certified products of a province not yet in the plan, with what the proposal reads:
/// expiry, open scan alerts, buyers' complaints of the last year, the producer's last inspection.
pub async fn candidates(c: &impl ConnectionTrait, plan_id: i64, province: &str, today: Date) -> Result<Vec<Candidate>> {
    #[derive(FromQueryResult)]
    struct Row {
        producer_id: i64,
        product_id: i64,
        expires_on: Date,
        open_alerts: i64,
        complaints: i64,
        last_inspected: Option<Date>,
    }
    let year_ago = now() - 365 * 86_400;
    let rows: Vec<Row> = fetch_all(
        c,
        "SELECT x.producer_id, x.id AS product_id, ce.expires_on, \
         (SELECT COUNT(*) FROM scan_alert a WHERE a.product_id = x.id AND a.resolved_at IS NULL) AS open_alerts, \
         (SELECT COUNT(*) FROM inquiry q WHERE q.product_id = x.id AND q.kind = 'complaint' AND q.created_at >= $1) AS complaints, \
         (SELECT MAX(i.visited_on) FROM inspection i WHERE i.producer_id = x.producer_id AND i.state = 'done') AS last_inspected \
         FROM product x JOIN certificate ce ON ce.id = x.certificate_id JOIN producer p ON p.id = x.producer_id \
         WHERE x.province_code = $2 AND x.deleted_at IS NULL AND p.deleted_at IS NULL \
         AND ce.revoked_on IS NULL AND COALESCE(ce.extended_until, ce.expires_on) >= $3 \
         AND NOT EXISTS (SELECT 1 FROM inspection i JOIN inspection_product ip ON ip.inspection_id = i.id \
                         WHERE i.plan_id = $4 AND ip.product_id = x.id) \
         ORDER BY x.producer_id, x.id",
        [year_ago.into(), province.into(), today.into(), plan_id.into()],
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Candidate {
            producer_id: r.producer_id,
            product_id: r.product_id,
            expires_on: r.expires_on,
            open_alerts: r.open_alerts,
            complaints: r.complaints,
            last_inspected: r.last_inspected,
        })
        .collect())
}
