//! `/api/v1/producers` and `/api/v1/products`: search, read, create and change the registry.
//! Staff see their scope; the public sees certified products (and their producers) only, with
//! public fields.

use crate::AppState;
use crate::api::ApiError;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::limits::{Limited, Searches};
use crate::pages::registry::producers::draft_target;
use crate::pages::registry::products::{ListQuery as ProductQuery, today};
use crate::pages::registry::{producer_target, product_target};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::access::{Action, Listing};
use domain::certificate::CertificateStatus;
use domain::place::{CommuneCode, DistrictCode, ProvinceCode};
use domain::producer::LegalType;
use domain::registry::{ProducerInput, ProductInput};
use domain::{FieldErrors, Invalid};
use serde::{Deserialize, Serialize};
use store::producers::{self, Producer, ProducerFilter, ProducerSort};
use store::products::{self, CodeChoice, Product};
use store::{Page, Paged};
use utoipa::{IntoParams, ToSchema};

/// A JSON body read after the caller's access has been decided (so that someone who may not
/// write is told so, not that their body is malformed); syntax errors answer 400 with the parser's detail.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> AppResult<T> {
    serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(Invalid::new("invalid-json").with("detail", e.to_string())))
}

/// A page of results.
#[derive(Serialize, ToSchema)]
pub struct ItemsOf<T: ToSchema> {
    pub items: Vec<T>,
    pub total: i64,
}

impl<T: ToSchema> ItemsOf<T> {
    pub(super) fn of<U>(page: Paged<U>, f: impl FnMut(U) -> T) -> Self {
        ItemsOf { items: page.items.into_iter().map(f).collect(), total: page.total }
    }
}

/// What anyone may know of a certified product.
#[derive(Serialize, ToSchema)]
pub struct PublicProduct {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub sheet_code: String,
    pub stars: Option<i64>,
    pub potential_five: bool,
    /// `valid`, `expiring`, `extended`, `expired`, `revoked`.
    pub certificate_status: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub certificate_expires_on: Option<time::Date>,
    pub gtin: Option<String>,
    pub producer_name: String,
    pub province_name: String,
    pub commune_name: String,
    pub old_district_name: Option<String>,
    pub price_vnd: Option<i64>,
    pub packaging: String,
    pub capacity: String,
    pub description: String,
}

/// A product as staff see it.
#[derive(Serialize, ToSchema)]
pub struct StaffProduct {
    #[serde(flatten)]
    pub product: Product,
    pub certificate_status: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum ProductView {
    Staff(StaffProduct),
    Public(PublicProduct),
}

fn status(p: &Product) -> Option<String> {
    p.certificate_status(today()).map(|s| s.as_str().to_owned())
}

fn public_product(p: Product) -> ProductView {
    ProductView::Public(PublicProduct {
        certificate_status: status(&p),
        id: p.id,
        code: p.code,
        name: p.name,
        sheet_code: p.sheet_code,
        stars: p.stars,
        potential_five: p.potential_five,
        certificate_expires_on: p.certificate_expires_on,
        gtin: p.gtin,
        producer_name: p.producer_name,
        province_name: p.province_name,
        commune_name: p.commune_name,
        old_district_name: p.old_district_name,
        price_vnd: p.price_vnd,
        packaging: p.packaging,
        capacity: p.capacity,
        description: p.description,
    })
}

fn staff_product(p: Product) -> ProductView {
    ProductView::Staff(StaffProduct { certificate_status: status(&p), product: p })
}

/// What anyone may know of a producer with certified products.
#[derive(Serialize, ToSchema)]
pub struct PublicProducer {
    pub id: i64,
    pub name: String,
    pub legal_type: String,
    pub province_name: String,
    pub commune_name: String,
}

#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum ProducerView {
    Staff(Box<Producer>),
    Public(PublicProducer),
}

