//! Findings: the list (a producer's own with their deadlines, an inspector's, the office's), a
//! finding's page where the producer answers with evidence and the office follows up and
//! decides the outcome, up to a revocation proposal shown on the certificate.

use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::page::{Choice, PageCtx, Pager, messages, render, render_form};
use crate::pages::registry::products::today;
use askama::Template;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::response::Response;
use domain::Invalid;
use domain::access::{Action, Place, Target};
use domain::place::{CommuneCode, ProvinceCode};
use domain::supervision::{FollowUpInput, Outcome, ResponseInput};
use serde::Deserialize;
use store::StoreError;
use store::supervision::findings::{self, EvidenceInfo, Finding, FindingFilter, NewFile};
use store::supervision::inspections;
use time::Date;

async fn target_of(state: &AppState, caller: &Caller, f: &Finding) -> AppResult<Target> {
    let assigned = match caller.reads_by_assignment() {
        Some(u) => inspections::is_assigned(state.db().conn(), f.inspection_id, u.id).await?,
        None => false,
    };
    Ok(Target {
        place: Place {
            province: ProvinceCode::parse(&f.province_code).ok(),
            commune: CommuneCode::parse(&f.commune_code).ok(),
            producer: Some(f.producer_id),
        },
        assigned,
    })
}

async fn finding_for(state: &AppState, caller: &Caller, id: i64, action: Action) -> AppResult<(Finding, Target)> {
    let f = findings::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    let target = target_of(state, caller, &f).await?;
    caller.require(action, &target)?;
    Ok((f, target))
}

// ------------------------------------------------------------------ the list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    inspection: Option<i64>,
    #[serde(default)]
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "supervision/findings.html")]
struct ListPage {
    ctx: PageCtx,
    q: ListQuery,
    rows: Vec<Finding>,
    count: String,
    pager: Pager,
    today: Date,
}

impl ListPage {
    fn severity(&self, s: &str) -> String {
        self.ctx.t.get(&format!("severity-{s}"))
    }

    fn state_label(&self, s: &str) -> String {
        self.ctx.t.get(&format!("finding-state-{s}"))
    }

    fn date(&self, d: &Date) -> String {
        crate::fmt::date(*d)
    }

    fn overdue(&self, f: &Finding) -> bool {
        f.state == "open" && f.remedy_by < self.today
    }
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let listing = caller.listing(Action::ReadRecords)?;
    // `overdue`: pending past the day its remedy was due.
    let overdue = q.state == "overdue";
    let filter = FindingFilter {
        inspection: q.inspection,
        state: Some(q.state.clone()).filter(|s| !s.is_empty() && !overdue),
        producer: None,
        overdue_on: overdue.then(today),
    };
    let found =
        findings::search(state.db().conn(), &listing, &filter, store::Page::new(q.page.unwrap_or(1), 50)).await?;
    let page = ListPage {
        count: ctx.t.arg("findings-count", "count", &crate::fmt::thousands(found.total)),
        pager: Pager::new(&ctx, found.page, found.total),
        rows: found.items,
        today: today(),
        q,
        ctx,
    };
    Ok(render(&page))
}

// ------------------------------------------------------------------ one finding

#[derive(Template)]
#[template(path = "supervision/finding.html")]
struct ShowPage {
    ctx: PageCtx,
    f: Finding,
    evidence: Vec<EvidenceInfo>,
    item: String,
    may_respond: bool,
    may_follow_up: bool,
    outcomes: Vec<Choice>,
    due: Option<String>,
    overdue: bool,
    errors: Vec<String>,
}

impl ShowPage {
    fn date(&self, d: &Date) -> String {
        crate::fmt::date(*d)
    }

    fn label(&self, prefix: &str, code: &str) -> String {
        self.ctx.t.get(&format!("{prefix}-{code}"))
    }
}

async fn show_page(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    id: i64,
    errors: Vec<String>,
) -> AppResult<Response> {
    let (f, target) = finding_for(state, caller, id, Action::ReadRecords).await?;
    let t = ctx.t;
    let pending = f.state()?.is_pending();
    let severity = f.severity()?;
    let day = today();
    let page = ShowPage {
        evidence: findings::evidence(state.db().conn(), f.id).await?,
        item: f.item_code.as_deref().map(|c| format!("{c} · {}", super::item_text(t, c))).unwrap_or_default(),
        may_respond: pending && caller.may(Action::AnswerFindings, &target),
        may_follow_up: pending && caller.may(Action::ManageSupervision, &target),
        outcomes: Choice::list(
            Outcome::ALL
                .iter()
                .filter(|o| o.allowed_for(severity))
                .map(|o| (o.as_str(), t.get(&format!("outcome-{}", o.as_str())))),
            "",
        ),
        due: f.revocation_due().map(crate::fmt::date),
        overdue: f.state == "open" && f.remedy_by < day,
        errors,
        f,
        ctx,
    };
    Ok(render_form(!page.errors.is_empty(), &page))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    show_page(&state, &caller, ctx, id, Vec::new()).await
}

