//! Sản phẩm: list with search and filters (the public sees certified products only), detail with
//! certificates, create, edit, delete and restore.

use super::producers::conflicts;
use super::{VersionForm, legal_type_choices, legal_type_label, producer_target, product_target, rank_label};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::limits::{Limited, Searches};
use crate::page::{Choice, PageCtx, Pager, field_error, render, render_status};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::Action;
use domain::certificate::CertificateStatus;
use domain::criteria::CriteriaSet;
use domain::place::{CommuneCode, DistrictCode};
use domain::producer::LegalType;
use domain::registry::ProductInput;
use domain::{FieldErrors, Invalid};
use serde::Deserialize;
use store::products::{self, CodeChoice, Product, ProductFilter, ProductSort, StarsFilter};
use store::{Page, StoreError, certificates, units};

pub fn today() -> time::Date {
    domain::vietnam_today()
}

fn sheets() -> AppResult<&'static CriteriaSet> {
    store::criteria::current().map_err(AppError::internal)
}

pub(crate) fn status_label(t: crate::i18n::Tr, status: Option<CertificateStatus>) -> String {
    status.map_or_else(|| t.get("status-none"), |s| t.get(&format!("status-{}", s.as_str())))
}

/// The filters of the list, as the query string carries them.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub stars: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub sheet: String,
    #[serde(default)]
    pub province: String,
    #[serde(default)]
    pub commune: String,
    #[serde(default)]
    pub old_district: String,
    #[serde(default)]
    pub legal_type: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub producer: Option<i64>,
    #[serde(default)]
    pub deleted: Option<String>,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: Option<u32>,
    #[serde(default)]
    pub per_page: Option<u32>,
}

impl ListQuery {
    /// The store filter; unknown values are ignored rather than refused, as links get edited.
    pub fn filter(&self, set: &CriteriaSet, may_see_deleted: bool) -> ProductFilter {
        let mut sheets: Vec<String> = Vec::new();
        if let Ok(s) = set.parse_sheet(&self.sheet) {
            sheets.push(s.code.clone());
        } else if let Some(g) = set.groups.iter().find(|g| g.code == self.group) {
            sheets.extend(g.sheets.iter().map(|s| s.code.clone()));
        }
        ProductFilter {
            q: Some(self.q.clone()),
            stars: StarsFilter::parse(&self.stars),
            sheets,
            province: domain::place::ProvinceCode::parse(&self.province).ok(),
            commune: CommuneCode::parse(&self.commune).ok(),
            old_district: DistrictCode::parse(&self.old_district).ok(),
            legal_type: LegalType::parse(&self.legal_type).ok(),
            status: CertificateStatus::parse(&self.status).ok(),
            producer_id: self.producer,
            channel: None,
            deleted: may_see_deleted && self.deleted.is_some(),
            sort: ProductSort::parse(&self.sort),
        }
    }
}

struct Row {
    id: i64,
    code: String,
    name: String,
    producer: String,
    sheet: String,
    rank: String,
    status: String,
    status_class: &'static str,
    place: String,
    demo: bool,
}

#[derive(Template)]
#[template(path = "registry/products.html")]
struct ListPage {
    ctx: PageCtx,
    q: ListQuery,
    stars: Vec<Choice>,
    groups: Vec<Choice>,
    statuses: Vec<Choice>,
    legal_types: Vec<Choice>,
    communes: Vec<Choice>,
    old_districts: Vec<Choice>,
    sorts: Vec<Choice>,
    rows: Vec<Row>,
    count: String,
    pager: Pager,
    may_see_deleted: bool,
}

