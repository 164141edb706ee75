//! The council at work: a member's scorecard (one screen per part, saved as they click, safe on
//! a flaky connection), the evaluation page with the chair's controls, and the result.

use super::sheet::{self, SheetView};
use super::{criteria, points, stars_text};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::page::{PageCtx, messages, render, render_form};
use askama::Template;
use axum::Json;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Invalid;
use domain::access::{Action, Target};
use domain::criteria::Part;
use domain::evaluation::Vote;
use domain::scoring::{self, Answer, Level};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use store::StoreError;
use store::evaluation::councils::{self as store_councils, CardSave, Council, Evaluation};
use store::users::User;

/// Who the caller is to this evaluation.
struct Standing {
    e: Evaluation,
    council: Council,
    /// `Some(is_chair)` for a member.
    seat: Option<bool>,
}

async fn standing(state: &AppState, caller: &Caller, id: i64) -> AppResult<Standing> {
    let conn = state.db().conn();
    let e = store_councils::evaluation(conn, id).await?.ok_or(AppError::NotFound)?;
    let council = store_councils::get(conn, e.council_id).await?.ok_or(AppError::NotFound)?;
    let seat = match caller.user() {
        Some(u) => store_councils::seat(conn, e.council_id, u.id).await?,
        None => None,
    };
    if seat.is_none() {
        let office = match council.level() {
            Level::Central => caller.may_list(Action::EvaluateCentral),
            Level::Province => caller.may(Action::ManageEvaluation, &Target::in_province(&e.province_code)),
        };
        if !office {
            // Logs the refusal; answers 401, 403 or 404 as the caller's scope decides.
            caller.require(Action::ScoreProduct, &Target::in_province(&e.province_code))?;
            return Err(AppError::NotFound);
        }
    } else {
        let target = Target { assigned: true, ..Target::in_province(&e.province_code) };
        caller.require(Action::ScoreProduct, &target)?;
    }
    Ok(Standing { e, council, seat })
}

fn member(caller: &Caller, s: &Standing) -> AppResult<User> {
    match s.seat {
        Some(_) => Ok(caller.signed_in()?.clone()),
        None => Err(AppError::Forbidden),
    }
}

struct MemberRow {
    name: String,
    chair: bool,
    submitted: bool,
    total: String,
}

struct Unmet {
    criterion: String,
    text: String,
    for_stars: String,
    required: String,
    got: String,
}

#[derive(Template)]
#[template(path = "evaluation/evaluation.html")]
struct EvaluationPage {
    ctx: PageCtx,
    e: Evaluation,
    council: Council,
    state: String,
    sheet: String,
    members: Vec<MemberRow>,
    is_member: bool,
    is_chair: bool,
    my_submitted: bool,
    /// Why the chair cannot close scoring yet (blank when it can).
    close_blocked: String,
    /// Discussion could not bring the spread under the limit: the council may vote.
    may_vote: bool,
    /// The council's vote, in words, when the result was approved by one.
    vote: String,
    outcome: Option<OutcomeView>,
    discussion: Vec<String>,
}

impl EvaluationPage {
    fn close_question(&self) -> String {
        close_question(self.ctx.t, &self.e)
    }
}

struct OutcomeView {
    total: String,
    parts: Vec<(String, String)>,
    band: String,
    stars: String,
    verdict: String,
    unmet: Vec<Unmet>,
    spread: String,
    spread_exceeded: bool,
    stopped: String,
}

