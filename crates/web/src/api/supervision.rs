//! `/api/v1` of supervision and capacity building: inspection visits and their records, training
//! classes, support records. Read by whoever may read the records (an inspector its assigned
//! visits, a producer its own); written by the office, and records by assigned inspectors.

use crate::AppState;
use crate::api::outlets::Items;
use crate::api::{ApiError, parse_json};
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::pages::registry::products::today;
use crate::pages::supervision::inspection_for;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::access::Action;
use domain::supervision::{FindingInput, RecordInput, SupportInput, TrainingInput};
use serde::{Deserialize, Serialize};
use store::Page;
use store::supervision::findings::{self, Finding};
use store::supervision::inspections::{self, InspectedProduct, Inspection, InspectionFilter, Inspector};
use store::supervision::support::{self, SupportFilter, SupportRecord};
use store::supervision::trainings::{self, TrainingClass, TrainingFilter};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct InspectionParams {
    /// An inspection plan's id.
    #[serde(default)]
    plan: Option<i64>,
    /// `planned`, `started`, `done`, or `todo` (planned and started).
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    per_page: Option<u32>,
}

/// The visits the caller may read: an inspector's assignments, the office's province, a
/// commune's producers, a producer's own.
#[utoipa::path(get, path = "/api/v1/inspections", tag = "supervision", params(InspectionParams),
    responses((status = 200, body = Items<Inspection>), (status = 401, body = ApiError)))]
pub async fn list_inspections(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<InspectionParams>,
) -> AppResult<Json<Items<Inspection>>> {
    let listing = caller.listing(Action::ReadRecords)?;
    let filter = InspectionFilter { plan: q.plan, state: q.state, producer: None };
    let page = Page::new(q.page.unwrap_or(1), q.per_page.unwrap_or(50));
    let found = inspections::search(state.db().conn(), &listing, &filter, page).await?;
    Ok(Json(Items { items: found.items, total: found.total }))
}

/// One visit with its record, products, inspectors and findings.
#[derive(Serialize, ToSchema)]
pub struct InspectionDetail {
    pub inspection: Inspection,
    pub products: Vec<InspectedProduct>,
    pub inspectors: Vec<Inspector>,
    pub findings: Vec<Finding>,
}

