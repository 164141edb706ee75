//! The programme's figures as of a date (SPEC §2.6): each one a query over dated facts —
//! certificates with their issue, expiry, revocation and replacement, registrations, inspections,
//! trainings, support, sales points, inquiries, and the daily scan counts the scan writer keeps —
//! so a dashboard, a report and a target read the same numbers. `domain::stats` says what "in
//! force on a day" means and what each target's rule counts; this module counts it.

use crate::audit::{self, Change, Who};
use crate::db::{Conditions, execute, fetch_all, fetch_optional, now};
use crate::{Result, StoreError, Tx};
use domain::stats::{Measure, Rule, StarClass, TargetSet};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::Serialize;
use std::collections::BTreeMap;
use time::{Date, Duration};

/// Which records a figure counts: one province or all, one product group or all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub province: Option<String>,
    /// A product group's code (I–VI); its sheets are read from the criteria set in force.
    pub group: Option<String>,
}

impl Scope {
    pub fn province(code: Option<&str>) -> Self {
        Scope { province: code.map(str::to_owned), group: None }
    }

    /// Adds the conditions on products (alias `x`).
    fn products(&self, w: &mut Conditions) {
        w.raw("x.deleted_at IS NULL");
        if let Some(p) = &self.province {
            w.and("x.province_code = ?", p.as_str());
        }
        if let Some(g) = &self.group {
            let sheets: Vec<String> = crate::criteria::current()
                .ok()
                .and_then(|set| set.groups.iter().find(|x| &x.code == g))
                .map(|x| x.sheets.iter().map(|s| s.code.clone()).collect())
                .unwrap_or_default();
            w.and_in("x.sheet_code", sheets);
        }
    }

    /// Adds the condition on a table's own province column.
    fn place(&self, w: &mut Conditions, column: &str) {
        if let Some(p) = &self.province {
            w.and(&format!("{column} = ?"), p.as_str());
        }
    }
}

const CLASS: &str = "CASE WHEN c.stars = 5 AND c.level = 'central' THEN 'five' WHEN c.stars = 5 THEN 'potential_five' \
    WHEN c.stars = 4 THEN 'four' ELSE 'three' END";
const IN_FORCE_FROM: &str = "certificate c JOIN product x ON x.id = c.product_id";

/// The certificates in force on `day`: issued by then, not expired (the last day counts; a late
/// re-rating's extension counts as in force), not revoked by then, and not yet replaced by the product's next certificate (re-rating, upgrade)
/// issued by then — so at most one per product, the latest. The store tests walk every
/// transition on its day and the day before.
fn in_force(scope: &Scope, day: Date) -> Conditions {
    let mut w = Conditions::default();
    w.raw("c.stars >= 3")
        .and("c.issued_on <= ?", day)
        .and("COALESCE(c.extended_until, c.expires_on) >= ?", day)
        .and("(c.revoked_on IS NULL OR c.revoked_on > ?)", day)
        .and("NOT EXISTS (SELECT 1 FROM certificate n WHERE n.id = c.superseded_by AND n.issued_on <= ?)", day);
    scope.products(&mut w);
    w
}

/// Products in force by class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Classes {
    pub five: i64,
    pub potential_five: i64,
    pub four: i64,
    pub three: i64,
}

impl Classes {
    pub fn total(&self) -> i64 {
        self.five + self.potential_five + self.four + self.three
    }

    pub fn get(&self, class: StarClass) -> i64 {
        match class {
            StarClass::Five => self.five,
            StarClass::PotentialFive => self.potential_five,
            StarClass::Four => self.four,
            StarClass::Three => self.three,
        }
    }

    fn add_named(&mut self, class: &str, n: i64) {
        match class {
            "five" => self.five += n,
            "potential_five" => self.potential_five += n,
            "four" => self.four += n,
            _ => self.three += n,
        }
    }
}

/// Products in force on `day`, by class.
pub async fn stars(c: &impl ConnectionTrait, scope: &Scope, day: Date) -> Result<Classes> {
    let mut total = Classes::default();
    for r in cube(c, scope, day, Grain::Province).await? {
        total.add_named(&r.class, r.n);
    }
    Ok(total)
}

/// Figures of one place or one kind, by class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Row {
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub classes: Classes,
}

/// How fine the one scan of the products in force is: by province (the whole country's
/// breakdowns), or by commune and pre-2025 district (a province's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grain {
    Province,
    Commune,
}

/// Products in force counted by place, sheet and class.
#[derive(FromQueryResult)]
struct Cell {
    place: String,
    district: String,
    sheet: String,
    class: String,
    n: i64,
}

