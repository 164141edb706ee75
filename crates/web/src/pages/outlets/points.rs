//! Showcase and sales points: the public list with its map, each point's page (what it carries,
//! how to get there), and the office's forms.

use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::page::{Choice, PageCtx, Pager, base_url, field_error, render, render_form, render_status};
use crate::pages::registry::products::today;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::FieldErrors;
use domain::access::{Action, Place, Target};
use domain::outlets::{PointKind, SalesPointInput};
use domain::place::{CommuneCode, ProvinceCode};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeSet;
use store::outlets::points::{self, PointFilter, SalesPoint};
use store::{Page, StoreError, units};

pub(crate) fn point_target(s: &SalesPoint) -> Target {
    Target::at(Place {
        province: ProvinceCode::parse(&s.province_code).ok(),
        commune: CommuneCode::parse(&s.commune_code).ok(),
        producer: None,
    })
}

fn kind_label(t: crate::i18n::Tr, kind: &str) -> String {
    t.get(&format!("point-kind-{kind}"))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    closed: Option<String>,
    #[serde(default)]
    page: Option<u32>,
}

struct Row {
    id: i64,
    name: String,
    kind: String,
    place: String,
    operator: String,
    products: i64,
    open: bool,
    geo: String,
    demo: bool,
}

#[derive(Template)]
#[template(path = "outlets/points.html")]
struct ListPage {
    ctx: PageCtx,
    q: ListQuery,
    kinds: Vec<Choice>,
    provinces: Vec<Choice>,
    communes: Vec<Choice>,
    rows: Vec<Row>,
    count: String,
    pager: Pager,
    map_json: String,
    may_create: bool,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let day = today();
    let filter = PointFilter {
        q: Some(q.q.clone()),
        province: ProvinceCode::parse(&q.province).ok(),
        commune: CommuneCode::parse(&q.commune).ok(),
        kind: PointKind::parse(&q.kind).ok(),
        open_on: q.closed.is_none().then_some(day),
        product: None,
    };
    let conn = state.db().conn();
    let found = points::search(conn, &filter, day, Page::new(q.page.unwrap_or(1), 50)).await?;
    let ids: BTreeSet<i64> = found.items.iter().map(|s| s.id).collect();
    let counts = points::carried_counts(conn, &ids, day).await?;
    let t = ctx.t;
    let rows: Vec<Row> = found
        .items
        .iter()
        .map(|s| Row {
            id: s.id,
            name: s.name.clone(),
            kind: kind_label(t, &s.kind),
            place: format!("{}, {}", s.commune_name, s.province_name),
            operator: s.operator.clone(),
            products: counts.get(&s.id).copied().unwrap_or(0),
            open: s.open_on(day),
            geo: s.geo().map(|g| g.uri()).unwrap_or_default(),
            demo: s.demo,
        })
        .collect();
    let markers: Vec<serde_json::Value> = found
        .items
        .iter()
        .filter_map(|s| {
            s.geo().map(
                |g| json!({"lat": g.lat(), "lon": g.lon(), "name": s.name, "href": format!("/sales-points/{}", s.id)}),
            )
        })
        .collect();
    let provinces = units::provinces(conn).await?;
    let communes = match &filter.province {
        Some(p) => units::communes(conn, p.as_str()).await?,
        None => Vec::new(),
    };
    let page = ListPage {
        kinds: Choice::list(PointKind::ALL.iter().map(|k| (k.as_str(), kind_label(t, k.as_str()))), &q.kind),
        provinces: Choice::list(provinces.iter().map(|p| (p.code.as_str(), p.name.clone())), &q.province),
        communes: Choice::list(communes.iter().map(|c| (c.code.as_str(), c.name.clone())), &q.commune),
        count: t.arg("points-count", "total", &crate::fmt::thousands(found.total)),
        pager: Pager::new(&ctx, found.page, found.total),
        map_json: crate::page::script_json(&json!({"markers": markers, "tiles": state.settings().map_tiles})),
        may_create: caller.may_list(Action::ManageOutlets),
        rows,
        q,
        ctx,
    };
    Ok(render(&page))
}

struct CarriedRow {
    product_id: i64,
    code: String,
    name: String,
    producer_id: i64,
    producer: String,
    rank: String,
    since: String,
    until: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "outlets/point.html")]
struct ShowPage {
    ctx: PageCtx,
    s: SalesPoint,
    kind: String,
    opened: String,
    closed: String,
    open: bool,
    geo: String,
    map_json: String,
    carried: Vec<CarriedRow>,
    may_manage: bool,
    today: String,
    errors: Vec<String>,
    url: String,
    jsonld: String,
}

async fn readable(state: &AppState, id: i64) -> AppResult<SalesPoint> {
    points::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)
}

