//! `/api/v1` administrative units.

use crate::AppState;
use crate::api::ApiError;
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::{Path, State};
use domain::place::{CommuneCode, DistrictCode, ProvinceCode};
use store::units::{self, Commune, OldCommune, OldCommuneLookup, OldDistrict, Province};

/// The 34 current provinces and centrally-run cities.
#[utoipa::path(get, path = "/api/v1/provinces", tag = "units",
    responses((status = 200, description = "Tỉnh, thành phố hiện hành", body = Vec<Province>)))]
pub async fn provinces(State(state): State<AppState>) -> AppResult<Json<Vec<Province>>> {
    Ok(Json(units::provinces(state.db().conn()).await?))
}

async fn known_province(state: &AppState, code: &str) -> AppResult<ProvinceCode> {
    let code = ProvinceCode::parse(code).map_err(AppError::BadRequest)?;
    units::province(state.db().conn(), code.as_str()).await?.ok_or(AppError::NotFound)?;
    Ok(code)
}

/// The current communes, wards and special zones of a province, in the official order.
#[utoipa::path(get, path = "/api/v1/provinces/{code}/units", tag = "units",
    params(("code" = String, Path, description = "Mã tỉnh, 2 chữ số", example = "01")),
    responses(
        (status = 200, description = "Xã, phường, đặc khu", body = Vec<Commune>),
        (status = 400, description = "Mã không đúng dạng", body = ApiError),
        (status = 404, description = "Không có tỉnh này", body = ApiError)))]
pub async fn province_units(State(state): State<AppState>, Path(code): Path<String>) -> AppResult<Json<Vec<Commune>>> {
    let code = known_province(&state, &code).await?;
    Ok(Json(units::communes(state.db().conn(), code.as_str()).await?))
}

/// The districts a province had before 1 July 2025.
#[utoipa::path(get, path = "/api/v1/provinces/{code}/old-districts", tag = "units",
    params(("code" = String, Path, description = "Mã tỉnh, 2 chữ số", example = "01")),
    responses(
        (status = 200, description = "Quận, huyện trước năm 2025", body = Vec<OldDistrict>),
        (status = 400, description = "Mã không đúng dạng", body = ApiError),
        (status = 404, description = "Không có tỉnh này", body = ApiError)))]
pub async fn province_old_districts(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> AppResult<Json<Vec<OldDistrict>>> {
    let code = known_province(&state, &code).await?;
    Ok(Json(units::old_districts(state.db().conn(), code.as_str()).await?))
}

/// The communes of a pre-2025 district, as each edition of the old lists has them.
#[utoipa::path(get, path = "/api/v1/old-districts/{code}/communes", tag = "units",
    params(("code" = String, Path, description = "Mã quận, huyện cũ, 3 chữ số", example = "017")),
    responses(
        (status = 200, description = "Xã, phường, thị trấn trước năm 2025", body = Vec<OldCommune>),
        (status = 400, description = "Mã không đúng dạng", body = ApiError),
        (status = 404, description = "Không có quận, huyện này", body = ApiError)))]
pub async fn old_district_communes(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> AppResult<Json<Vec<OldCommune>>> {
    let code = DistrictCode::parse(&code).map_err(AppError::BadRequest)?;
    let communes = units::old_communes(state.db().conn(), code.as_str()).await?;
    if communes.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(Json(communes))
}

/// An old commune and the current unit(s) it became on 1 July 2025.
#[utoipa::path(get, path = "/api/v1/old-communes/{code}", tag = "units",
    params(("code" = String, Path, description = "Mã xã cũ, 5 chữ số", example = "00001")),
    responses(
        (status = 200, description = "Xã cũ và đơn vị hiện hành", body = OldCommuneLookup),
        (status = 400, description = "Mã không đúng dạng", body = ApiError),
        (status = 404, description = "Không có trong danh mục trước năm 2025", body = ApiError)))]
pub async fn old_commune(State(state): State<AppState>, Path(code): Path<String>) -> AppResult<Json<OldCommuneLookup>> {
    let code = CommuneCode::parse(&code).map_err(AppError::BadRequest)?;
    units::lookup_old_commune(state.db().conn(), code.as_str()).await?.map(Json).ok_or(AppError::NotFound)
}
