//! `/api/v1/stats/{chart}` and `/api/v1/targets`: the dashboard's figures and the plan targets as
//! JSON, for another system (the national OCOP portal) to pull. The same computation as the page
//! and the report; the same access (a province office its province, the national roles all).

use crate::AppState;
use crate::api::ApiError;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::figures::{self, CHARTS, Measured};
use crate::pages::figures::{as_of, params, readable_sets};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One chart's figures and the filters they were computed with.
#[derive(Serialize, ToSchema)]
pub struct ChartFigures {
    /// The chart's name.
    pub chart: String,
    /// `province` (null: the whole country), `group`, `from`, `to`, `as_of` (ISO dates).
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    /// The chart's rows, as the dashboard's table shows them.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// The figures of one chart: `stars` (products in force by class on `as_of`), `groups`,
/// `communes`, `districts` (pre-2025 districts), `provinces` and `pipeline` (whole country),
/// `issued` (certificates per year), `registrations` (rounds vs plan), `expiring` (next 180
/// days), `inspections`, `trainings`, `support`, `sales_points`, `inquiries`, `scans_daily`,
/// `scans_provinces`.
#[utoipa::path(get, path = "/api/v1/stats/{chart}", tag = "stats", params(("chart" = String, Path), figures::Query),
    responses((status = 200, body = ChartFigures), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn chart(
    State(state): State<AppState>,
    caller: Caller,
    Path(chart): Path<String>,
    Query(q): Query<figures::Query>,
) -> AppResult<Json<serde_json::Value>> {
    let params = params(&caller, &q)?;
    if !CHARTS.contains(&chart.as_str()) {
        return Err(AppError::NotFound);
    }
    let f = figures::compute(state.db().conn(), params, Some(&chart)).await?;
    figures::chart_json(&f, &chart).map(Json).ok_or(AppError::NotFound)
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct TargetParams {
    /// A target set's version; all the caller may read when empty.
    #[serde(default)]
    version: String,
    /// The day the targets are measured on (default: today); `yyyy-mm-dd` or `dd/mm/yyyy`.
    #[serde(default)]
    as_of: String,
}

/// A target set and its targets measured.
#[derive(Serialize, ToSchema)]
pub struct MeasuredSet {
    pub version: String,
    pub name: String,
    pub scope: String,
    #[schema(value_type = String, format = Date)]
    pub from: time::Date,
    #[schema(value_type = String, format = Date)]
    pub to: time::Date,
    /// Each target with its rule, threshold, numerator, denominator, progress and yearly trend.
    #[schema(value_type = Vec<Object>)]
    pub targets: Vec<Measured>,
}

/// The plan targets the caller may read, measured live.
#[utoipa::path(get, path = "/api/v1/targets", tag = "stats", params(TargetParams),
    responses((status = 200, body = Vec<MeasuredSet>), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn targets(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TargetParams>,
) -> AppResult<Json<Vec<MeasuredSet>>> {
    let day = as_of(&q.as_of)?;
    let mut out = Vec::new();
    for set in readable_sets(&state, &caller).await? {
        if !q.version.trim().is_empty() && set.version != q.version.trim() {
            continue;
        }
        let targets = figures::measure_set(state.db().conn(), &set, day).await?;
        out.push(MeasuredSet {
            version: set.version,
            name: set.name,
            scope: set.scope,
            from: set.from,
            to: set.to,
            targets,
        });
    }
    Ok(Json(out))
}