fn outcome_view(
    t: crate::i18n::Tr,
    e: &Evaluation,
    set: &domain::criteria::CriteriaSet,
) -> AppResult<Option<OutcomeView>> {
    let Some(o) = e.outcome()? else {
        return Ok(None);
    };
    let sheet = set.sheet(&e.sheet_code);
    let num = |x: f64| points(domain::num::round(x * 100.0).unwrap_or(0));
    let stars = o.stars.map(i64::from);
    let verdict = if o.potential_5_star {
        t.get("rank-potential-five")
    } else if o.recognised {
        t.arg("reg-result-stars", "stars", &stars.unwrap_or(0).to_string())
    } else {
        t.get("outcome-not-recognised")
    };
    let unmet = o
        .capped_by
        .iter()
        .map(|u| Unmet {
            text: sheet.and_then(|s| s.criterion(&u.criterion)).map(|c| c.text_vi.clone()).unwrap_or_default(),
            criterion: u.criterion.clone(),
            for_stars: format!("{}★", u.for_stars),
            required: u.required_points.to_string(),
            got: u.got_points.to_string(),
        })
        .collect();
    let stopped = match &o.stopped {
        Some(s) if s.reason == "knock_out" => t.args(
            "outcome-knock-out",
            &[
                ("criterion", s.criterion.as_deref().unwrap_or_default()),
                ("note", s.note.as_deref().unwrap_or_default()),
            ],
        ),
        Some(_) => t.get("outcome-disqualified"),
        None => String::new(),
    };
    Ok(Some(OutcomeView {
        total: num(o.total),
        parts: vec![
            ("A".to_owned(), num(o.parts.A)),
            ("B".to_owned(), num(o.parts.B)),
            ("C".to_owned(), num(o.parts.C)),
        ],
        band: stars_text(Some(i64::from(o.band_stars))),
        stars: stars_text(stars),
        verdict,
        unmet,
        spread: o.spread.to_string(),
        spread_exceeded: o.spread_exceeded,
        stopped,
    }))
}

pub async fn evaluation(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = standing(&state, &caller, id).await?;
    let t = ctx.t;
    let set = criteria()?;
    let cards = store_councils::cards(state.db().conn(), id).await?;
    let open = s.e.state == "scoring";
    let sheet = set.sheet(&s.e.sheet_code).ok_or_else(|| AppError::internal("unknown sheet"))?;
    let mut members = Vec::new();
    for c in &cards {
        // Members see each other's totals only once the chair has closed scoring.
        let total = if open {
            String::new()
        } else {
            scoring::tally(sheet, &c.scorecard()?).map(|x| x.total.to_string()).unwrap_or_default()
        };
        members.push(MemberRow {
            name: c.display_name.clone(),
            chair: c.is_chair,
            submitted: c.submitted_at.is_some(),
            total,
        });
    }
    let me = caller.user().map(|u| u.id);
    let my_submitted = cards.iter().any(|c| Some(c.user_id) == me && c.submitted_at.is_some());
    let chair_submitted = cards.iter().any(|c| c.is_chair && c.submitted_at.is_some());
    // Why the chair cannot close yet, said beside the disabled button.
    let close_blocked = domain::evaluation::may_close(s.e.submitted_cards, s.council.quorum(), chair_submitted)
        .err()
        .map(|why| t.invalid(&why))
        .unwrap_or_default();
    let page = EvaluationPage {
        state: t.get(&format!("evaluation-state-{}", s.e.state)),
        sheet: format!("{} · {}", sheet.code, sheet.name_vi),
        members,
        is_member: s.seat.is_some(),
        is_chair: s.seat == Some(true),
        my_submitted,
        close_blocked,
        may_vote: s.e.state == "closed" && domain::evaluation::vote_due(s.e.rescored),
        vote: serde_json::from_str::<Vote>(&s.e.vote)
            .map(|v| {
                t.args(
                    "evaluation-vote-recorded",
                    &[
                        ("approve", &v.approve.to_string()),
                        ("against", &v.against.to_string()),
                        ("abstain", &v.abstain.to_string()),
                    ],
                )
            })
            .unwrap_or_default(),
        outcome: outcome_view(t, &s.e, set)?,
        discussion: s.e.discussion.lines().map(str::to_owned).collect(),
        council: s.council,
        e: s.e,
        ctx,
    };
    Ok(render(&page))
}

/// What the chair does to an evaluation.
enum ChairStep<'a> {
    Close,
    Reopen(&'a str),
    Approve(Option<Vote>),
}

