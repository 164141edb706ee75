//! The programme's figures for a place, a period and a day, computed once and shown four ways:
//! the dashboard's charts, the API's JSON, the report's workbook and its PDF. Each comes from
//! `store::stats`, so the four always agree.

use crate::charts::{self, Bar, Chart};
use crate::i18n::Tr;
use domain::stats::{Progress, StarClass, Target, TargetSet};
use domain::{FieldErrors, Invalid};
use serde::Serialize;
use store::stats::{self, Classes, Scope};
use time::{Date, Duration, Month};

/// What the figures are for. In-force figures are counted on `as_of`; flows (certificates issued,
/// rounds, classes, sales points, inquiries, scans) over `from`–`to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Params {
    /// A province code; `None` for the whole country.
    pub province: Option<String>,
    /// A product group (I–VI).
    pub group: Option<String>,
    #[serde(serialize_with = "crate::fmt::iso_date")]
    pub from: Date,
    #[serde(serialize_with = "crate::fmt::iso_date")]
    pub to: Date,
    #[serde(serialize_with = "crate::fmt::iso_date")]
    pub as_of: Date,
}

/// The filters as a query string carries them (dates `dd/mm/yyyy` or `yyyy-mm-dd`).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct Query {
    /// Province code; empty for the whole country (central office only).
    #[serde(default)]
    pub province: String,
    /// Product group I–VI; empty for all.
    #[serde(default)]
    pub group: String,
    /// First day of the period (default: 1 January four years before `to`).
    #[serde(default)]
    pub from: String,
    /// Last day of the period (default: today).
    #[serde(default)]
    pub to: String,
    /// The day products in force are counted on (default: the period's last day).
    #[serde(default)]
    pub as_of: String,
}

fn year_start(year: i32) -> Date {
    Date::from_calendar_date(year, Month::January, 1).unwrap_or(Date::MIN)
}

impl Query {
    /// Checks the filters: dates, their order, a known group. The province is the caller's
    /// business (the figures pages decide it).
    pub fn params(&self, today: Date) -> Result<Params, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut date = |field: &str, raw: &str| -> Option<Date> {
            if raw.trim().is_empty() {
                return None;
            }
            domain::registry::parse_date(raw).map_err(|e| errors.add(field, e)).ok()
        };
        let to_given = date("to", &self.to);
        let from_given = date("from", &self.from);
        let as_of_given = date("as_of", &self.as_of);
        let to = to_given.or(as_of_given).unwrap_or(today);
        let from = from_given.unwrap_or_else(|| year_start(to.year() - 4));
        let as_of = as_of_given.unwrap_or(to);
        if from > to {
            errors.add("from", Invalid::new("invalid-period-order"));
        }
        let group = Some(self.group.trim().to_owned()).filter(|g| !g.is_empty());
        if let Some(g) = &group
            && !store::criteria::current().is_ok_and(|set| set.groups.iter().any(|x| &x.code == g))
        {
            errors.add("group", Invalid::new("invalid-group").with("value", g.as_str()));
        }
        let province = Some(self.province.trim().to_owned()).filter(|p| !p.is_empty());
        if let Some(p) = &province
            && let Err(e) = domain::place::ProvinceCode::parse(p)
        {
            errors.add("province", e);
        }
        if errors.is_empty() { Ok(Params { province, group, from, to, as_of }) } else { Err(errors) }
    }
}

impl Params {
    pub fn scope(&self) -> Scope {
        Scope { province: self.province.clone(), group: self.group.clone() }
    }

    /// The query string that gives these figures again (for links and downloads).
    pub fn query(&self) -> String {
        let mut q = format!("from={}&to={}&as_of={}", self.from, self.to, self.as_of);
        if let Some(p) = &self.province {
            q.push_str(&format!("&province={p}"));
        }
        if let Some(g) = &self.group {
            q.push_str(&format!("&group={g}"));
        }
        q
    }
}