pub async fn list(
    State(state): State<AppState>,
    _: Limited<Searches>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    // Signed-in staff see their scope's records; everyone else goes to the public catalogue.
    let Ok(listing) = caller.listing(Action::ReadRecords) else {
        let query = ctx.here.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
        return Ok(axum::response::Redirect::to(&format!("/catalogue{query}")).into_response());
    };
    let set = sheets()?;
    let may_see_deleted = caller.may_list(Action::ManageRegistry);
    let filter = q.filter(set, may_see_deleted);
    let today = today();
    let conn = state.db().conn();
    let found = products::search(conn, &listing, &filter, today, false, Page::new(q.page.unwrap_or(1), 50)).await?;
    let t = ctx.t;
    let province = caller.user().and_then(|u| u.scope.province()).map_or_else(|| "01".to_owned(), |p| p.to_string());
    let communes = units::communes(conn, &province).await?;
    let districts = units::old_districts(conn, &province).await?;
    let rows = found
        .items
        .iter()
        .map(|p| {
            let status = p.certificate_status(today);
            Row {
                id: p.id,
                code: p.code.clone(),
                name: p.name.clone(),
                producer: p.producer_name.clone(),
                sheet: p.sheet_code.clone(),
                rank: rank_label(t, p.stars, p.potential_five),
                status: status_label(t, status),
                status_class: crate::page::status_class(status),
                place: match &p.old_district_name {
                    Some(old) => format!("{} ({old})", p.commune_name),
                    None => p.commune_name.clone(),
                },
                demo: p.demo,
            }
        })
        .collect();
    let pager = Pager::new(&ctx, found.page, found.total);
    let page = ListPage {
        stars: Choice::list(
            [
                ("3", "3★".to_owned()),
                ("4", "4★".to_owned()),
                ("5p", t.get("rank-potential-five")),
                ("5", "5★".to_owned()),
                ("none", t.get("rank-none")),
            ],
            &q.stars,
        ),
        groups: Choice::list(
            set.groups.iter().map(|g| (g.code.as_str(), format!("{} · {}", g.code, g.name_vi))),
            &q.group,
        ),
        statuses: Choice::list(
            CertificateStatus::ALL.iter().map(|s| (s.as_str(), t.get(&format!("status-{}", s.as_str())))),
            &q.status,
        ),
        legal_types: legal_type_choices(t, &q.legal_type),
        communes: Choice::list(communes.iter().map(|c| (c.code.as_str(), c.name.clone())), &q.commune),
        old_districts: crate::pages::units::old_district_choices(t, &province, &districts, &q.old_district),
        sorts: Choice::list(
            [
                ("name", t.get("sort-name")),
                ("code", t.get("sort-code")),
                ("stars", t.get("sort-stars")),
                ("newest", t.get("sort-newest")),
            ],
            &q.sort,
        ),
        count: t.arg("products-count", "total", &crate::fmt::thousands(found.total)),
        rows,
        pager,
        may_see_deleted,
        q,
        ctx,
    };
    Ok(render(&page))
}

// ------------------------------------------------------------------ detail

struct CertRow {
    number: String,
    rank: String,
    decision: String,
    issuer: String,
    on_file: bool,
    issued: String,
    expires: String,
    status: String,
    status_class: &'static str,
    criteria_version: String,
    revocation: String,
}

#[derive(Template)]
#[template(path = "registry/product.html")]
struct DetailPage {
    ctx: PageCtx,
    p: Product,
    public: bool,
    sheet: String,
    group: String,
    rank: String,
    status: String,
    status_class: &'static str,
    expires: String,
    /// A late re-rating's extension, in words.
    extended: String,
    /// The codes it had before it took its evaluation year's, comma-separated.
    earlier_codes: String,
    /// What deleting asks.
    delete_question: String,
    price: String,
    legal_type: String,
    certificates: Vec<CertRow>,
    photos: Vec<store::photos::PhotoInfo>,
    photo_errors: Vec<String>,
    max_photos: i64,
    status_code: StatusCode,
    may_edit: bool,
    may_manage: bool,
}

