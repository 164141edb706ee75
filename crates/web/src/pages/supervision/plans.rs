//! Inspection plans: the office's plans of a year, each with its producers and products to
//! inspect (picked by hand or proposed by the platform and confirmed), the inspectors of each
//! visit, and live coverage per commune and per pre-2025 district.

use super::{header, inspection_for, xlsx};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::page::{PageCtx, Pager, field_error, messages, render, render_status};
use crate::pages::registry::products::today;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::access::{Action, Target};
use domain::supervision::{self, PlanInput, ProposalCriteria, Reason};
use domain::{FieldErrors, Invalid};
use exchange::report::{Sheet, Value};
use serde::Deserialize;
use store::supervision::inspections::{self, Inspection, Inspector};
use store::supervision::plans::{self, Coverage, CoverageBy, Plan};
use store::{Page, StoreError};

fn plan_target(p: &Plan) -> Target {
    Target::in_province(&p.province_code)
}

async fn managed(state: &AppState, caller: &Caller, id: i64) -> AppResult<Plan> {
    let p = plans::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ManageSupervision, &plan_target(&p))?;
    Ok(p)
}

/// "41/50 producers, 334 products" of a plan or a place.
fn coverage_line(t: crate::i18n::Tr, done: i64, planned: i64, products_done: i64, products: i64) -> String {
    t.args(
        "plan-coverage",
        &[
            ("done", &done.to_string()),
            ("planned", &planned.to_string()),
            ("products_done", &products_done.to_string()),
            ("products", &products.to_string()),
        ],
    )
}

// ------------------------------------------------------------------ list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "supervision/plans.html")]
struct ListPage {
    ctx: PageCtx,
    rows: Vec<(Plan, String)>,
    pager: Pager,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let listing = caller.listing(Action::ManageSupervision)?;
    let found = plans::search(state.db().conn(), &listing, None, Page::new(q.page.unwrap_or(1), 50)).await?;
    let t = ctx.t;
    let page = ListPage {
        pager: Pager::new(&ctx, found.page, found.total),
        rows: found
            .items
            .into_iter()
            .map(|p| {
                let line = coverage_line(t, p.producers_done, p.producers, p.products_done, p.products);
                (p, line)
            })
            .collect(),
        ctx,
    };
    Ok(render(&page))
}

// ------------------------------------------------------------------ form

#[derive(Template)]
#[template(path = "supervision/plan_form.html")]
struct FormPage {
    ctx: PageCtx,
    id: Option<i64>,
    version: Option<i64>,
    f: PlanInput,
    errors: FieldErrors,
    notice: Option<String>,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(self.ctx.t, &self.errors, field)
    }
}

pub async fn new_form(caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    caller.territory_province(Action::ManageSupervision)?;
    let year = today().year();
    let f = PlanInput {
        name: ctx.t.arg("plan-default-name", "year", &year.to_string()),
        starts_on: format!("01/03/{year}"),
        ends_on: format!("30/11/{year}"),
        ..PlanInput::default()
    };
    Ok(render(&FormPage { ctx, id: None, version: None, f, errors: FieldErrors::new(), notice: None }))
}

#[derive(Deserialize)]
pub struct PostedPlan {
    #[serde(flatten)]
    input: PlanInput,
    #[serde(default)]
    version: Option<i64>,
}

fn invalid(ctx: PageCtx, id: Option<i64>, version: Option<i64>, f: PlanInput, errors: FieldErrors) -> Response {
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &FormPage { ctx, id, version, f, errors, notice: None })
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Form(posted): Form<PostedPlan>,
) -> AppResult<Response> {
    let province = caller.territory_province(Action::ManageSupervision)?;
    let me = caller.signed_in()?.clone();
    let draft = match posted.input.parse() {
        Ok(d) => d,
        Err(errors) => return Ok(invalid(ctx, None, None, posted.input, errors)),
    };
    let tx = state.db().write().await?;
    let plan = plans::create(&tx, &me.who(), province.as_str(), &draft, false).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.get("flash-saved"), &format!("/inspections/plans/{}", plan.id)))
}

