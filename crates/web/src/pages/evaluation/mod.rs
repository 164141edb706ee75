//! The evaluation cycle's pages (QĐ 26/2026/QĐ-TTg, Điều 5–8): rounds, registrations and their
//! dossiers, commune screening, councils and scorecards, decisions, certificates, notifications.

mod councils;
mod decisions;
mod dossiers;
mod home;
mod rounds;
mod scorecards;
pub mod sheet;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use domain::access::{Action, Place, Target};
use domain::criteria::CriteriaSet;
use domain::role::Role;
use store::evaluation::councils as store_councils;
use store::evaluation::dossiers::{self as store_dossiers, Registration};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/evaluation", get(home::page))
        .route("/evaluation/rounds", get(rounds::list).post(rounds::create))
        .route("/evaluation/rounds/{id}", get(rounds::show))
        .route("/evaluation/register", get(dossiers::register_form))
        .route("/evaluation/registrations", post(dossiers::register))
        .route("/evaluation/registrations/{id}", get(dossiers::show))
        .route(
            "/evaluation/registrations/{id}/self-assessment",
            get(dossiers::self_assessment).post(dossiers::save_self_assessment),
        )
        .route(
            "/evaluation/registrations/{id}/evidence",
            post(dossiers::upload_evidence).layer(DefaultBodyLimit::max(dossiers::MAX_UPLOAD)),
        )
        .route("/evaluation/registrations/{id}/evidence/{evidence}/withdraw", post(dossiers::withdraw_evidence))
        .route("/evaluation/registrations/{id}/submit", post(dossiers::submit))
        .route("/evaluation/registrations/{id}/accept", post(dossiers::accept))
        .route("/evaluation/registrations/{id}/return", post(dossiers::send_back))
        .route("/evidence/{id}", get(dossiers::evidence_file))
        .route("/evaluation/councils", get(councils::list).post(councils::create))
        .route("/evaluation/councils/{id}", get(councils::show))
        .route("/evaluation/councils/{id}/assign", post(councils::assign))
        .route("/evaluation/evaluations/{id}", get(scorecards::evaluation))
        .route("/evaluation/evaluations/{id}/close", post(scorecards::close))
        .route("/evaluation/evaluations/{id}/reopen", post(scorecards::reopen))
        .route("/evaluation/evaluations/{id}/approve", post(scorecards::approve))
        .route("/evaluation/scorecards/{id}", get(scorecards::card).post(scorecards::save_form))
        .route("/evaluation/scorecards/{id}/save", post(scorecards::save_json))
        .route("/evaluation/scorecards/{id}/submit", post(scorecards::submit))
        .route("/evaluation/decisions", get(decisions::page).post(decisions::recognise))
        .route("/evaluation/forward", post(decisions::forward))
        .route("/certificates/{number}", get(decisions::certificate))
        .route("/certificates/{number}/pdf", get(decisions::pdf))
        .route("/certificates/{number}/revoke", post(decisions::revoke))
        .route("/verify/certificate/{number}", get(decisions::verify))
        .route("/notifications", get(home::notifications).post(home::read_all))
}

pub(crate) fn criteria() -> AppResult<&'static CriteriaSet> {
    store::criteria::current().map_err(AppError::internal)
}

/// The registration, if the caller may read it: its place decides, and a council member reads
/// the products before their councils.
pub(crate) async fn readable(state: &AppState, caller: &Caller, id: i64) -> AppResult<(Registration, Target)> {
    let g = store_dossiers::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    let assigned = match caller.user() {
        Some(u) if u.role == Role::CouncilMember => {
            let mut seated = false;
            for e in store_councils::evaluations_of_registration(state.db().conn(), g.id).await? {
                seated |= store_councils::seat(state.db().conn(), e.council_id, u.id).await?.is_some();
            }
            seated
        }
        _ => false,
    };
    let target = Target { place: g.place(), assigned };
    caller.require(Action::ReadRecords, &target)?;
    Ok((g, target))
}

/// The place of a province, for actions of its office.
pub(crate) fn province_target(code: &str) -> Target {
    Target::at(Place { province: domain::place::ProvinceCode::parse(code).ok(), commune: None, producer: None })
}

pub(crate) fn state_label(t: Tr, state: &str) -> String {
    t.get(&format!("reg-state-{state}"))
}

pub(crate) fn kind_label(t: Tr, kind: &str) -> String {
    t.get(&format!("reg-kind-{kind}"))
}

/// `86,67` — a mean total in hundredths, the Vietnamese way.
pub(crate) fn points(x100: i64) -> String {
    let whole = x100 / 100;
    let frac = (x100 % 100).abs();
    if frac == 0 { whole.to_string() } else { format!("{whole},{frac:02}") }
}

pub(crate) fn stars_text(stars: Option<i64>) -> String {
    match stars {
        Some(n) if n > 0 => "★".repeat(usize::try_from(n).unwrap_or(0)),
        _ => String::new(),
    }
}

pub(crate) fn state_class(state: &str) -> &'static str {
    match state {
        "recognised" | "approved" | "central_approved" | "accepted" => "on",
        "returned" | "not_recognised" => "bad",
        "submitted" | "council" | "forwarded" | "central_returned" => "warn",
        _ => "off",
    }
}