/// The product if the caller may read it: staff in scope, or anyone when its certificate is in
/// force (the public view).
pub(super) async fn readable(state: &AppState, caller: &Caller, id: i64) -> AppResult<(Product, bool)> {
    let p = products::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    let target = product_target(&p);
    if caller.may(Action::ReadRecords, &target) {
        if p.deleted_at.is_some() && !caller.may(Action::ManageRegistry, &target) {
            return Err(AppError::NotFound);
        }
        return Ok((p, false));
    }
    let in_force = p.certificate_status(today()).is_some_and(CertificateStatus::in_force);
    if in_force && p.deleted_at.is_none() {
        return Ok((p, true));
    }
    // Logs the refusal and answers 401, 403 or 404 as the caller's scope decides.
    caller.require(Action::ReadRecords, &target)?;
    Err(AppError::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    detail(&state, &caller, ctx, id, Vec::new()).await
}

/// The product page, with the problems of a photo upload if there were any.
pub(super) async fn detail(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    id: i64,
    photo_errors: Vec<String>,
) -> AppResult<Response> {
    let (p, public) = readable(state, caller, id).await?;
    let t = ctx.t;
    let set = sheets()?;
    let today = today();
    let status = p.certificate_status(today);
    let certs = if public { Vec::new() } else { certificates::for_product(state.db().conn(), p.id).await? };
    let photos = store::photos::of_product(state.db().conn(), p.id).await?;
    let target = product_target(&p);
    let earlier_codes = products::earlier_codes(state.db().conn(), p.id).await?.join(", ");
    let page = DetailPage {
        earlier_codes,
        delete_question: delete_question(t, &p),
        sheet: set.sheet(&p.sheet_code).map_or_else(|| p.sheet_code.clone(), |s| format!("{} · {}", s.code, s.name_vi)),
        group: set.group_of(&p.sheet_code).map(|g| format!("{} · {}", g.code, g.name_vi)).unwrap_or_default(),
        rank: rank_label(t, p.stars, p.potential_five),
        status: status_label(t, status),
        status_class: crate::page::status_class(status),
        expires: p.certificate_expires_on.map(crate::fmt::date).unwrap_or_default(),
        extended: status
            .map(|s| crate::pages::evaluation::extension_text(t, s, p.certificate_extended_until))
            .unwrap_or_default(),
        price: p.price_vnd.and_then(|v| domain::money::Vnd::new(v).ok()).map(|v| v.to_string()).unwrap_or_default(),
        legal_type: legal_type_label(t, &p.producer_legal_type),
        certificates: certs
            .iter()
            .map(|c| {
                let s = Some(c.status(today));
                CertRow {
                    number: c.number.clone(),
                    rank: rank_label(t, Some(c.stars), c.potential_five()),
                    decision: match (crate::pages::evaluation::evidence_text(t, &c.evidence), c.decision_date) {
                        (Some(on_file), _) => on_file,
                        (None, Some(d)) => format!("{} ({})", c.decision_number, crate::fmt::date(d)),
                        (None, None) => c.decision_number.clone(),
                    },
                    issuer: c.issuer(&p.province_name),
                    on_file: c.decision_on_file(),
                    issued: crate::fmt::date(c.issued_on),
                    expires: crate::fmt::date(c.expires_on),
                    status: status_label(t, s),
                    status_class: crate::page::status_class(s),
                    criteria_version: c.criteria_version.clone(),
                    revocation: c.revocation_ground.clone().unwrap_or_default(),
                }
            })
            .collect(),
        may_edit: !public && p.deleted_at.is_none() && caller.may(Action::EditRegistry, &target),
        may_manage: !public && caller.may(Action::ManageRegistry, &target),
        status_code: if photo_errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY },
        photos,
        photo_errors,
        max_photos: store::photos::MAX_PER_PRODUCT,
        public,
        p,
        ctx,
    };
    Ok(render_status(page.status_code, &page))
}

// ------------------------------------------------------------------ form

#[derive(Template)]
#[template(path = "registry/product_form.html")]
struct FormPage {
    ctx: PageCtx,
    id: Option<i64>,
    producer_id: i64,
    producer_name: String,
    code: Option<String>,
    version: Option<i64>,
    title: String,
    f: ProductInput,
    errors: FieldErrors,
    notice: Option<String>,
    conflicts: Vec<(String, String, String)>,
    sheet_groups: Vec<(String, Vec<Choice>)>,
}

impl FormPage {
    fn new(
        ctx: PageCtx,
        producer: (i64, String),
        product: Option<(&Product, i64)>,
        f: ProductInput,
    ) -> AppResult<Self> {
        let set = sheets()?;
        let selected = set.parse_sheet(&f.sheet).map(|s| s.code.clone()).unwrap_or_default();
        let sheet_groups = set
            .groups
            .iter()
            .map(|g| {
                let choices = Choice::list(
                    g.sheets.iter().map(|s| (s.code.as_str(), format!("{} · {}", s.code, s.name_vi))),
                    &selected,
                );
                (format!("{} · {}", g.code, g.name_vi), choices)
            })
            .collect();
        Ok(Self {
            title: match product {
                Some((p, _)) => ctx.t.arg("products-edit-title", "name", &p.name),
                None => ctx.t.get("products-new"),
            },
            id: product.map(|(p, _)| p.id),
            code: product.map(|(p, _)| p.code.clone()),
            version: product.map(|(_, v)| v),
            producer_id: producer.0,
            producer_name: producer.1,
            f,
            errors: FieldErrors::new(),
            notice: None,
            conflicts: Vec::new(),
            sheet_groups,
            ctx,
        })
    }

    fn error(&self, field: &str) -> Option<String> {
        field_error(self.ctx.t, &self.errors, field)
    }

    fn action(&self) -> String {
        self.id.map_or_else(|| format!("/products?producer={}", self.producer_id), |id| format!("/products/{id}"))
    }
}

#[derive(Deserialize)]
pub struct NewQuery {
    producer: i64,
}

async fn producer_for_edit(state: &AppState, caller: &Caller, id: i64) -> AppResult<store::producers::Producer> {
    // A form for new products: refused as a whole to those who add none anywhere.
    caller.listing(Action::EditRegistry)?;
    let p = store::producers::get(state.db().conn(), id)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    caller.require(Action::EditRegistry, &producer_target(&p))?;
    Ok(p)
}

pub async fn new_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let producer = producer_for_edit(&state, &caller, q.producer).await?;
    Ok(render(&FormPage::new(ctx, (producer.id, producer.name), None, ProductInput::default())?))
}