/// One scan of the certificates in force, grouped finely enough that every breakdown is a sum of
/// its cells (grouped by expressions, `|| ''`, so that SQLite scans the certificates once rather
/// than walking a product index for the groups' order).
async fn cube(c: &impl ConnectionTrait, scope: &Scope, day: Date, grain: Grain) -> Result<Vec<Cell>> {
    let w = in_force(scope, day);
    let (place, district, from) = match grain {
        Grain::Province => ("x.province_code || ''", "''", IN_FORCE_FROM.to_owned()),
        Grain::Commune => (
            "x.commune_code || ''",
            "COALESCE(p.old_district_code, '')",
            format!("{IN_FORCE_FROM} JOIN producer p ON p.id = x.producer_id"),
        ),
    };
    let district_group = if grain == Grain::Commune { format!("{district}, ") } else { String::new() };
    let sql = format!(
        "SELECT {place} AS place, {district} AS district, x.sheet_code || '' AS sheet, {CLASS} AS class, COUNT(*) AS n \
         FROM {from}{} GROUP BY {place}, {district_group}x.sheet_code || '', {CLASS}",
        w.sql()
    );
    fetch_all(c, &sql, w.values).await
}

/// Code → name of the units the cells name.
async fn names(
    c: &impl ConnectionTrait,
    sql_head: &str,
    codes: std::collections::BTreeSet<String>,
) -> Result<BTreeMap<String, String>> {
    #[derive(FromQueryResult)]
    struct Named {
        code: String,
        name: String,
    }
    let found: Vec<Named> = crate::db::fetch_in(c, sql_head, codes).await?;
    Ok(found.into_iter().map(|n| (n.code, n.name)).collect())
}

/// Sums cells into rows by `key`, named by `names` (the code itself when unknown).
fn sum_rows(cells: &[Cell], key: impl Fn(&Cell) -> String, names: &BTreeMap<String, String>) -> Vec<Row> {
    let mut rows: BTreeMap<String, Classes> = BTreeMap::new();
    for cell in cells {
        rows.entry(key(cell)).or_default().add_named(&cell.class, cell.n);
    }
    let mut out: Vec<Row> = rows
        .into_iter()
        .map(|(code, classes)| Row { name: names.get(&code).cloned().unwrap_or_else(|| code.clone()), code, classes })
        .collect();
    out.sort_by(|a, b| b.classes.total().cmp(&a.classes.total()).then_with(|| a.name.cmp(&b.name)));
    out
}

/// The breakdowns of the products in force on `day`, from one scan: groups always; for a
/// province its communes and pre-2025 districts, for the whole country its provinces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Breakdowns {
    pub stars: Classes,
    pub groups: Vec<Row>,
    pub communes: Vec<Row>,
    pub districts: Vec<Row>,
    pub provinces: Vec<Row>,
}

pub async fn breakdowns(c: &impl ConnectionTrait, scope: &Scope, day: Date) -> Result<Breakdowns> {
    let national = scope.province.is_none();
    let cells = cube(c, scope, day, if national { Grain::Province } else { Grain::Commune }).await?;
    let mut out = Breakdowns::default();
    for cell in &cells {
        out.stars.add_named(&cell.class, cell.n);
    }
    let set = crate::criteria::current().map_err(|e| StoreError::Corrupt { table: "criteria", detail: e })?;
    let group_of = |sheet: &str| set.group_of(sheet).map_or_else(|| sheet.to_owned(), |g| g.code.clone());
    let group_names: BTreeMap<String, String> =
        set.groups.iter().map(|g| (g.code.clone(), g.name_vi.clone())).collect();
    out.groups = sum_rows(&cells, |cell| group_of(&cell.sheet), &group_names);
    out.groups.sort_by(|a, b| a.code.cmp(&b.code));
    let places = cells.iter().map(|cell| cell.place.clone()).collect();
    if national {
        let provinces = names(c, "SELECT code, name FROM province WHERE code IN", places).await?;
        out.provinces = sum_rows(&cells, |cell| cell.place.clone(), &provinces);
    } else {
        let communes = names(c, "SELECT code, name FROM commune WHERE code IN", places).await?;
        out.communes = sum_rows(&cells, |cell| cell.place.clone(), &communes);
        let districts = cells.iter().map(|cell| cell.district.clone()).filter(|d| !d.is_empty()).collect();
        let mut district_names = names(
            c,
            "SELECT district_code AS code, MAX(district_name) AS name FROM old_unit GROUP BY district_code HAVING district_code IN",
            districts,
        )
        .await?;
        district_names.insert(String::new(), String::new());
        out.districts = sum_rows(&cells, |cell| cell.district.clone(), &district_names);
    }
    Ok(out)
}

/// One product counted by a figure: the list behind a number.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Counted {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub producer_id: i64,
    pub producer_name: String,
    pub commune_name: String,
    pub stars: i64,
    pub level: String,
    #[schema(value_type = String, format = Date)]
    pub issued_on: Date,
    #[schema(value_type = String, format = Date)]
    pub expires_on: Date,
}

/// What a list of products in force is narrowed to: a class, and one key of a breakdown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrow {
    pub class: Option<StarClass>,
    pub commune: Option<String>,
    pub old_district: Option<String>,
}