async fn chair_step(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    id: i64,
    step: ChairStep<'_>,
) -> AppResult<Response> {
    let s = standing(state, caller, id).await?;
    let me = member(caller, &s)?;
    let set = criteria()?;
    let tx = state.db().write().await?;
    let who = me.who();
    let done = match step {
        ChairStep::Close => {
            store_councils::close(&tx, &who, set, id, me.id).await?;
            "evaluation-close-done"
        }
        ChairStep::Reopen(note) => {
            store_councils::reopen(&tx, &who, id, me.id, note).await?;
            "evaluation-reopen-done"
        }
        ChairStep::Approve(None) => {
            store_councils::approve(&tx, &who, set, id, me.id).await?;
            "evaluation-approve-done"
        }
        ChairStep::Approve(Some(vote)) => {
            store_councils::approve_by_vote(&tx, &who, set, id, me.id, vote).await?;
            "evaluation-approve-done"
        }
    };
    tx.commit().await?;
    Ok(redirect_with_flash(state, &ctx.t.get(done), &format!("/evaluation/evaluations/{id}")))
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    pub confirmed: String,
}

pub async fn close(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<CloseForm>,
) -> AppResult<Response> {
    // The chair is asked while scoring is open; anyone else is refused by the step itself.
    let unconfirmed =
        if crate::confirm::given(&form.confirmed) { None } else { Some(standing(&state, &caller, id).await?) };
    if let Some(s) = unconfirmed.filter(|s| s.seat == Some(true) && s.e.state == "scoring") {
        let t = ctx.t;
        let e = &s.e;
        let c = crate::confirm::Confirmation {
            question: close_question(t, e),
            consequences: vec![
                t.args(
                    "evaluation-close-cards",
                    &[("submitted", &e.submitted_cards.to_string()), ("cards", &e.cards.to_string())],
                ),
                t.get("evaluation-close-effect"),
            ],
            action: format!("/evaluation/evaluations/{id}/close"),
            fields: Vec::new(),
            button: t.get("evaluation-close"),
            back: format!("/evaluation/evaluations/{id}"),
        };
        return Ok(crate::confirm::ask(ctx, c));
    }
    chair_step(&state, &caller, ctx, id, ChairStep::Close).await
}

/// "Kết thúc chấm điểm sản phẩm «…»?"
pub(crate) fn close_question(t: crate::i18n::Tr, e: &store_councils::Evaluation) -> String {
    t.arg("evaluation-close-question", "product", &e.product_name)
}

#[derive(Deserialize)]
pub struct ReopenForm {
    #[serde(default)]
    pub discussion: String,
}

pub async fn reopen(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<ReopenForm>,
) -> AppResult<Response> {
    chair_step(&state, &caller, ctx, id, ChairStep::Reopen(&form.discussion)).await
}

/// The approval form: empty, or the council's vote on a deadlocked spread.
#[derive(Deserialize, Default)]
pub struct ApproveForm {
    #[serde(default)]
    pub vote_approve: String,
    #[serde(default)]
    pub vote_against: String,
    #[serde(default)]
    pub vote_abstain: String,
}

impl ApproveForm {
    fn vote(&self) -> Result<Option<Vote>, Invalid> {
        let fields = [&self.vote_approve, &self.vote_against, &self.vote_abstain];
        if fields.iter().all(|f| f.trim().is_empty()) {
            return Ok(None);
        }
        let count = |f: &String| f.trim().parse::<u32>().map_err(|_| Invalid::new("invalid-vote-number"));
        Ok(Some(Vote {
            approve: count(&self.vote_approve)?,
            against: count(&self.vote_against)?,
            abstain: count(&self.vote_abstain)?,
        }))
    }
}

pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<ApproveForm>,
) -> AppResult<Response> {
    let vote = form.vote().map_err(AppError::BadRequest)?;
    chair_step(&state, &caller, ctx, id, ChairStep::Approve(vote)).await
}

#[derive(Deserialize, Default)]
pub struct CardQuery {
    #[serde(default)]
    pub part: String,
}

struct Tab {
    key: &'static str,
    label: String,
    answered: usize,
    count: usize,
    current: bool,
}

