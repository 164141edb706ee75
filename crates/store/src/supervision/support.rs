//! Support records: money paid to producers under the programme, its totals, and the label
//! quotas "labels and stamps" records fund.

use crate::audit::{self, Change, Who};
use crate::db::{Conditions, fetch_all, fetch_one, fetch_optional, now};
use crate::{Page, Paged, Result, StoreError, Tx};
use domain::access::Listing;
use domain::supervision::{LABELS_PURPOSE, QuotaUse, SupportDraft, quota_use, supervision};
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct SupportRecord {
    pub id: i64,
    pub producer_id: i64,
    pub producer_name: String,
    pub province_code: String,
    pub commune_code: String,
    pub commune_name: String,
    pub product_id: Option<i64>,
    pub product_code: Option<String>,
    pub product_name: Option<String>,
    pub purpose: String,
    pub funder: String,
    /// Whole đồng.
    pub amount_vnd: i64,
    pub decision: String,
    #[schema(value_type = String, format = Date)]
    pub decided_on: Date,
    pub year: i64,
    /// Labels funded for the product in `year` (purpose `labels`).
    pub funded_labels: Option<i64>,
    pub rules_version: String,
    pub demo: bool,
    pub created_at: i64,
}

const COLUMNS: &str = "s.id, s.producer_id, p.name AS producer_name, p.province_code, p.commune_code, \
    c.name AS commune_name, s.product_id, x.code AS product_code, x.name AS product_name, s.purpose, s.funder, \
    s.amount_vnd, s.decision, s.decided_on, s.year, s.funded_labels, s.rules_version, s.demo, s.created_at";
const FROM: &str = "support_record s JOIN producer p ON p.id = s.producer_id JOIN commune c ON c.code = p.commune_code \
    LEFT JOIN product x ON x.id = s.product_id";

pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<SupportRecord>> {
    fetch_optional(c, &format!("SELECT {COLUMNS} FROM {FROM} WHERE s.id = $1"), [id.into()]).await
}

#[derive(Debug, Clone, Default)]
pub struct SupportFilter {
    pub year: Option<i32>,
    pub purpose: Option<String>,
    pub producer: Option<i64>,
}

fn filtered(listing: &Listing, f: &SupportFilter) -> Conditions {
    let mut w = Conditions::default();
    crate::producers::scope(&mut w, listing, "s.producer_id");
    if let Some(y) = f.year {
        w.and("s.year = ?", i64::from(y));
    }
    if let Some(p) = &f.purpose {
        w.and("s.purpose = ?", p.as_str());
    }
    if let Some(p) = f.producer {
        w.and("s.producer_id = ?", p);
    }
    w
}

pub async fn search(
    c: &impl ConnectionTrait,
    listing: &Listing,
    f: &SupportFilter,
    page: Page,
) -> Result<Paged<SupportRecord>> {
    filtered(listing, f).page(c, COLUMNS, FROM, ("s.decided_on DESC, s.id DESC", Vec::new()), page).await
}

/// A total of support: records and đồng, for one commune, purpose, funder or year.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Total {
    pub code: String,
    pub name: String,
    pub records: i64,
    pub amount_vnd: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotalBy {
    Commune,
    Purpose,
    Funder,
    Year,
}

pub async fn totals(c: &impl ConnectionTrait, listing: &Listing, f: &SupportFilter, by: TotalBy) -> Result<Vec<Total>> {
    let w = filtered(listing, f);
    let (code, name) = match by {
        TotalBy::Commune => ("p.commune_code", "c.name"),
        TotalBy::Purpose => ("s.purpose", "s.purpose"),
        TotalBy::Funder => ("s.funder", "s.funder"),
        TotalBy::Year => ("CAST(s.year AS TEXT)", "CAST(s.year AS TEXT)"),
    };
    let sql = format!(
        "SELECT {code} AS code, {name} AS name, COUNT(*) AS records, CAST(COALESCE(SUM(s.amount_vnd), 0) AS BIGINT) AS amount_vnd \
         FROM {FROM}{} GROUP BY {code}, {name} ORDER BY amount_vnd DESC, code",
        w.sql()
    );
    fetch_all(c, &sql, w.values.clone()).await
}

