//! Registration (Mẫu 01), self-assessment (Mẫu 02), evidence, submission, commune screening
//! (Mẫu 03).

use super::sheet::{self, SheetView};
use super::{criteria, kind_label, points, readable, stars_text, state_class, state_label};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::fmt;
use crate::page::{Choice, PageCtx, messages, render_form, render_status};
use crate::pages::registry::product_target;
use askama::Template;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::Invalid;
use domain::access::{Action, Target};
use domain::evaluation::{self, Kind, State as RegState};
use domain::scoring::{self, Scorecard};
use serde::Deserialize;
use store::StoreError;
use store::evaluation::councils as store_councils;
use store::evaluation::decisions::ForwardingInput;
use store::evaluation::dossiers::{self as store_dossiers, Evidence, Form03, NewEvidence, Registration, Screening};
use store::evaluation::{rounds as store_rounds, today};

/// The largest evidence upload request.
pub const MAX_UPLOAD: usize = media::evidence::MAX_BYTES + 64 * 1024;

#[derive(Deserialize)]
pub struct RegisterQuery {
    pub product: i64,
}

#[derive(Template)]
#[template(path = "evaluation/register.html")]
struct RegisterPage {
    ctx: PageCtx,
    product_id: i64,
    product_name: String,
    product_code: String,
    rounds: Vec<Choice>,
    kinds: Vec<Choice>,
    errors: Vec<String>,
}

async fn register_page(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    product_id: i64,
    form: &RegisterForm,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    caller.listing(Action::EditRegistry)?;
    let product = store::products::get(state.db().conn(), product_id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::EditRegistry, &product_target(&product))?;
    let t = ctx.t;
    let rounds = store_rounds::open(state.db().conn(), &product.province_code, today()).await?;
    let rounds = rounds
        .iter()
        .map(|r| Choice {
            value: r.id.to_string(),
            label: t.args("reg-round-choice", &[("name", &r.name), ("closes", &fmt::date(r.commune_deadline))]),
            selected: form.round.as_deref() == Some(r.id.to_string().as_str()),
        })
        .collect();
    // Offer first the kind this product can file today (a certified product cannot file "first").
    let likely = evaluation::likely_kind(store_dossiers::held(&product, today()), today());
    let kinds = Kind::ALL
        .iter()
        .map(|k| Choice {
            value: k.as_str().to_owned(),
            label: kind_label(t, k.as_str()),
            selected: form.kind.as_deref().unwrap_or(likely.as_str()) == k.as_str(),
        })
        .collect();
    let page =
        RegisterPage { ctx, product_id, product_name: product.name, product_code: product.code, rounds, kinds, errors };
    Ok(render_status(status, &page))
}

