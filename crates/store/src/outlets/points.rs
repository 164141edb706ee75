//! Showcase and sales points (điểm giới thiệu và bán sản phẩm OCOP) and creative design centres:
//! the records, the products each carries over time, and counts per commune and year.

use crate::audit::{self, Change, Who};
use crate::db::{Conditions, execute, fetch_all, fetch_one, fetch_optional, now};
use crate::{Page, Paged, Result, StoreError, Tx};
use domain::access::Listing;
use domain::outlets::{Geo, PointKind, SalesPointDraft, SalesPointInput};
use domain::phone::PhoneNumber;
use domain::place::{CommuneCode, ProvinceCode};
use domain::text::{fold, sort_key};
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::Serialize;
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct SalesPoint {
    pub id: i64,
    /// `showcase` (điểm giới thiệu và bán sản phẩm OCOP) or `design_centre`.
    pub kind: String,
    pub name: String,
    pub province_code: String,
    pub province_name: String,
    pub commune_code: String,
    pub commune_name: String,
    pub street: String,
    pub old_commune_code: Option<String>,
    pub old_commune_name: Option<String>,
    pub operator_producer_id: Option<i64>,
    /// The producer's name when a producer runs it, else the organisation's.
    pub operator: String,
    #[schema(value_type = String, format = Date)]
    pub opened_on: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub closed_on: Option<Date>,
    pub opening_hours: String,
    pub phone: Option<String>,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
    pub demo: bool,
    pub version: i64,
}

impl SalesPoint {
    pub fn geo(&self) -> Option<Geo> {
        self.lat_e6.zip(self.lon_e6).map(|(lat_e6, lon_e6)| Geo { lat_e6, lon_e6 })
    }

    pub fn open_on(&self, day: Date) -> bool {
        self.opened_on <= day && self.closed_on.is_none_or(|c| day <= c)
    }

    /// The values the office's form shows.
    pub fn input(&self) -> SalesPointInput {
        let date = |d: Option<Date>| d.map(domain::fmt_date).unwrap_or_default();
        SalesPointInput {
            kind: self.kind.clone(),
            name: self.name.clone(),
            province: self.province_code.clone(),
            commune: self.commune_code.clone(),
            street: self.street.clone(),
            old_commune: self.old_commune_code.clone().unwrap_or_default(),
            operator_producer: self.operator_producer_id.map(|p| p.to_string()).unwrap_or_default(),
            operator_name: if self.operator_producer_id.is_some() { String::new() } else { self.operator.clone() },
            opened_on: domain::fmt_date(self.opened_on),
            closed_on: date(self.closed_on),
            opening_hours: self.opening_hours.clone(),
            phone: self.phone.clone().unwrap_or_default(),
            lat: self.geo().map(|g| format!("{:.6}", g.lat())).unwrap_or_default(),
            lon: self.geo().map(|g| format!("{:.6}", g.lon())).unwrap_or_default(),
        }
    }
}

const COLUMNS: &str = "s.id, s.kind, s.name, s.province_code, pr.name AS province_name, s.commune_code, \
    c.name AS commune_name, s.street, s.old_commune_code, \
    (SELECT MAX(o.commune_name) FROM old_unit o WHERE o.commune_code = s.old_commune_code) AS old_commune_name, \
    s.operator_producer_id, COALESCE(op.name, s.operator_name) AS operator, s.opened_on, s.closed_on, \
    s.opening_hours, s.phone, s.lat_e6, s.lon_e6, s.demo, s.version";
const FROM: &str = "sales_point s JOIN province pr ON pr.code = s.province_code \
    JOIN commune c ON c.code = s.commune_code LEFT JOIN producer op ON op.id = s.operator_producer_id";

pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<SalesPoint>> {
    fetch_optional(c, &format!("SELECT {COLUMNS} FROM {FROM} WHERE s.id = $1"), [id.into()]).await
}

