//! `/api/v1` of the market outlets: the public catalogue, sales points, events, and producers'
//! sales channels (read by anyone for a producer with products in force, written by those who
//! may edit the producer).

use crate::AppState;
use crate::api::{ApiError, parse_json};
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::limits::{Limited, Searches};
use crate::pages::outlets::catalogue::{public_filter, public_products};
use crate::pages::registry::producer_target;
use crate::pages::registry::products::{ListQuery, today};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::access::{Action, Listing};
use domain::outlets::{ChannelInput, PointKind};
use domain::place::{CommuneCode, ProvinceCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use store::Page;
use store::outlets::channels::{self, Channel};
use store::outlets::events::{self, Event, EventFilter, When};
use store::outlets::points::{self, PointFilter, SalesPoint};
use utoipa::{IntoParams, ToSchema};

/// A page of results.
#[derive(Serialize, ToSchema)]
pub struct Items<T: ToSchema> {
    pub items: Vec<T>,
    pub total: i64,
}

/// A product of the catalogue.
#[derive(Serialize, ToSchema)]
pub struct CatalogueItem {
    pub code: String,
    pub name: String,
    /// 3, 4 or 5.
    pub stars: Option<i64>,
    pub potential_five: bool,
    pub sheet_code: String,
    pub producer_id: i64,
    pub producer_name: String,
    pub province_name: String,
    pub commune_name: String,
    pub old_district_name: Option<String>,
    pub price_vnd: Option<i64>,
    #[schema(value_type = Option<String>, format = Date)]
    pub certificate_expires_on: Option<time::Date>,
    /// The public page: `/p/{code}`.
    pub url: String,
    pub photo: Option<String>,
}

/// Filters of `GET /api/v1/catalogue`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct CatalogueParams {
    /// Words of names and places; diacritics and case ignored.
    q: Option<String>,
    /// `3`, `4`, `5p`, `5`.
    stars: Option<String>,
    /// Criteria sheet `01` … `26`.
    sheet: Option<String>,
    /// Product group `I` … `VI`.
    group: Option<String>,
    province: Option<String>,
    commune: Option<String>,
    old_district: Option<String>,
    legal_type: Option<String>,
    /// A kind of sales channel: `supermarket`, `convenience`, `ocop_point`, `ecommerce`, `own_store`, `export`, `wholesale`.
    channel: Option<String>,
    /// `name`, `stars`, `certified` (newest certificate first).
    sort: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

#[derive(Deserialize, Default)]
pub struct ChannelParam {
    #[serde(default)]
    channel: String,
}

/// The public catalogue: products whose certificate is in force today.
#[utoipa::path(get, path = "/api/v1/catalogue", tag = "outlets", params(CatalogueParams),
    responses((status = 200, body = Items<CatalogueItem>), (status = 422, body = ApiError), (status = 429, body = ApiError)))]
pub async fn catalogue(
    State(state): State<AppState>,
    _: Limited<Searches>,
    Query(q): Query<ListQuery>,
    Query(c): Query<ChannelParam>,
) -> AppResult<Json<Items<CatalogueItem>>> {
    let filter = public_filter(&q, &c.channel)?;
    let page = Page::new(q.page.unwrap_or(1), q.per_page.unwrap_or(50));
    let found = store::products::search(state.db().conn(), &Listing::All, &filter, today(), true, page).await?;
    let ids: BTreeSet<i64> = found.items.iter().map(|p| p.id).collect();
    let photos = store::photos::first_of(state.db().conn(), &ids).await?;
    let base = crate::page::base_url(&state);
    Ok(Json(Items {
        total: found.total,
        items: found
            .items
            .into_iter()
            .map(|p| CatalogueItem {
                url: format!("{base}/p/{}", crate::page::seg(&p.code)),
                photo: photos.get(&p.id).map(|id| format!("{base}/photos/{id}")),
                code: p.code,
                name: p.name,
                stars: p.stars,
                potential_five: p.potential_five,
                sheet_code: p.sheet_code,
                producer_id: p.producer_id,
                producer_name: p.producer_name,
                province_name: p.province_name,
                commune_name: p.commune_name,
                old_district_name: p.old_district_name,
                price_vnd: p.price_vnd,
                certificate_expires_on: p.certificate_expires_on,
            })
            .collect(),
    }))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PointParams {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    province: Option<String>,
    #[serde(default)]
    commune: Option<String>,
    /// `showcase` or `design_centre`.
    #[serde(default)]
    kind: Option<String>,
    /// A product id: only the points carrying it today.
    #[serde(default)]
    product: Option<i64>,
    /// `true` to include closed points.
    #[serde(default)]
    closed: Option<bool>,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    per_page: Option<u32>,
}

/// Showcase and sales points (open ones unless `closed=true`).
#[utoipa::path(get, path = "/api/v1/sales-points", tag = "outlets", params(PointParams),
    responses((status = 200, body = Items<SalesPoint>), (status = 422, body = ApiError)))]