/// Every figure of the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub params: Params,
    pub stars: Classes,
    pub groups: Vec<stats::Row>,
    pub communes: Vec<stats::Row>,
    pub districts: Vec<stats::Row>,
    /// The whole country only: products by province, and the central 5★ pipeline.
    pub provinces: Vec<stats::Row>,
    pub pipeline: Vec<stats::Pipeline>,
    pub issued: Vec<stats::IssuedYear>,
    pub rounds: Vec<stats::RoundFigures>,
    pub expiring: Vec<stats::ExpiringMonth>,
    pub inspections: Vec<stats::PlanFigures>,
    pub capacity: Vec<stats::CapacityYear>,
    pub sales_points: Vec<stats::PointsYear>,
    pub inquiries: Vec<stats::InquiryMonth>,
    pub scans_daily: Vec<stats::ScanDay>,
    pub scans_provinces: Vec<stats::ScanPlace>,
}

/// Scans are drawn per day over the period's last 30 days; inquiries per month over its last 12.
const SCAN_DAYS: i64 = 30;

/// The first day of the month eleven months before `to`'s.
fn twelve_months_before(to: Date) -> Date {
    let months = to.year() * 12 + i32::from(u8::from(to.month())) - 1 - 11;
    let month = Month::try_from(u8::try_from(months.rem_euclid(12) + 1).unwrap_or(1)).unwrap_or(Month::January);
    Date::from_calendar_date(months.div_euclid(12), month, 1).unwrap_or(to)
}

/// Computes the figures; with `only`, just that chart's (the API asks for one at a time). The
/// queries run at once, each on its own pooled connection.
pub async fn compute(c: &impl sea_orm::ConnectionTrait, params: Params, only: Option<&str>) -> store::Result<Figures> {
    let scope = &params.scope();
    let (from, to, day) = (params.from, params.to, params.as_of);
    let want = |names: &[&str]| only.is_none_or(|o| names.contains(&o));
    let scans_from = (to - Duration::days(SCAN_DAYS - 1)).max(from);
    macro_rules! when {
        ($cond:expr, $query:expr) => {
            async { if $cond { $query.await } else { Ok(Default::default()) } }
        };
    }
    let (in_force, pipeline, issued, rounds, expiring) = tokio::try_join!(
        // Stars, groups, communes, districts and provinces: one scan of the products in force.
        when!(want(&["stars", "groups", "communes", "districts", "provinces"]), stats::breakdowns(c, scope, day)),
        when!(want(&["pipeline"]), stats::five_star_pipeline(c, scope)),
        when!(want(&["issued"]), stats::issued_per_year(c, scope, from, to)),
        when!(want(&["registrations"]), stats::registrations(c, scope, from, to)),
        when!(want(&["expiring"]), stats::expiring(c, scope, day)),
    )?;
    let (inspections, capacity, sales_points, inquiries, scans_daily, scans_provinces) = tokio::try_join!(
        when!(want(&["inspections"]), stats::inspections(c, scope, from, to)),
        when!(want(&["trainings", "support"]), stats::capacity(c, scope, from, to)),
        when!(want(&["sales_points"]), stats::sales_points(c, scope, from, to)),
        when!(want(&["inquiries"]), stats::inquiries(c, scope, twelve_months_before(to).max(from), to)),
        when!(want(&["scans_daily"]), stats::scans_per_day(c, scope, scans_from, to)),
        when!(want(&["scans_provinces"]), stats::scans_per_province(c, scope, scans_from, to)),
    )?;
    let stats::Breakdowns { stars, groups, communes, districts, provinces } = in_force;
    Ok(Figures {
        params,
        stars,
        groups,
        communes,
        districts,
        provinces,
        pipeline,
        issued,
        rounds,
        expiring,
        inspections,
        capacity,
        sales_points,
        inquiries,
        scans_daily,
        scans_provinces,
    })
}

