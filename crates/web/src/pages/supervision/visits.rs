//! The inspection record (biên bản kiểm tra) as the inspector fills it on a tablet: the visit,
//! the checklist item by item with notes and photos, the findings; saved at every change and kept
//! on the device until the server has it. Also the list of visits and the record as a PDF.

use super::{inspection_for, item_text};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::page::{Choice, PageCtx, Pager, field_error, messages, render, render_form};
use crate::pages::registry::photos;
use crate::pages::registry::products::today;
use askama::Template;
use axum::Json;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::FieldErrors;
use domain::access::Action;
use domain::supervision::{Answer, FindingInput, RecordInput, Severity, supervision};
use serde::Deserialize;
use std::collections::BTreeMap;
use store::StoreError;
use store::supervision::findings::{self, Finding};
use store::supervision::inspections::{self, InspectedProduct, Inspection, InspectionFilter, Inspector, Photo};

// ------------------------------------------------------------------ the list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "supervision/visits.html")]
struct ListPage {
    ctx: PageCtx,
    q: ListQuery,
    rows: Vec<Inspection>,
    count: String,
    pager: Pager,
    may_plan: bool,
}

impl ListPage {
    fn state_label(&self, state: &str) -> String {
        self.ctx.t.get(&format!("inspection-state-{state}"))
    }

    fn date(&self, d: &Option<time::Date>) -> String {
        d.map(crate::fmt::date).unwrap_or_default()
    }
}

/// The visits the caller may read: an inspector's assignments, the office's province, a
/// commune's producers, a producer's own.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let listing = caller.listing(Action::ReadRecords)?;
    let filter = InspectionFilter { state: Some(q.state.clone()).filter(|s| !s.is_empty()), ..Default::default() };
    let found =
        inspections::search(state.db().conn(), &listing, &filter, store::Page::new(q.page.unwrap_or(1), 50)).await?;
    let page = ListPage {
        count: ctx.t.arg("inspections-count", "total", &crate::fmt::thousands(found.total)),
        pager: Pager::new(&ctx, found.page, found.total),
        may_plan: caller.may_list(Action::ManageSupervision),
        rows: found.items,
        q,
        ctx,
    };
    Ok(render(&page))
}

// ------------------------------------------------------------------ the record

struct ItemView {
    code: String,
    text: String,
    answer: String,
    options: Vec<Choice>,
    note: String,
}

struct SectionView {
    title: String,
    items: Vec<ItemView>,
}

#[derive(Template)]
#[template(path = "supervision/visit.html")]
struct RecordPage {
    ctx: PageCtx,
    i: Inspection,
    products: Vec<InspectedProduct>,
    inspectors: Vec<Inspector>,
    sections: Vec<SectionView>,
    visited_on: String,
    photos: Vec<Photo>,
    findings: Vec<Finding>,
    editable: bool,
    state_json: String,
    errors: Vec<String>,
    /// The finding form as posted, with its errors.
    finding: FindingInput,
    finding_errors: FieldErrors,
    severities: Vec<Choice>,
    items: Vec<Choice>,
    today: String,
    counts: String,
    checklist_version: String,
}

impl RecordPage {
    fn finding_error(&self, field: &str) -> Option<String> {
        field_error(self.ctx.t, &self.finding_errors, field)
    }

    fn severity(&self, s: &str) -> String {
        self.ctx.t.get(&format!("severity-{s}"))
    }

    fn finding_state(&self, s: &str) -> String {
        self.ctx.t.get(&format!("finding-state-{s}"))
    }

    fn item(&self, code: &Option<String>) -> String {
        code.as_deref().map(|c| format!("{c} · {}", item_text(self.ctx.t, c))).unwrap_or_default()
    }

    fn photo_item(&self, p: &Photo) -> String {
        p.item_code.clone().unwrap_or_default()
    }

    fn date(&self, d: &time::Date) -> String {
        crate::fmt::date(*d)
    }
}

fn severity_choices(t: crate::i18n::Tr, selected: &str) -> Vec<Choice> {
    Choice::list(Severity::ALL.iter().map(|s| (s.as_str(), t.get(&format!("severity-{}", s.as_str())))), selected)
}