/// The products in force on `day` that a chart's bar counts, by name (at most `limit`), and how
/// many there are in all.
pub async fn products_in_force(
    c: &impl ConnectionTrait,
    scope: &Scope,
    day: Date,
    narrow: &Narrow,
    limit: i64,
) -> Result<(Vec<Counted>, i64)> {
    let mut w = in_force(scope, day);
    if let Some(class) = narrow.class {
        w.and(&format!("{CLASS} = ?"), class.as_str());
    }
    if let Some(commune) = &narrow.commune {
        w.and("x.commune_code = ?", commune.as_str());
    }
    if let Some(district) = &narrow.old_district {
        w.and(
            "COALESCE((SELECT p.old_district_code FROM producer p WHERE p.id = x.producer_id), '') = ?",
            district.as_str(),
        );
    }
    let total =
        crate::db::count(c, &format!("SELECT COUNT(*) AS n FROM {IN_FORCE_FROM}{}", w.sql()), w.values.clone()).await?;
    let n = w.values.len() + 1;
    let mut values = w.values.clone();
    values.push(limit.into());
    let sql = format!(
        "SELECT x.id, x.code, x.name, x.producer_id, p.name AS producer_name, u.name AS commune_name, c.stars, c.level, \
         c.issued_on, c.expires_on FROM {IN_FORCE_FROM} JOIN producer p ON p.id = x.producer_id \
         JOIN commune u ON u.code = x.commune_code{} ORDER BY x.sort_key, x.id LIMIT ${n}",
        w.sql()
    );
    Ok((fetch_all(c, &sql, values).await?, total))
}

/// Certificates issued in a year: products recognised for the first time, and re-ratings and
/// upgrades of products already recognised.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct IssuedYear {
    pub year: i64,
    pub first: i64,
    pub later: i64,
}

/// The year of a date column, as a number.
fn year_of(column: &str) -> String {
    format!("CAST(SUBSTR(CAST({column} AS TEXT), 1, 4) AS BIGINT)")
}

pub async fn issued_per_year(c: &impl ConnectionTrait, scope: &Scope, from: Date, to: Date) -> Result<Vec<IssuedYear>> {
    #[derive(FromQueryResult)]
    struct Year {
        year: i64,
        n: i64,
        first: i64,
    }
    let mut w = Conditions::default();
    w.and("c.issued_on >= ?", from).and("c.issued_on <= ?", to);
    scope.products(&mut w);
    // A product's first recognition is the certificate no other one replaced: the start of its
    // chain (`superseded_by` points to the next certificate; indexed).
    let years: Vec<Year> = fetch_all(
        c,
        &format!(
            "SELECT {year} AS year, COUNT(*) AS n, \
             CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM certificate e WHERE e.superseded_by = c.id) THEN 0 ELSE 1 END) \
             AS BIGINT) AS first FROM {IN_FORCE_FROM}{} GROUP BY {year} ORDER BY {year}",
            w.sql(),
            year = year_of("c.issued_on")
        ),
        w.values,
    )
    .await?;
    Ok(years.into_iter().map(|y| IssuedYear { year: y.year, first: y.first, later: y.n - y.first }).collect())
}

/// A round's registrations against its plan.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct RoundFigures {
    pub id: i64,
    pub province_code: String,
    pub name: String,
    pub year: i64,
    pub plan: i64,
    /// Filed at the commune (drafts are not counted).
    pub received: i64,
    /// Accepted by the commune or further on.
    pub accepted: i64,
    pub recognised: i64,
}

/// The rounds opened in the period, with what they received.
pub async fn registrations(c: &impl ConnectionTrait, scope: &Scope, from: Date, to: Date) -> Result<Vec<RoundFigures>> {
    let mut w = Conditions::default();
    w.and("r.opens_on >= ?", from).and("r.opens_on <= ?", to);
    scope.place(&mut w, "r.province_code");
    let sql = format!(
        "SELECT r.id, r.province_code, r.name, CAST(r.year AS BIGINT) AS year, CAST(r.plan_count AS BIGINT) AS plan, \
         COUNT(g.submitted_at) AS received, \
         CAST(COALESCE(SUM(CASE WHEN g.state NOT IN ('draft', 'submitted', 'returned') THEN 1 ELSE 0 END), 0) AS BIGINT) \
           AS accepted, \
         CAST(COALESCE(SUM(CASE WHEN g.state = 'recognised' THEN 1 ELSE 0 END), 0) AS BIGINT) AS recognised \
         FROM round r LEFT JOIN registration g ON g.round_id = r.id{} \
         GROUP BY r.id, r.province_code, r.name, r.year, r.plan_count, r.opens_on ORDER BY r.opens_on, r.id",
        w.sql()
    );
    fetch_all(c, &sql, w.values).await
}

/// Certificates in force on `day` that expire in a month of the next 180 days, and how many of
/// them have a re-rating filed: the re-rating pipeline.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct ExpiringMonth {
    /// `yyyy-mm`.
    pub month: String,
    pub expiring: i64,
    pub refiled: i64,
}

pub async fn expiring(c: &impl ConnectionTrait, scope: &Scope, day: Date) -> Result<Vec<ExpiringMonth>> {
    let mut w = in_force(scope, day);
    w.and("c.expires_on <= ?", day + Duration::days(180));
    let sql = format!(
        "SELECT month, COUNT(*) AS expiring, CAST(SUM(refiled) AS BIGINT) AS refiled FROM \
         (SELECT SUBSTR(CAST(c.expires_on AS TEXT), 1, 7) AS month, \
          CASE WHEN EXISTS (SELECT 1 FROM registration g WHERE g.previous_certificate_id = c.id \
            AND g.submitted_at IS NOT NULL) THEN 1 ELSE 0 END AS refiled \
          FROM {IN_FORCE_FROM}{}) t GROUP BY month ORDER BY month",
        w.sql()
    );
    fetch_all(c, &sql, w.values).await
}

