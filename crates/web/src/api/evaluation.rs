//! The evaluation cycle as JSON, under the pages' access rules, so that a province can push its
//! results to the national system: rounds, registrations with their status history, and the
//! certificates the caller may read.

use super::ApiError;
use super::registry::ItemsOf;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use axum::Json;
use axum::extract::{Path, Query, State};
use domain::access::Action;
use domain::evaluation::State as RegState;
use serde::{Deserialize, Serialize};
use store::Page;
use store::evaluation::dossiers::{self, Registration, RegistrationFilter};
use store::evaluation::today;
use time::Date;
use utoipa::{IntoParams, ToSchema};

/// An evaluation round of a province.
#[derive(Serialize, ToSchema)]
pub struct RoundView {
    pub id: i64,
    pub province_code: String,
    pub name: String,
    pub year: i64,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "crate::fmt::iso_date")]
    pub opens_on: Date,
    /// The last day producers file at the commune.
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "crate::fmt::iso_date")]
    pub commune_deadline: Date,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "crate::fmt::iso_date")]
    pub closes_on: Date,
    pub plan_count: i64,
    pub criteria_version: String,
    /// Dossiers filed at the commune, accepted, recognised.
    pub received: i64,
    pub accepted: i64,
    pub recognised: i64,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct RoundParams {
    /// A province's code (a province's staff always get their own).
    #[serde(default)]
    province: Option<String>,
}

/// The rounds of the caller's province (or of `province`, for national roles).
#[utoipa::path(get, path = "/api/v1/rounds", tag = "evaluation", params(RoundParams),
    responses((status = 200, body = ItemsOf<RoundView>), (status = 401, body = ApiError)))]
pub async fn rounds(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<RoundParams>,
) -> AppResult<Json<ItemsOf<RoundView>>> {
    let me = caller.signed_in()?;
    let province = me.scope.province().map(|p| p.as_str().to_owned()).or(q.province);
    let rounds = store::evaluation::rounds::list(state.db().conn(), province.as_deref()).await?;
    let items: Vec<RoundView> = rounds
        .into_iter()
        .map(|r| RoundView {
            id: r.id,
            province_code: r.province_code,
            name: r.name,
            year: r.year,
            opens_on: r.opens_on,
            commune_deadline: r.commune_deadline,
            closes_on: r.closes_on,
            plan_count: r.plan_count,
            criteria_version: r.criteria_version,
            received: r.received,
            accepted: r.accepted,
            recognised: r.recognised,
        })
        .collect();
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    Ok(Json(ItemsOf { items, total }))
}

/// A registration (Mẫu 01) and where it is.
#[derive(Serialize, ToSchema)]
pub struct RegistrationView {
    pub id: i64,
    /// `NNN/PĐK-T-X-year`, once filed.
    pub number: Option<String>,
    pub round_id: i64,
    pub product_id: i64,
    pub product_code: String,
    pub product_name: String,
    pub producer_id: i64,
    pub producer_name: String,
    pub province_code: String,
    pub commune_code: String,
    /// `first`, `upgrade` or `rerating`.
    pub kind: String,
    pub sheet_code: String,
    pub criteria_version: String,
    /// `draft`, `submitted`, `returned`, `accepted`, `completing`, `council`, `approved`,
    /// `forwarded`, `central_approved`, `central_returned`, `recognised`, `not_recognised`.
    pub state: String,
    /// The commune's deadline, and the calendar version it was counted on.
    #[schema(value_type = Option<String>, format = Date)]
    pub screening_due: Option<String>,
    pub screening_calendar: String,
    /// A re-rating filed after its window (QĐ 26/2026, Điều 12.3).
    pub late: bool,
    pub stars: Option<i64>,
    /// The approved mean total, in points.
    pub total: Option<f64>,
    pub certificate_id: Option<i64>,
    /// Why an approved result issued nothing: `below_three`, `not_higher`, or blank.
    pub unrecognised: String,
}