fn public_producer(p: Producer) -> ProducerView {
    ProducerView::Public(PublicProducer {
        id: p.id,
        name: p.name,
        legal_type: p.legal_type,
        province_name: p.province_name,
        commune_name: p.commune_name,
    })
}

fn page_of(page: Option<u32>, per_page: Option<u32>) -> Page {
    Page::new(page.unwrap_or(1), per_page.unwrap_or(50))
}

/// Filters of `GET /api/v1/products`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ProductParams {
    /// Words of names, codes, tax code or places; diacritics and case ignored.
    q: Option<String>,
    /// `3`, `4`, `5p` (potential 5★), `5`, `none`.
    stars: Option<String>,
    /// Product group `I` … `VI`.
    group: Option<String>,
    /// Criteria sheet `01` … `26`.
    sheet: Option<String>,
    province: Option<String>,
    commune: Option<String>,
    old_district: Option<String>,
    legal_type: Option<String>,
    /// `valid`, `expiring`, `extended`, `expired`, `revoked`.
    status: Option<String>,
    producer: Option<i64>,
    /// `name` (Vietnamese order), `code`, `stars`, `newest`.
    sort: Option<String>,
    page: Option<u32>,
    /// At most 200.
    per_page: Option<u32>,
}

/// Search products.
#[utoipa::path(get, path = "/api/v1/products", tag = "registry", params(ProductParams),
    responses((status = 200, description = "Sản phẩm tìm thấy", body = ItemsOf<ProductView>)))]
pub async fn list_products(
    State(state): State<AppState>,
    _: Limited<Searches>,
    caller: Caller,
    Query(q): Query<ProductQuery>,
) -> AppResult<Json<ItemsOf<ProductView>>> {
    let (listing, public) = match caller.listing(Action::ReadRecords) {
        Ok(listing) => (listing, false),
        Err(_) => (Listing::All, true),
    };
    let set = store::criteria::current().map_err(AppError::internal)?;
    let filter = q.filter(set, caller.may_list(Action::ManageRegistry));
    let found =
        products::search(state.db().conn(), &listing, &filter, today(), public, page_of(q.page, q.per_page)).await?;
    Ok(Json(ItemsOf::of(found, if public { public_product } else { staff_product })))
}

/// One product.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "registry",
    responses((status = 200, body = ProductView), (status = 404, body = ApiError)))]
pub async fn get_product(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> AppResult<Json<ProductView>> {
    let p = products::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    if caller.may(Action::ReadRecords, &product_target(&p)) && p.deleted_at.is_none() {
        return Ok(Json(staff_product(p)));
    }
    let in_force = p.certificate_status(today()).is_some_and(CertificateStatus::in_force);
    if in_force && p.deleted_at.is_none() { Ok(Json(public_product(p))) } else { Err(AppError::NotFound) }
}

/// What anyone may check of a certificate: its live status, who issued it as it was named then,
/// and whether its decision is on file.
#[derive(Serialize, ToSchema)]
pub struct CertificateCheck {
    pub number: String,
    pub product_code: String,
    pub product_name: String,
    pub producer_name: String,
    pub stars: i64,
    /// `province` or `central`.
    pub level: String,
    pub potential_five: bool,
    /// `valid`, `expiring`, `extended` (a late re-rating keeps it in force until the decision,
    /// at most to `extended_until`), `expired`, `revoked` or `superseded`.
    pub status: &'static str,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "crate::fmt::iso_date")]
    pub issued_on: time::Date,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "crate::fmt::iso_date")]
    pub expires_on: time::Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub extended_until: Option<String>,
    /// The authority that issued it, as it was named then.
    pub issuer: String,
    /// `province`, `former_province`, `district`, `ministry` (blank for records of before the
    /// authority was kept: the level's authority).
    pub issuer_kind: String,
    /// `decision`, `news` or `other`: what the platform holds of the recognition.
    pub evidence: String,
    pub decision_on_file: bool,
    pub decision_number: String,
}

