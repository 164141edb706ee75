//! Chủ thể: list with search and filters, detail, create, edit, delete and restore.

use super::{VersionForm, channel_choices, legal_type_choices, legal_type_label, producer_target, rank_label};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::page::{Choice, PageCtx, Pager, field_error, render, render_status};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::access::{Action, Place, Target};
use domain::place::{CommuneCode, DistrictCode, ProvinceCode};
use domain::producer::LegalType;
use domain::registry::ProducerInput;
use domain::{FieldErrors, Invalid};
use serde::Deserialize;
use store::producers::{self, Producer, ProducerFilter, ProducerSort};
use store::{Page, StoreError, units};

// ------------------------------------------------------------------ list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    legal_type: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    old_district: String,
    #[serde(default)]
    deleted: Option<String>,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: Option<u32>,
}

struct Row {
    id: i64,
    name: String,
    legal_type: String,
    tax_code: String,
    place: String,
    old_district: String,
    products: i64,
    demo: bool,
}

#[derive(Template)]
#[template(path = "registry/producers.html")]
struct ListPage {
    ctx: PageCtx,
    q: ListQuery,
    legal_types: Vec<Choice>,
    communes: Vec<Choice>,
    old_districts: Vec<Choice>,
    sorts: Vec<Choice>,
    rows: Vec<Row>,
    count: String,
    pager: Pager,
    may_create: bool,
    may_merge: bool,
    may_see_deleted: bool,
}

/// The province whose communes the filters offer: the caller's, else Hà Nội.
fn home_province(caller: &Caller) -> String {
    caller.user().and_then(|u| u.scope.province()).map_or_else(|| "01".to_owned(), |p| p.to_string())
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let listing = caller.listing(Action::ReadRecords)?;
    let may_see_deleted = caller.may_list(Action::ManageRegistry);
    let filter = ProducerFilter {
        q: Some(q.q.clone()),
        legal_type: LegalType::parse(&q.legal_type).ok(),
        province: None,
        commune: CommuneCode::parse(&q.commune).ok(),
        old_district: DistrictCode::parse(&q.old_district).ok(),
        deleted: may_see_deleted && q.deleted.is_some(),
        certified_on: None,
        sort: if q.sort == "newest" { ProducerSort::Newest } else { ProducerSort::Name },
    };
    let conn = state.db().conn();
    let found = producers::search(conn, &listing, &filter, Page::new(q.page.unwrap_or(1), 50)).await?;
    let t = ctx.t;
    let province = home_province(&caller);
    let communes = units::communes(conn, &province).await?;
    let districts = units::old_districts(conn, &province).await?;
    let rows = found
        .items
        .iter()
        .map(|p| Row {
            id: p.id,
            name: p.name.clone(),
            legal_type: legal_type_label(t, &p.legal_type),
            tax_code: p.tax_code.clone().unwrap_or_default(),
            place: format!("{}, {}", p.commune_name, p.province_name),
            old_district: p.old_district_name.clone().unwrap_or_default(),
            products: p.product_count,
            demo: p.demo,
        })
        .collect();
    let pager = Pager::new(&ctx, found.page, found.total);
    let page = ListPage {
        legal_types: legal_type_choices(t, &q.legal_type),
        communes: Choice::list(communes.iter().map(|c| (c.code.as_str(), c.name.clone())), &q.commune),
        old_districts: crate::pages::units::old_district_choices(t, &province, &districts, &q.old_district),
        sorts: Choice::list([("name", t.get("sort-name")), ("newest", t.get("sort-newest"))], &q.sort),
        count: t.arg("producers-count", "total", &crate::fmt::thousands(found.total)),
        rows,
        pager,
        may_create: caller.listing(Action::EditRegistry).is_ok_and(|l| l.is_territory()),
        may_merge: caller.listing(Action::ManageRegistry).is_ok_and(|l| l.is_territory()),
        may_see_deleted,
        q,
        ctx,
    };
    Ok(render(&page))
}

// ------------------------------------------------------------------ detail

struct ProductRow {
    id: i64,
    code: String,
    name: String,
    sheet: String,
    rank: String,
    deleted: bool,
}

struct ChannelRow {
    id: i64,
    kind: String,
    partner: String,
    url: Option<String>,
    since: String,
    until: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "registry/producer.html")]
struct DetailPage {
    ctx: PageCtx,
    p: Producer,
    legal_type: String,
    channels: Vec<ChannelRow>,
    channel_kinds: Vec<Choice>,
    channel_input: domain::outlets::ChannelInput,
    errors: Vec<String>,
    established: String,
    current_of_old: Vec<String>,
    products: Vec<ProductRow>,
    may_edit: bool,
    may_manage: bool,
    /// What deleting asks ("Xóa chủ thể «…» và 12 sản phẩm?").
    delete_question: String,
}

