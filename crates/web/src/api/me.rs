//! `/api/v1/me`: the signed-in account.

use crate::api::ApiError;
use crate::auth::Caller;
use crate::error::AppResult;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    /// `producer`, `commune_officer`, `province_office`, `council_member`, `inspector`,
    /// `central_office` or `admin`.
    pub role: String,
    pub province_code: Option<String>,
    pub commune_code: Option<String>,
    pub producer_id: Option<i64>,
}

/// The account of the session cookie.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses(
        (status = 200, description = "Tài khoản đang đăng nhập", body = Me),
        (status = 401, description = "Chưa đăng nhập", body = ApiError)))]
pub async fn me(caller: Caller) -> AppResult<Json<Me>> {
    let u = caller.signed_in()?;
    Ok(Json(Me {
        id: u.id,
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        role: u.role.as_str().to_owned(),
        province_code: u.scope.province().map(|p| p.to_string()),
        commune_code: u.scope.commune().map(|c| c.to_string()),
        producer_id: u.scope.producer(),
    }))
}