/// A certificate by its number (percent-encode `/` as `%2F`), for anyone: what the QR's page says.
#[utoipa::path(get, path = "/api/v1/certificates/{number}", tag = "registry",
    responses((status = 200, body = CertificateCheck), (status = 404, body = ApiError)))]
pub async fn get_certificate(
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> AppResult<Json<CertificateCheck>> {
    let conn = state.db().conn();
    let c = store::certificates::find_by_number(conn, number.trim()).await?.ok_or(AppError::NotFound)?;
    let p = products::get(conn, c.product_id).await?.filter(|p| p.deleted_at.is_none()).ok_or(AppError::NotFound)?;
    Ok(Json(CertificateCheck {
        status: c.status(today()).as_str(),
        extended_until: c.extended_until.map(|d| d.to_string()),
        issuer: c.issuer(&p.province_name),
        potential_five: c.potential_five(),
        decision_on_file: c.decision_on_file(),
        number: c.number,
        product_code: p.code,
        product_name: p.name,
        producer_name: p.producer_name,
        stars: c.stars,
        level: c.level,
        issued_on: c.issued_on,
        expires_on: c.expires_on,
        issuer_kind: c.issuer_kind,
        evidence: c.evidence,
        decision_number: c.decision_number,
    }))
}

#[derive(Deserialize, Default)]
pub struct ProducerQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    legal_type: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    old_district: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    per_page: Option<u32>,
}

/// Filters of `GET /api/v1/producers`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ProducerParams {
    q: Option<String>,
    /// `cooperative`, `cooperative_group`, `enterprise`, `household`, `farm`, `association`.
    legal_type: Option<String>,
    province: Option<String>,
    commune: Option<String>,
    old_district: Option<String>,
    /// `name` or `newest`.
    sort: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// Search producers.
#[utoipa::path(get, path = "/api/v1/producers", tag = "registry", params(ProducerParams),
    responses((status = 200, description = "Chủ thể tìm thấy", body = ItemsOf<ProducerView>)))]
pub async fn list_producers(
    State(state): State<AppState>,
    _: Limited<Searches>,
    caller: Caller,
    Query(q): Query<ProducerQuery>,
) -> AppResult<Json<ItemsOf<ProducerView>>> {
    let (listing, public) = match caller.listing(Action::ReadRecords) {
        Ok(listing) => (listing, false),
        Err(_) => (Listing::All, true),
    };
    let filter = ProducerFilter {
        q: Some(q.q.clone()),
        legal_type: LegalType::parse(&q.legal_type).ok(),
        province: ProvinceCode::parse(&q.province).ok(),
        commune: CommuneCode::parse(&q.commune).ok(),
        old_district: DistrictCode::parse(&q.old_district).ok(),
        deleted: false,
        certified_on: public.then(today),
        sort: if q.sort == "newest" { ProducerSort::Newest } else { ProducerSort::Name },
    };
    let found = producers::search(state.db().conn(), &listing, &filter, page_of(q.page, q.per_page)).await?;
    Ok(Json(ItemsOf::of(found, if public { public_producer } else { |p| ProducerView::Staff(Box::new(p)) })))
}

/// One producer.
#[utoipa::path(get, path = "/api/v1/producers/{id}", tag = "registry",
    responses((status = 200, body = ProducerView), (status = 404, body = ApiError)))]
pub async fn get_producer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> AppResult<Json<ProducerView>> {
    let p =
        producers::get(state.db().conn(), id).await?.filter(|p| p.deleted_at.is_none()).ok_or(AppError::NotFound)?;
    caller.require(Action::ReadRecords, &producer_target(&p))?;
    Ok(Json(ProducerView::Staff(Box::new(p))))
}

/// A change carries the version it was read at.
#[derive(Deserialize, ToSchema)]
pub struct ProducerChange {
    pub version: i64,
    #[serde(flatten)]
    pub producer: ProducerInput,
}