/// The producer if the caller may read it; deleted ones only for those who may restore them.
async fn readable(state: &AppState, caller: &Caller, id: i64) -> AppResult<Producer> {
    let p = producers::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ReadRecords, &producer_target(&p))?;
    if p.deleted_at.is_some() && !caller.may(Action::ManageRegistry, &producer_target(&p)) {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    // The public, and accounts of other places, see the public page of a producer with
    // certified products in force.
    if let Some(p) = producers::get(state.db().conn(), id).await?
        && !caller.may(Action::ReadRecords, &producer_target(&p))
        && let Some(page) = crate::pages::outlets::catalogue::producer_page(&state, ctx.clone(), p).await?
    {
        return Ok(page);
    }
    detail(&state, &caller, ctx, id, Vec::new(), None).await
}

/// The staff page of a producer, with refused channel fields if a channel form came back.
pub(crate) async fn detail(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    id: i64,
    errors: Vec<String>,
    channel_input: Option<domain::outlets::ChannelInput>,
) -> AppResult<Response> {
    let p = readable(state, caller, id).await?;
    let t = ctx.t;
    let conn = state.db().conn();
    let products = store::products::of_producer(conn, p.id).await?;
    let sheets = store::criteria::current().map_err(AppError::internal)?;
    let current_of_old = match &p.old_commune_code {
        Some(code) => units::lookup_old_commune(conn, code)
            .await?
            .map(|l| l.current.iter().map(|u| u.name.clone()).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let target = producer_target(&p);
    let day = super::products::today();
    let channels = store::outlets::channels::of_producer(conn, p.id)
        .await?
        .into_iter()
        .map(|c| ChannelRow {
            current: c.in_force(day),
            id: c.id,
            kind: crate::pages::outlets::channel_label(t, &c.kind),
            partner: c.partner,
            url: c.url,
            since: c.since.map(crate::fmt::date).unwrap_or_default(),
            until: c.until.map(crate::fmt::date).unwrap_or_default(),
        })
        .collect();
    let channel_input = channel_input.unwrap_or_default();
    let page = DetailPage {
        legal_type: legal_type_label(t, &p.legal_type),
        channels,
        channel_kinds: crate::pages::outlets::channel_choices(t, &channel_input.kind),
        channel_input,
        errors: errors.clone(),
        established: p.established_on.map(crate::fmt::date).unwrap_or_default(),
        current_of_old,
        products: products
            .iter()
            .map(|x| ProductRow {
                id: x.id,
                code: x.code.clone(),
                name: x.name.clone(),
                sheet: sheets
                    .sheet(&x.sheet_code)
                    .map_or_else(|| x.sheet_code.clone(), |s| format!("{} · {}", s.code, s.name_vi)),
                rank: rank_label(t, x.stars, x.potential_five),
                deleted: x.deleted_at.is_some(),
            })
            .collect(),
        may_edit: p.deleted_at.is_none() && caller.may(Action::EditRegistry, &target),
        may_manage: caller.may(Action::ManageRegistry, &target),
        delete_question: delete_question(t, &p, products.iter().filter(|x| x.deleted_at.is_none()).count()),
        p,
        ctx,
    };
    Ok(crate::page::render_form(!errors.is_empty(), &page))
}

// ------------------------------------------------------------------ form

#[derive(Template)]
#[template(path = "registry/producer_form.html")]
struct FormPage {
    ctx: PageCtx,
    id: Option<i64>,
    version: Option<i64>,
    title: String,
    f: ProducerInput,
    errors: FieldErrors,
    notice: Option<String>,
    /// Fields someone else changed meanwhile: label, stored value, the value you sent.
    conflicts: Vec<(String, String, String)>,
    legal_types: Vec<Choice>,
    provinces: Vec<Choice>,
    communes: Vec<Choice>,
    old_districts: Vec<Choice>,
    channels: Vec<Choice>,
}

impl FormPage {
    async fn new(
        state: &AppState,
        ctx: PageCtx,
        id: Option<i64>,
        version: Option<i64>,
        f: ProducerInput,
    ) -> AppResult<Self> {
        let t = ctx.t;
        let conn = state.db().conn();
        let province = ProvinceCode::parse(&f.province).map(String::from).unwrap_or_else(|_| "01".into());
        let provinces = units::provinces(conn).await?;
        let communes = units::communes(conn, &province).await?;
        let districts = units::old_districts(conn, &province).await?;
        let commune = CommuneCode::parse(&f.commune).map(String::from).unwrap_or_default();
        let district = DistrictCode::parse(&f.old_district).map(String::from).unwrap_or_default();
        Ok(Self {
            title: match id {
                Some(_) => t.arg("producers-edit-title", "name", &f.name),
                None => t.get("producers-new"),
            },
            legal_types: legal_type_choices(t, &f.legal_type),
            provinces: Choice::list(provinces.iter().map(|p| (p.code.as_str(), p.name.clone())), &province),
            communes: Choice::list(communes.iter().map(|c| (c.code.as_str(), c.name.clone())), &commune),
            old_districts: crate::pages::units::old_district_choices(t, &province, &districts, &district),
            channels: channel_choices(t, &f.sales_channels),
            ctx,
            id,
            version,
            f,
            errors: FieldErrors::new(),
            notice: None,
            conflicts: Vec::new(),
        })
    }

    fn error(&self, field: &str) -> Option<String> {
        field_error(self.ctx.t, &self.errors, field)
    }

    fn action(&self) -> String {
        self.id.map_or_else(|| "/producers".to_owned(), |id| format!("/producers/{id}"))
    }
}

/// The form as posted: the producer's fields and the version it was read at.
#[derive(Default)]
pub struct PostedForm {
    input: ProducerInput,
    version: Option<i64>,
}

/// `application/x-www-form-urlencoded` pairs, decoded, repeated keys kept.
pub fn url_pairs(body: &str) -> impl Iterator<Item = (String, String)> + '_ {
    body.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode =
            |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
        (decode(k), decode(v))
    })
}

