//! The dashboard (`/dashboard`), the plan targets (`/targets`), the lists behind their numbers,
//! and the programme report as a workbook and a PDF. A province office sees its province; the
//! central office and administrators the whole country and each province; nobody else.

use crate::AppState;
use crate::auth::Caller;
use crate::charts::{self, Chart};
use crate::error::{AppError, AppResult};
use crate::figures::{self, Figures, Measured, Params, Query as FiguresQuery};
use crate::i18n::Tr;
use crate::page::{Choice, PageCtx, render};
use crate::pages::registry::products::today;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use domain::access::{Action, Listing};
use domain::stats::{StarClass, TargetSet};
use exchange::report::{Sheet, Value};
use serde::Deserialize;
use store::stats::{self, Narrow};

/// The figures' parameters for this caller: a province office is held to its province (asking
/// for another is refused), the national roles may choose any or none.
pub(crate) fn params(caller: &Caller, q: &FiguresQuery) -> AppResult<Params> {
    let listing = caller.listing(Action::ViewFigures)?;
    let mut params = q.params(today()).map_err(AppError::Invalid)?;
    match listing {
        Listing::All => {}
        Listing::Province(own) => match &params.province {
            None => params.province = Some(own.to_string()),
            Some(p) if p == own.as_str() => {}
            Some(_) => return Err(AppError::Forbidden),
        },
        _ => return Err(AppError::Forbidden),
    }
    Ok(params)
}

/// The place's name: a province's, or "the whole country".
async fn place_name(c: &impl sea_orm::ConnectionTrait, t: Tr, province: Option<&str>) -> store::Result<String> {
    Ok(match province {
        Some(code) => store::units::province(c, code).await?.map_or_else(|| code.to_owned(), |p| p.name),
        None => t.get("scope-national"),
    })
}

// ------------------------------------------------------------------ dashboard

#[derive(Template)]
#[template(path = "figures/dashboard.html")]
struct DashboardPage {
    ctx: PageCtx,
    place: String,
    national_caller: bool,
    provinces: Vec<Choice>,
    groups: Vec<Choice>,
    from: String,
    to: String,
    from_default: String,
    to_default: String,
    as_of: String,
    query: String,
    headline: Vec<(String, String, String)>,
    charts: Vec<Chart>,
}

impl DashboardPage {
    fn number(&self, n: &i64) -> String {
        charts::number(*n)
    }
}

pub async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<FiguresQuery>,
) -> AppResult<Response> {
    let params = params(&caller, &q)?;
    let national_caller = caller.listing(Action::ViewFigures)? == Listing::All;
    let f = figures::compute(state.db().conn(), params.clone(), None).await?;
    let t = ctx.t;
    let place = place_name(state.db().conn(), t, params.province.as_deref()).await?;
    let provinces = if national_caller {
        let mut list =
            vec![Choice { value: String::new(), label: t.get("scope-national"), selected: params.province.is_none() }];
        list.extend(store::units::provinces(state.db().conn()).await?.into_iter().map(|p| Choice {
            selected: params.province.as_deref() == Some(p.code.as_str()),
            value: p.code,
            label: p.name,
        }));
        list
    } else {
        Vec::new()
    };
    let set = store::criteria::current().map_err(AppError::internal)?;
    let mut groups =
        vec![Choice { value: String::new(), label: t.get("dashboard-all-groups"), selected: params.group.is_none() }];
    groups.extend(set.groups.iter().map(|g| Choice {
        value: g.code.clone(),
        label: format!("{} · {}", g.code, g.name_vi),
        selected: params.group.as_deref() == Some(g.code.as_str()),
    }));
    let headline = headline(&f, t);
    let page = DashboardPage {
        place,
        national_caller,
        provinces,
        groups,
        // The period's fields stay empty unless given, so that they follow the day chosen (the
        // defaults show as placeholders).
        from: q.from.trim().to_owned(),
        to: q.to.trim().to_owned(),
        from_default: domain::fmt_date(params.from),
        to_default: domain::fmt_date(params.to),
        as_of: domain::fmt_date(params.as_of),
        query: params.query(),
        headline,
        charts: figures::charts(&f, t),
        ctx,
    };
    Ok(render(&page))
}