#[derive(Template)]
#[template(path = "evaluation/scorecard.html")]
struct CardPage {
    ctx: PageCtx,
    e: Evaluation,
    sheet: SheetView,
    tabs: Vec<Tab>,
    part: &'static str,
    next: &'static str,
    editable: bool,
    declare: bool,
    summary: bool,
    disqualified: bool,
    disqualification: String,
    total: u32,
    missing: Vec<String>,
    errors: Vec<String>,
    state_json: String,
}

fn part_of(key: &str) -> Option<Part> {
    match key {
        "A" => Some(Part::A),
        "B" => Some(Part::B),
        "C" => Some(Part::C),
        _ => None,
    }
}

async fn card_page(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    id: i64,
    part: &str,
    errors: Vec<String>,
) -> AppResult<Response> {
    let s = standing(state, caller, id).await?;
    let me = member(caller, &s)?;
    let set = criteria()?;
    let sh = set.sheet(&s.e.sheet_code).ok_or_else(|| AppError::internal("unknown sheet"))?;
    let stored = store_councils::card(state.db().conn(), id, me.id).await?.ok_or(AppError::NotFound)?;
    let card = stored.scorecard()?;
    let editable = s.e.state == "scoring" && stored.submitted_at.is_none();
    let (key, only) = match part_of(part) {
        Some(p) => (p.letter(), Some(p)),
        None if part == "summary" => ("summary", None),
        None => ("A", Some(Part::A)),
    };
    let t = ctx.t;
    let mut tabs: Vec<Tab> = Part::ALL
        .iter()
        .map(|p| {
            let codes: Vec<&str> = sh.scored().filter(|c| c.part == *p).map(|c| c.code.as_str()).collect();
            Tab {
                key: p.letter(),
                label: format!("{} {}", t.get("sheet-part"), p.letter()),
                answered: codes.iter().filter(|c| card.answers.contains_key(**c)).count(),
                count: codes.len(),
                current: key == p.letter(),
            }
        })
        .collect();
    tabs.push(Tab {
        key: "summary",
        label: t.get("scorecard-summary"),
        answered: 0,
        count: 0,
        current: key == "summary",
    });
    let next = match key {
        "A" => "B",
        "B" => "C",
        _ => "summary",
    };
    let total = scoring::running_total(sh, &card.answers);
    let missing = sh.scored().filter(|c| !card.answers.contains_key(&c.code)).map(|c| c.code.clone()).collect();
    // Each option's points, so the device can total the parts not on this screen.
    let points_table: serde_json::Map<String, serde_json::Value> = sh
        .scored()
        .map(|c| {
            let mut m = serde_json::Map::new();
            if c.options.is_empty() {
                m.insert("true".into(), c.max_points.into());
                m.insert("false".into(), 0.into());
            }
            for (i, o) in c.options.iter().enumerate() {
                m.insert(i.to_string(), o.points.into());
            }
            (c.code.clone(), serde_json::Value::Object(m))
        })
        .collect();
    let parts_table: serde_json::Map<String, serde_json::Value> =
        sh.scored().map(|c| (c.code.clone(), c.part.letter().into())).collect();
    let state_json = serde_json::json!({
        "points": points_table,
        "parts": parts_table,
        "evaluation": id,
        "user": me.id,
        "revision": stored.revision,
        "answers": serde_json::from_str::<serde_json::Value>(&stored.answers).unwrap_or_default(),
        "knock_outs": serde_json::from_str::<serde_json::Value>(&stored.knock_outs).unwrap_or_default(),
        "disqualified": stored.disqualified,
        "editable": editable,
    });
    let state_json = crate::page::script_json(&state_json);
    let page = CardPage {
        sheet: sheet::view(t, set, sh, &card, only.or(Some(Part::A)).filter(|_| key != "summary")),
        tabs,
        part: key,
        next,
        editable,
        declare: true,
        summary: key == "summary",
        disqualified: stored.disqualified,
        disqualification: sh.disqualification_vi.clone().unwrap_or_default(),
        total,
        missing,
        errors,
        state_json,
        e: s.e,
        ctx,
    };
    Ok(render_form(!page.errors.is_empty(), &page))
}

pub async fn card(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Query(q): Query<CardQuery>,
) -> AppResult<Response> {
    card_page(&state, &caller, ctx, id, &q.part, Vec::new()).await
}