/// An inspection plan's coverage: producers planned and inspected.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct PlanFigures {
    pub id: i64,
    pub province_code: String,
    pub name: String,
    pub year: i64,
    pub planned: i64,
    pub inspected: i64,
}

/// The inspection plans starting in the period.
pub async fn inspections(c: &impl ConnectionTrait, scope: &Scope, from: Date, to: Date) -> Result<Vec<PlanFigures>> {
    let mut w = Conditions::default();
    w.and("pl.starts_on >= ?", from).and("pl.starts_on <= ?", to);
    scope.place(&mut w, "pl.province_code");
    let sql = format!(
        "SELECT pl.id, pl.province_code, pl.name, pl.year, \
         (SELECT COUNT(*) FROM inspection i WHERE i.plan_id = pl.id) AS planned, \
         (SELECT COUNT(*) FROM inspection i WHERE i.plan_id = pl.id AND i.state = 'done') AS inspected \
         FROM inspection_plan pl{} ORDER BY pl.starts_on, pl.id",
        w.sql()
    );
    fetch_all(c, &sql, w.values).await
}

/// A year's capacity building: classes held and the people and producers they trained, and the
/// support paid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CapacityYear {
    pub year: i64,
    pub classes: i64,
    pub trainees: i64,
    pub producers_trained: i64,
    pub support_records: i64,
    pub support_vnd: i64,
}

pub async fn capacity(c: &impl ConnectionTrait, scope: &Scope, from: Date, to: Date) -> Result<Vec<CapacityYear>> {
    #[derive(FromQueryResult)]
    struct Classes {
        year: i64,
        classes: i64,
        trainees: i64,
        producers_trained: i64,
    }
    #[derive(FromQueryResult)]
    struct Support {
        year: i64,
        support_records: i64,
        support_vnd: i64,
    }
    let mut w = Conditions::default();
    w.and("k.starts_on >= ?", from).and("k.starts_on <= ?", to);
    scope.place(&mut w, "k.province_code");
    let classes: Vec<Classes> = fetch_all(
        c,
        &format!(
            "SELECT {year} AS year, COUNT(DISTINCT k.id) AS classes, \
             COUNT(t.id) AS trainees, COUNT(DISTINCT t.producer_id) AS producers_trained \
             FROM training_class k LEFT JOIN training_participant t ON t.class_id = k.id{} GROUP BY {year}",
            w.sql(),
            year = year_of("k.starts_on")
        ),
        w.values,
    )
    .await?;
    let mut w = Conditions::default();
    w.and("s.decided_on >= ?", from).and("s.decided_on <= ?", to);
    scope.place(&mut w, "p.province_code");
    let support: Vec<Support> = fetch_all(
        c,
        &format!(
            "SELECT {year} AS year, COUNT(*) AS support_records, \
             CAST(COALESCE(SUM(s.amount_vnd), 0) AS BIGINT) AS support_vnd \
             FROM support_record s JOIN producer p ON p.id = s.producer_id{} GROUP BY {year}",
            w.sql(),
            year = year_of("s.decided_on")
        ),
        w.values,
    )
    .await?;
    let mut years: BTreeMap<i64, CapacityYear> = BTreeMap::new();
    for k in classes {
        let y = years.entry(k.year).or_insert_with(|| CapacityYear { year: k.year, ..CapacityYear::default() });
        (y.classes, y.trainees, y.producers_trained) = (k.classes, k.trainees, k.producers_trained);
    }
    for s in support {
        let y = years.entry(s.year).or_insert_with(|| CapacityYear { year: s.year, ..CapacityYear::default() });
        (y.support_records, y.support_vnd) = (s.support_records, s.support_vnd);
    }
    Ok(years.into_values().collect())
}

/// Sales points opened and closed in a year, and those open at its end.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PointsYear {
    pub year: i64,
    pub opened: i64,
    pub closed: i64,
    pub open_at_end: i64,
}

pub async fn sales_points(c: &impl ConnectionTrait, scope: &Scope, from: Date, to: Date) -> Result<Vec<PointsYear>> {
    #[derive(FromQueryResult)]
    struct Point {
        opened_on: Date,
        closed_on: Option<Date>,
    }
    let mut w = Conditions::default();
    w.and("s.opened_on <= ?", to).and("(s.closed_on IS NULL OR s.closed_on >= ?)", from);
    scope.place(&mut w, "s.province_code");
    let points: Vec<Point> =
        fetch_all(c, &format!("SELECT s.opened_on, s.closed_on FROM sales_point s{}", w.sql()), w.values).await?;
    let mut out = Vec::new();
    for year in from.year()..=to.year() {
        let end = Date::from_calendar_date(year, time::Month::December, 31).unwrap_or(to).min(to);
        let mut y = PointsYear { year: i64::from(year), ..PointsYear::default() };
        for p in &points {
            y.opened += i64::from(p.opened_on.year() == year && p.opened_on >= from);
            y.closed += i64::from(p.closed_on.is_some_and(|d| d.year() == year && d <= to));
            y.open_at_end += i64::from(p.opened_on <= end && p.closed_on.is_none_or(|d| d > end));
        }
        out.push(y);
    }
    Ok(out)
}