/// How many products each of these points carries on `day`.
pub async fn carried_counts(
    c: &impl ConnectionTrait,
    ids: &std::collections::BTreeSet<i64>,
    day: Date,
) -> Result<std::collections::HashMap<i64, i64>> {
    let mut out = std::collections::HashMap::new();
    for id in ids {
        let row: crate::db::Count = fetch_one(
            c,
            "SELECT COUNT(*) AS n FROM sales_point_product WHERE sales_point_id = $1 AND since <= $2 \
             AND (until IS NULL OR until >= $2)",
            [(*id).into(), day.into()],
        )
        .await?;
        out.insert(*id, row.n);
    }
    Ok(out)
}

/// Filters of the public list and the office's.
#[derive(Debug, Clone, Default)]
pub struct PointFilter {
    pub q: Option<String>,
    pub province: Option<ProvinceCode>,
    pub commune: Option<CommuneCode>,
    pub kind: Option<PointKind>,
    /// Only points open on this day.
    pub open_on: Option<Date>,
    /// Only points carrying this product today.
    pub product: Option<i64>,
}

pub async fn search(c: &impl ConnectionTrait, f: &PointFilter, today: Date, page: Page) -> Result<Paged<SalesPoint>> {
    let mut w = Conditions::default();
    let order = crate::producers::words(&mut w, "s.search_fold", f.q.as_deref(), "s.sort_key, s.id")?;
    if let Some(p) = &f.province {
        w.and("s.province_code = ?", p.as_str());
    }
    if let Some(x) = &f.commune {
        w.and("s.commune_code = ?", x.as_str());
    }
    if let Some(k) = f.kind {
        w.and("s.kind = ?", k.as_str());
    }
    if let Some(day) = f.open_on {
        w.and_values("s.opened_on <= ? AND (s.closed_on IS NULL OR s.closed_on >= ?)", vec![day.into(), day.into()]);
    }
    if let Some(product) = f.product {
        w.and_values(
            "EXISTS (SELECT 1 FROM sales_point_product sp WHERE sp.sales_point_id = s.id AND sp.product_id = ? \
             AND sp.since <= ? AND (sp.until IS NULL OR sp.until >= ?))",
            vec![product.into(), today.into(), today.into()],
        );
    }
    w.page(c, COLUMNS, FROM, (&order.0, order.1), page).await
}

/// Checks the place against the units (commune of that province, old commune on record) and
/// the operating producer (in the registry, same province).
async fn check(c: &impl ConnectionTrait, d: &SalesPointDraft) -> Result<()> {
    let mut e = FieldErrors::new();
    match crate::units::commune(c, d.commune.as_str()).await? {
        None => e.add("commune", Invalid::new("invalid-commune-unknown").with("code", &d.commune)),
        Some(u) if u.province_code != d.province.as_str() => {
            e.add("commune", Invalid::new("invalid-commune-elsewhere").with("code", &d.commune))
        }
        Some(_) => {}
    }
    if let Some(old) = &d.old_commune
        && crate::units::lookup_old_commune(c, old.as_str()).await?.is_none()
    {
        e.add("old_commune", Invalid::new("invalid-old-commune-unknown").with("code", old));
    }
    if let Some(id) = d.operator_producer {
        match crate::producers::get(c, id).await? {
            Some(p) if p.deleted_at.is_none() && p.province_code == d.province.as_str() => {}
            _ => e.add("operator_producer", Invalid::new("invalid-point-producer").with("id", id)),
        }
    }
    e.into_result().map_err(StoreError::Invalid)
}

fn values(d: &SalesPointDraft, search: String) -> Vec<Value> {
    vec![
        d.kind.as_str().into(),
        d.name.clone().into(),
        d.province.as_str().into(),
        d.commune.as_str().into(),
        d.street.clone().into(),
        d.old_commune.as_ref().map(|x| x.to_string()).into(),
        d.operator_producer.into(),
        d.operator_name.clone().into(),
        d.opened_on.into(),
        d.closed_on.into(),
        d.opening_hours.clone().into(),
        d.phone.as_ref().map(PhoneNumber::to_string).into(),
        d.geo.map(|g| g.lat_e6).into(),
        d.geo.map(|g| g.lon_e6).into(),
        search.into(),
        sort_key(&d.name).into(),
    ]
}