impl From<Registration> for RegistrationView {
    fn from(g: Registration) -> Self {
        RegistrationView {
            id: g.id,
            number: g.number,
            round_id: g.round_id,
            product_id: g.product_id,
            product_code: g.product_code,
            product_name: g.product_name,
            producer_id: g.producer_id,
            producer_name: g.producer_name,
            province_code: g.province_code,
            commune_code: g.commune_code,
            kind: g.kind,
            sheet_code: g.sheet_code,
            criteria_version: g.criteria_version,
            state: g.state,
            screening_due: g.screening_due.map(|d| d.to_string()),
            screening_calendar: g.screening_calendar,
            late: g.late,
            stars: g.stars,
            total: g.total_x100.map(|x| x as f64 / 100.0),
            certificate_id: g.certificate_id,
            unrecognised: g.unrecognised,
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct RegistrationParams {
    #[serde(default)]
    round: Option<i64>,
    #[serde(default)]
    product: Option<i64>,
    /// One state (see `RegistrationView.state`).
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    per_page: Option<u32>,
}

/// The registrations the caller may read: a producer's own, a commune's, a province's, a council
/// member's assigned ones, all for national roles.
#[utoipa::path(get, path = "/api/v1/registrations", tag = "evaluation", params(RegistrationParams),
    responses((status = 200, body = ItemsOf<RegistrationView>), (status = 401, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn registrations(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<RegistrationParams>,
) -> AppResult<Json<ItemsOf<RegistrationView>>> {
    let listing = caller.listing(Action::ReadRecords)?;
    let states = match q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => vec![RegState::parse(s).ok_or_else(|| {
            AppError::Invalid(domain::FieldErrors::single("state", domain::Invalid::new("invalid-registration-state")))
        })?],
        None => Vec::new(),
    };
    let filter =
        RegistrationFilter { round_id: q.round, product_id: q.product, states, ..RegistrationFilter::default() };
    let page = Page::new(q.page.unwrap_or(1), q.per_page.unwrap_or(50));
    let found = dossiers::search(state.db().conn(), &listing, &filter, page).await?;
    Ok(Json(ItemsOf::of(found, RegistrationView::from)))
}

/// One step a registration took: who, when, what.
#[derive(Serialize, ToSchema)]
pub struct StatusStep {
    /// Unix seconds.
    pub at: i64,
    /// E.g. `registration.submit`, `registration.accept`, `registration.forward`.
    pub action: String,
    /// The state it moved to, when the step moved it.
    pub state: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RegistrationDetail {
    pub registration: RegistrationView,
    /// Oldest first, from the audit log.
    pub history: Vec<StatusStep>,
}

/// One registration with its status history.
#[utoipa::path(get, path = "/api/v1/registrations/{id}", tag = "evaluation",
    responses((status = 200, body = RegistrationDetail), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn registration(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> AppResult<Json<RegistrationDetail>> {
    let (g, _) = crate::pages::evaluation::readable(&state, &caller, id).await?;
    let filter = store::audit::AuditFilter {
        entity: Some("registration".into()),
        entity_id: Some(id.to_string()),
        ..Default::default()
    };
    let log = store::audit::search(state.db().conn(), &filter, Page::new(1, Page::MAX_SIZE)).await?;
    let mut history: Vec<StatusStep> = log
        .items
        .into_iter()
        .map(|row| StatusStep {
            state: serde_json::from_str::<serde_json::Value>(row.after_json.as_deref().unwrap_or("null"))
                .ok()
                .and_then(|v| v["state"].as_str().map(str::to_owned)),
            at: row.at,
            action: row.action,
        })
        .collect();
    history.reverse();
    Ok(Json(RegistrationDetail { registration: g.into(), history }))
}

/// A decision of an office: a recognition, a revocation, or the approval of a result forwarded
/// to the central level.
#[derive(Serialize, ToSchema)]
pub struct DecisionView {
    pub id: i64,
    /// The province's code, or `central` (the Ministry).
    pub issuer: String,
    /// `recognition`, `revocation` or `approval`.
    pub kind: String,
    pub number: String,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "crate::fmt::iso_date")]
    pub signed_on: Date,
    pub signer: String,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct DecisionParams {
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    per_page: Option<u32>,
}

/// The decisions of the caller's office (a province office its province's, the central office the
/// Ministry's), newest first.
#[utoipa::path(get, path = "/api/v1/decisions", tag = "evaluation", params(DecisionParams),
    responses((status = 200, body = ItemsOf<DecisionView>), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn decisions(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<DecisionParams>,
) -> AppResult<Json<ItemsOf<DecisionView>>> {
    let issuer = match caller.office()? {
        domain::access::Office::Province(p) => p.as_str().to_owned(),
        domain::access::Office::Central => "central".to_owned(),
    };
    let page = Page::new(q.page.unwrap_or(1), q.per_page.unwrap_or(50));
    let found = store::evaluation::decisions::of_issuer(state.db().conn(), &issuer, page).await?;
    Ok(Json(ItemsOf::of(found, |d| DecisionView {
        id: d.id,
        issuer: d.issuer,
        kind: d.kind,
        number: d.number,
        signed_on: d.signed_on,
        signer: d.signer,
    })))
}

/// A certificate the caller may read, with its live status.
#[derive(Serialize, ToSchema)]
pub struct CertificateItem {
    pub number: String,
    pub product_id: i64,
    pub stars: i64,
    /// `province` or `central`.
    pub level: String,
    /// `valid`, `expiring`, `extended`, `expired`, `revoked` or `superseded`.
    pub status: &'static str,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "crate::fmt::iso_date")]
    pub issued_on: Date,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "crate::fmt::iso_date")]
    pub expires_on: Date,
    /// The end of a late re-rating's extension.
    #[schema(value_type = Option<String>, format = Date)]
    pub extended_until: Option<String>,
    pub decision_number: String,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct CertificateParams {
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    per_page: Option<u32>,
}

/// The current certificates of the products the caller may read (a producer's own, a commune's,
/// a province's, all for national roles), newest first.
#[utoipa::path(get, path = "/api/v1/certificates", tag = "evaluation", params(CertificateParams),
    responses((status = 200, body = ItemsOf<CertificateItem>), (status = 401, body = ApiError)))]
pub async fn certificates(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<CertificateParams>,
) -> AppResult<Json<ItemsOf<CertificateItem>>> {
    let listing = caller.listing(Action::ReadRecords)?;
    let page = Page::new(q.page.unwrap_or(1), q.per_page.unwrap_or(50));
    let found = store::certificates::of_listing(state.db().conn(), &listing, page).await?;
    let day = today();
    Ok(Json(ItemsOf::of(found, |c| CertificateItem {
        status: c.status(day).as_str(),
        extended_until: c.extended_until.map(|d| d.to_string()),
        number: c.number,
        product_id: c.product_id,
        stars: c.stars,
        level: c.level,
        issued_on: c.issued_on,
        expires_on: c.expires_on,
        decision_number: c.decision_number,
    })))
}