pub async fn register_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<RegisterQuery>,
) -> AppResult<Response> {
    let form = RegisterForm { product: q.product, round: None, kind: None };
    register_page(&state, &caller, ctx, q.product, &form, Vec::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    pub product: i64,
    pub round: Option<String>,
    pub kind: Option<String>,
}

pub async fn register(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Form(form): Form<RegisterForm>,
) -> AppResult<Response> {
    caller.listing(Action::EditRegistry)?;
    let product = store::products::get(state.db().conn(), form.product).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::EditRegistry, &product_target(&product))?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let mut errors = Vec::new();
    let round = form.round.as_deref().and_then(|r| r.parse::<i64>().ok());
    if round.is_none() {
        errors.push(t.invalid(&Invalid::new("invalid-round-choose")));
    }
    let kind = Kind::parse(form.kind.as_deref().unwrap_or_default());
    if let Err(why) = &kind {
        errors.push(t.invalid(why));
    }
    if let (Some(round), Ok(kind)) = (round, kind) {
        let tx = state.db().write().await?;
        match store_dossiers::create(&tx, &me.who(), product.id, round, kind, today()).await {
            Ok(g) => {
                tx.commit().await?;
                let path = format!("/evaluation/registrations/{}/self-assessment", g.id);
                return Ok(redirect_with_flash(&state, &t.get("reg-created"), &path));
            }
            Err(StoreError::Invalid(fields)) => errors.extend(messages(t, &fields)),
            Err(e) => return Err(e.into()),
        }
    }
    register_page(&state, &caller, ctx, form.product, &form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

struct EvidenceRow {
    e: Evidence,
    size: String,
    when: String,
    short: String,
}

struct EvaluationRow {
    id: i64,
    council: String,
    level: String,
    state: String,
    result: String,
}

#[derive(Template)]
#[template(path = "evaluation/registration.html")]
struct DetailPage {
    ctx: PageCtx,
    g: Registration,
    state: String,
    state_class: &'static str,
    kind: String,
    sheet: String,
    submitted: String,
    screening_due: String,
    overdue: bool,
    rerating_due: String,
    rerating_overdue: bool,
    self_total: String,
    evidence: Vec<EvidenceRow>,
    evaluations: Vec<EvaluationRow>,
    result: String,
    certificate: Option<String>,
    may_edit: bool,
    may_screen: bool,
    form03: Form03,
    screened: bool,
    errors: Vec<String>,
    reasons: String,
    /// What the owner and the office must know: the late path, why nothing was issued.
    notices: Vec<String>,
    /// The deadline was counted past the calendar's data.
    due_warning: String,
    calendar: String,
    /// What the province sent to the central level, if it did.
    forwarding: Option<ForwardingView>,
    /// The province may forward it (a potential 5★, or a 5★ re-rating without provincial scoring).
    may_forward: bool,
    five_rerating: bool,
    fwd: ForwardingInput,
    may_request_completion: bool,
    may_return_to_province: bool,
    may_re_evaluate: bool,
}

fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// What a refused form sent, shown again in its fields.
#[derive(Default)]
pub(super) struct Sticky {
    pub form03: Option<Form03>,
    pub reasons: String,
    pub forwarding: Option<ForwardingInput>,
}

struct ForwardingView {
    decision: String,
    letter: String,
    report: String,
    files: Vec<Evidence>,
}

pub(super) async fn detail(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    id: i64,
    errors: Vec<String>,
    sticky: Sticky,
) -> AppResult<Response> {
    let Sticky { form03, reasons, forwarding: fwd } = sticky;
    let (g, target) = readable(state, caller, id).await?;
    let t = ctx.t;
    let set = criteria()?;
    let conn = state.db().conn();
    let evidence = store_dossiers::evidence_of(conn, &g)
        .await?
        .into_iter()
        .map(|e| EvidenceRow {
            size: size_label(e.size),
            when: fmt::datetime(e.created_at),
            short: e.sha256.chars().take(12).collect(),
            e,
        })
        .collect();
    let evaluations = store_councils::evaluations_of_registration(conn, g.id).await?;
    // A band the requirements capped (e.g. 92 points but 4★): the requirements it missed, named.
    let mut capped: Vec<String> = Vec::new();
    for e in evaluations.iter().filter(|e| e.state == "approved") {
        let Some(o) = e.outcome()? else { continue };
        if o.stars.is_some_and(|s| s < o.band_stars) {
            capped.extend(o.capped_by.iter().map(|u| {
                t.args(
                    "reg-capped-criterion",
                    &[
                        ("criterion", u.criterion.as_str()),
                        ("stars", &u.for_stars.to_string()),
                        ("required", &u.required_points.to_string()),
                        ("got", &u.got_points.to_string()),
                    ],
                )
            }));
        }
    }
    let evaluations = evaluations
        .into_iter()
        .map(|e| EvaluationRow {
            id: e.id,
            council: e.council_name.clone(),
            level: t.get(&format!("council-level-{}", e.level)),
            state: t.get(&format!("evaluation-state-{}", e.state)),
            result: match (e.state.as_str(), e.total_x100) {
                ("approved", Some(x)) => {
                    format!("{} {} · {}", points(x), t.get("sheet-points"), stars_text(e.stars))
                }
                _ => String::new(),
            },
        })
        .collect();
    let certificate = match g.certificate_id {
        Some(cid) => {
            store::certificates::by_ids(conn, &[cid].into_iter().collect()).await?.remove(&cid).map(|c| c.number)
        }
        None => None,
    };
    let reg_state = g.state();
    let may_edit = reg_state.editable() && caller.may(Action::EditRegistry, &target);
    let may_screen = reg_state == RegState::Submitted && caller.may(Action::ScreenDossier, &target);
    let result = match (g.stars, g.total_x100) {
        (Some(s), Some(x)) => {
            let label = if g.potential_five() {
                t.get("rank-potential-five")
            } else {
                t.arg("reg-result-stars", "stars", &s.to_string())
            };
            format!("{} {} · {label}", points(x), t.get("sheet-points"))
        }
        _ => String::new(),
    };
    let mut notices = Vec::new();
    if !capped.is_empty() {
        notices.push(t.arg("reg-capped", "criteria", &capped.join("; ")));
    }
    let previous = store_dossiers::previous_certificate(conn, &g).await?;
    if let Some(until) = g.extension(previous.as_ref()) {
        notices.push(t.arg("reg-late-notice", "date", &fmt::date(until)));
    }
    match g.unrecognised.as_str() {
        "" => {}
        "not_higher" => {
            let held = previous.as_ref().map_or(0, |c| c.stars);
            notices.push(t.arg("reg-unrecognised-not_higher", "held", &held.to_string()));
        }
        _ => notices.push(t.get("reg-unrecognised-below_three")),
    }
    let due_warning = if g.screening_due_estimated {
        let year = store::evaluation::calendar()?.last_year().unwrap_or_default().to_string();
        t.args("reg-due-estimated", &[("year", year.as_str()), ("version", g.screening_calendar.as_str())])
    } else {
        String::new()
    };
    let calendar = if g.screening_calendar.is_empty() {
        String::new()
    } else {
        t.arg("reg-calendar", "version", &g.screening_calendar)
    };
    if reg_state == RegState::Completing {
        notices.push(t.arg("reg-completion-asked", "papers", &g.completion_request));
    }
    let forwarding = match store::evaluation::decisions::forwarding_of(conn, g.id).await? {
        Some(f) => {
            let decision = match f.decision_id {
                Some(d) => store::evaluation::decisions::get(conn, d)
                    .await?
                    .map(|d| format!("{} · {} · {}", d.number, fmt::date(d.signed_on), d.signer)),
                None => None,
            };
            Some(ForwardingView {
                decision: decision.unwrap_or_else(|| t.get("forwarding-no-decision")),
                letter: format!("{} · {}", f.letter_number, fmt::date(f.letter_date)),
                report: f.report_number.clone(),
                files: store_dossiers::evidence_of_forwarding(conn, f.id).await?,
            })
        }
        None => None,
    };
    let manages = caller.may(Action::ManageEvaluation, &target);
    let five_rerating = reg_state == RegState::Accepted && g.five_star_rerating(previous.as_ref());
    let page = DetailPage {
        forwarding,
        may_forward: manages && ((g.potential_five() && reg_state == RegState::Approved) || five_rerating),
        five_rerating,
        fwd: fwd.unwrap_or_default(),
        may_request_completion: manages && reg_state == RegState::Accepted,
        may_return_to_province: reg_state == RegState::Forwarded && caller.may(Action::EvaluateCentral, &target),
        may_re_evaluate: manages && reg_state == RegState::CentralReturned,
        notices,
        due_warning,
        calendar,
        state: state_label(t, &g.state),
        state_class: state_class(&g.state),
        kind: kind_label(t, &g.kind),
        sheet: set.sheet(&g.sheet_code).map(|s| format!("{} · {}", s.code, s.name_vi)).unwrap_or_default(),
        submitted: g.submitted_at.map(fmt::datetime).unwrap_or_default(),
        screening_due: g.screening_due.map(fmt::date).unwrap_or_default(),
        overdue: g.screening_overdue(today()),
        rerating_due: g.rerating_due().map(fmt::date).unwrap_or_default(),
        rerating_overdue: g.rerating_overdue(today()),
        self_total: g.self_total.map(|n| n.to_string()).unwrap_or_default(),
        evidence,
        evaluations,
        result,
        certificate,
        may_edit,
        may_screen,
        form03: match form03 {
            Some(f) => f,
            None => g.form03()?,
        },
        screened: g.screened_at.is_some(),
        errors,
        reasons,
        ctx,
        g,
    };
    Ok(render_form(!page.errors.is_empty(), &page))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    detail(&state, &caller, ctx, id, Vec::new(), Sticky::default()).await
}

#[derive(Template)]
#[template(path = "evaluation/self_assessment.html")]
struct SelfAssessmentPage {
    ctx: PageCtx,
    g: Registration,
    sheet: SheetView,
    editable: bool,
    declare: bool,
    errors: Vec<String>,
    total: String,
    /// The criteria set's star bands for the live total, `5:90,4:70,…` (rules are data).
    bands: String,
}

async fn self_assessment_page(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    id: i64,
    answers: Option<std::collections::BTreeMap<String, scoring::Answer>>,
    errors: Vec<String>,
) -> AppResult<Response> {
    let (g, target) = readable(state, caller, id).await?;
    let set = criteria()?;
    let sh = set.sheet(&g.sheet_code).ok_or_else(|| AppError::internal("unknown sheet"))?;
    let answers = match answers {
        Some(a) => a,
        None => g.answers()?,
    };
    let card = Scorecard { answers, ..Scorecard::default() };
    let view = sheet::view(ctx.t, set, sh, &card, None);
    let editable = g.state().editable() && caller.may(Action::EditRegistry, &target);
    let page = SelfAssessmentPage {
        sheet: view,
        editable,
        declare: false,
        total: g.self_total.map(|n| n.to_string()).unwrap_or_default(),
        bands: set.bands.iter().map(|b| format!("{}:{}", b.stars, b.min_avg_total)).collect::<Vec<_>>().join(","),
        errors,
        ctx,
        g,
    };
    Ok(render_form(!page.errors.is_empty(), &page))
}

pub async fn self_assessment(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    self_assessment_page(&state, &caller, ctx, id, None, Vec::new()).await
}

pub async fn save_self_assessment(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (_, target) = readable(&state, &caller, id).await?;
    caller.require(Action::EditRegistry, &target)?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let (answers, _, _) = sheet::read_form(&fields);
    let tx = state.db().write().await?;
    match store_dossiers::save_self_assessment(&tx, &me.who(), criteria()?, id, answers.clone()).await {
        Ok(g) => {
            tx.commit().await?;
            let message = match g.self_total {
                Some(total) => t.arg("reg-self-saved-complete", "total", &total.to_string()),
                None => t.get("reg-self-saved-partial"),
            };
            Ok(redirect_with_flash(&state, &message, &format!("/evaluation/registrations/{id}")))
        }
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            let errors = messages(t, &fields);
            self_assessment_page(&state, &caller, ctx, id, Some(answers), errors).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn upload_evidence(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> AppResult<Response> {
    let (_, target) = readable(&state, &caller, id).await?;
    caller.require(Action::EditRegistry, &target)?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let mut label = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = form.next_field().await {
        match field.name() {
            Some("label") => label = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or("tep").to_owned();
                match field.bytes().await {
                    Ok(bytes) if !bytes.is_empty() => file = Some((name, bytes.to_vec())),
                    Ok(_) => {}
                    Err(_) => {
                        let errors = vec![t.invalid(&Invalid::new("import-upload-failed"))];
                        return detail(&state, &caller, ctx, id, errors, Sticky::default()).await;
                    }
                }
            }
            _ => {}
        }
    }
    let Some((name, bytes)) = file else {
        let errors = vec![t.invalid(&Invalid::new("invalid-evidence-empty"))];
        return detail(&state, &caller, ctx, id, errors, Sticky::default()).await;
    };
    let checked = match media::evidence::check(&bytes) {
        Ok(c) => c,
        Err(why) => {
            let errors = vec![format!("{name}: {}", t.invalid(&why))];
            return detail(&state, &caller, ctx, id, errors, Sticky::default()).await;
        }
    };
    let label = if label.trim().is_empty() { name.clone() } else { label };
    let tx = state.db().write().await?;
    let new = NewEvidence {
        label: &label,
        file_name: &name,
        content_type: checked.content_type,
        sha256: &checked.sha256,
        bytes,
    };
    match store_dossiers::add_evidence(&tx, &me.who(), id, new).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(redirect_with_flash(&state, &t.get("evidence-added"), &format!("/evaluation/registrations/{id}")))
        }
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            let errors = messages(t, &fields);
            detail(&state, &caller, ctx, id, errors, Sticky::default()).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn withdraw_evidence(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path((id, evidence)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (_, target) = readable(&state, &caller, id).await?;
    caller.require(Action::EditRegistry, &target)?;
    let me = caller.signed_in()?.clone();
    let tx = state.db().write().await?;
    store_dossiers::withdraw_evidence(&tx, &me.who(), id, evidence).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.get("evidence-withdrawn"), &format!("/evaluation/registrations/{id}")))
}

/// Serves an evidence file as a download that no browser will run or render as a page.
pub async fn evidence_file(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> AppResult<Response> {
    let file = store_dossiers::evidence_file(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    let product = store::products::get(state.db().conn(), file.product_id).await?.ok_or(AppError::NotFound)?;
    let target = product_target(&product);
    let seated = match caller.reads_by_assignment() {
        Some(u) => {
            let filter = store_dossiers::RegistrationFilter { product_id: Some(product.id), ..Default::default() };
            let listing = domain::access::Listing::AssignedTo(u.id);
            store_dossiers::search(state.db().conn(), &listing, &filter, store::Page::new(1, 1)).await?.total > 0
        }
        None => false,
    };
    caller.require(Action::ReadRecords, &Target { assigned: seated, ..target })?;
    Ok(crate::page::attachment(&file.file_name, &file.content_type, &file.sha256, file.bytes))
}

pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (_, target) = readable(&state, &caller, id).await?;
    caller.require(Action::EditRegistry, &target)?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let tx = state.db().write().await?;
    match store_dossiers::submit(&tx, &me.who(), criteria()?, id, today()).await {
        Ok(g) => {
            let extension = g.extension(store_dossiers::previous_certificate(&tx, &g).await?.as_ref());
            tx.commit().await?;
            let mut message = t.args(
                "reg-submitted",
                &[
                    ("number", g.number.as_deref().unwrap_or_default()),
                    ("due", &g.screening_due.map(fmt::date).unwrap_or_default()),
                ],
            );
            if let Some(until) = extension {
                message = format!("{message} {}", t.arg("reg-late-submitted", "date", &fmt::date(until)));
            }
            Ok(redirect_with_flash(&state, &message, &format!("/evaluation/registrations/{id}")))
        }
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            let errors = messages(t, &fields);
            detail(&state, &caller, ctx, id, errors, Sticky::default()).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn screen(state: &AppState, caller: &Caller, ctx: PageCtx, id: i64, screening: Screening) -> AppResult<Response> {
    let (_, target) = readable(state, caller, id).await?;
    caller.require(Action::ScreenDossier, &target)?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let (form03, reasons) = match &screening {
        Screening::Accept(f) => (Some(f.clone()), String::new()),
        Screening::Return { reasons } => (None, reasons.clone()),
    };
    let accepted = matches!(screening, Screening::Accept(_));
    let tx = state.db().write().await?;
    match store_dossiers::screen(&tx, &me.who(), id, screening).await {
        Ok(_) => {
            tx.commit().await?;
            let key = if accepted { "reg-accepted" } else { "reg-returned" };
            Ok(redirect_with_flash(state, &t.get(key), &format!("/evaluation/registrations/{id}")))
        }
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            let errors = fields
                .iter()
                .map(|(field, why)| format!("{}: {}", t.get(&format!("form03-{field}")), t.invalid(why)))
                .collect();
            detail(state, caller, ctx, id, errors, Sticky { form03, reasons, forwarding: None }).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<Form03>,
) -> AppResult<Response> {
    screen(&state, &caller, ctx, id, Screening::Accept(form)).await
}

#[derive(Deserialize)]
pub struct ReturnForm {
    #[serde(default)]
    pub reasons: String,
}

pub async fn send_back(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<ReturnForm>,
) -> AppResult<Response> {
    screen(&state, &caller, ctx, id, Screening::Return { reasons: form.reasons }).await
}

#[derive(Deserialize)]
pub struct CompletionForm {
    #[serde(default)]
    papers: String,
}

/// `POST /evaluation/registrations/{id}/completion`: the province's agency asks for missing papers.
pub async fn request_completion(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<CompletionForm>,
) -> AppResult<Response> {
    let (_, target) = readable(&state, &caller, id).await?;
    caller.require(Action::ManageEvaluation, &target)?;
    let me = caller.signed_in()?.clone();
    let tx = state.db().write().await?;
    match store_dossiers::request_completion(&tx, &me.who(), id, &form.papers).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(redirect_with_flash(
                &state,
                &ctx.t.get("reg-completion-sent"),
                &format!("/evaluation/registrations/{id}"),
            ))
        }
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            let errors = messages(ctx.t, &fields);
            detail(&state, &caller, ctx, id, errors, Sticky::default()).await
        }
        Err(e) => Err(e.into()),
    }
}