/// Register a producer (province office).
#[utoipa::path(post, path = "/api/v1/producers", tag = "registry", request_body = ProducerInput,
    responses((status = 201, body = Producer), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn create_producer(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> AppResult<(StatusCode, Json<Producer>)> {
    caller.require_territory(Action::EditRegistry)?;
    let me = caller.signed_in()?.clone();
    let input: ProducerInput = parse_json(&body)?;
    let draft = input.parse().map_err(AppError::Invalid)?;
    if !caller.may(Action::EditRegistry, &draft_target(&draft, None)) {
        return Err(AppError::Invalid(FieldErrors::single("province", Invalid::new("invalid-outside-scope"))));
    }
    let tx = state.db().write().await?;
    let p = producers::create(&tx, &me.who(), &draft, false).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// Change a producer; 409 when someone else changed it since `version`.
#[utoipa::path(put, path = "/api/v1/producers/{id}", tag = "registry", request_body = ProducerChange,
    responses((status = 200, body = Producer), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn update_producer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Json<Producer>> {
    let before =
        producers::get(state.db().conn(), id).await?.filter(|p| p.deleted_at.is_none()).ok_or(AppError::NotFound)?;
    caller.require(Action::EditRegistry, &producer_target(&before))?;
    let me = caller.signed_in()?.clone();
    let change: ProducerChange = parse_json(&body)?;
    let draft = change.producer.parse().map_err(AppError::Invalid)?;
    if !caller.may_move(Action::EditRegistry, &producer_target(&before), &draft_target(&draft, Some(id))) {
        return Err(AppError::Invalid(FieldErrors::single("province", Invalid::new("invalid-outside-scope"))));
    }
    let tx = state.db().write().await?;
    let p = producers::update(&tx, &me.who(), id, change.version, &draft).await?;
    tx.commit().await?;
    Ok(Json(p))
}

/// A new product names its producer.
#[derive(Deserialize, ToSchema)]
pub struct NewProduct {
    pub producer_id: i64,
    #[serde(flatten)]
    pub product: ProductInput,
}

#[derive(Deserialize, ToSchema)]
pub struct ProductChange {
    pub version: i64,
    #[serde(flatten)]
    pub product: ProductInput,
}

/// Register a product; its code is the commune's next number in this year.
#[utoipa::path(post, path = "/api/v1/products", tag = "registry", request_body = NewProduct,
    responses((status = 201, body = Product), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn create_product(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> AppResult<(StatusCode, Json<Product>)> {
    caller.listing(Action::EditRegistry)?;
    let new: NewProduct = parse_json(&body)?;
    let producer = producers::get(state.db().conn(), new.producer_id)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    caller.require(Action::EditRegistry, &producer_target(&producer))?;
    let me = caller.signed_in()?.clone();
    let set = store::criteria::current().map_err(AppError::internal)?;
    let draft = new.product.parse(producer.id, set).map_err(AppError::Invalid)?;
    let year = u16::try_from(today().year()).unwrap_or(2026);
    let tx = state.db().write().await?;
    let p = products::create(&tx, &me.who(), &draft, CodeChoice::Next { year }, &set.version, false).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// Change a product; 409 when someone else changed it since `version`.
#[utoipa::path(put, path = "/api/v1/products/{id}", tag = "registry", request_body = ProductChange,
    responses((status = 200, body = Product), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn update_product(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Json<Product>> {
    let before =
        products::get(state.db().conn(), id).await?.filter(|p| p.deleted_at.is_none()).ok_or(AppError::NotFound)?;
    caller.require(Action::EditRegistry, &product_target(&before))?;
    let me = caller.signed_in()?.clone();
    let change: ProductChange = parse_json(&body)?;
    let set = store::criteria::current().map_err(AppError::internal)?;
    let draft = change.product.parse(before.producer_id, set).map_err(AppError::Invalid)?;
    let tx = state.db().write().await?;
    let p = products::update(&tx, &me.who(), id, change.version, &draft).await?;
    tx.commit().await?;
    Ok(Json(p))
}