/// The charts' names, in the order the dashboard shows them (the API's `{chart}`).
pub const CHARTS: [&str; 16] = [
    "stars",
    "groups",
    "communes",
    "districts",
    "provinces",
    "pipeline",
    "issued",
    "registrations",
    "expiring",
    "inspections",
    "trainings",
    "support",
    "sales_points",
    "inquiries",
    "scans_daily",
    "scans_provinces",
];

/// The figures of one chart as JSON (for the API), `None` for an unknown name.
pub fn chart_json(f: &Figures, chart: &str) -> Option<serde_json::Value> {
    let v = match chart {
        "stars" => serde_json::to_value(f.stars),
        "groups" => serde_json::to_value(&f.groups),
        "communes" => serde_json::to_value(&f.communes),
        "districts" => serde_json::to_value(&f.districts),
        "provinces" => serde_json::to_value(&f.provinces),
        "pipeline" => serde_json::to_value(&f.pipeline),
        "issued" => serde_json::to_value(&f.issued),
        "registrations" => serde_json::to_value(&f.rounds),
        "expiring" => serde_json::to_value(&f.expiring),
        "inspections" => serde_json::to_value(&f.inspections),
        "trainings" | "support" => serde_json::to_value(&f.capacity),
        "sales_points" => serde_json::to_value(&f.sales_points),
        "inquiries" => serde_json::to_value(&f.inquiries),
        "scans_daily" => serde_json::to_value(&f.scans_daily),
        "scans_provinces" => serde_json::to_value(&f.scans_provinces),
        _ => return None,
    };
    Some(serde_json::json!({ "chart": chart, "params": f.params, "data": v.unwrap_or_default() }))
}

fn class_names(t: Tr) -> Vec<String> {
    StarClass::ALL.iter().map(|c| t.get(&format!("class-{}", c.as_str()))).collect()
}

fn class_values(c: &Classes) -> Vec<i64> {
    StarClass::ALL.iter().map(|k| c.get(*k)).collect()
}

/// The list of products in force behind a bar.
fn products_link(p: &Params, narrow: &str) -> Option<String> {
    Some(format!("/dashboard/products?{}{narrow}", p.query()))
}

fn month_label(month: &str) -> String {
    // `yyyy-mm` → `mm/yyyy`
    match month.split_once('-') {
        Some((y, m)) => format!("{m}/{y}"),
        None => month.to_owned(),
    }
}