/// The products in force by class, and the total: the dashboard's first line (label, number,
/// link to the list).
fn headline(f: &Figures, t: Tr) -> Vec<(String, String, String)> {
    let q = f.params.query();
    let mut out = vec![(
        t.arg("dashboard-in-force", "day", &domain::fmt_date(f.params.as_of)),
        charts::number(f.stars.total()),
        format!("/dashboard/products?{q}"),
    )];
    for class in StarClass::ALL {
        out.push((
            t.get(&format!("class-{}", class.as_str())),
            charts::number(f.stars.get(class)),
            format!("/dashboard/products?{q}&class={}", class.as_str()),
        ));
    }
    out
}

// ------------------------------------------------------------------ the list behind a bar

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    figures: FiguresQuery,
    #[serde(default)]
    class: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    district: String,
}

#[derive(Template)]
#[template(path = "figures/products.html")]
struct ProductsPage {
    ctx: PageCtx,
    title: String,
    back: String,
    total: i64,
    total_text: String,
    shown: usize,
    rows: Vec<stats::Counted>,
    classes: Vec<String>,
}

impl ProductsPage {
    fn date(&self, d: &time::Date) -> String {
        crate::fmt::date(*d)
    }
}

/// At most this many products are listed behind a number (the total is always shown).
const LIST_LIMIT: i64 = 500;

pub async fn products(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let params = params(&caller, &q.figures)?;
    let t = ctx.t;
    let class = match q.class.trim() {
        "" => None,
        raw => Some(StarClass::ALL.into_iter().find(|c| c.as_str() == raw).ok_or_else(|| {
            AppError::Invalid(domain::FieldErrors::single("class", domain::Invalid::new("invalid-choice")))
        })?),
    };
    let code =
        |raw: &str| Some(raw.trim().to_owned()).filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()));
    let narrow = Narrow { class, commune: code(&q.commune), old_district: code(&q.district) };
    let (rows, total) =
        stats::products_in_force(state.db().conn(), &params.scope(), params.as_of, &narrow, LIST_LIMIT).await?;
    let mut title = t.arg("dashboard-list-title", "day", &domain::fmt_date(params.as_of));
    title.push_str(" — ");
    title.push_str(&place_name(state.db().conn(), t, params.province.as_deref()).await?);
    if let Some(c) = class {
        title.push_str(&format!(" — {}", t.get(&format!("class-{}", c.as_str()))));
    }
    let place = match (&narrow.commune, rows.first()) {
        (Some(_), Some(first)) => Some(first.commune_name.clone()),
        _ => None,
    };
    if let Some(p) = place {
        title.push_str(&format!(" — {p}"));
    }
    if let Some(g) = &params.group {
        title.push_str(&format!(" — {} {g}", t.get("dashboard-group")));
    }
    let classes = rows
        .iter()
        .map(|r| t.get(&format!("class-{}", StarClass::of(r.stars, &r.level).map_or("three", |c| c.as_str()))))
        .collect();
    let page = ProductsPage {
        title,
        back: format!("/dashboard?{}", params.query()),
        total_text: charts::number(total),
        total,
        shown: rows.len(),
        rows,
        classes,
        ctx,
    };
    Ok(render(&page))
}

// ------------------------------------------------------------------ targets

/// The target sets the caller may read: a province office its province's, the national roles all.
pub(crate) async fn readable_sets(state: &AppState, caller: &Caller) -> AppResult<Vec<TargetSet>> {
    let listing = caller.listing(Action::ViewFigures)?;
    let sets = stats::target_sets(state.db().conn()).await?;
    Ok(match listing {
        Listing::All => sets,
        Listing::Province(p) => sets.into_iter().filter(|s| s.scope == p.as_str()).collect(),
        _ => Vec::new(),
    })
}

#[derive(Deserialize, Default)]
pub struct TargetsQuery {
    #[serde(default)]
    version: String,
    #[serde(default)]
    as_of: String,
}

/// The day targets are measured on: given (dd/mm/yyyy or yyyy-mm-dd), or today.
pub(crate) fn as_of(raw: &str) -> AppResult<time::Date> {
    if raw.trim().is_empty() {
        return Ok(today());
    }
    domain::registry::parse_date(raw).map_err(|e| AppError::Invalid(domain::FieldErrors::single("as_of", e)))
}

