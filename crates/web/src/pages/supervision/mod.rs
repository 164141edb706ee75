//! Supervision and capacity building (SPEC §2.5): inspection plans and the platform's proposal,
//! the inspection record a tablet fills in the workshop, findings and their follow-up to a
//! revocation proposal, training classes, support records and funded label quotas.

mod findings;
mod plans;
mod support;
mod trainings;
mod visits;

pub(crate) use findings::{ProposalBanner, proposal_banner};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::routes::{Gate, Routes};
use axum::http::header;
use axum::response::Response;
use domain::access::{Action, Place, Target};
use domain::place::{CommuneCode, ProvinceCode};
use domain::supervision::{Coded, Supervision, supervision};
use exchange::report::{Sheet, workbook};
use store::supervision::inspections::{self, Inspection};

pub fn routes() -> Routes {
    use Action::*;
    use Gate::*;
    let photos = crate::pages::registry::photos::MAX_UPLOAD;
    let evidence = media::evidence::MAX_BYTES + 64 * 1024;
    Routes::new()
        .get("/inspections", Act(ReadRecords), visits::list)
        .get("/inspections/plans", Act(ManageSupervision), plans::list)
        .post("/inspections/plans", Act(ManageSupervision), plans::create)
        .get("/inspections/plans/new", Act(ManageSupervision), plans::new_form)
        .get("/inspections/plans/{id}", Act(ManageSupervision), plans::show)
        .post("/inspections/plans/{id}", Act(ManageSupervision), plans::update)
        .get("/inspections/plans/{id}/edit", Act(ManageSupervision), plans::edit_form)
        .post("/inspections/plans/{id}/propose", Act(ManageSupervision), plans::propose)
        .post("/inspections/plans/{id}/visits", Act(ManageSupervision), plans::add_visits)
        .get("/inspections/plans/{id}/coverage.xlsx", Act(ManageSupervision), plans::export)
        .get("/inspections/{id}", Act(ReadRecords), visits::show)
        .post("/inspections/{id}", Act(RecordInspection), visits::save_form)
        .post("/inspections/{id}/save", Act(RecordInspection), visits::save_json)
        .upload("/inspections/{id}/photos", Act(RecordInspection), visits::upload_photos, photos)
        .post("/inspections/{id}/findings", Act(RecordInspection), visits::add_finding)
        .post("/inspections/{id}/complete", Act(RecordInspection), visits::complete)
        .get("/inspections/{id}/pdf", Act(ReadRecords), visits::pdf)
        .post("/inspections/{id}/inspectors", Act(ManageSupervision), plans::assign)
        .post("/inspections/{id}/remove", Act(ManageSupervision), plans::remove)
        .get("/inspection-photos/{id}", Act(ReadRecords), visits::photo)
        .get("/inspection-photos/{id}/thumb", Act(ReadRecords), visits::photo_thumb)
        .get("/findings", Act(ReadRecords), findings::list)
        .get("/findings/{id}", Act(ReadRecords), findings::show)
        .post("/findings/{id}/respond", Act(AnswerFindings), findings::respond)
        .upload("/findings/{id}/evidence", Act(AnswerFindings), findings::upload_evidence, evidence)
        .post("/findings/{id}/follow-up", Act(ManageSupervision), findings::follow_up)
        .get("/finding-evidence/{id}", Act(ReadRecords), findings::evidence_file)
        .get("/trainings", Act(ReadRecords), trainings::list)
        .get("/trainings.xlsx", Act(ManageSupervision), trainings::export)
        .post("/trainings", Act(ManageSupervision), trainings::create)
        .get("/trainings/new", Act(ManageSupervision), trainings::new_form)
        .get("/trainings/{id}", Act(ReadRecords), trainings::show)
        .post("/trainings/{id}", Act(ManageSupervision), trainings::update)
        .get("/trainings/{id}/edit", Act(ManageSupervision), trainings::edit_form)
        .post("/trainings/{id}/participants", Act(ManageSupervision), trainings::add_participant)
        .post("/trainings/{id}/participants/{participant}", Act(ManageSupervision), trainings::attend)
        .get("/support", Act(ReadRecords), support::list)
        .get("/support.xlsx", Act(ManageSupervision), support::export)
        .post("/support", Act(ManageSupervision), support::create)
        .get("/support/new", Act(ManageSupervision), support::new_form)
}

/// Where an inspection (and its findings) belongs: the producer's place; an inspector is
/// "assigned" to it when the plan names it for the visit.
pub(crate) async fn visit_target(state: &AppState, caller: &Caller, i: &Inspection) -> AppResult<Target> {
    let assigned = match caller.reads_by_assignment() {
        Some(u) => inspections::is_assigned(state.db().conn(), i.id, u.id).await?,
        None => false,
    };
    Ok(Target {
        place: Place {
            province: ProvinceCode::parse(&i.province_code).ok(),
            commune: CommuneCode::parse(&i.commune_code).ok(),
            producer: Some(i.producer_id),
        },
        assigned,
    })
}

/// The inspection, if the caller may do `action` to it (else 404/403 as the rules say).
pub(crate) async fn inspection_for(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: Action,
) -> AppResult<(Inspection, Target)> {
    let i = inspections::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    let target = visit_target(state, caller, &i).await?;
    caller.require(action, &target)?;
    Ok((i, target))
}

/// The caller's language is English.
pub(crate) fn english(t: Tr) -> bool {
    t.locale.code() == "en"
}

/// A code of one of the supervision lists in the caller's language.
pub(crate) fn label(t: Tr, list: &[Coded], code: &str) -> String {
    Supervision::label_of(list, code, english(t)).to_owned()
}

/// A checklist item's text in the caller's language.
pub(crate) fn item_text(t: Tr, code: &str) -> String {
    supervision().item(code).map_or_else(|| code.to_owned(), |i| if english(t) { i.en.clone() } else { i.vi.clone() })
}

/// A workbook as a download.
pub(crate) fn xlsx(file_name: &str, sheets: &[Sheet]) -> AppResult<Response> {
    let bytes = workbook(sheets).map_err(AppError::internal)?;
    Ok(crate::page::download(file_name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes))
}

/// The header row of a sheet from catalogue keys.
pub(crate) fn header(t: Tr, keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| if *k == "#" { "#".to_owned() } else { t.get(k) }).collect()
}