/// Buyers' messages of a month: inquiries and complaints.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct InquiryMonth {
    /// `yyyy-mm`.
    pub month: String,
    pub inquiries: i64,
    pub complaints: i64,
}

pub async fn inquiries(c: &impl ConnectionTrait, scope: &Scope, from: Date, to: Date) -> Result<Vec<InquiryMonth>> {
    #[derive(FromQueryResult)]
    struct Message {
        created_at: i64,
        kind: String,
    }
    let mut w = Conditions::default();
    w.and("q.created_at >= ?", day_start(from)).and("q.created_at < ?", day_start(to + Duration::days(1)));
    scope.products(&mut w);
    let rows: Vec<Message> = fetch_all(
        c,
        &format!("SELECT q.created_at, q.kind FROM inquiry q JOIN product x ON x.id = q.product_id{}", w.sql()),
        w.values,
    )
    .await?;
    let mut months: BTreeMap<String, InquiryMonth> = BTreeMap::new();
    for r in rows {
        let day = vietnam_day(r.created_at);
        let month = format!("{:04}-{:02}", day.year(), u8::from(day.month()));
        let m = months.entry(month.clone()).or_insert(InquiryMonth { month, inquiries: 0, complaints: 0 });
        if r.kind == "complaint" {
            m.complaints += 1;
        } else {
            m.inquiries += 1;
        }
    }
    Ok(months.into_values().collect())
}

/// Vietnam is UTC+7 all year.
const VIETNAM_OFFSET: i64 = 7 * 3600;

/// The day in Vietnam of a Unix instant.
pub fn vietnam_day(at: i64) -> Date {
    time::OffsetDateTime::from_unix_timestamp(at + VIETNAM_OFFSET)
        .map(|t| t.date())
        .unwrap_or(time::macros::date!(1970 - 01 - 01))
}

/// The Unix instant a day starts in Vietnam.
pub(crate) fn day_start(day: Date) -> i64 {
    day.midnight().assume_utc().unix_timestamp() - VIETNAM_OFFSET
}

/// Label scans of a day.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct ScanDay {
    #[schema(value_type = String, format = Date)]
    pub day: Date,
    pub scans: i64,
}

/// Scans per day in the period, from the daily counts (never the scan log).
pub async fn scans_per_day(c: &impl ConnectionTrait, scope: &Scope, from: Date, to: Date) -> Result<Vec<ScanDay>> {
    let mut w = Conditions::default();
    w.and("d.day >= ?", from).and("d.day <= ?", to);
    let from_sql = scan_source(scope, &mut w);
    fetch_all(
        c,
        &format!(
            "SELECT d.day, CAST(SUM(d.scans) AS BIGINT) AS scans FROM {from_sql}{} GROUP BY d.day ORDER BY d.day",
            w.sql()
        ),
        w.values,
    )
    .await
}

/// Label scans of a province in a period.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct ScanPlace {
    pub code: String,
    pub name: String,
    pub scans: i64,
}

/// Scans per province of the products scanned (the products' province, not the shopper's).
pub async fn scans_per_province(
    c: &impl ConnectionTrait,
    scope: &Scope,
    from: Date,
    to: Date,
) -> Result<Vec<ScanPlace>> {
    let mut w = Conditions::default();
    w.and("d.day >= ?", from).and("d.day <= ?", to);
    let from_sql = scan_source(scope, &mut w);
    fetch_all(
        c,
        &format!(
            "SELECT t.code, (SELECT v.name FROM province v WHERE v.code = t.code) AS name, t.scans FROM \
             (SELECT d.province_code || '' AS code, CAST(SUM(d.scans) AS BIGINT) AS scans FROM {from_sql}{} \
             GROUP BY d.province_code || '') t ORDER BY t.scans DESC, t.code",
            w.sql()
        ),
        w.values,
    )
    .await
}

/// The daily counts, joined to products only when a group narrows them.
fn scan_source(scope: &Scope, w: &mut Conditions) -> &'static str {
    scope.place(w, "d.province_code");
    if scope.group.is_some() {
        Scope { province: None, group: scope.group.clone() }.products(w);
        "scan_daily d JOIN product x ON x.id = d.product_id"
    } else {
        "scan_daily d"
    }
}

/// The central level's 5★ pipeline of a province: products forwarded and waiting, approved at
/// 5★ awaiting the Ministry's decision, returned with less than 5★.
#[derive(Debug, Clone, Default, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Pipeline {
    pub code: String,
    pub name: String,
    pub forwarded: i64,
    pub central_approved: i64,
    pub central_returned: i64,
}