/// Runs a step on a finding; a refusal shows the page again with the reason.
async fn step(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    id: i64,
    done: &str,
    result: Result<Finding, StoreError>,
    tx: store::Tx,
) -> AppResult<Response> {
    let t = ctx.t;
    match result {
        Ok(_) => {
            tx.commit().await?;
            Ok(redirect_with_flash(state, &t.get(done), &format!("/findings/{id}")))
        }
        Err(StoreError::Invalid(errors)) => {
            drop(tx);
            show_page(state, caller, ctx, id, messages(t, &errors)).await
        }
        Err(StoreError::Refused(why)) => {
            drop(tx);
            let page = show_page(state, caller, ctx, id, vec![t.invalid(&why)]).await?;
            let (mut parts, body) = page.into_parts();
            parts.status = axum::http::StatusCode::CONFLICT;
            Ok(Response::from_parts(parts, body))
        }
        Err(StoreError::Stale) => Err(AppError::Conflict),
        Err(e) => Err(e.into()),
    }
}

/// The producer answers a finding: what it did to remedy it.
pub async fn respond(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(input): Form<ResponseInput>,
) -> AppResult<Response> {
    let (f, _) = finding_for(&state, &caller, id, Action::AnswerFindings).await?;
    let me = caller.signed_in()?.clone();
    let text = match input.parse() {
        Ok(t) => t,
        Err(errors) => {
            let m = messages(ctx.t, &errors);
            return show_page(&state, &caller, ctx, id, m).await;
        }
    };
    let tx = state.db().write().await?;
    let result = findings::respond(&tx, &me.who(), &f, &text).await;
    step(&state, &caller, ctx, id, "finding-responded", result, tx).await
}

/// Evidence of the remedy: a PDF or a photo, checked like dossier evidence.
pub async fn upload_evidence(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> AppResult<Response> {
    let (f, _) = finding_for(&state, &caller, id, Action::AnswerFindings).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("tep").to_owned();
            match field.bytes().await {
                Ok(bytes) if !bytes.is_empty() => file = Some((name, bytes.to_vec())),
                Ok(_) => {}
                Err(_) => {
                    let errors = vec![t.invalid(&Invalid::new("import-upload-failed"))];
                    return show_page(&state, &caller, ctx, id, errors).await;
                }
            }
        }
    }
    let Some((name, bytes)) = file else {
        return show_page(&state, &caller, ctx, id, vec![t.invalid(&Invalid::new("invalid-evidence-empty"))]).await;
    };
    let checked = match media::evidence::check(&bytes) {
        Ok(c) => c,
        Err(why) => return show_page(&state, &caller, ctx, id, vec![format!("{name}: {}", t.invalid(&why))]).await,
    };
    let tx = state.db().write().await?;
    let new = NewFile { file_name: &name, content_type: checked.content_type, sha256: &checked.sha256, bytes };
    match findings::add_evidence(&tx, &me.who(), &f, new).await {
        Ok(_) => tx.commit().await?,
        Err(StoreError::Invalid(errors)) => {
            drop(tx);
            return show_page(&state, &caller, ctx, id, messages(t, &errors)).await;
        }
        Err(StoreError::Refused(why)) => {
            drop(tx);
            return show_page(&state, &caller, ctx, id, vec![t.invalid(&why)]).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(redirect_with_flash(&state, &t.get("finding-evidence-added"), &format!("/findings/{id}")))
}

pub async fn evidence_file(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> AppResult<Response> {
    let (info, bytes) = findings::evidence_file(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    finding_for(&state, &caller, info.finding_id, Action::ReadRecords).await?;
    Ok(crate::page::attachment(&info.file_name, &info.content_type, &info.sha256, bytes))
}

/// The office follows the finding up: remedied or not, and the outcome.
pub async fn follow_up(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(input): Form<FollowUpInput>,
) -> AppResult<Response> {
    let (f, _) = finding_for(&state, &caller, id, Action::ManageSupervision).await?;
    let me = caller.signed_in()?.clone();
    let up = match input.parse(f.severity()?, today()) {
        Ok(u) => u,
        Err(errors) => {
            let m = messages(ctx.t, &errors);
            return show_page(&state, &caller, ctx, id, m).await;
        }
    };
    let tx = state.db().write().await?;
    let result = findings::follow_up(&tx, &me.who(), &f, &up).await;
    let done = if up.outcome == Some(Outcome::RevocationProposal) {
        "finding-revocation-proposed"
    } else {
        "finding-followed-up"
    };
    step(&state, &caller, ctx, id, done, result, tx).await
}

/// A revocation proposal waiting for its decision, as the certificate page shows it.
pub(crate) struct ProposalBanner {
    pub finding_id: i64,
    pub inspection_id: i64,
    pub proposed_on: String,
    pub due: String,
    pub days_left: i64,
    /// The time limit of the rules in force, in days.
    pub limit: String,
}

pub(crate) async fn proposal_banner(state: &AppState, number: &str) -> AppResult<Option<ProposalBanner>> {
    let Some(f) = findings::proposal_for(state.db().conn(), number).await? else { return Ok(None) };
    let (Some(due), Some(on)) = (f.revocation_due(), f.proposed_on) else { return Ok(None) };
    Ok(Some(ProposalBanner {
        finding_id: f.id,
        inspection_id: f.inspection_id,
        proposed_on: crate::fmt::date(on),
        due: crate::fmt::date(due),
        days_left: (due - today()).whole_days(),
        limit: domain::supervision::supervision().revocation_decision_days.to_string(),
    }))
}