async fn show_page(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    s: SalesPoint,
    errors: Vec<String>,
) -> AppResult<Response> {
    let t = ctx.t;
    let day = today();
    let may_manage = caller.may(Action::ManageOutlets, &point_target(&s));
    let carried = points::carried(state.db().conn(), s.id)
        .await?
        .into_iter()
        .filter(|c| may_manage || domain::outlets::in_force(Some(c.since), c.until, day))
        .map(|c| CarriedRow {
            current: domain::outlets::in_force(Some(c.since), c.until, day),
            product_id: c.product_id,
            code: c.product_code,
            name: c.product_name,
            producer_id: c.producer_id,
            producer: c.producer_name,
            rank: c.stars.map(|n| format!("{n}★")).unwrap_or_default(),
            since: crate::fmt::date(c.since),
            until: c.until.map(crate::fmt::date).unwrap_or_default(),
        })
        .collect();
    let url = format!("{}/sales-points/{}", base_url(state), s.id);
    let geo = s.geo();
    let jsonld = crate::page::script_json(&json!({
        "@context": "https://schema.org",
        "@type": "Store",
        "@id": url,
        "name": s.name,
        "url": url,
        "telephone": s.phone,
        "openingHours": s.opening_hours,
        "address": {"@type": "PostalAddress", "streetAddress": s.street, "addressLocality": s.commune_name,
                    "addressRegion": s.province_name, "addressCountry": "VN"},
        "geo": geo.map(|g| json!({"@type": "GeoCoordinates", "latitude": g.lat(), "longitude": g.lon()})),
    }));
    let markers: Vec<serde_json::Value> =
        geo.map(|g| json!({"lat": g.lat(), "lon": g.lon(), "name": s.name, "href": ""})).into_iter().collect();
    let page = ShowPage {
        kind: kind_label(t, &s.kind),
        opened: crate::fmt::date(s.opened_on),
        closed: s.closed_on.map(crate::fmt::date).unwrap_or_default(),
        open: s.open_on(day),
        geo: geo.map(|g| g.uri()).unwrap_or_default(),
        map_json: crate::page::script_json(&json!({"markers": markers, "tiles": state.settings().map_tiles})),
        carried,
        may_manage,
        today: crate::fmt::date(day),
        errors,
        url,
        jsonld,
        s,
        ctx,
    };
    Ok(render_form(!page.errors.is_empty(), &page))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = readable(&state, id).await?;
    show_page(&state, &caller, ctx, s, Vec::new()).await
}

// ------------------------------------------------------------------ the office's form

#[derive(Template)]
#[template(path = "outlets/point_form.html")]
struct FormPage {
    ctx: PageCtx,
    id: Option<i64>,
    version: Option<i64>,
    f: SalesPointInput,
    kinds: Vec<Choice>,
    communes: Vec<Choice>,
    errors: FieldErrors,
    notice: Option<String>,
}

impl FormPage {
    async fn new(
        state: &AppState,
        ctx: PageCtx,
        id: Option<i64>,
        version: Option<i64>,
        f: SalesPointInput,
    ) -> AppResult<Self> {
        let t = ctx.t;
        let communes = units::communes(state.db().conn(), &f.province).await?;
        Ok(Self {
            kinds: Choice::list(PointKind::ALL.iter().map(|k| (k.as_str(), kind_label(t, k.as_str()))), &f.kind),
            communes: Choice::list(communes.iter().map(|c| (c.code.as_str(), c.name.clone())), &f.commune),
            ctx,
            id,
            version,
            f,
            errors: FieldErrors::new(),
            notice: None,
        })
    }

    fn error(&self, field: &str) -> Option<String> {
        field_error(self.ctx.t, &self.errors, field)
    }
}

pub async fn new_form(State(state): State<AppState>, caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    let province = caller.territory_province(Action::ManageOutlets)?.to_string();
    let f = SalesPointInput {
        kind: "showcase".into(),
        province,
        opened_on: crate::fmt::date(today()),
        ..Default::default()
    };
    Ok(render(&FormPage::new(&state, ctx, None, None, f).await?))
}

#[derive(Deserialize)]
pub struct PostedPoint {
    #[serde(flatten)]
    input: SalesPointInput,
    #[serde(default)]
    version: Option<i64>,
}