pub async fn five_star_pipeline(c: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<Pipeline>> {
    let mut w = Conditions::default();
    w.raw("g.state IN ('forwarded', 'central_approved', 'central_returned')");
    scope.place(&mut w, "g.province_code");
    fetch_all(
        c,
        &format!(
            "SELECT g.province_code AS code, (SELECT v.name FROM province v WHERE v.code = g.province_code) AS name, \
             CAST(SUM(CASE WHEN g.state = 'forwarded' THEN 1 ELSE 0 END) AS BIGINT) AS forwarded, \
             CAST(SUM(CASE WHEN g.state = 'central_approved' THEN 1 ELSE 0 END) AS BIGINT) AS central_approved, \
             CAST(SUM(CASE WHEN g.state = 'central_returned' THEN 1 ELSE 0 END) AS BIGINT) AS central_returned \
             FROM registration g{} GROUP BY g.province_code ORDER BY g.province_code",
            w.sql()
        ),
        w.values,
    )
    .await
}

// ------------------------------------------------------------------ targets

/// The period a target is measured over when read on `as_of`: from the set's start to its end,
/// or to `as_of` while the period runs.
pub fn measured_until(set: &TargetSet, as_of: Date) -> Date {
    set.to.min(as_of)
}

/// What a rule counts, as SQL: the ids of the products or producers in the numerator, and the
/// whole it is a share of (when it is one).
struct RuleSql {
    /// `product` or `producer` (what the list behind the number shows).
    kind: &'static str,
    numerator: (String, Vec<Value>),
    denominator: Option<(String, Vec<Value>)>,
}

/// Products whose first certificate of at least `stars` was issued in [from, to].
fn added(scope: &Scope, from: Date, to: Date, stars: i64) -> (String, Vec<Value>) {
    let mut w = Conditions::default();
    w.and_values(
        "(SELECT MIN(c.issued_on) FROM certificate c WHERE c.product_id = x.id AND c.stars >= ?) BETWEEN ? AND ?",
        vec![stars.into(), from.into(), to.into()],
    );
    scope.products(&mut w);
    (format!("SELECT x.id FROM product x{}", w.sql()), w.values)
}

/// Producers with a product in force on `day`.
fn producers_in_force(scope: &Scope, day: Date) -> (String, Vec<Value>) {
    let w = in_force(scope, day);
    (format!("SELECT DISTINCT x.producer_id AS id FROM {IN_FORCE_FROM}{}", w.sql()), w.values)
}

/// Adds `by` to every `$N` placeholder of `sql`, to nest a statement after another's values.
fn shifted(sql: &str, by: usize) -> String {
    if by == 0 {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    while let Some(ch) = chars.next() {
        out.push(ch);
        if ch == '$' {
            let mut digits = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                digits.push(d);
                chars.next();
            }
            match digits.parse::<usize>() {
                Ok(n) => out.push_str(&(n + by).to_string()),
                Err(_) => out.push_str(&digits),
            }
        }
    }
    out
}

/// `base` narrowed to the ids also in `filter`.
fn within(base: (String, Vec<Value>), filter: &str, filter_values: Vec<Value>) -> (String, Vec<Value>) {
    let (sql, mut values) = base;
    let shifted_filter = shifted(filter, values.len());
    values.extend(filter_values);
    (format!("SELECT id FROM ({sql}) b WHERE {shifted_filter}"), values)
}

fn rule_sql(rule: &Rule, scope: &Scope, from: Date, to: Date) -> Option<RuleSql> {
    Some(match rule {
        Rule::NotComputable { .. } => return None,
        Rule::ProductsAdded { min_stars } => {
            RuleSql { kind: "product", numerator: added(scope, from, to, *min_stars), denominator: None }
        }
        Rule::ProductsInForce { min_stars } => {
            let mut w = in_force(scope, to);
            w.and("c.stars >= ?", *min_stars);
            RuleSql {
                kind: "product",
                numerator: (format!("SELECT x.id FROM {IN_FORCE_FROM}{}", w.sql()), w.values),
                denominator: None,
            }
        }
        Rule::FiveStarInForce => {
            let mut w = in_force(scope, to);
            w.raw("c.stars = 5 AND c.level = 'central'");
            RuleSql {
                kind: "product",
                numerator: (format!("SELECT x.id FROM {IN_FORCE_FROM}{}", w.sql()), w.values),
                denominator: None,
            }
        }
        Rule::SharePotentialFiveAdded => {
            let whole = added(scope, from, to, 3);
            let part = within(
                whole.clone(),
                "EXISTS (SELECT 1 FROM certificate c WHERE c.product_id = b.id AND c.stars = 5 AND c.issued_on BETWEEN $1 AND $2)",
                vec![from.into(), to.into()],
            );
            RuleSql { kind: "product", numerator: part, denominator: Some(whole) }
        }
        Rule::ShareProducersLegalTypes { legal_types } => {
            let whole = producers_in_force(scope, to);
            let placeholders: Vec<String> = (1..=legal_types.len()).map(|n| format!("${n}")).collect();
            let filter = format!(
                "EXISTS (SELECT 1 FROM producer p WHERE p.id = b.id AND p.legal_type IN ({}))",
                if placeholders.is_empty() { "NULL".to_owned() } else { placeholders.join(", ") }
            );
            let values = legal_types.iter().map(|t| Value::from(t.as_str())).collect();
            RuleSql { kind: "producer", numerator: within(whole.clone(), &filter, values), denominator: Some(whole) }
        }
        Rule::ShareProducersModernChannels => {
            let whole = producers_in_force(scope, to);
            let modern: Vec<String> =
                domain::outlets::channel_kinds().kinds.iter().filter(|k| k.modern).map(|k| k.code.clone()).collect();
            let placeholders: Vec<String> = (3..modern.len() + 3).map(|n| format!("${n}")).collect();
            let filter = format!(
                "EXISTS (SELECT 1 FROM sales_channel s WHERE s.producer_id = b.id AND (s.since IS NULL OR s.since <= $1) \
                 AND (s.until IS NULL OR s.until >= $2) AND s.kind IN ({}))",
                if placeholders.is_empty() { "NULL".to_owned() } else { placeholders.join(", ") }
            );
            let mut values: Vec<Value> = vec![to.into(), to.into()];
            values.extend(modern.into_iter().map(Value::from));
            RuleSql { kind: "producer", numerator: within(whole.clone(), &filter, values), denominator: Some(whole) }
        }
        Rule::ShareProducersTrained => {
            let whole = producers_in_force(scope, to);
            let filter = "EXISTS (SELECT 1 FROM training_participant t JOIN training_class k ON k.id = t.class_id \
                          WHERE t.producer_id = b.id AND k.starts_on BETWEEN $1 AND $2)";
            RuleSql {
                kind: "producer",
                numerator: within(whole.clone(), filter, vec![from.into(), to.into()]),
                denominator: Some(whole),
            }
        }
        Rule::SalesPointsPerCommunePerYear => {
            let mut w = Conditions::default();
            w.and("s.opened_on >= ?", from).and("s.opened_on <= ?", to);
            scope.place(&mut w, "s.province_code");
            let communes = in_force(scope, to);
            RuleSql {
                kind: "sales_point",
                numerator: (format!("SELECT s.id FROM sales_point s{}", w.sql()), w.values),
                denominator: Some((
                    format!("SELECT DISTINCT x.commune_code AS id FROM {IN_FORCE_FROM}{}", communes.sql()),
                    communes.values,
                )),
            }
        }
        Rule::RegistrationsVsPlan => {
            let mut w = Conditions::default();
            w.and("r.opens_on >= ?", from).and("r.opens_on <= ?", to);
            scope.place(&mut w, "r.province_code");
            RuleSql {
                kind: "registration",
                numerator: (
                    format!(
                        "SELECT g.id FROM registration g JOIN round r ON r.id = g.round_id{} AND g.submitted_at IS NOT NULL",
                        w.sql()
                    ),
                    w.values.clone(),
                ),
                // The plan is a number, not rows: one row per planned product.
                denominator: Some((format!("SELECT r.id, r.plan_count FROM round r{}", w.sql()), w.values)),
            }
        }
        Rule::TrainingsHeld => {
            let mut w = Conditions::default();
            w.and("k.starts_on >= ?", from).and("k.starts_on <= ?", to);
            scope.place(&mut w, "k.province_code");
            RuleSql {
                kind: "training_class",
                numerator: (format!("SELECT k.id FROM training_class k{}", w.sql()), w.values),
                denominator: None,
            }
        }
        Rule::InspectionCoverage => {
            let mut w = Conditions::default();
            w.and("pl.starts_on >= ?", from).and("pl.starts_on <= ?", to);
            scope.place(&mut w, "pl.province_code");
            let all = format!("SELECT i.id FROM inspection i JOIN inspection_plan pl ON pl.id = i.plan_id{}", w.sql());
            RuleSql {
                kind: "inspection",
                numerator: (format!("{all} AND i.state = 'done'"), w.values.clone()),
                denominator: Some((all, w.values)),
            }
        }
    })
}

/// Measures a target's rule for `scope` over [from, to]; `None` for a rule with no data.
pub async fn measure(
    c: &impl ConnectionTrait,
    rule: &Rule,
    scope: &Scope,
    from: Date,
    to: Date,
) -> Result<Option<Measure>> {
    let Some(q) = rule_sql(rule, scope, from, to) else { return Ok(None) };
    let numerator =
        crate::db::count(c, &format!("SELECT COUNT(*) AS n FROM ({}) t", q.numerator.0), q.numerator.1).await?;
    let denominator = match (q.denominator, rule) {
        (Some((sql, values)), Rule::RegistrationsVsPlan) => Some(
            crate::db::count(
                c,
                &format!("SELECT CAST(COALESCE(SUM(plan_count), 0) AS BIGINT) AS n FROM ({sql}) t"),
                values,
            )
            .await?,
        ),
        (Some((sql, values)), _) => {
            Some(crate::db::count(c, &format!("SELECT COUNT(*) AS n FROM ({sql}) t"), values).await?)
        }
        (None, _) => None,
    };
    Ok(Some(Measure { numerator, denominator }))
}

/// One record a target counts.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Member {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub place: String,
}