/// "SẢN PHẨM THỰC PHẨM" → "Sản phẩm thực phẩm" (the criteria data write group names in capitals).
fn sentence_case(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut chars = lower.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

struct Draft {
    id: &'static str,
    columns: bool,
    series: Vec<String>,
    header: Vec<String>,
    bars: Vec<Bar>,
    cells: Vec<Vec<i64>>,
    summary: Option<String>,
}

impl Draft {
    fn new(id: &'static str, columns: bool, series: Vec<String>) -> Self {
        Draft { id, columns, header: series.clone(), series, bars: Vec::new(), cells: Vec::new(), summary: None }
    }

    fn header(mut self, header: Vec<String>) -> Self {
        self.header = header;
        self
    }

    fn bar(&mut self, label: String, values: Vec<i64>, cells: Vec<i64>, href: Option<String>) {
        self.bars.push(Bar { label, values, href });
        self.cells.push(cells);
    }

    fn finish(self, t: Tr) -> Chart {
        let title = t.get(&format!("chart-{}", self.id.replace('_', "-")));
        let totals: Vec<i64> = self.bars.iter().map(|b| b.values.iter().sum()).collect();
        let summary = self.summary.unwrap_or_else(|| {
            let total: i64 = totals.iter().sum();
            match totals.iter().enumerate().max_by_key(|(_, v)| **v) {
                Some((i, top)) if *top > 0 => t.args(
                    "chart-summary",
                    &[("total", &charts::number(total)), ("top", &self.bars[i].label), ("n", &charts::number(*top))],
                ),
                _ => t.get("chart-summary-empty"),
            }
        });
        let svg = if self.columns {
            charts::columns(&title, &summary, &self.series, &self.bars)
        } else {
            charts::bars(&title, &summary, &self.series, &self.bars)
        };
        let plot = documents::Plot {
            shape: if self.columns { documents::Shape::Columns } else { documents::Shape::Bars },
            bars: self.bars.iter().map(|b| (b.label.clone(), b.values.clone())).collect(),
            series: self.series,
        };
        let mut header = vec![t.get(&format!("chart-{}-label", self.id.replace('_', "-")))];
        header.extend(self.header);
        let bars = self
            .bars
            .into_iter()
            .zip(self.cells)
            .map(|(b, cells)| Bar { label: b.label, values: cells, href: b.href })
            .collect();
        Chart { id: self.id, title, summary, header, bars, svg, plot }
    }
}

/// The dashboard's charts, each with its table; a chart's `bars[].values` are its table's numbers.
pub fn charts(f: &Figures, t: Tr) -> Vec<Chart> {
    let p = &f.params;
    let classes = class_names(t);
    let mut out = Vec::new();

    // One series per class, so that each bar has its class's colour.
    let mut d = Draft::new("stars", false, classes.clone()).header(vec![t.get("chart-products")]);
    for (i, (class, name)) in StarClass::ALL.iter().zip(&classes).enumerate() {
        let n = f.stars.get(*class);
        let mut drawn = vec![0; StarClass::ALL.len()];
        drawn[i] = n;
        d.bar(name.clone(), drawn, vec![n], products_link(p, &format!("&class={}", class.as_str())));
    }
    d.summary = Some(t.args(
        "chart-stars-summary",
        &[
            ("day", &domain::fmt_date(p.as_of)),
            ("total", &charts::number(f.stars.total())),
            ("five", &charts::number(f.stars.five)),
            ("potential", &charts::number(f.stars.potential_five)),
            ("four", &charts::number(f.stars.four)),
            ("three", &charts::number(f.stars.three)),
        ],
    ));
    out.push(d.finish(t));

    let label_of = |r: &stats::Row| if r.name.is_empty() { t.get("chart-unknown-place") } else { r.name.clone() };
    let place_chart =
        |id: &'static str, summary: &str, rows: &[stats::Row], link: &dyn Fn(&stats::Row) -> Option<String>| {
            let mut d = Draft::new(id, false, classes.clone());
            for r in rows.iter().take(15) {
                d.bar(label_of(r), class_values(&r.classes), class_values(&r.classes), link(r));
            }
            let total: i64 = rows.iter().map(|r| r.classes.total()).sum();
            d.summary = rows.iter().max_by_key(|r| r.classes.total()).filter(|r| r.classes.total() > 0).map(|top| {
                t.args(
                    summary,
                    &[
                        ("total", &charts::number(total)),
                        ("places", &charts::number(domain::num::count(rows.len()))),
                        ("top", &label_of(top)),
                        ("n", &charts::number(top.classes.total())),
                    ],
                )
            });
            // The table lists every row, the drawing the largest fifteen.
            let mut chart = d.finish(t);
            for r in rows.iter().skip(15) {
                chart.bars.push(Bar { label: label_of(r), values: class_values(&r.classes), href: link(r) });
            }
            chart
        };
    let groups: Vec<stats::Row> = f
        .groups
        .iter()
        .map(|r| stats::Row { name: format!("{}. {}", r.code, sentence_case(&r.name)), ..r.clone() })
        .collect();
    out.push(place_chart("groups", "chart-summary-groups", &groups, &|r| {
        products_link(p, &format!("&group={}", r.code))
    }));
    if p.province.is_some() {
        out.push(place_chart("communes", "chart-summary-places", &f.communes, &|r| {
            products_link(p, &format!("&commune={}", r.code))
        }));
        out.push(place_chart("districts", "chart-summary-places", &f.districts, &|r| {
            products_link(p, &format!("&district={}", r.code))
        }));
    } else {
        out.push(place_chart("provinces", "chart-summary-places", &f.provinces, &|r| {
            let mut q = p.clone();
            q.province = Some(r.code.clone());
            Some(format!("/dashboard?{}", q.query()))
        }));
        let mut d = Draft::new(
            "pipeline",
            false,
            vec![t.get("chart-pipeline-forwarded"), t.get("chart-pipeline-approved"), t.get("chart-pipeline-returned")],
        );
        for r in &f.pipeline {
            let v = vec![r.forwarded, r.central_approved, r.central_returned];
            d.bar(r.name.clone(), v.clone(), v, None);
        }
        out.push(d.finish(t));
    }

    let mut d = Draft::new("issued", true, vec![t.get("chart-issued-first"), t.get("chart-issued-later")]);
    for y in &f.issued {
        d.bar(y.year.to_string(), vec![y.first, y.later], vec![y.first, y.later], None);
    }
    out.push(d.finish(t));

    let mut d = Draft::new(
        "registrations",
        false,
        vec![
            t.get("chart-registrations-within"),
            t.get("chart-registrations-beyond"),
            t.get("chart-registrations-missing"),
        ],
    )
    .header(vec![
        t.get("chart-registrations-plan"),
        t.get("chart-registrations-received"),
        t.get("chart-registrations-accepted"),
        t.get("chart-registrations-recognised"),
    ]);
    for r in &f.rounds {
        let drawn = vec![r.received.min(r.plan), (r.received - r.plan).max(0), (r.plan - r.received).max(0)];
        d.bar(r.name.clone(), drawn, vec![r.plan, r.received, r.accepted, r.recognised], None);
    }
    if let Some(last) = f.rounds.last() {
        d.summary = Some(t.args(
            "chart-registrations-summary",
            &[
                ("round", &last.name),
                ("received", &charts::number(last.received)),
                ("plan", &charts::number(last.plan)),
            ],
        ));
    }
    out.push(d.finish(t));

    let mut d = Draft::new("expiring", true, vec![t.get("chart-expiring-refiled"), t.get("chart-expiring-waiting")])
        .header(vec![t.get("chart-expiring-all"), t.get("chart-expiring-refiled")]);
    for m in &f.expiring {
        d.bar(month_label(&m.month), vec![m.refiled, m.expiring - m.refiled], vec![m.expiring, m.refiled], None);
    }
    out.push(d.finish(t));

    let mut d =
        Draft::new("inspections", false, vec![t.get("chart-inspections-done"), t.get("chart-inspections-waiting")])
            .header(vec![t.get("chart-inspections-planned"), t.get("chart-inspections-done")]);
    for r in &f.inspections {
        d.bar(r.name.clone(), vec![r.inspected, r.planned - r.inspected], vec![r.planned, r.inspected], None);
    }
    out.push(d.finish(t));

    let mut d = Draft::new("trainings", true, vec![t.get("chart-trainings-classes")]).header(vec![
        t.get("chart-trainings-classes"),
        t.get("chart-trainings-trainees"),
        t.get("chart-trainings-producers"),
    ]);
    for y in &f.capacity {
        d.bar(y.year.to_string(), vec![y.classes], vec![y.classes, y.trainees, y.producers_trained], None);
    }
    out.push(d.finish(t));

    let mut d = Draft::new("support", true, vec![t.get("chart-support-millions")])
        .header(vec![t.get("chart-support-records"), t.get("chart-support-vnd")]);
    for y in &f.capacity {
        d.bar(y.year.to_string(), vec![y.support_vnd / 1_000_000], vec![y.support_records, y.support_vnd], None);
    }
    out.push(d.finish(t));

    let mut d = Draft::new("sales_points", true, vec![t.get("chart-points-opened")]).header(vec![
        t.get("chart-points-opened"),
        t.get("chart-points-closed"),
        t.get("chart-points-open"),
    ]);
    for y in &f.sales_points {
        d.bar(y.year.to_string(), vec![y.opened], vec![y.opened, y.closed, y.open_at_end], None);
    }
    out.push(d.finish(t));

    let mut d =
        Draft::new("inquiries", true, vec![t.get("chart-inquiries-inquiries"), t.get("chart-inquiries-complaints")]);
    for m in &f.inquiries {
        let v = vec![m.inquiries, m.complaints];
        d.bar(month_label(&m.month), v.clone(), v, None);
    }
    out.push(d.finish(t));

    let mut d = Draft::new("scans_daily", true, vec![t.get("chart-scans")]);
    for s in &f.scans_daily {
        d.bar(format!("{:02}/{:02}", s.day.day(), u8::from(s.day.month())), vec![s.scans], vec![s.scans], None);
    }
    out.push(d.finish(t));

    let mut d = Draft::new("scans_provinces", false, vec![t.get("chart-scans")]);
    for s in f.scans_provinces.iter().take(15) {
        d.bar(s.name.clone(), vec![s.scans], vec![s.scans], None);
    }
    out.push(d.finish(t));
    out
}