async fn search_text(c: &impl ConnectionTrait, d: &SalesPointDraft) -> Result<String> {
    let commune = crate::units::commune(c, d.commune.as_str()).await?.map(|u| u.name).unwrap_or_default();
    Ok(fold(&format!("{} {} {} {}", d.name, d.street, commune, d.operator_name)))
}

pub async fn create(tx: &Tx, who: &Who, d: &SalesPointDraft, demo: bool) -> Result<SalesPoint> {
    check(tx, d).await?;
    let mut v = values(d, search_text(tx, d).await?);
    let t = now();
    v.extend([demo.into(), t.into()]);
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let row: Id = fetch_one(
        tx,
        "INSERT INTO sales_point (kind, name, province_code, commune_code, street, old_commune_code, \
         operator_producer_id, operator_name, opened_on, closed_on, opening_hours, phone, lat_e6, lon_e6, \
         search_fold, sort_key, demo, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) RETURNING id",
        v,
    )
    .await?;
    let after = get(tx, row.id).await?.ok_or(StoreError::NotFound)?;
    let change =
        Change::new("sales_point.create", "sales_point", row.id).province(Some(d.province.as_str())).after(&after);
    if !demo {
        audit::append(tx, who, change).await?;
    }
    Ok(after)
}

pub async fn update(tx: &Tx, who: &Who, id: i64, version: i64, d: &SalesPointDraft) -> Result<SalesPoint> {
    let before = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    if before.version != version {
        return Err(StoreError::Stale);
    }
    check(tx, d).await?;
    let mut v = values(d, search_text(tx, d).await?);
    v.extend([now().into(), id.into(), version.into()]);
    let changed = execute(
        tx,
        "UPDATE sales_point SET kind = $1, name = $2, province_code = $3, commune_code = $4, street = $5, \
         old_commune_code = $6, operator_producer_id = $7, operator_name = $8, opened_on = $9, closed_on = $10, \
         opening_hours = $11, phone = $12, lat_e6 = $13, lon_e6 = $14, search_fold = $15, sort_key = $16, \
         updated_at = $17, version = version + 1 WHERE id = $18 AND version = $19",
        v,
    )
    .await?;
    if changed == 0 {
        return Err(StoreError::Stale);
    }
    let after = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    let change = Change::new("sales_point.update", "sales_point", id)
        .province(Some(&after.province_code))
        .before(&before)
        .after(&after);
    audit::append(tx, who, change).await?;
    Ok(after)
}

/// A product a point carries (or carried).
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Carried {
    pub sales_point_id: i64,
    pub product_id: i64,
    pub product_code: String,
    pub product_name: String,
    pub producer_id: i64,
    pub producer_name: String,
    pub stars: Option<i64>,
    #[schema(value_type = String, format = Date)]
    pub since: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub until: Option<Date>,
}

const CARRIED: &str = "SELECT sp.sales_point_id, sp.product_id, x.code AS product_code, x.name AS product_name, \
    x.producer_id, p.name AS producer_name, x.stars, sp.since, sp.until \
    FROM sales_point_product sp JOIN product x ON x.id = sp.product_id JOIN producer p ON p.id = x.producer_id";

/// What a point carries and carried, current first.
pub async fn carried(c: &impl ConnectionTrait, point: i64) -> Result<Vec<Carried>> {
    fetch_all(
        c,
        &format!("{CARRIED} WHERE sp.sales_point_id = $1 ORDER BY sp.until IS NOT NULL, x.sort_key, sp.since"),
        [point.into()],
    )
    .await
}

/// Open points carrying a product today: where to buy it.
pub async fn carrying(c: &impl ConnectionTrait, product_id: i64, today: Date) -> Result<Vec<SalesPoint>> {
    let f = PointFilter { product: Some(product_id), open_on: Some(today), ..PointFilter::default() };
    Ok(search(c, &f, today, Page::new(1, Page::MAX_SIZE)).await?.items)
}