/// One target as the page shows it.
pub(crate) struct TargetView {
    pub code: String,
    pub name: String,
    pub value: String,
    pub threshold: String,
    pub fraction: String,
    pub percent: String,
    pub met: Option<bool>,
    pub why: String,
    pub trend: String,
}

pub(crate) fn target_views(measured: &[Measured], t: Tr) -> Vec<TargetView> {
    let english = t.locale.code() == "en";
    measured
        .iter()
        .map(|m| {
            let target = &m.target;
            let threshold = target.at_least.map(|n| n as f64).or(target.at_least_percent).unwrap_or(0.0);
            let why = match &target.rule {
                domain::stats::Rule::NotComputable { why_vi, why_en } => if english { why_en } else { why_vi }.clone(),
                _ if m.progress.is_none() => t.get("chart-no-data"),
                _ => String::new(),
            };
            TargetView {
                code: target.code.clone(),
                name: target.name(english).to_owned(),
                value: m.progress.map_or_else(|| "—".to_owned(), |p| figures::value_text(target, p.value)),
                threshold: format!("≥ {}", figures::value_text(target, threshold)),
                fraction: match (m.numerator, m.denominator) {
                    (Some(n), Some(d)) => format!("{} / {}", charts::number(n), charts::number(d)),
                    (Some(n), None) => charts::number(n),
                    _ => String::new(),
                },
                percent: m.progress.map_or_else(|| "0".to_owned(), |p| format!("{:.0}", p.percent_of_target)),
                met: m.progress.map(|p| p.met),
                why,
                trend: m
                    .trend
                    .iter()
                    .map(|(y, v)| format!("{y}: {}", figures::value_text(target, *v)))
                    .collect::<Vec<_>>()
                    .join(" · "),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "figures/targets.html")]
struct TargetsPage {
    ctx: PageCtx,
    sets: Vec<Choice>,
    set: Option<TargetSet>,
    period: String,
    as_of: String,
    targets: Vec<TargetView>,
}

pub async fn targets(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<TargetsQuery>,
) -> AppResult<Response> {
    let sets = readable_sets(&state, &caller).await?;
    let day = as_of(&q.as_of)?;
    let chosen = if q.version.trim().is_empty() {
        sets.first().cloned()
    } else {
        Some(sets.iter().find(|s| s.version == q.version.trim()).cloned().ok_or(AppError::NotFound)?)
    };
    let measured = match &chosen {
        Some(set) => figures::measure_set(state.db().conn(), set, day).await?,
        None => Vec::new(),
    };
    let page = TargetsPage {
        sets: sets
            .iter()
            .map(|s| Choice {
                value: s.version.clone(),
                label: format!("{} ({})", s.name, s.version),
                selected: chosen.as_ref().is_some_and(|c| c.version == s.version),
            })
            .collect(),
        period: chosen
            .as_ref()
            .map(|s| format!("{} – {}", domain::fmt_date(s.from), domain::fmt_date(s.to)))
            .unwrap_or_default(),
        as_of: domain::fmt_date(day),
        targets: target_views(&measured, ctx.t),
        set: chosen,
        ctx,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "figures/members.html")]
struct MembersPage {
    ctx: PageCtx,
    title: String,
    back: String,
    rows: Vec<(String, String, String, String)>,
    /// The list stops at [`LIST_LIMIT`]; the target's page shows the whole count.
    limited: bool,
}

/// `/targets/{version}/{code}`: the records a target's number counts.
pub async fn members(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path((version, code)): Path<(String, String)>,
    Query(q): Query<TargetsQuery>,
) -> AppResult<Response> {
    let set = stats::target_sets(state.db().conn())
        .await?
        .into_iter()
        .find(|s| s.version == version)
        .ok_or(AppError::NotFound)?;
    // A set belongs to its province (or to the whole country): decided as any record there.
    let place = set.province().map_or_else(domain::access::Place::national, domain::access::Place::province);
    caller.require(Action::ViewFigures, &domain::access::Target::at(place))?;
    let target = set.targets.iter().find(|t| t.code == code).ok_or(AppError::NotFound)?;
    let day = as_of(&q.as_of)?;
    let until = stats::measured_until(&set, day);
    let found =
        stats::members(state.db().conn(), &target.rule, &figures::set_scope(&set), set.from, until, LIST_LIMIT).await?;
    let (kind, list) = found.unwrap_or(("", Vec::new()));
    let href = |id: i64| match kind {
        "product" => format!("/products/{id}"),
        "producer" => format!("/producers/{id}"),
        "sales_point" => format!("/sales-points/{id}"),
        "registration" => format!("/evaluation/registrations/{id}"),
        "training_class" => format!("/trainings/{id}"),
        _ => format!("/inspections/{id}"),
    };
    let english = ctx.t.locale.code() == "en";
    let page = MembersPage {
        title: format!("{} — {}", target.name(english), domain::fmt_date(until)),
        back: format!("/targets?version={}&as_of={}", set.version, day),
        limited: domain::num::count(list.len()) >= LIST_LIMIT,
        rows: list.into_iter().map(|m| (href(m.id), m.code, m.name, m.place)).collect(),
        ctx,
    };
    Ok(render(&page))
}

// ------------------------------------------------------------------ reports

/// The report's figures, charts and targets for these parameters: what the page, the download
/// and `ocop report` all print.
pub struct ReportData {
    pub place: String,
    pub figures: Figures,
    pub charts: Vec<Chart>,
    pub targets: Vec<(TargetSet, Vec<Measured>)>,
}

pub async fn report_data(db: &store::Db, t: Tr, params: Params) -> store::Result<ReportData> {
    let conn = db.conn();
    let place = place_name(conn, t, params.province.as_deref()).await?;
    let scope = params.province.clone().unwrap_or_else(|| "national".to_owned());
    let mut targets = Vec::new();
    for set in stats::target_sets(conn).await? {
        // The plans in force during the report's period, of the report's place.
        if set.scope == scope && set.from <= params.to && set.to >= params.from {
            let measured = figures::measure_set(conn, &set, params.to).await?;
            targets.push((set, measured));
        }
    }
    let figures = figures::compute(conn, params, None).await?;
    let charts = figures::charts(&figures, t);
    Ok(ReportData { place, figures, charts, targets })
}

fn period(t: Tr, p: &Params) -> String {
    t.args(
        "report-period",
        &[("from", &domain::fmt_date(p.from)), ("to", &domain::fmt_date(p.to)), ("day", &domain::fmt_date(p.as_of))],
    )
}

/// The report as workbook sheets: the summary, the targets, one sheet per chart; numbers as
/// numbers.
pub fn report_sheets(r: &ReportData, t: Tr) -> Vec<Sheet> {
    let f = &r.figures;
    let mut summary = Sheet {
        name: t.get("report-sheet-summary"),
        header: vec![t.get("report-col-figure"), t.get("report-col-value")],
        rows: vec![
            vec![t.get("report-place").into(), r.place.clone().into()],
            vec![t.get("report-period-label").into(), period(t, &f.params).into()],
            vec![t.arg("dashboard-in-force", "day", &domain::fmt_date(f.params.as_of)).into(), f.stars.total().into()],
        ],
    };
    for class in StarClass::ALL {
        summary.rows.push(vec![t.get(&format!("class-{}", class.as_str())).into(), f.stars.get(class).into()]);
    }
    let mut sheets = vec![summary];
    let mut targets = Sheet {
        name: t.get("report-sheet-targets"),
        header: vec![
            t.get("report-col-plan"),
            t.get("report-col-target"),
            t.get("report-col-value"),
            t.get("report-col-threshold"),
            t.get("report-col-numerator"),
            t.get("report-col-denominator"),
            t.get("report-col-met"),
        ],
        rows: Vec::new(),
    };
    let english = t.locale.code() == "en";
    for (set, measured) in &r.targets {
        for m in measured {
            targets.rows.push(vec![
                set.version.clone().into(),
                m.target.name(english).into(),
                m.progress.map_or(Value::Empty, |p| Value::Real((p.value * 100.0).round() / 100.0)),
                Value::Real(m.target.at_least.map(|n| n as f64).or(m.target.at_least_percent).unwrap_or(0.0)),
                m.numerator.into(),
                m.denominator.into(),
                match m.progress {
                    Some(p) if p.met => t.get("targets-met").into(),
                    Some(_) => t.get("targets-not-met").into(),
                    None => t.get("targets-not-computable").into(),
                },
            ]);
        }
    }
    sheets.push(targets);
    for c in &r.charts {
        sheets.push(Sheet {
            name: c.title.clone(),
            header: c.header.clone(),
            rows: c
                .bars
                .iter()
                .map(|b| {
                    std::iter::once(Value::from(b.label.clone()))
                        .chain(b.values.iter().map(|v| Value::Int(*v)))
                        .collect()
                })
                .collect(),
        });
    }
    sheets
}

/// The report as the PDF's input.
pub fn report_document(r: &ReportData, t: Tr) -> documents::Report {
    let f = &r.figures;
    let mut headline = vec![
        (t.get("report-place"), r.place.clone()),
        (t.get("report-period-label"), period(t, &f.params)),
        (t.arg("dashboard-in-force", "day", &domain::fmt_date(f.params.as_of)), charts::number(f.stars.total())),
    ];
    for class in StarClass::ALL {
        headline.push((t.get(&format!("class-{}", class.as_str())), charts::number(f.stars.get(class))));
    }
    let mut targets = Vec::new();
    let several = r.targets.len() > 1;
    for (set, measured) in &r.targets {
        for v in target_views(measured, t) {
            targets.push(documents::ReportTarget {
                name: if several { format!("{} ({})", v.name, set.version) } else { v.name },
                value: if v.fraction.is_empty() || v.value == v.fraction {
                    v.value.clone()
                } else {
                    format!("{} ({})", v.value, v.fraction)
                },
                threshold: v.threshold,
                status: match v.met {
                    Some(true) => t.get("targets-met"),
                    Some(false) => t.get("targets-not-met"),
                    None => v.why,
                },
            });
        }
    }
    documents::Report {
        authority: t.get("report-authority"),
        title: t.get("report-title"),
        subtitle: format!("{} — {}", r.place, period(t, &f.params)),
        headline,
        targets_title: match r.targets.as_slice() {
            [(set, _)] => {
                format!("{} — {} ({} {})", t.get("targets-title"), set.name, t.get("targets-version"), set.version)
            }
            _ => t.get("targets-title"),
        },
        targets,
        charts: r
            .charts
            .iter()
            .filter(|c| !c.bars.is_empty())
            .map(|c| documents::ReportChart {
                title: c.title.clone(),
                summary: c.summary.clone(),
                plot: c.plot.clone(),
                header: c.header.clone(),
                rows: c
                    .bars
                    .iter()
                    .take(40)
                    .map(|b| {
                        std::iter::once(b.label.clone()).chain(b.values.iter().map(|v| charts::number(*v))).collect()
                    })
                    .collect(),
            })
            .collect(),
        footer: t.arg("report-footer", "day", &domain::fmt_date(today())),
    }
}

/// The report's file name: `bao-cao-ocop-01-2021-01-01-2021-12-31.xlsx`.
pub fn report_file_name(p: &Params, extension: &str) -> String {
    format!("bao-cao-ocop-{}-{}-{}.{extension}", p.province.as_deref().unwrap_or("toan-quoc"), p.from, p.to)
}

pub async fn report_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<FiguresQuery>,
) -> AppResult<Response> {
    let params = params(&caller, &q)?;
    let name = report_file_name(&params, "xlsx");
    let data = report_data(state.db(), ctx.t, params).await?;
    crate::pages::supervision::xlsx(&name, &report_sheets(&data, ctx.t))
}

pub async fn report_pdf(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<FiguresQuery>,
) -> AppResult<Response> {
    let params = params(&caller, &q)?;
    let name = report_file_name(&params, "pdf");
    let data = report_data(state.db(), ctx.t, params).await?;
    let doc = report_document(&data, ctx.t);
    let bytes = state.heavy().run(crate::heavy::DOCUMENT_BYTES, move || documents::report_pdf(&doc)).await?;
    Ok(crate::page::download(&name, "application/pdf", bytes))
}