/// The form fallback (no JavaScript): the posted part replaces that part of the stored card.
pub async fn save_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Query(q): Query<CardQuery>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let s = standing(&state, &caller, id).await?;
    let me = member(&caller, &s)?;
    let set = criteria()?;
    let sh = set.sheet(&s.e.sheet_code).ok_or_else(|| AppError::internal("unknown sheet"))?;
    let stored = store_councils::card(state.db().conn(), id, me.id).await?.ok_or(AppError::NotFound)?;
    let mut card = stored.scorecard()?;
    let (answers, knock_outs, disqualified) = sheet::read_form(&fields);
    let part = part_of(&q.part);
    card.answers.extend(answers);
    if let Some(p) = part {
        for c in sh.scored().filter(|c| c.part == p) {
            card.knock_outs.remove(&c.code);
        }
    }
    card.knock_outs.extend(knock_outs);
    if q.part == "summary" {
        card.disqualified = disqualified;
    }
    let save = CardSave {
        answers: card.answers,
        knock_outs: card.knock_outs,
        disqualified: card.disqualified,
        revision: stored.revision + 1,
    };
    let t = ctx.t;
    let tx = state.db().write().await?;
    match store_councils::save_card(&tx, &me.who(), set, id, me.id, &save).await {
        Ok(_) => tx.commit().await?,
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            let errors = messages(t, &fields);
            return card_page(&state, &caller, ctx, id, &q.part, errors).await;
        }
        Err(e) => return Err(e.into()),
    }
    let next = fields.iter().find(|(k, _)| k == "next").map_or("summary", |(_, v)| match v.as_str() {
        "A" => "A",
        "B" => "B",
        "C" => "C",
        _ => "summary",
    });
    Ok(redirect_with_flash(&state, &t.get("scorecard-saved"), &format!("/evaluation/scorecards/{id}?part={next}")))
}

/// What a member's device sends as they click.
#[derive(Deserialize)]
pub struct CardJson {
    #[serde(default)]
    pub answers: serde_json::Value,
    #[serde(default)]
    pub knock_outs: Vec<String>,
    #[serde(default)]
    pub disqualified: bool,
    pub revision: i64,
}

/// Autosave: the whole card with the device's revision; an older revision arriving late is
/// answered with the stored one and changes nothing.
pub async fn save_json(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let s = standing(&state, &caller, id).await?;
    let me = member(&caller, &s)?;
    let body: CardJson = crate::api::parse_json(&body)?;
    let set = criteria()?;
    let answers: BTreeMap<String, Answer> =
        scoring::input::answers_from_json(&body.answers.to_string()).map_err(AppError::BadRequest)?;
    let save = CardSave {
        answers,
        knock_outs: body.knock_outs.into_iter().collect::<BTreeSet<_>>(),
        disqualified: body.disqualified,
        revision: body.revision,
    };
    let tx = state.db().write().await?;
    match store_councils::save_card(&tx, &me.who(), set, id, me.id, &save).await {
        Ok(c) => {
            tx.commit().await?;
            let card = c.scorecard()?;
            let total = set.sheet(&s.e.sheet_code).map_or(0, |sh| scoring::running_total(sh, &card.answers));
            Ok(Json(serde_json::json!({"revision": c.revision, "total": total, "saved_at": c.updated_at}))
                .into_response())
        }
        Err(StoreError::Invalid(fields)) => {
            let t = ctx.t;
            let message: Vec<String> = fields.iter().map(|(_, why)| t.invalid(why)).collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(serde_json::json!({"error": message.join(" ")})))
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = standing(&state, &caller, id).await?;
    let me = member(&caller, &s)?;
    let t = ctx.t;
    let tx = state.db().write().await?;
    match store_councils::submit_card(&tx, &me.who(), criteria()?, id, me.id).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(redirect_with_flash(&state, &t.get("scorecard-submitted"), &format!("/evaluation/evaluations/{id}")))
        }
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            let errors = messages(t, &fields);
            card_page(&state, &caller, ctx, id, "summary", errors).await
        }
        Err(e) => Err(e.into()),
    }
}