#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "supervision",
    responses((status = 200, body = InspectionDetail), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_inspection(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> AppResult<Json<InspectionDetail>> {
    let (i, _) = inspection_for(&state, &caller, id, Action::ReadRecords).await?;
    let conn = state.db().conn();
    Ok(Json(InspectionDetail {
        products: inspections::products(conn, i.id).await?,
        inspectors: inspections::inspectors(conn, i.id).await?,
        findings: findings::of_inspection(conn, i.id).await?,
        inspection: i,
    }))
}

/// The record as a device has it, with the device's revision (a later save wins; an older one
/// arriving late changes nothing).
#[derive(Deserialize, ToSchema)]
pub struct RecordSave {
    #[serde(flatten)]
    pub record: RecordInput,
    pub revision: i64,
}

#[utoipa::path(put, path = "/api/v1/inspections/{id}", tag = "supervision", request_body = RecordSave,
    responses((status = 200, body = Inspection), (status = 404, body = ApiError), (status = 409, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn save_inspection(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Json<Inspection>> {
    inspection_for(&state, &caller, id, Action::RecordInspection).await?;
    let me = caller.signed_in()?.clone();
    let body: RecordSave = parse_json(&body)?;
    let draft = body.record.parse(today()).map_err(AppError::Invalid)?;
    let tx = state.db().write().await?;
    let saved = inspections::save(&tx, &me.who(), id, &draft, body.revision).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

#[utoipa::path(post, path = "/api/v1/inspections/{id}/findings", tag = "supervision", request_body = FindingInput,
    responses((status = 201, body = Finding), (status = 404, body = ApiError), (status = 409, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn add_finding(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<(StatusCode, Json<Finding>)> {
    let (i, _) = inspection_for(&state, &caller, id, Action::RecordInspection).await?;
    let me = caller.signed_in()?.clone();
    let input: FindingInput = parse_json(&body)?;
    let draft = input.parse(today()).map_err(AppError::Invalid)?;
    let tx = state.db().write().await?;
    let f = findings::create(&tx, &me.who(), &i, &draft, false).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(f)))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct TrainingParams {
    /// Words of the name, organiser, trainers; diacritics ignored.
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    year: Option<i32>,
    /// A topic of the supervision data: `criteria`, `design`, `food_safety`, …
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    per_page: Option<u32>,
}

/// Training classes: the office's province, a commune's, those a producer sent people to.
#[utoipa::path(get, path = "/api/v1/trainings", tag = "supervision", params(TrainingParams),
    responses((status = 200, body = Items<TrainingClass>), (status = 401, body = ApiError), (status = 422, body = ApiError)))]
pub async fn list_trainings(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TrainingParams>,
) -> AppResult<Json<Items<TrainingClass>>> {
    let listing = caller.listing(Action::ReadRecords)?;
    let filter = TrainingFilter { q: q.q, year: q.year, topic: q.topic };
    let page = Page::new(q.page.unwrap_or(1), q.per_page.unwrap_or(50));
    let found = trainings::search(state.db().conn(), &listing, &filter, page).await?;
    Ok(Json(Items { items: found.items, total: found.total }))
}

#[utoipa::path(post, path = "/api/v1/trainings", tag = "supervision", request_body = TrainingInput,
    responses((status = 201, body = TrainingClass), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn create_training(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> AppResult<(StatusCode, Json<TrainingClass>)> {
    let province = caller.territory_province(Action::ManageSupervision)?;
    let me = caller.signed_in()?.clone();
    let input: TrainingInput = parse_json(&body)?;
    let draft = input.parse().map_err(AppError::Invalid)?;
    let tx = state.db().write().await?;
    let c = trainings::create(&tx, &me.who(), &province, &draft, false).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct SupportParams {
    #[serde(default)]
    year: Option<i32>,
    /// A purpose of the supervision data: `quality_test`, `labels`, `qr_system`, …
    #[serde(default)]
    purpose: Option<String>,
    #[serde(default)]
    producer: Option<i64>,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    per_page: Option<u32>,
}

/// Support records: the office's province, a commune's producers, a producer's own.
#[utoipa::path(get, path = "/api/v1/support", tag = "supervision", params(SupportParams),
    responses((status = 200, body = Items<SupportRecord>), (status = 401, body = ApiError)))]
pub async fn list_support(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<SupportParams>,
) -> AppResult<Json<Items<SupportRecord>>> {
    let listing = caller.listing(Action::ReadRecords)?;
    let filter = SupportFilter { year: q.year, purpose: q.purpose, producer: q.producer };
    let page = Page::new(q.page.unwrap_or(1), q.per_page.unwrap_or(50));
    let found = support::search(state.db().conn(), &listing, &filter, page).await?;
    Ok(Json(Items { items: found.items, total: found.total }))
}

#[utoipa::path(post, path = "/api/v1/support", tag = "supervision", request_body = SupportInput,
    responses((status = 201, body = SupportRecord), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn create_support(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> AppResult<(StatusCode, Json<SupportRecord>)> {
    caller.require_territory(Action::ManageSupervision)?;
    let me = caller.signed_in()?.clone();
    let input: SupportInput = parse_json(&body)?;
    let draft = input.parse(today()).map_err(AppError::Invalid)?;
    let producer = store::producers::get(state.db().conn(), draft.producer).await?;
    let allowed = producer.as_ref().is_some_and(|p| {
        p.deleted_at.is_none() && caller.may(Action::ManageSupervision, &crate::pages::registry::producer_target(p))
    });
    if !allowed {
        let why = domain::Invalid::new("invalid-support-producer");
        return Err(AppError::Invalid(domain::FieldErrors::single("producer", why)));
    }
    let tx = state.db().write().await?;
    let r = support::create(&tx, &me.who(), &draft, false).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(r)))
}