#[derive(Default)]
struct Posted {
    errors: Vec<String>,
    finding: FindingInput,
    finding_errors: FieldErrors,
    /// The record as the form sent it, shown instead of the stored one when refused.
    record: Option<RecordInput>,
}

async fn record_page(state: &AppState, caller: &Caller, ctx: PageCtx, id: i64, posted: Posted) -> AppResult<Response> {
    let (i, target) = inspection_for(state, caller, id, Action::ReadRecords).await?;
    let conn = state.db().conn();
    let t = ctx.t;
    let editable = !i.is_done() && caller.may(Action::RecordInspection, &target);
    let stored = i.checklist();
    let shown: BTreeMap<String, (String, String)> = match &posted.record {
        Some(r) => r.answers.iter().map(|(k, v)| (k.clone(), (v.answer.clone(), v.note.clone()))).collect(),
        None => stored
            .0
            .iter()
            .map(|(k, (a, n))| (k.clone(), (a.map(|a| a.as_str().to_owned()).unwrap_or_default(), n.clone())))
            .collect(),
    };
    let rules = supervision();
    let sections = rules
        .sections()
        .into_iter()
        .map(|(section, items)| SectionView {
            title: t.get(&format!("checklist-section-{section}")),
            items: items
                .into_iter()
                .map(|item| {
                    let (answer, note) = shown.get(&item.code).cloned().unwrap_or_default();
                    let options = Choice::list(
                        Answer::ALL.iter().map(|a| (a.as_str(), t.get(&format!("answer-{}", a.as_str())))),
                        &answer,
                    );
                    ItemView { code: item.code.clone(), text: item_text(t, &item.code), answer, options, note }
                })
                .collect(),
        })
        .collect();
    let me = caller.user().map_or(0, |u| u.id);
    let state_json = crate::page::script_json(&serde_json::json!({
        "inspection": i.id,
        "user": me,
        "revision": i.revision,
        "editable": editable,
    }));
    let items = Choice::list(
        rules.checklist.iter().map(|c| (c.code.as_str(), format!("{} · {}", c.code, item_text(t, &c.code)))),
        &posted.finding.item,
    );
    let visited_on = match &posted.record {
        Some(r) => r.visited_on.clone(),
        None => i.visited_on.map(|d| d.to_string()).unwrap_or_default(),
    };
    let page = RecordPage {
        products: inspections::products(conn, i.id).await?,
        inspectors: inspections::inspectors(conn, i.id).await?,
        photos: inspections::photos(conn, i.id).await?,
        findings: findings::of_inspection(conn, i.id).await?,
        counts: {
            let (met, not_met, na) = stored.counts();
            let n = |x: usize| x.to_string();
            t.args("inspection-answer-counts", &[("met", &n(met)), ("not_met", &n(not_met)), ("na", &n(na))])
        },
        checklist_version: i.checklist_version.clone(),
        sections,
        visited_on,
        editable,
        state_json,
        severities: severity_choices(t, &posted.finding.severity),
        items,
        today: today().to_string(),
        errors: posted.errors,
        finding: posted.finding,
        finding_errors: posted.finding_errors,
        i: Inspection { present: posted.record.as_ref().map_or(i.present.clone(), |r| r.present.clone()), ..i },
        ctx,
    };
    Ok(render_form(!page.errors.is_empty() || !page.finding_errors.is_empty(), &page))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    record_page(&state, &caller, ctx, id, Posted::default()).await
}

/// The record as a form posts it: `visited_on`, `present`, `a_<item>`, `n_<item>`.
fn record_from_fields(fields: &[(String, String)]) -> RecordInput {
    let mut r = RecordInput::default();
    for (k, v) in fields {
        match k.as_str() {
            "visited_on" => r.visited_on = v.clone(),
            "present" => r.present = v.clone(),
            _ => {
                if let Some(code) = k.strip_prefix("a_") {
                    r.answers.entry(code.to_owned()).or_default().answer = v.clone();
                } else if let Some(code) = k.strip_prefix("n_") {
                    r.answers.entry(code.to_owned()).or_default().note = v.clone();
                }
            }
        }
    }
    r
}