/// Reads the form by hand because each ticked channel arrives as its own `sales_channels=` pair.
fn parse_posted(body: &str) -> Result<PostedForm, AppError> {
    let mut form = PostedForm::default();
    let mut channels = Vec::new();
    for (k, v) in url_pairs(body) {
        let f = &mut form.input;
        match k.as_str() {
            "legal_type" => f.legal_type = v,
            "name" => f.name = v,
            "tax_code" => f.tax_code = v,
            "representative" => f.representative = v,
            "phone" => f.phone = v,
            "email" => f.email = v,
            "province" => f.province = v,
            "commune" => f.commune = v,
            "street" => f.street = v,
            "old_district" => f.old_district = v,
            "old_commune" => f.old_commune = v,
            "established_on" => f.established_on = v,
            "members_count" => f.members_count = v,
            "sales_channels" => channels.push(v),
            "version" => {
                form.version = Some(v.parse().map_err(|_| AppError::BadRequest(Invalid::new("invalid-number")))?);
            }
            _ => {}
        }
    }
    form.input.sales_channels = channels.join(",");
    Ok(form)
}

pub async fn new_form(State(state): State<AppState>, caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    caller.require_territory(Action::EditRegistry)?;
    let f = ProducerInput { province: home_province(&caller), legal_type: "cooperative".into(), ..Default::default() };
    Ok(render(&FormPage::new(&state, ctx, None, None, f).await?))
}

/// Where a producer would be with this draft.
pub(crate) fn draft_target(d: &domain::registry::ProducerDraft, existing: Option<i64>) -> Target {
    Target::at(Place { province: Some(d.province.clone()), commune: Some(d.commune.clone()), producer: existing })
}

/// May the caller put a producer at this place? A new one anywhere in its territory; an existing
/// one only from and to places its territory covers (a producer cannot move itself).
fn place_allowed(caller: &Caller, d: &domain::registry::ProducerDraft, existing: Option<&Producer>) -> bool {
    match existing {
        None => caller.may(Action::EditRegistry, &draft_target(d, None)),
        Some(p) => caller.may_move(Action::EditRegistry, &producer_target(p), &draft_target(d, Some(p.id))),
    }
}

pub async fn create(State(state): State<AppState>, caller: Caller, ctx: PageCtx, body: String) -> AppResult<Response> {
    caller.require_territory(Action::EditRegistry)?;
    let me = caller.signed_in()?.clone();
    let posted = parse_posted(&body)?;
    let draft = match posted.input.parse() {
        Ok(d) if place_allowed(&caller, &d, None) => d,
        Ok(_) => {
            return invalid(
                &state,
                ctx,
                None,
                None,
                posted.input,
                FieldErrors::single("province", Invalid::new("invalid-outside-scope")),
            )
            .await;
        }
        Err(errors) => return invalid(&state, ctx, None, None, posted.input, errors).await,
    };
    let tx = state.db().write().await?;
    let created = match producers::create(&tx, &me.who(), &draft, false).await {
        Ok(p) => p,
        Err(StoreError::Invalid(errors)) => return invalid(&state, ctx, None, None, posted.input, errors).await,
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.get("flash-saved"), &format!("/producers/{}", created.id)))
}