async fn invalid(
    state: &AppState,
    ctx: PageCtx,
    id: Option<i64>,
    version: Option<i64>,
    f: SalesPointInput,
    errors: FieldErrors,
) -> AppResult<Response> {
    let page = FormPage { errors, ..FormPage::new(state, ctx, id, version, f).await? };
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Form(posted): Form<PostedPoint>,
) -> AppResult<Response> {
    let province = caller.territory_province(Action::ManageOutlets)?.to_string();
    let me = caller.signed_in()?.clone();
    let mut input = posted.input;
    input.province = province;
    let draft = match input.parse() {
        Ok(d) => d,
        Err(errors) => return invalid(&state, ctx, None, None, input, errors).await,
    };
    let tx = state.db().write().await?;
    let created = match points::create(&tx, &me.who(), &draft, false).await {
        Ok(s) => s,
        Err(StoreError::Invalid(errors)) => return invalid(&state, ctx, None, None, input, errors).await,
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.get("flash-saved"), &format!("/sales-points/{}", created.id)))
}

async fn managed(state: &AppState, caller: &Caller, id: i64) -> AppResult<SalesPoint> {
    let s = readable(state, id).await?;
    caller.require(Action::ManageOutlets, &point_target(&s))?;
    Ok(s)
}

pub async fn edit_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = managed(&state, &caller, id).await?;
    Ok(render(&FormPage::new(&state, ctx, Some(id), Some(s.version), s.input()).await?))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(posted): Form<PostedPoint>,
) -> AppResult<Response> {
    let before = managed(&state, &caller, id).await?;
    let me = caller.signed_in()?.clone();
    let version = posted.version.unwrap_or_default();
    // A point stays in the province of the office that runs it.
    let mut input = posted.input;
    input.province = before.province_code.clone();
    let draft = match input.parse() {
        Ok(d) => d,
        Err(errors) => return invalid(&state, ctx, Some(id), Some(version), input, errors).await,
    };
    let tx = state.db().write().await?;
    match points::update(&tx, &me.who(), id, version, &draft).await {
        Ok(_) => tx.commit().await?,
        Err(StoreError::Stale) => {
            drop(tx);
            let latest = readable(&state, id).await?;
            let page = FormPage {
                notice: Some(ctx.t.get("registry-stale")),
                ..FormPage::new(&state, ctx, Some(id), Some(latest.version), latest.input()).await?
            };
            return Ok(render_status(StatusCode::CONFLICT, &page));
        }
        Err(StoreError::Invalid(errors)) => return invalid(&state, ctx, Some(id), Some(version), input, errors).await,
        Err(e) => return Err(e.into()),
    }
    Ok(redirect_with_flash(&state, &ctx.t.get("flash-saved"), &format!("/sales-points/{id}")))
}

// ------------------------------------------------------------------ what a point carries

#[derive(Deserialize)]
pub struct CarryForm {
    #[serde(default)]
    product: String,
    #[serde(default)]
    since: String,
}

/// Starts carrying a product, named by its OCOP code (or id).
pub async fn carry(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<CarryForm>,
) -> AppResult<Response> {
    let s = managed(&state, &caller, id).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let conn = state.db().conn();
    let code = form.product.trim();
    let product = match store::products::find_by_code(conn, code).await? {
        Some(p) => Some(p),
        None => match code.parse::<i64>() {
            Ok(n) => store::products::get(conn, n).await?,
            Err(_) => None,
        },
    };
    let since = if form.since.trim().is_empty() { Ok(today()) } else { domain::registry::parse_date(&form.since) };
    let (Some(product), Ok(since)) = (product.filter(|p| p.deleted_at.is_none()), since) else {
        let errors = vec![t.invalid(&domain::Invalid::new("invalid-point-product"))];
        return show_page(&state, &caller, ctx, s, errors).await;
    };
    let tx = state.db().write().await?;
    match points::carry(&tx, &me.who(), &s, product.id, since).await {
        Ok(()) => tx.commit().await?,
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            return show_page(&state, &caller, ctx, s, crate::page::messages(t, &fields)).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(redirect_with_flash(&state, &t.get("point-carried"), &format!("/sales-points/{id}")))
}

#[derive(Deserialize)]
pub struct StopForm {
    #[serde(default)]
    until: String,
}

pub async fn stop(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path((id, product)): Path<(i64, i64)>,
    Form(form): Form<StopForm>,
) -> AppResult<Response> {
    let s = managed(&state, &caller, id).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let until = if form.until.trim().is_empty() { Ok(today()) } else { domain::registry::parse_date(&form.until) };
    let until = match until {
        Ok(u) => u,
        Err(why) => return show_page(&state, &caller, ctx, s, vec![t.invalid(&why)]).await,
    };
    let tx = state.db().write().await?;
    match points::stop_carrying(&tx, &me.who(), &s, product, until).await {
        Ok(()) => tx.commit().await?,
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            return show_page(&state, &caller, ctx, s, crate::page::messages(t, &fields)).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(redirect_with_flash(&state, &t.get("point-stopped"), &format!("/sales-points/{id}")))
}