/// The form fallback (no JavaScript): the whole record as posted.
pub async fn save_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (i, _) = inspection_for(&state, &caller, id, Action::RecordInspection).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let input = record_from_fields(&fields);
    let draft = match input.parse(today()) {
        Ok(d) => d,
        Err(errors) => {
            let posted = Posted { errors: messages(t, &errors), record: Some(input), ..Posted::default() };
            return record_page(&state, &caller, ctx, id, posted).await;
        }
    };
    let tx = state.db().write().await?;
    inspections::save(&tx, &me.who(), id, &draft, i.revision + 1).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &t.get("flash-saved"), &format!("/inspections/{id}")))
}

#[derive(Deserialize)]
pub struct RecordJson {
    #[serde(flatten)]
    input: RecordInput,
    revision: i64,
}

/// Autosave: the whole record with the device's revision; an older revision arriving late is
/// answered with the stored one and changes nothing; a refused record changes nothing (422).
pub async fn save_json(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    inspection_for(&state, &caller, id, Action::RecordInspection).await?;
    let me = caller.signed_in()?.clone();
    let body: RecordJson = crate::api::parse_json(&body)?;
    let t = ctx.t;
    let refused = |errors: &FieldErrors| {
        let message: Vec<String> = errors.iter().map(|(_, why)| t.invalid(why)).collect();
        (StatusCode::UNPROCESSABLE_ENTITY, Json(serde_json::json!({"error": message.join(" ")}))).into_response()
    };
    let draft = match body.input.parse(today()) {
        Ok(d) => d,
        Err(errors) => return Ok(refused(&errors)),
    };
    let tx = state.db().write().await?;
    match inspections::save(&tx, &me.who(), id, &draft, body.revision).await {
        Ok(i) => {
            tx.commit().await?;
            Ok(Json(serde_json::json!({"revision": i.revision, "state": i.state})).into_response())
        }
        Err(StoreError::Invalid(errors)) => Ok(refused(&errors)),
        Err(e) => Err(e.into()),
    }
}