/// Open points carrying any product of a producer today.
pub async fn carrying_producer(c: &impl ConnectionTrait, producer_id: i64, today: Date) -> Result<Vec<SalesPoint>> {
    fetch_all(
        c,
        &format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE s.opened_on <= $1 AND (s.closed_on IS NULL OR s.closed_on >= $1) AND EXISTS \
             (SELECT 1 FROM sales_point_product sp JOIN product x ON x.id = sp.product_id WHERE sp.sales_point_id = s.id \
              AND x.producer_id = $2 AND sp.since <= $1 AND (sp.until IS NULL OR sp.until >= $1)) ORDER BY s.sort_key"
        ),
        [today.into(), producer_id.into()],
    )
    .await
}

/// Starts carrying a product from `since` (the product must be in the registry, not deleted).
pub async fn carry(tx: &Tx, who: &Who, point: &SalesPoint, product_id: i64, since: Date) -> Result<()> {
    let product = crate::products::get(tx, product_id).await?.filter(|p| p.deleted_at.is_none());
    if product.is_none() {
        return Err(StoreError::Invalid(FieldErrors::single("product", Invalid::new("invalid-point-product"))));
    }
    let open: Option<Carried> = fetch_optional(
        tx,
        &format!("{CARRIED} WHERE sp.sales_point_id = $1 AND sp.product_id = $2 AND sp.until IS NULL"),
        [point.id.into(), product_id.into()],
    )
    .await?;
    if open.is_some() {
        return Err(StoreError::Invalid(FieldErrors::single("product", Invalid::new("invalid-point-carried"))));
    }
    execute(
        tx,
        "INSERT INTO sales_point_product (sales_point_id, product_id, since) VALUES ($1, $2, $3)",
        [point.id.into(), product_id.into(), since.into()],
    )
    .await
    .map_err(|e| match e {
        StoreError::Duplicate(_) => {
            StoreError::Invalid(FieldErrors::single("since", Invalid::new("invalid-point-carried")))
        }
        other => other,
    })?;
    let change = Change::new("sales_point.carry", "sales_point", point.id)
        .province(Some(&point.province_code))
        .after(&serde_json::json!({"product_id": product_id, "since": since.to_string()}));
    audit::append(tx, who, change).await?;
    Ok(())
}

/// Stops carrying a product: its open entry ends on `until`.
pub async fn stop_carrying(tx: &Tx, who: &Who, point: &SalesPoint, product_id: i64, until: Date) -> Result<()> {
    let changed = execute(
        tx,
        "UPDATE sales_point_product SET until = $1 WHERE sales_point_id = $2 AND product_id = $3 AND until IS NULL \
         AND since <= $1",
        [until.into(), point.id.into(), product_id.into()],
    )
    .await?;
    if changed == 0 {
        return Err(StoreError::Invalid(FieldErrors::single("until", Invalid::new("invalid-point-not-carried"))));
    }
    let change = Change::new("sales_point.stop", "sales_point", point.id)
        .province(Some(&point.province_code))
        .after(&serde_json::json!({"product_id": product_id, "until": until.to_string()}));
    audit::append(tx, who, change).await?;
    Ok(())
}

/// Points opened per commune in a year (the target "≥2 sales points per locality per year").
pub async fn opened_per_commune(c: &impl ConnectionTrait, listing: &Listing, year: i32) -> Result<Vec<(String, i64)>> {
    #[derive(FromQueryResult)]
    struct Row {
        commune_code: String,
        n: i64,
    }
    let from = time::Date::from_calendar_date(year, time::Month::January, 1)
        .map_err(|e| StoreError::Corrupt { table: "sales_point", detail: e.to_string() })?;
    let to = time::Date::from_calendar_date(year, time::Month::December, 31).unwrap_or(from);
    let mut sql =
        "SELECT commune_code, COUNT(*) AS n FROM sales_point WHERE opened_on >= $1 AND opened_on <= $2".to_owned();
    let mut values: Vec<Value> = vec![from.into(), to.into()];
    if let Some(p) = listing.province() {
        sql.push_str(" AND province_code = $3");
        values.push(p.as_str().into());
    }
    sql.push_str(" GROUP BY commune_code ORDER BY commune_code");
    Ok(fetch_all::<Row>(c, &sql, values).await?.into_iter().map(|r| (r.commune_code, r.n)).collect())
}