/// The records a target's numerator counts (at most `limit`), and what kind they are:
/// `product`, `producer`, `sales_point`, `registration`, `training_class` or `inspection`.
pub async fn members(
    c: &impl ConnectionTrait,
    rule: &Rule,
    scope: &Scope,
    from: Date,
    to: Date,
    limit: i64,
) -> Result<Option<(&'static str, Vec<Member>)>> {
    let Some(q) = rule_sql(rule, scope, from, to) else { return Ok(None) };
    let (ids, mut values) = q.numerator;
    let select = match q.kind {
        "product" => {
            "SELECT x.id, x.code, x.name, u.name AS place FROM product x JOIN commune u ON u.code = x.commune_code \
                      WHERE x.id IN"
        }
        "producer" => {
            "SELECT x.id, COALESCE(x.tax_code, '') AS code, x.name, u.name AS place FROM producer x \
                       JOIN commune u ON u.code = x.commune_code WHERE x.id IN"
        }
        "sales_point" => {
            "SELECT x.id, '' AS code, x.name, u.name AS place FROM sales_point x \
                          JOIN commune u ON u.code = x.commune_code WHERE x.id IN"
        }
        "registration" => {
            "SELECT x.id, COALESCE(x.number, '') AS code, p.name, u.name AS place FROM registration x \
                           JOIN product p ON p.id = x.product_id JOIN commune u ON u.code = x.commune_code WHERE x.id IN"
        }
        "training_class" => "SELECT x.id, '' AS code, x.name, x.place FROM training_class x WHERE x.id IN",
        _ => {
            "SELECT x.id, '' AS code, p.name, u.name AS place FROM inspection x JOIN producer p ON p.id = x.producer_id \
              JOIN commune u ON u.code = p.commune_code WHERE x.id IN"
        }
    };
    let n = values.len() + 1;
    values.push(limit.into());
    let rows = fetch_all(c, &format!("{select} ({ids}) ORDER BY x.name, x.id LIMIT ${n}"), values).await?;
    Ok(Some((q.kind, rows)))
}