pub async fn upload_photos(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    form: Multipart,
) -> AppResult<Response> {
    let (i, _) = inspection_for(&state, &caller, id, Action::RecordInspection).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let read = photos::read_photos(&state, t, form, "photos").await?;
    let item =
        read.fields.iter().find(|(k, _)| k == "item").map(|(_, v)| v.trim().to_owned()).filter(|v| !v.is_empty());
    let mut problems = read.problems;
    if read.photos.is_empty() && problems.is_empty() {
        problems.push(t.get("photos-none-chosen"));
    }
    if !problems.is_empty() {
        return record_page(&state, &caller, ctx, id, Posted { errors: problems, ..Posted::default() }).await;
    }
    let n = read.photos.len();
    let tx = state.db().write().await?;
    match inspections::add_photos(&tx, &me.who(), &i, item.as_deref(), read.photos).await {
        Ok(_) => tx.commit().await?,
        Err(StoreError::Invalid(errors)) => {
            drop(tx);
            let posted = Posted { errors: messages(t, &errors), ..Posted::default() };
            return record_page(&state, &caller, ctx, id, posted).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(redirect_with_flash(&state, &t.arg("photos-added", "n", &n.to_string()), &format!("/inspections/{id}#photos")))
}

pub async fn add_finding(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(input): Form<FindingInput>,
) -> AppResult<Response> {
    let (i, _) = inspection_for(&state, &caller, id, Action::RecordInspection).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let draft = match input.parse(today()) {
        Ok(d) => d,
        Err(errors) => {
            let posted = Posted { finding: input, finding_errors: errors, ..Posted::default() };
            return record_page(&state, &caller, ctx, id, posted).await;
        }
    };
    let tx = state.db().write().await?;
    match findings::create(&tx, &me.who(), &i, &draft, false).await {
        Ok(_) => tx.commit().await?,
        Err(StoreError::Invalid(errors)) => {
            drop(tx);
            let posted = Posted { finding: input, finding_errors: errors, ..Posted::default() };
            return record_page(&state, &caller, ctx, id, posted).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(redirect_with_flash(&state, &t.get("finding-added"), &format!("/inspections/{id}#findings")))
}

pub async fn complete(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    inspection_for(&state, &caller, id, Action::RecordInspection).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let tx = state.db().write().await?;
    match inspections::complete(&tx, &me.who(), id).await {
        Ok(_) => tx.commit().await?,
        Err(StoreError::Invalid(errors)) => {
            drop(tx);
            let posted = Posted { errors: messages(t, &errors), ..Posted::default() };
            return record_page(&state, &caller, ctx, id, posted).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(redirect_with_flash(&state, &t.get("inspection-completed"), &format!("/inspections/{id}")))
}

async fn serve_photo(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    id: i64,
    thumb: bool,
) -> AppResult<Response> {
    let p = inspections::photo(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    inspection_for(state, caller, p.inspection_id, Action::ReadRecords).await?;
    let etag = photos::image_etag(&p.sha256, thumb);
    if let Some(r) = photos::unchanged(headers, &etag) {
        return Ok(r);
    }
    let bytes = inspections::photo_content(state.db().conn(), id, thumb).await?.ok_or(AppError::NotFound)?;
    let content_type = if thumb { "image/jpeg" } else { p.content_type.as_str() };
    Ok(photos::image_response(&etag, content_type, bytes))
}

pub async fn photo(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    serve_photo(&state, &caller, &headers, id, false).await
}

pub async fn photo_thumb(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    serve_photo(&state, &caller, &headers, id, true).await
}

/// The record as the "biên bản kiểm tra" PDF: the visit, the checklist with each answer and
/// note, the findings, and the signatures block.
pub async fn pdf(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (i, _) = inspection_for(&state, &caller, id, Action::ReadRecords).await?;
    let conn = state.db().conn();
    let t = ctx.t;
    let answers = i.checklist();
    let rules = supervision();
    let province = store::units::province(conn, &i.province_code).await?.map(|p| p.name).unwrap_or_default();
    let producer = store::producers::get(conn, i.producer_id).await?.ok_or(AppError::NotFound)?;
    let doc = documents::InspectionRecord {
        authority: format!("Văn phòng Điều phối Chương trình OCOP {province}").trim().to_owned(),
        title: "BIÊN BẢN KIỂM TRA, GIÁM SÁT SẢN PHẨM OCOP".into(),
        number: format!("{}/BB-KT", i.id),
        plan: i.plan_name.clone(),
        producer: i.producer_name.clone(),
        address: [producer.street.as_str(), producer.commune_name.as_str(), producer.province_name.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
        representative: producer.representative.clone(),
        visited_on: i.visited_on.map(crate::fmt::date).unwrap_or_default(),
        present: i.present.clone(),
        products: inspections::products(conn, i.id)
            .await?
            .into_iter()
            .map(|p| match (p.stars, &p.certificate_number) {
                (Some(s), Some(n)) => format!("{} ({}, {s}★, GCN {n})", p.name, p.code),
                _ => format!("{} ({})", p.name, p.code),
            })
            .collect(),
        checklist: rules
            .checklist
            .iter()
            .map(|item| documents::CheckedItem {
                code: item.code.clone(),
                text: item.vi.clone(),
                answer: answers
                    .answer(&item.code)
                    .map(|a| t.get(&format!("answer-{}", a.as_str())))
                    .unwrap_or_default(),
                note: answers.note(&item.code).to_owned(),
            })
            .collect(),
        findings: findings::of_inspection(conn, i.id)
            .await?
            .into_iter()
            .map(|f| documents::RecordedFinding {
                severity: t.get(&format!("severity-{}", f.severity)),
                about: [f.item_code.clone().unwrap_or_default(), f.product_name.clone().unwrap_or_default()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" · "),
                description: f.description.clone(),
                remedy_by: crate::fmt::date(f.remedy_by),
            })
            .collect(),
        inspectors: inspections::inspectors(conn, i.id).await?.into_iter().map(|u| u.display_name).collect(),
        checklist_version: i.checklist_version.clone(),
        done: i.is_done(),
    };
    let bytes = state.heavy().run(crate::heavy::DOCUMENT_BYTES, move || documents::inspection_pdf(&doc)).await?;
    Ok(crate::page::download(&format!("bien-ban-kiem-tra-{}.pdf", i.id), "application/pdf", bytes))
}