async fn invalid(
    state: &AppState,
    ctx: PageCtx,
    id: Option<i64>,
    version: Option<i64>,
    f: ProducerInput,
    errors: FieldErrors,
) -> AppResult<Response> {
    let page = FormPage { errors, ..FormPage::new(state, ctx, id, version, f).await? };
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub async fn edit_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let p = readable(&state, &caller, id).await?;
    caller.require(Action::EditRegistry, &producer_target(&p))?;
    if p.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    Ok(render(&FormPage::new(&state, ctx, Some(id), Some(p.version), p.input()).await?))
}

/// What differs between what the caller sent and what is stored now, labelled.
pub fn conflicts<T: serde::Serialize>(
    t: crate::i18n::Tr,
    prefix: &str,
    sent: &T,
    stored: &T,
) -> Vec<(String, String, String)> {
    let (Ok(serde_json::Value::Object(sent)), Ok(serde_json::Value::Object(stored))) =
        (serde_json::to_value(sent), serde_json::to_value(stored))
    else {
        return Vec::new();
    };
    stored
        .iter()
        .filter_map(|(field, now)| {
            let mine = sent.get(field)?;
            (mine != now).then(|| {
                let text = |v: &serde_json::Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                (t.get(&format!("{prefix}-{field}")), text(now), text(mine))
            })
        })
        .collect()
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    body: String,
) -> AppResult<Response> {
    let before = readable(&state, &caller, id).await?;
    caller.require(Action::EditRegistry, &producer_target(&before))?;
    let me = caller.signed_in()?.clone();
    let mut posted = parse_posted(&body)?;
    // Channels are kept on the producer's page, with partners and dates, not in this form.
    posted.input.sales_channels = before.sales_channels.clone();
    let version = posted.version.ok_or_else(|| AppError::BadRequest(Invalid::new("invalid-required")))?;
    let draft = match posted.input.parse() {
        Ok(d) if place_allowed(&caller, &d, Some(&before)) => d,
        Ok(_) => {
            let errors = FieldErrors::single("province", Invalid::new("invalid-outside-scope"));
            return invalid(&state, ctx, Some(id), Some(version), posted.input, errors).await;
        }
        Err(errors) => return invalid(&state, ctx, Some(id), Some(version), posted.input, errors).await,
    };
    let tx = state.db().write().await?;
    match producers::update(&tx, &me.who(), id, version, &draft).await {
        Ok(_) => tx.commit().await?,
        Err(StoreError::Stale) => {
            drop(tx);
            let latest = producers::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
            let stored = latest.input();
            let page = FormPage {
                notice: Some(ctx.t.get("registry-stale")),
                conflicts: conflicts(ctx.t, "producers-field", &posted.input, &stored),
                ..FormPage::new(&state, ctx, Some(id), Some(latest.version), stored).await?
            };
            return Ok(render_status(StatusCode::CONFLICT, &page));
        }
        Err(StoreError::Invalid(errors)) => {
            return invalid(&state, ctx, Some(id), Some(version), posted.input, errors).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(redirect_with_flash(&state, &ctx.t.get("flash-saved"), &format!("/producers/{id}")))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<VersionForm>,
) -> AppResult<Response> {
    let p = readable(&state, &caller, id).await?;
    caller.require(Action::ManageRegistry, &producer_target(&p))?;
    if !crate::confirm::given(&form.confirmed) {
        let live = live_products(&state, id).await?;
        let t = ctx.t;
        let c = crate::confirm::Confirmation {
            question: delete_question(t, &p, live),
            consequences: vec![t.get("producers-delete-hides"), t.get("confirm-restorable")],
            action: format!("/producers/{id}/delete"),
            fields: vec![("version".into(), form.version.to_string())],
            button: t.get("producers-delete"),
            back: format!("/producers/{id}"),
        };
        return Ok(crate::confirm::ask(ctx, c));
    }
    let me = caller.signed_in()?.clone();
    let tx = state.db().write().await?;
    producers::soft_delete(&tx, &me.who(), id, form.version).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.arg("producers-deleted", "name", &p.name), "/producers"))
}

/// How many of a producer's products are not deleted.
async fn live_products(state: &AppState, id: i64) -> AppResult<usize> {
    let all = store::products::of_producer(state.db().conn(), id).await?;
    Ok(all.iter().filter(|x| x.deleted_at.is_none()).count())
}

/// "Xóa chủ thể «…» và 12 sản phẩm?"
fn delete_question(t: crate::i18n::Tr, p: &Producer, products: usize) -> String {
    t.args("producers-delete-question", &[("name", &p.name), ("n", &products.to_string())])
}

pub async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let p = readable(&state, &caller, id).await?;
    caller.require(Action::ManageRegistry, &producer_target(&p))?;
    let me = caller.signed_in()?.clone();
    let tx = state.db().write().await?;
    producers::restore(&tx, &me.who(), id).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.get("flash-restored"), &format!("/producers/{id}")))
}