/// Records support for a producer (and perhaps one of its products, by id or code).
pub async fn create(tx: &Tx, who: &Who, d: &SupportDraft, demo: bool) -> Result<SupportRecord> {
    let producer =
        crate::producers::get(tx, d.producer).await?.filter(|p| p.deleted_at.is_none()).ok_or_else(|| {
            StoreError::Invalid(FieldErrors::single("producer", Invalid::new("invalid-support-producer")))
        })?;
    let product = match &d.product {
        None => None,
        Some(typed) => {
            let found = match typed.parse::<i64>() {
                Ok(id) => crate::products::get(tx, id).await?,
                Err(_) => crate::products::find_by_code(tx, typed).await?,
            };
            let p = found.filter(|p| p.producer_id == producer.id && p.deleted_at.is_none()).ok_or_else(|| {
                StoreError::Invalid(FieldErrors::single(
                    "product",
                    Invalid::new("invalid-support-product").with("value", typed),
                ))
            })?;
            Some(p.id)
        }
    };
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let row: Id = fetch_one(
        tx,
        "INSERT INTO support_record (producer_id, product_id, purpose, funder, amount_vnd, decision, decided_on, year, \
         funded_labels, rules_version, demo, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        [
            producer.id.into(),
            product.into(),
            d.purpose.clone().into(),
            d.funder.clone().into(),
            d.amount.dong().into(),
            d.decision.clone().into(),
            d.decided_on.into(),
            i64::from(d.year()).into(),
            d.funded_labels.into(),
            supervision().version.clone().into(),
            demo.into(),
            who.user_id.into(),
            now().into(),
        ],
    )
    .await?;
    let after = get(tx, row.id).await?.ok_or(StoreError::NotFound)?;
    if !demo {
        audit::append(
            tx,
            who,
            Change::new("support.create", "support_record", row.id)
                .province(Some(&producer.province_code))
                .after(&after),
        )
        .await?;
    }
    Ok(after)
}

/// Unix seconds of 1 January 00:00 in Vietnam (UTC+7) of a year, and of the next year.
fn year_instants(year: i32) -> (i64, i64) {
    let start = |y: i32| {
        Date::from_calendar_date(y, time::Month::January, 1)
            .map(|d| d.midnight().assume_utc().unix_timestamp() - 7 * 3600)
            .unwrap_or(0)
    };
    (start(year), start(year + 1))
}

/// A product's funded label quota in a year and what orders have drawn on it, if an order of
/// `quantity` came now.
pub async fn quota(c: &impl ConnectionTrait, product_id: i64, year: i32, quantity: i64) -> Result<QuotaUse> {
    #[derive(FromQueryResult)]
    struct Sum {
        n: i64,
    }
    let granted = fetch_one::<Sum>(
        c,
        "SELECT CAST(COALESCE(SUM(funded_labels), 0) AS BIGINT) AS n FROM support_record \
         WHERE product_id = $1 AND year = $2 AND purpose = $3",
        [product_id.into(), i64::from(year).into(), LABELS_PURPOSE.into()],
    )
    .await?
    .n;
    let (from, to) = year_instants(year);
    let used = fetch_one::<Sum>(
        c,
        "SELECT CAST(COALESCE(SUM(funded), 0) AS BIGINT) AS n FROM stamp_order \
         WHERE product_id = $1 AND state IN ('requested', 'issued') AND created_at >= $2 AND created_at < $3",
        [product_id.into(), from.into(), to.into()],
    )
    .await?
    .n;
    Ok(quota_use(granted, used, quantity))
}

/// A producer's support records, latest first.
pub async fn of_producer(c: &impl ConnectionTrait, producer_id: i64) -> Result<Vec<SupportRecord>> {
    fetch_all(
        c,
        &format!("SELECT {COLUMNS} FROM {FROM} WHERE s.producer_id = $1 ORDER BY s.decided_on DESC, s.id DESC"),
        [producer_id.into()],
    )
    .await
}