pub async fn sales_points(
    State(state): State<AppState>,
    Query(q): Query<PointParams>,
) -> AppResult<Json<Items<SalesPoint>>> {
    let day = today();
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let filter = PointFilter {
        q: q.q.clone(),
        province: ProvinceCode::parse(&opt(&q.province)).ok(),
        commune: CommuneCode::parse(&opt(&q.commune)).ok(),
        kind: PointKind::parse(&opt(&q.kind)).ok(),
        open_on: (!q.closed.unwrap_or(false)).then_some(day),
        product: q.product,
    };
    let page = Page::new(q.page.unwrap_or(1), q.per_page.unwrap_or(50));
    let found = points::search(state.db().conn(), &filter, day, page).await?;
    Ok(Json(Items { total: found.total, items: found.items }))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    province: Option<String>,
    /// `upcoming` (default), `past` or `all`.
    #[serde(default)]
    when: Option<String>,
    #[serde(default)]
    year: Option<i32>,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    per_page: Option<u32>,
}

/// Fairs and events.
#[utoipa::path(get, path = "/api/v1/events", tag = "outlets", params(EventParams),
    responses((status = 200, body = Items<Event>), (status = 422, body = ApiError)))]
pub async fn events(State(state): State<AppState>, Query(q): Query<EventParams>) -> AppResult<Json<Items<Event>>> {
    let filter = EventFilter {
        q: q.q.clone(),
        province: ProvinceCode::parse(q.province.as_deref().unwrap_or_default()).ok(),
        year: q.year,
        when: match q.when.as_deref() {
            Some("past") => When::Past,
            Some("all") => When::All,
            _ => When::Upcoming,
        },
    };
    let page = Page::new(q.page.unwrap_or(1), q.per_page.unwrap_or(50));
    let found = events::search(state.db().conn(), &filter, today(), page).await?;
    Ok(Json(Items { total: found.total, items: found.items }))
}

/// The producer if the caller may read it, or if anyone may (it has products in force).
async fn readable_producer(state: &AppState, caller: &Caller, id: i64) -> AppResult<store::producers::Producer> {
    let p = store::producers::get(state.db().conn(), id)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    if caller.may(Action::ReadRecords, &producer_target(&p)) || !public_products(state, id).await?.is_empty() {
        Ok(p)
    } else {
        Err(AppError::NotFound)
    }
}

/// A producer's sales channels.
#[utoipa::path(get, path = "/api/v1/producers/{id}/channels", tag = "outlets",
    responses((status = 200, body = Vec<Channel>), (status = 404, body = ApiError)))]
pub async fn list_channels(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<Channel>>> {
    let p = readable_producer(&state, &caller, id).await?;
    Ok(Json(channels::of_producer(state.db().conn(), p.id).await?))
}

/// Adds a sales channel (the producer itself, or its office).
#[utoipa::path(post, path = "/api/v1/producers/{id}/channels", tag = "outlets", request_body = ChannelInput,
    responses((status = 201, body = Channel), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn add_channel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<(StatusCode, Json<Channel>)> {
    let p = store::producers::get(state.db().conn(), id)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    caller.require(Action::EditRegistry, &producer_target(&p))?;
    let me = caller.signed_in()?.clone();
    let input: ChannelInput = parse_json(&body)?;
    let draft = input.parse().map_err(AppError::Invalid)?;
    let tx = state.db().write().await?;
    let c = channels::add(&tx, &me.who(), p.id, &draft, today()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(c)))
}

async fn own_channel(state: &AppState, caller: &Caller, id: i64, channel: i64) -> AppResult<Channel> {
    let p = store::producers::get(state.db().conn(), id)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    caller.require(Action::EditRegistry, &producer_target(&p))?;
    channels::get(state.db().conn(), channel).await?.filter(|c| c.producer_id == p.id).ok_or(AppError::NotFound)
}

/// Changes a sales channel (e.g. its end date).
#[utoipa::path(put, path = "/api/v1/producers/{id}/channels/{channel}", tag = "outlets", request_body = ChannelInput,
    responses((status = 200, body = Channel), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn update_channel(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, channel)): Path<(i64, i64)>,
    body: Bytes,
) -> AppResult<Json<Channel>> {
    let c = own_channel(&state, &caller, id, channel).await?;
    let me = caller.signed_in()?.clone();
    let input: ChannelInput = parse_json(&body)?;
    let draft = input.parse().map_err(AppError::Invalid)?;
    let tx = state.db().write().await?;
    let after = channels::update(&tx, &me.who(), c.id, &draft, today()).await?;
    tx.commit().await?;
    Ok(Json(after))
}

/// Removes a sales channel recorded by mistake (to end one, set its `until`).
#[utoipa::path(delete, path = "/api/v1/producers/{id}/channels/{channel}", tag = "outlets",
    responses((status = 204), (status = 404, body = ApiError)))]
pub async fn delete_channel(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, channel)): Path<(i64, i64)>,
) -> AppResult<StatusCode> {
    let c = own_channel(&state, &caller, id, channel).await?;
    let me = caller.signed_in()?.clone();
    let tx = state.db().write().await?;
    channels::delete(&tx, &me.who(), c.id, today()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