#[derive(Deserialize, Default)]
pub struct PostedForm {
    #[serde(flatten)]
    input: ProductInput,
    #[serde(default)]
    version: Option<i64>,
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<NewQuery>,
    Form(form): Form<PostedForm>,
) -> AppResult<Response> {
    let producer = producer_for_edit(&state, &caller, q.producer).await?;
    let me = caller.signed_in()?.clone();
    let set = sheets()?;
    let invalid = |ctx, errors| -> AppResult<Response> {
        let page =
            FormPage { errors, ..FormPage::new(ctx, (producer.id, producer.name.clone()), None, form.input.clone())? };
        Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
    };
    let draft = match form.input.parse(producer.id, set) {
        Ok(d) => d,
        Err(errors) => return invalid(ctx, errors),
    };
    let year = u16::try_from(today().year()).unwrap_or(2026);
    let tx = state.db().write().await?;
    let created = match products::create(&tx, &me.who(), &draft, CodeChoice::Next { year }, &set.version, false).await {
        Ok(p) => p,
        Err(StoreError::Invalid(errors)) => return invalid(ctx, errors),
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    let message = ctx.t.arg("products-created", "code", &created.code);
    Ok(redirect_with_flash(&state, &message, &format!("/products/{}", created.id)))
}

pub async fn edit_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (p, _) = readable(&state, &caller, id).await?;
    caller.require(Action::EditRegistry, &product_target(&p))?;
    if p.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    let page = FormPage::new(ctx, (p.producer_id, p.producer_name.clone()), Some((&p, p.version)), p.input())?;
    Ok(render(&page))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<PostedForm>,
) -> AppResult<Response> {
    let (before, _) = readable(&state, &caller, id).await?;
    caller.require(Action::EditRegistry, &product_target(&before))?;
    let me = caller.signed_in()?.clone();
    let version = form.version.ok_or_else(|| AppError::BadRequest(Invalid::new("invalid-required")))?;
    let set = sheets()?;
    let producer = (before.producer_id, before.producer_name.clone());
    let draft = match form.input.parse(before.producer_id, set) {
        Ok(d) => d,
        Err(errors) => {
            let page =
                FormPage { errors, ..FormPage::new(ctx, producer, Some((&before, version)), form.input.clone())? };
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let tx = state.db().write().await?;
    match products::update(&tx, &me.who(), id, version, &draft).await {
        Ok(_) => tx.commit().await?,
        Err(StoreError::Stale) => {
            drop(tx);
            let latest = products::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
            let stored = latest.input();
            let page = FormPage {
                notice: Some(ctx.t.get("registry-stale")),
                conflicts: conflicts(ctx.t, "products-field", &form.input, &stored),
                ..FormPage::new(ctx, producer, Some((&latest, latest.version)), stored)?
            };
            return Ok(render_status(StatusCode::CONFLICT, &page));
        }
        Err(StoreError::Invalid(errors)) => {
            let page =
                FormPage { errors, ..FormPage::new(ctx, producer, Some((&before, version)), form.input.clone())? };
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(redirect_with_flash(&state, &ctx.t.get("flash-saved"), &format!("/products/{id}")))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<VersionForm>,
) -> AppResult<Response> {
    let (p, _) = readable(&state, &caller, id).await?;
    caller.require(Action::ManageRegistry, &product_target(&p))?;
    if !crate::confirm::given(&form.confirmed) {
        let t = ctx.t;
        let c = crate::confirm::Confirmation {
            question: delete_question(t, &p),
            consequences: vec![t.get("products-delete-hides"), t.get("confirm-restorable")],
            action: format!("/products/{id}/delete"),
            fields: vec![("version".into(), form.version.to_string())],
            button: t.get("products-delete"),
            back: format!("/products/{id}"),
        };
        return Ok(crate::confirm::ask(ctx, c));
    }
    let me = caller.signed_in()?.clone();
    let tx = state.db().write().await?;
    products::soft_delete(&tx, &me.who(), id, form.version).await?;
    tx.commit().await?;
    let message = ctx.t.arg("products-deleted", "name", &p.name);
    Ok(redirect_with_flash(&state, &message, &format!("/producers/{}", p.producer_id)))
}

/// "Xóa sản phẩm «…» (01-00577-012-2026)?"
fn delete_question(t: crate::i18n::Tr, p: &Product) -> String {
    t.args("products-delete-question", &[("name", &p.name), ("code", &p.code)])
}

pub async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (p, _) = readable(&state, &caller, id).await?;
    caller.require(Action::ManageRegistry, &product_target(&p))?;
    let me = caller.signed_in()?.clone();
    let tx = state.db().write().await?;
    products::restore(&tx, &me.who(), id).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.get("flash-restored"), &format!("/products/{id}")))
}