// ------------------------------------------------------------------ target sets

/// The target sets: those shipped with the platform, replaced or joined by the ones imported.
pub async fn target_sets(c: &impl ConnectionTrait) -> Result<Vec<TargetSet>> {
    #[derive(FromQueryResult)]
    struct Stored {
        version: String,
        body: String,
    }
    let mut sets: BTreeMap<String, TargetSet> = BTreeMap::new();
    for (name, json) in domain::stats::shipped() {
        let set = TargetSet::parse(json)
            .map_err(|e| StoreError::Corrupt { table: "data/targets", detail: format!("{name}: {}", e.key) })?;
        sets.insert(set.version.clone(), set);
    }
    let stored: Vec<Stored> = fetch_all(c, "SELECT version, body FROM target_set ORDER BY version", []).await?;
    for s in stored {
        let set = TargetSet::parse(&s.body)
            .map_err(|e| StoreError::Corrupt { table: "target_set", detail: format!("{}: {}", s.version, e.key) })?;
        sets.insert(s.version, set);
    }
    let mut out: Vec<TargetSet> = sets.into_values().collect();
    out.sort_by(|a, b| b.from.cmp(&a.from).then_with(|| a.scope.cmp(&b.scope)).then_with(|| a.version.cmp(&b.version)));
    Ok(out)
}

/// Whether the set was new (rather than replacing an imported one of the same version).
pub async fn import_targets(tx: &Tx, who: &Who, set: &TargetSet) -> Result<bool> {
    #[derive(FromQueryResult)]
    struct Stored {
        body: String,
    }
    let before: Option<Stored> =
        fetch_optional(tx, "SELECT body FROM target_set WHERE version = $1", [set.version.clone().into()]).await?;
    let body =
        serde_json::to_string(set).map_err(|e| StoreError::Corrupt { table: "target_set", detail: e.to_string() })?;
    execute(tx, "DELETE FROM target_set WHERE version = $1", [set.version.clone().into()]).await?;
    execute(
        tx,
        "INSERT INTO target_set (version, scope, starts_on, ends_on, body, imported_at) VALUES ($1, $2, $3, $4, $5, $6)",
        [set.version.clone().into(), set.scope.clone().into(), set.from.into(), set.to.into(), body.into(), now().into()],
    )
    .await?;
    let province = set.province().map(|p| p.to_string());
    let mut change = Change::new("targets.import", "target_set", &set.version).province(province.as_deref()).after(set);
    if let Some(b) = &before {
        let old: serde_json::Value = serde_json::from_str(&b.body).unwrap_or_default();
        change = change.before(&old);
    }
    audit::append(tx, who, change).await?;
    Ok(before.is_none())
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_renumbered_to_follow_the_outer_statement() {
        assert_eq!(super::shifted("a = $1 AND b IN ($2, $10) AND c = '$'", 3), "a = $4 AND b IN ($5, $13) AND c = '$'");
        assert_eq!(super::shifted("x = $1", 0), "x = $1");
    }
}
