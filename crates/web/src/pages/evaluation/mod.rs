//! The evaluation cycle's pages (QĐ 26/2026/QĐ-TTg, Điều 5–8): rounds, registrations and their
//! dossiers, commune screening, councils and scorecards, decisions, certificates, notifications.

mod councils;
mod decisions;
pub(crate) use decisions::{evidence_text, extension_text};
mod dossiers;
mod home;
mod rounds;
mod scorecards;
pub mod sheet;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::routes::{Gate, Routes};
use domain::access::{Action, Target};
use domain::criteria::CriteriaSet;
use store::evaluation::councils as store_councils;
use store::evaluation::dossiers::{self as store_dossiers, Registration};

pub fn routes() -> Routes {
    use Action::*;
    use Gate::*;
    Routes::new()
        .get("/evaluation", SignedIn, home::page)
        .get("/evaluation/rounds", SignedIn, rounds::list)
        .post("/evaluation/rounds", Act(ManageEvaluation), rounds::create)
        .get("/evaluation/rounds/{id}", SignedIn, rounds::show)
        .get("/evaluation/register", Act(EditRegistry), dossiers::register_form)
        .post("/evaluation/registrations", Act(EditRegistry), dossiers::register)
        .get("/evaluation/registrations/{id}", Act(ReadRecords), dossiers::show)
        .get("/evaluation/registrations/{id}/self-assessment", Act(ReadRecords), dossiers::self_assessment)
        .post("/evaluation/registrations/{id}/self-assessment", Act(EditRegistry), dossiers::save_self_assessment)
        .upload(
            "/evaluation/registrations/{id}/evidence",
            Act(EditRegistry),
            dossiers::upload_evidence,
            dossiers::MAX_UPLOAD,
        )
        .post(
            "/evaluation/registrations/{id}/evidence/{evidence}/withdraw",
            Act(EditRegistry),
            dossiers::withdraw_evidence,
        )
        .post("/evaluation/registrations/{id}/submit", Act(EditRegistry), dossiers::submit)
        .post("/evaluation/registrations/{id}/accept", Act(ScreenDossier), dossiers::accept)
        .post("/evaluation/registrations/{id}/return", Act(ScreenDossier), dossiers::send_back)
        .get("/evidence/{id}", Act(ReadRecords), dossiers::evidence_file)
        .get("/evaluation/councils", Office, councils::list)
        .post("/evaluation/councils", Office, councils::create)
        .get("/evaluation/councils/{id}", Seat, councils::show)
        .post("/evaluation/councils/{id}/assign", Office, councils::assign)
        .get("/evaluation/evaluations/{id}", Seat, scorecards::evaluation)
        .post("/evaluation/evaluations/{id}/close", Seat, scorecards::close)
        .post("/evaluation/evaluations/{id}/reopen", Seat, scorecards::reopen)
        .post("/evaluation/evaluations/{id}/approve", Seat, scorecards::approve)
        .get("/evaluation/scorecards/{id}", Seat, scorecards::card)
        .post("/evaluation/scorecards/{id}", Seat, scorecards::save_form)
        .post("/evaluation/scorecards/{id}/save", Seat, scorecards::save_json)
        .post("/evaluation/scorecards/{id}/submit", Seat, scorecards::submit)
        .get("/evaluation/decisions", Office, decisions::page)
        .post("/evaluation/decisions", Office, decisions::recognise)
        .upload(
            "/evaluation/registrations/{id}/forward",
            Act(ManageEvaluation),
            decisions::forward,
            3 * dossiers::MAX_UPLOAD,
        )
        .post("/evaluation/registrations/{id}/return-to-province", Act(EvaluateCentral), decisions::return_to_province)
        .post("/evaluation/registrations/{id}/re-evaluate", Act(ManageEvaluation), decisions::re_evaluate)
        .post("/evaluation/registrations/{id}/completion", Act(ManageEvaluation), dossiers::request_completion)
        .get("/certificates/awaiting", Act(ManageRegistry), decisions::awaiting)
        .get("/certificates/{number}", Act(ReadRecords), decisions::certificate)
        .get("/certificates/{number}/pdf", Act(ReadRecords), decisions::pdf)
        .post("/certificates/{number}/revoke", Act(ManageEvaluation), decisions::revoke)
        .get("/verify/certificate", Public, decisions::lookup)
        .get("/verify/certificate/{number}", Public, decisions::verify)
        .get("/notifications", SignedIn, home::notifications)
        .post("/notifications", SignedIn, home::read_all)
}

pub(crate) fn criteria() -> AppResult<&'static CriteriaSet> {
    store::criteria::current().map_err(AppError::internal)
}

/// The registration, if the caller may read it: its place decides, and a council member reads
/// the products before their councils.
pub(crate) async fn readable(state: &AppState, caller: &Caller, id: i64) -> AppResult<(Registration, Target)> {
    let g = store_dossiers::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    let assigned = match caller.reads_by_assignment() {
        Some(u) => {
            let mut seated = false;
            for e in store_councils::evaluations_of_registration(state.db().conn(), g.id).await? {
                seated |= store_councils::seat(state.db().conn(), e.council_id, u.id).await?.is_some();
            }
            seated
        }
        None => false,
    };
    let target = Target { place: g.place(), assigned };
    caller.require(Action::ReadRecords, &target)?;
    Ok((g, target))
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
        "submitted" | "council" | "forwarded" | "central_returned" | "completing" => "warn",
        _ => "off",
    }
}