pub async fn edit_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let p = managed(&state, &caller, id).await?;
    Ok(render(&FormPage {
        ctx,
        id: Some(id),
        version: Some(p.version),
        f: p.input(),
        errors: FieldErrors::new(),
        notice: None,
    }))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(posted): Form<PostedPlan>,
) -> AppResult<Response> {
    managed(&state, &caller, id).await?;
    let me = caller.signed_in()?.clone();
    let version = posted.version.unwrap_or_default();
    let draft = match posted.input.parse() {
        Ok(d) => d,
        Err(errors) => return Ok(invalid(ctx, Some(id), Some(version), posted.input, errors)),
    };
    let tx = state.db().write().await?;
    match plans::update(&tx, &me.who(), id, version, &draft).await {
        Ok(_) => tx.commit().await?,
        Err(StoreError::Stale) => {
            drop(tx);
            let latest = managed(&state, &caller, id).await?;
            let page = FormPage {
                notice: Some(ctx.t.get("registry-stale")),
                id: Some(id),
                version: Some(latest.version),
                f: latest.input(),
                errors: FieldErrors::new(),
                ctx,
            };
            return Ok(render_status(StatusCode::CONFLICT, &page));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(redirect_with_flash(&state, &ctx.t.get("flash-saved"), &format!("/inspections/plans/{id}")))
}

// ------------------------------------------------------------------ the plan

struct VisitRow {
    i: Inspection,
    inspectors: Vec<Inspector>,
    reasons: String,
}

#[derive(Template)]
#[template(path = "supervision/plan.html")]
struct ShowPage {
    ctx: PageCtx,
    p: Plan,
    coverage: String,
    communes: Vec<(Coverage, String)>,
    districts: Vec<(Coverage, String)>,
    visits: Vec<VisitRow>,
    assignable: Vec<Inspector>,
    dates: String,
    errors: Vec<String>,
}

impl ShowPage {
    fn state_label(&self, state: &str) -> String {
        self.ctx.t.get(&format!("inspection-state-{state}"))
    }

    fn assigned(&self, v: &VisitRow, user: &i64) -> bool {
        v.inspectors.iter().any(|u| u.id == *user)
    }
}

fn reasons_label(t: crate::i18n::Tr, reasons: &str) -> String {
    reasons
        .split(',')
        .filter(|r| !r.is_empty())
        .map(|r| t.get(&format!("proposal-reason-{r}")))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn plan_page(state: &AppState, ctx: PageCtx, p: Plan, errors: Vec<String>) -> AppResult<Response> {
    let conn = state.db().conn();
    let t = ctx.t;
    let mut visits = Vec::new();
    for i in inspections::of_plan(conn, p.id).await? {
        let inspectors = inspections::inspectors(conn, i.id).await?;
        visits.push(VisitRow { reasons: reasons_label(t, &i.reasons), i, inspectors });
    }
    let lines = |rows: Vec<Coverage>| {
        rows.into_iter()
            .map(|c| {
                let line = coverage_line(t, c.producers_done, c.producers, c.products_done, c.products);
                (c, line)
            })
            .collect()
    };
    let page = ShowPage {
        coverage: coverage_line(t, p.producers_done, p.producers, p.products_done, p.products),
        communes: lines(plans::coverage(conn, p.id, CoverageBy::Commune).await?),
        districts: lines(plans::coverage(conn, p.id, CoverageBy::OldDistrict).await?),
        assignable: inspections::assignable(conn, &p.province_code).await?,
        dates: format!("{} – {}", crate::fmt::date(p.starts_on), crate::fmt::date(p.ends_on)),
        visits,
        errors,
        p,
        ctx,
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render_status(status, &page))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let p = managed(&state, &caller, id).await?;
    plan_page(&state, ctx, p, Vec::new()).await
}

// ------------------------------------------------------------------ the proposal

#[derive(Deserialize, Default)]
pub struct ProposalForm {
    #[serde(default)]
    expiring_days: String,
    #[serde(default)]
    alerts: Option<String>,
    #[serde(default)]
    complaints: Option<String>,
    #[serde(default)]
    never: Option<String>,
    #[serde(default)]
    sample: String,
}

struct ProposedRow {
    producer_id: i64,
    producer_name: String,
    commune_name: String,
    products: Vec<(i64, String)>,
    reasons: String,
    /// `producer:product,product:reason,reason` for the confirm form.
    pick: String,
}

#[derive(Template)]
#[template(path = "supervision/proposal.html")]
struct ProposalPage {
    ctx: PageCtx,
    p: Plan,
    rows: Vec<ProposedRow>,
}

pub async fn propose(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<ProposalForm>,
) -> AppResult<Response> {
    let p = managed(&state, &caller, id).await?;
    let t = ctx.t;
    let number = |raw: &str, max: i64| -> Result<Option<i64>, Invalid> {
        match raw.trim() {
            "" => Ok(None),
            s => match s.parse::<i64>() {
                Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
                _ => Err(Invalid::new("invalid-count")),
            },
        }
    };
    let mut errors = FieldErrors::new();
    let expiring = errors.check("expiring_days", number(&form.expiring_days, 3650)).flatten();
    let sample = errors.check("sample", number(&form.sample, 1000)).flatten();
    if !errors.is_empty() {
        return plan_page(&state, ctx, p, messages(t, &errors)).await;
    }
    let criteria = ProposalCriteria {
        expiring_within_days: expiring,
        with_alerts: form.alerts.is_some(),
        with_complaints: form.complaints.is_some(),
        never_inspected: form.never.is_some(),
        sample: sample.and_then(|n| usize::try_from(n).ok()),
        // A new sample each time the office asks; the proposal shown is what it confirms.
        seed: rand::random(),
    };
    let conn = state.db().conn();
    let day = today();
    let candidates = plans::candidates(conn, p.id, &p.province_code, day).await?;
    let proposed = supervision::propose(&candidates, &criteria, day);
    let mut rows = Vec::with_capacity(proposed.len());
    for x in proposed {
        let Some(producer) = store::producers::get(conn, x.producer_id).await? else { continue };
        let mut products = Vec::new();
        for id in &x.products {
            if let Some(prod) = store::products::get(conn, *id).await? {
                products.push((prod.id, prod.name));
            }
        }
        let codes: Vec<&str> = x.reasons.iter().map(|r| r.as_str()).collect();
        rows.push(ProposedRow {
            pick: format!(
                "{}:{}:{}",
                x.producer_id,
                x.products.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
                codes.join(",")
            ),
            reasons: reasons_label(t, &codes.join(",")),
            producer_id: producer.id,
            producer_name: producer.name,
            commune_name: producer.commune_name,
            products,
        });
    }
    Ok(render(&ProposalPage { ctx, p, rows }))
}

/// One producer to add: confirmed from the proposal (`pick`), or typed by hand.
struct Pick {
    producer: i64,
    products: Vec<i64>,
    reasons: String,
}

fn parse_pick(raw: &str) -> Option<Pick> {
    let mut parts = raw.split(':');
    let producer = parts.next()?.trim().parse().ok()?;
    let products = parts.next()?.split(',').map(|s| s.trim().parse().ok()).collect::<Option<Vec<i64>>>()?;
    let known = [Reason::Expiring, Reason::Alerts, Reason::Complaints, Reason::NeverInspected, Reason::Sample];
    let reasons: Vec<&str> = parts.next().unwrap_or_default().split(',').filter(|r| !r.is_empty()).collect();
    if !reasons.iter().all(|r| known.iter().any(|k| k.as_str() == *r)) || parts.next().is_some() {
        return None;
    }
    Some(Pick { producer, products, reasons: if reasons.is_empty() { "hand".into() } else { reasons.join(",") } })
}

/// Adds the producers the office confirmed from a proposal, or one it names by hand (its id and
/// product codes). All or nothing.
pub async fn add_visits(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let p = managed(&state, &caller, id).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let conn = state.db().conn();
    let field =
        |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let mut picks = Vec::new();
    for (_, raw) in fields.iter().filter(|(k, _)| k == "pick") {
        match parse_pick(raw) {
            Some(pick) => picks.push(pick),
            None => return Err(AppError::BadRequest(Invalid::new("invalid-proposal-pick"))),
        }
    }
    if picks.is_empty() {
        let mut errors = FieldErrors::new();
        let producer = errors.check(
            "producer",
            field("producer")
                .parse::<i64>()
                .map_err(|_| Invalid::new("invalid-inspection-producer").with("id", field("producer"))),
        );
        let mut products = Vec::new();
        for code in field("product_codes").split([',', ' ', '\n']).map(str::trim).filter(|c| !c.is_empty()) {
            match store::products::find_by_code(conn, code).await? {
                Some(x) => products.push(x.id),
                None => errors.add("products", Invalid::new("invalid-inspection-product").with("id", code)),
            }
        }
        match producer {
            Some(producer) if errors.is_empty() => picks.push(Pick { producer, products, reasons: "hand".into() }),
            _ => return plan_page(&state, ctx, p, messages(t, &errors)).await,
        }
    }
    let tx = state.db().write().await?;
    for pick in &picks {
        match inspections::add(&tx, &me.who(), &p, pick.producer, &pick.products, &pick.reasons, false).await {
            Ok(_) => {}
            Err(StoreError::Invalid(errors)) => {
                drop(tx);
                return plan_page(&state, ctx, p, messages(t, &errors)).await;
            }
            Err(StoreError::Refused(why)) => {
                drop(tx);
                return plan_page(&state, ctx, p, vec![t.invalid(&why)]).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    tx.commit().await?;
    let done = t.arg("plan-visits-added", "count", &picks.len().to_string());
    Ok(redirect_with_flash(&state, &done, &format!("/inspections/plans/{id}")))
}

/// Sets the inspectors of one visit.
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (i, _) = inspection_for(&state, &caller, id, Action::ManageSupervision).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let mut users = Vec::new();
    for (_, v) in fields.iter().filter(|(k, _)| k == "inspectors") {
        users.push(v.trim().parse::<i64>().map_err(|_| AppError::BadRequest(Invalid::new("invalid-inspector")))?);
    }
    let tx = state.db().write().await?;
    match inspections::assign(&tx, &me.who(), &i, &users).await {
        Ok(_) => tx.commit().await?,
        Err(StoreError::Invalid(errors)) => {
            drop(tx);
            let p = managed(&state, &caller, i.plan_id).await?;
            return plan_page(&state, ctx, p, messages(t, &errors)).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(redirect_with_flash(&state, &t.get("flash-saved"), &format!("/inspections/plans/{}#visit-{id}", i.plan_id)))
}

pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (i, _) = inspection_for(&state, &caller, id, Action::ManageSupervision).await?;
    let me = caller.signed_in()?.clone();
    let tx = state.db().write().await?;
    inspections::remove(&tx, &me.who(), &i).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.get("plan-visit-removed"), &format!("/inspections/plans/{}", i.plan_id)))
}

/// The plan with its coverage as a workbook: the visits, and coverage per commune and per
/// pre-2025 district.
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let p = managed(&state, &caller, id).await?;
    let conn = state.db().conn();
    let t = ctx.t;
    let mut visits = Vec::new();
    for i in inspections::of_plan(conn, p.id).await? {
        let inspectors = inspections::inspectors(conn, i.id).await?;
        let products = inspections::products(conn, i.id).await?;
        visits.push(vec![
            Value::Int(i.id),
            i.producer_name.clone().into(),
            i.commune_name.clone().into(),
            products.iter().map(|x| format!("{} ({})", x.name, x.code)).collect::<Vec<_>>().join("; ").into(),
            inspectors.iter().map(|u| u.display_name.clone()).collect::<Vec<_>>().join("; ").into(),
            t.get(&format!("inspection-state-{}", i.state)).into(),
            i.visited_on.map(crate::fmt::date).unwrap_or_default().into(),
            Value::Int(i.findings),
            reasons_label(t, &i.reasons).into(),
        ]);
    }
    let coverage_rows = |rows: Vec<Coverage>| -> Vec<Vec<Value>> {
        rows.into_iter()
            .map(|c| {
                vec![
                    c.name.into(),
                    Value::Int(c.producers_done),
                    Value::Int(c.producers),
                    Value::Int(c.products_done),
                    Value::Int(c.products),
                ]
            })
            .collect()
    };
    let cover_header = |place: &str| {
        header(t, &[place, "plan-producers-done", "plan-producers", "plan-products-done", "plan-products"])
    };
    let whole = vec![
        p.name.clone().into(),
        Value::Int(p.producers_done),
        Value::Int(p.producers),
        Value::Int(p.products_done),
        Value::Int(p.products),
    ];
    let sheets = vec![
        Sheet { name: t.get("plan-coverage-title"), header: cover_header("plan"), rows: vec![whole] },
        Sheet {
            name: t.get("inspections-title"),
            header: header(
                t,
                &[
                    "#",
                    "products-col-producer",
                    "producers-field-commune",
                    "inspection-products",
                    "inspection-inspectors",
                    "inspection-state",
                    "inspection-visited-on",
                    "findings-title",
                    "plan-reasons",
                ],
            ),
            rows: visits,
        },
        Sheet {
            name: t.get("plan-by-commune"),
            header: cover_header("producers-field-commune"),
            rows: coverage_rows(plans::coverage(conn, p.id, CoverageBy::Commune).await?),
        },
        Sheet {
            name: t.get("plan-by-district"),
            header: cover_header("producers-field-old_district"),
            rows: coverage_rows(plans::coverage(conn, p.id, CoverageBy::OldDistrict).await?),
        },
    ];
    xlsx(&format!("ke-hoach-kiem-tra-{}.xlsx", p.id), &sheets)
}