// ------------------------------------------------------------------ targets

/// A target measured: its value, progress and trend (the value at the end of each year so far).
#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    pub set_version: String,
    #[serde(flatten)]
    pub target: Target,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    pub progress: Option<Progress>,
    pub trend: Vec<(i32, f64)>,
}

/// The place a target set is measured in: its province, or the whole country.
pub fn set_scope(set: &TargetSet) -> Scope {
    Scope::province(set.province().as_ref().map(|p| p.as_str()))
}

/// Measures every target of a set as of `as_of` (the period runs from the set's start to its end
/// or to `as_of`), with the trend at each year's end.
pub async fn measure_set(
    c: &impl sea_orm::ConnectionTrait,
    set: &TargetSet,
    as_of: Date,
) -> store::Result<Vec<Measured>> {
    let scope = set_scope(set);
    let until = stats::measured_until(set, as_of);
    let years = i64::from(until.year() - set.from.year() + 1).max(1);
    let mut out = Vec::new();
    for target in &set.targets {
        let measure =
            if until < set.from { None } else { stats::measure(c, &target.rule, &scope, set.from, until).await? };
        let progress = measure.and_then(|m| domain::stats::evaluate(target, m, years));
        let mut trend = Vec::new();
        if measure.is_some() {
            for year in set.from.year()..until.year() {
                let end = Date::from_calendar_date(year, Month::December, 31).unwrap_or(until);
                if let Some(m) = stats::measure(c, &target.rule, &scope, set.from, end).await?
                    && let Some(p) = domain::stats::evaluate(target, m, i64::from(year - set.from.year() + 1))
                {
                    trend.push((year, p.value));
                }
            }
            if let Some(p) = progress {
                trend.push((until.year(), p.value));
            }
        }
        out.push(Measured {
            set_version: set.version.clone(),
            target: target.clone(),
            numerator: measure.map(|m| m.numerator),
            denominator: measure.and_then(|m| m.denominator),
            progress,
            trend,
        });
    }
    Ok(out)
}

/// A value as the target reads it: a share with one decimal and `%`, a rate with two decimals,
/// a count as a whole number.
pub fn value_text(target: &Target, value: f64) -> String {
    if target.is_share() {
        format!("{:.1}%", value).replace('.', ",")
    } else if matches!(target.rule, domain::stats::Rule::SalesPointsPerCommunePerYear) {
        format!("{value:.2}").replace('.', ",")
    } else {
        charts::number(domain::num::round(value).unwrap_or(0))
    }
}
