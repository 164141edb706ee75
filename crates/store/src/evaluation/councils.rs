//! Councils (Hội đồng cấp tỉnh / cấp trung ương), the products before them, and the members'
//! scorecards: saved as members click, submitted when complete, closed by the chair when the
//! quorum has scored, re-opened for discussion when totals spread too far, approved by the chair.

use super::dossiers::Registration;
use super::{refused, step};
use crate::audit::{self, Change, Who};
use crate::db::{count, execute, fetch_all, fetch_one, fetch_optional, now};
use crate::{Result, StoreError, Tx};
use domain::certificate::Stars;
use domain::criteria::{CriteriaSet, Sheet};
use domain::evaluation::{self, State, Step};
use domain::place::ProvinceCode;
use domain::role::Role;
use domain::scoring::input::Report;
use domain::scoring::{self, Answer, Level, Outcome, Rules, Scorecard};
use domain::text::clean;
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct Council {
    pub id: i64,
    pub level: String,
    pub province_code: Option<String>,
    pub round_id: Option<i64>,
    pub name: String,
    pub quorum_percent: i64,
    pub spread_limit: i64,
    pub created_at: i64,
    pub members: i64,
    pub products: i64,
}

impl Council {
    pub fn level(&self) -> Level {
        Level::parse(&self.level).unwrap_or(Level::Province)
    }

    /// Scorecards needed before the chair may close scoring: the quorum share of members.
    pub fn quorum(&self) -> i64 {
        evaluation::quorum(self.members, self.quorum_percent)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct Member {
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
    pub is_chair: bool,
}

/// A council as the office sets it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouncilDraft {
    pub name: String,
    pub level: Level,
    /// The province of a provincial council; `None` for the central council.
    pub province: Option<ProvinceCode>,
    pub round_id: Option<i64>,
    pub members: Vec<i64>,
    pub chair: i64,
    pub quorum_percent: i64,
    pub spread_limit: i64,
}

const COUNCIL: &str = "SELECT k.id, k.level, k.province_code, k.round_id, k.name, k.quorum_percent, k.spread_limit, \
    k.created_at, (SELECT COUNT(*) FROM council_member m WHERE m.council_id = k.id) AS members, \
    (SELECT COUNT(*) FROM evaluation e WHERE e.council_id = k.id) AS products FROM council k";

pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<Council>> {
    fetch_optional(c, &format!("{COUNCIL} WHERE k.id = $1"), [id.into()]).await
}

/// Councils of a province (`Some`) or the central councils (`None`), newest first.
pub async fn list(c: &impl ConnectionTrait, province: Option<&str>) -> Result<Vec<Council>> {
    match province {
        Some(p) => fetch_all(c, &format!("{COUNCIL} WHERE k.province_code = $1 ORDER BY k.id DESC"), [p.into()]).await,
        None => fetch_all(c, &format!("{COUNCIL} WHERE k.level = 'central' ORDER BY k.id DESC"), []).await,
    }
}

pub async fn members(c: &impl ConnectionTrait, council_id: i64) -> Result<Vec<Member>> {
    fetch_all(
        c,
        "SELECT m.user_id, u.display_name, u.email, m.is_chair FROM council_member m JOIN app_user u ON u.id = m.user_id \
         WHERE m.council_id = $1 ORDER BY m.is_chair DESC, u.display_name",
        [council_id.into()],
    )
    .await
}

pub async fn create(tx: &Tx, who: &Who, d: &CouncilDraft) -> Result<Council> {
    let mut e = FieldErrors::new();
    let name = clean(&d.name);
    if name.is_empty() {
        e.add("name", Invalid::new("invalid-required"));
    }
    let members: BTreeSet<i64> = d.members.iter().copied().collect();
    for (field, why) in
        evaluation::check_council(members.len(), members.contains(&d.chair), d.quorum_percent, d.spread_limit).iter()
    {
        e.add(field.clone(), why.clone());
    }
    for id in &members {
        let user = crate::users::get(tx, *id).await?;
        let fits = user.as_ref().is_some_and(|u| {
            u.role == Role::CouncilMember
                && !u.disabled
                && match (&d.province, u.scope.province()) {
                    (Some(p), Some(q)) => p == q,
                    _ => true,
                }
        });
        if !fits {
            e.add("members", Invalid::new("invalid-council-member").with("id", id));
        }
    }
    if let Some(round) = d.round_id {
        let r = super::rounds::get(tx, round).await?;
        if r.is_none_or(|r| Some(r.province_code.as_str()) != d.province.as_ref().map(ProvinceCode::as_str)) {
            e.add("round_id", Invalid::new("invalid-round-province"));
        }
    }
    if !e.is_empty() {
        return Err(StoreError::Invalid(e));
    }
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let level = d.level.as_str();
    let row: Id = fetch_one(
        tx,
        "INSERT INTO council (level, province_code, round_id, name, quorum_percent, spread_limit, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        [
            level.into(),
            d.province.as_ref().map(|p| p.as_str().to_owned()).into(),
            d.round_id.into(),
            name.into(),
            d.quorum_percent.into(),
            d.spread_limit.into(),
            now().into(),
        ],
    )
    .await?;
    for m in &members {
        execute(
            tx,
            "INSERT INTO council_member (council_id, user_id, is_chair) VALUES ($1, $2, $3)",
            [row.id.into(), (*m).into(), (*m == d.chair).into()],
        )
        .await?;
    }
    let council = get(tx, row.id).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        tx,
        who,
        Change::new("council.create", "council", row.id)
            .province(council.province_code.as_deref())
            .after(&serde_json::json!({"council": council, "members": members, "chair": d.chair})),
    )
    .await?;
    Ok(council)
}

/// One product before one council, with what the pages show of its registration.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct Evaluation {
    pub id: i64,
    pub registration_id: i64,
    pub council_id: i64,
    pub council_name: String,
    pub level: String,
    pub sheet_code: String,
    pub criteria_version: String,
    pub state: String,
    pub rescored: i64,
    pub discussion: String,
    /// The council's vote (JSON of `domain::evaluation::Vote`) when it decided a deadlocked spread.
    pub vote: String,
    pub outcome: Option<String>,
    pub stars: Option<i64>,
    pub total_x100: Option<i64>,
    pub approved_at: Option<i64>,
    pub version: i64,
    pub product_id: i64,
    pub product_name: String,
    pub product_code: String,
    pub producer_name: String,
    pub registration_number: Option<String>,
    pub province_code: String,
    pub commune_code: String,
    pub submitted_cards: i64,
    pub cards: i64,
}

impl Evaluation {
    /// The result kept when scoring closed (and when it was approved); a stored result that does
    /// not read back is an error, never an empty default.
    pub fn outcome(&self) -> Result<Option<Report>> {
        self.outcome
            .as_deref()
            .map(|o| Report::parse(o).map_err(|detail| StoreError::Corrupt { table: "evaluation", detail }))
            .transpose()
    }
}

const EVALUATION: &str = "SELECT e.id, e.registration_id, e.council_id, k.name AS council_name, e.level, e.sheet_code, \
    e.criteria_version, e.state, e.rescored, e.discussion, e.vote, e.outcome, e.stars, e.total_x100, e.approved_at, e.version, \
    g.product_id, p.name AS product_name, p.code AS product_code, o.name AS producer_name, \
    g.number AS registration_number, g.province_code, g.commune_code, \
    (SELECT COUNT(*) FROM scorecard s WHERE s.evaluation_id = e.id AND s.submitted_at IS NOT NULL) AS submitted_cards, \
    (SELECT COUNT(*) FROM scorecard s WHERE s.evaluation_id = e.id) AS cards \
    FROM evaluation e JOIN council k ON k.id = e.council_id JOIN registration g ON g.id = e.registration_id \
    JOIN product p ON p.id = g.product_id JOIN producer o ON o.id = g.producer_id";

pub async fn evaluation(c: &impl ConnectionTrait, id: i64) -> Result<Option<Evaluation>> {
    fetch_optional(c, &format!("{EVALUATION} WHERE e.id = $1"), [id.into()]).await
}

pub async fn evaluations_of_council(c: &impl ConnectionTrait, council_id: i64) -> Result<Vec<Evaluation>> {
    fetch_all(c, &format!("{EVALUATION} WHERE e.council_id = $1 ORDER BY e.id"), [council_id.into()]).await
}

pub async fn evaluations_of_registration(c: &impl ConnectionTrait, registration_id: i64) -> Result<Vec<Evaluation>> {
    fetch_all(c, &format!("{EVALUATION} WHERE e.registration_id = $1 ORDER BY e.id"), [registration_id.into()]).await
}

/// The evaluations of every council the user sits on, open ones first.
pub async fn evaluations_of_member(c: &impl ConnectionTrait, user_id: i64) -> Result<Vec<Evaluation>> {
    fetch_all(
        c,
        &format!(
            "{EVALUATION} WHERE e.council_id IN (SELECT council_id FROM council_member WHERE user_id = $1) \
             ORDER BY CASE e.state WHEN 'scoring' THEN 0 WHEN 'closed' THEN 1 ELSE 2 END, e.id DESC"
        ),
        [user_id.into()],
    )
    .await
}

/// How many evaluations of a province's councils (the central councils' for `None`) have every
/// member's card submitted and wait for the chair to close scoring.
pub async fn waiting_to_close(c: &impl ConnectionTrait, province: Option<&str>) -> Result<i64> {
    let all_in = "SELECT COUNT(*) AS n FROM evaluation e JOIN council k ON k.id = e.council_id WHERE e.state = 'scoring' \
         AND (SELECT COUNT(*) FROM scorecard s WHERE s.evaluation_id = e.id AND s.submitted_at IS NOT NULL) \
         >= (SELECT COUNT(*) FROM council_member m WHERE m.council_id = e.council_id)";
    match province {
        Some(p) => count(c, &format!("{all_in} AND k.province_code = $1"), [p.into()]).await,
        None => count(c, &format!("{all_in} AND k.province_code IS NULL"), []).await,
    }
}

/// Whether the user sits on the council, and as its chair.
pub async fn seat(c: &impl ConnectionTrait, council_id: i64, user_id: i64) -> Result<Option<bool>> {
    #[derive(FromQueryResult)]
    struct Seat {
        is_chair: bool,
    }
    Ok(fetch_optional::<Seat>(
        c,
        "SELECT is_chair FROM council_member WHERE council_id = $1 AND user_id = $2",
        [council_id.into(), user_id.into()],
    )
    .await?
    .map(|s| s.is_chair))
}

/// Puts registrations before a council: accepted ones before a provincial council of their
/// province, forwarded ones before a central council. Each member gets an empty scorecard.
pub async fn assign(tx: &Tx, who: &Who, council_id: i64, registration_ids: &[i64]) -> Result<usize> {
    let council = get(tx, council_id).await?.ok_or(StoreError::NotFound)?;
    let members = members(tx, council_id).await?;
    let mut done = 0;
    for id in registration_ids {
        let g: Registration = super::dossiers::get(tx, *id).await?.ok_or(StoreError::NotFound)?;
        match council.level() {
            Level::Province => {
                if council.province_code.as_deref() != Some(g.province_code.as_str()) {
                    return Err(refused(
                        Invalid::new("invalid-council-province").with("number", g.number.clone().unwrap_or_default()),
                    ));
                }
                step(tx, g.id, &g.state, Step::AssignCouncil).await?;
            }
            Level::Central => {
                if g.state() != State::Forwarded {
                    return Err(refused(
                        Invalid::new("invalid-transition").with("step", "assign_council").with("state", &g.state),
                    ));
                }
            }
        }
        #[derive(FromQueryResult)]
        struct Id {
            id: i64,
        }
        let level = council.level.clone();
        // Evaluated again at this level (a re-evaluation, Điều 7.4): its approved evaluation is
        // scored anew by this council; the earlier result stays in the audit log.
        let earlier: Option<Id> = fetch_optional(
            tx,
            "SELECT id FROM evaluation WHERE registration_id = $1 AND level = $2 AND state = 'approved'",
            [g.id.into(), level.clone().into()],
        )
        .await?;
        let (row, action) = match earlier {
            Some(row) => {
                execute(
                    tx,
                    "UPDATE evaluation SET council_id = $1, state = 'scoring', rescored = rescored + 1, outcome = NULL, \
                     stars = NULL, total_x100 = NULL, approved_at = NULL, approved_by = NULL, vote = '', \
                     version = version + 1 WHERE id = $2",
                    [council_id.into(), row.id.into()],
                )
                .await?;
                execute(tx, "UPDATE scorecard SET submitted_at = NULL WHERE evaluation_id = $1", [row.id.into()])
                    .await?;
                (row, "evaluation.reassign")
            }
            None => {
                let row: Id = fetch_one(
                    tx,
                    "INSERT INTO evaluation (registration_id, council_id, level, sheet_code, criteria_version, state, \
                     created_at) VALUES ($1, $2, $3, $4, $5, 'scoring', $6) RETURNING id",
                    [
                        g.id.into(),
                        council_id.into(),
                        level.into(),
                        g.sheet_code.clone().into(),
                        g.criteria_version.clone().into(),
                        now().into(),
                    ],
                )
                .await
                .map_err(|e| match e {
                    StoreError::Duplicate(_) => refused(Invalid::new("invalid-already-assigned")),
                    other => other,
                })?;
                (row, "evaluation.create")
            }
        };
        for m in &members {
            execute(
                tx,
                "INSERT INTO scorecard (evaluation_id, user_id, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (evaluation_id, user_id) DO NOTHING",
                [row.id.into(), m.user_id.into(), now().into()],
            )
            .await?;
        }
        crate::notifications::notify(
            tx,
            &members.iter().map(|m| m.user_id).collect::<Vec<_>>(),
            &crate::notifications::Message {
                subject: format!("council-assigned:{}:{}", row.id, now()),
                key: "notify-council-assigned",
                args: vec![("product", g.product_name.clone()), ("council", council.name.clone())],
                link: format!("/evaluation/scorecards/{}", row.id),
            },
        )
        .await?;
        audit::append(
            tx,
            who,
            Change::new(action, "evaluation", row.id)
                .province(Some(&g.province_code))
                .after(&serde_json::json!({"registration": g.id, "council": council_id})),
        )
        .await?;
        done += 1;
    }
    Ok(done)
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct Card {
    pub evaluation_id: i64,
    pub user_id: i64,
    pub display_name: String,
    pub is_chair: bool,
    pub answers: String,
    pub knock_outs: String,
    pub disqualified: bool,
    pub revision: i64,
    pub submitted_at: Option<i64>,
    pub updated_at: i64,
}

impl Card {
    /// The card as the engine reads it; a stored card that does not read back is an error.
    pub fn scorecard(&self) -> Result<Scorecard> {
        let corrupt = |detail: String| StoreError::Corrupt { table: "scorecard", detail };
        Ok(Scorecard {
            member: self.display_name.clone(),
            answers: scoring::input::answers_from_json(&self.answers).map_err(|why| corrupt(why.key.to_owned()))?,
            knock_outs: serde_json::from_str(&self.knock_outs).map_err(|e| corrupt(e.to_string()))?,
            disqualified: self.disqualified,
        })
    }
}

const CARD: &str = "SELECT s.evaluation_id, s.user_id, u.display_name, m.is_chair, s.answers, s.knock_outs, \
    s.disqualified, s.revision, s.submitted_at, s.updated_at FROM scorecard s JOIN app_user u ON u.id = s.user_id \
    JOIN evaluation e ON e.id = s.evaluation_id \
    JOIN council_member m ON m.council_id = e.council_id AND m.user_id = s.user_id";

pub async fn cards(c: &impl ConnectionTrait, evaluation_id: i64) -> Result<Vec<Card>> {
    fetch_all(
        c,
        &format!("{CARD} WHERE s.evaluation_id = $1 ORDER BY m.is_chair DESC, u.display_name"),
        [evaluation_id.into()],
    )
    .await
}

pub async fn card(c: &impl ConnectionTrait, evaluation_id: i64, user_id: i64) -> Result<Option<Card>> {
    fetch_optional(
        c,
        &format!("{CARD} WHERE s.evaluation_id = $1 AND s.user_id = $2"),
        [evaluation_id.into(), user_id.into()],
    )
    .await
}

/// What a member's device sends: the whole card and the device's revision counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardSave {
    pub answers: BTreeMap<String, Answer>,
    pub knock_outs: BTreeSet<String>,
    pub disqualified: bool,
    pub revision: i64,
}

fn sheet_of<'a>(set: &'a CriteriaSet, e: &Evaluation) -> Result<&'a Sheet> {
    set.sheet(&e.sheet_code).ok_or_else(|| StoreError::Corrupt { table: "evaluation", detail: e.sheet_code.clone() })
}

async fn load(tx: &Tx, id: i64) -> Result<Evaluation> {
    evaluation(tx, id).await?.ok_or(StoreError::NotFound)
}

/// Saves a member's card while scoring is open. A save with a revision not above the stored one
/// arrived late (the device already sent a newer one) and changes nothing.
pub async fn save_card(
    tx: &Tx,
    who: &Who,
    set: &CriteriaSet,
    evaluation_id: i64,
    user_id: i64,
    save: &CardSave,
) -> Result<Card> {
    let e = load(tx, evaluation_id).await?;
    let stored = card(tx, evaluation_id, user_id).await?.ok_or(StoreError::NotFound)?;
    if e.state != "scoring" {
        return Err(refused(Invalid::new("invalid-scoring-closed")));
    }
    if stored.submitted_at.is_some() {
        return Err(refused(Invalid::new("invalid-card-submitted")));
    }
    if save.revision <= stored.revision {
        return Ok(stored);
    }
    let sheet = sheet_of(set, &e)?;
    for (code, answer) in &save.answers {
        let criterion = sheet.criterion(code).ok_or_else(|| {
            StoreError::Invalid(FieldErrors::single(
                code.clone(),
                Invalid::new("score-unknown-criterion").with("criterion", code).with("sheet", &sheet.code),
            ))
        })?;
        scoring::points(criterion, *answer)
            .map_err(|why| StoreError::Invalid(FieldErrors::single(code.clone(), why)))?;
    }
    for code in &save.knock_outs {
        if sheet.criterion(code).and_then(|c| c.knock_out()).is_none() {
            return Err(StoreError::Invalid(FieldErrors::single(
                code.clone(),
                Invalid::new("score-no-knock-out").with("criterion", code),
            )));
        }
    }
    let answers = scoring::input::answers_to_json(&save.answers);
    let knock_outs = serde_json::to_string(&save.knock_outs).unwrap_or_else(|_| "[]".into());
    execute(
        tx,
        "UPDATE scorecard SET answers = $1, knock_outs = $2, disqualified = $3, revision = $4, updated_at = $5 \
         WHERE evaluation_id = $6 AND user_id = $7 AND revision < $4 AND submitted_at IS NULL",
        [
            answers.clone().into(),
            knock_outs.into(),
            save.disqualified.into(),
            save.revision.into(),
            now().into(),
            evaluation_id.into(),
            user_id.into(),
        ],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change::new("scorecard.save", "evaluation", evaluation_id)
            .province(Some(&e.province_code))
            .after(&serde_json::json!({"member": user_id, "revision": save.revision, "answers": answers})),
    )
    .await?;
    card(tx, evaluation_id, user_id).await?.ok_or(StoreError::NotFound)
}

/// Submits a complete card; it is locked until the chair re-opens scoring.
pub async fn submit_card(tx: &Tx, who: &Who, set: &CriteriaSet, evaluation_id: i64, user_id: i64) -> Result<Card> {
    let e = load(tx, evaluation_id).await?;
    let stored = card(tx, evaluation_id, user_id).await?.ok_or(StoreError::NotFound)?;
    if e.state != "scoring" {
        return Err(refused(Invalid::new("invalid-scoring-closed")));
    }
    if stored.submitted_at.is_some() {
        return Ok(stored);
    }
    let tally = scoring::tally(sheet_of(set, &e)?, &stored.scorecard()?)
        .map_err(|why| StoreError::Invalid(FieldErrors::single("answers", why)))?;
    execute(
        tx,
        "UPDATE scorecard SET submitted_at = $1 WHERE evaluation_id = $2 AND user_id = $3",
        [now().into(), evaluation_id.into(), user_id.into()],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change::new("scorecard.submit", "evaluation", evaluation_id)
            .province(Some(&e.province_code))
            .after(&serde_json::json!({"member": user_id, "total": tally.total, "answers": stored.answers})),
    )
    .await?;
    card(tx, evaluation_id, user_id).await?.ok_or(StoreError::NotFound)
}

async fn chair_only(tx: &Tx, e: &Evaluation, user_id: i64) -> Result<()> {
    match seat(tx, e.council_id, user_id).await? {
        Some(true) => Ok(()),
        Some(false) => Err(StoreError::NotAllowed(Invalid::new("invalid-not-chair"))),
        None => Err(StoreError::NotFound),
    }
}

/// The engine's result on the submitted cards.
pub async fn compute(c: &impl ConnectionTrait, set: &CriteriaSet, e: &Evaluation) -> Result<Outcome> {
    let council = get(c, e.council_id).await?.ok_or(StoreError::NotFound)?;
    let cards: Vec<Scorecard> = cards(c, e.id)
        .await?
        .into_iter()
        .filter(|c| c.submitted_at.is_some())
        .map(|c| c.scorecard())
        .collect::<Result<_>>()?;
    let rules = Rules { spread_limit: council.spread_limit as f64, level: council.level() };
    let sheet = set
        .sheet(&e.sheet_code)
        .ok_or_else(|| StoreError::Corrupt { table: "evaluation", detail: e.sheet_code.clone() })?;
    scoring::evaluate(set, sheet, &cards, rules)
        .map_err(|err| StoreError::Invalid(FieldErrors::single("answers", err.why)))
}

/// The chair closes scoring once the quorum (chair included) has submitted; members then see
/// each other's cards and the result.
pub async fn close(tx: &Tx, who: &Who, set: &CriteriaSet, evaluation_id: i64, chair: i64) -> Result<Evaluation> {
    let e = load(tx, evaluation_id).await?;
    chair_only(tx, &e, chair).await?;
    if e.state != "scoring" {
        return Err(refused(Invalid::new("invalid-scoring-closed")));
    }
    let council = get(tx, e.council_id).await?.ok_or(StoreError::NotFound)?;
    let chair_card = card(tx, evaluation_id, chair).await?;
    evaluation::may_close(e.submitted_cards, council.quorum(), chair_card.is_some_and(|c| c.submitted_at.is_some()))
        .map_err(refused)?;
    let outcome = compute(tx, set, &e).await?;
    let report = scoring::input::report(&outcome).to_string();
    let changed = execute(
        tx,
        "UPDATE evaluation SET state = 'closed', outcome = $1, version = version + 1 WHERE id = $2 AND state = 'scoring'",
        [report.clone().into(), evaluation_id.into()],
    )
    .await?;
    if changed == 0 {
        return Err(StoreError::Stale);
    }
    audit::append(
        tx,
        who,
        Change::new("evaluation.close", "evaluation", evaluation_id).province(Some(&e.province_code)).after(&report),
    )
    .await?;
    load(tx, evaluation_id).await
}

/// After a discussion the chair re-opens scoring: every card can be changed and must be
/// submitted again.
pub async fn reopen(tx: &Tx, who: &Who, evaluation_id: i64, chair: i64, note: &str) -> Result<Evaluation> {
    let e = load(tx, evaluation_id).await?;
    chair_only(tx, &e, chair).await?;
    if e.state != "closed" {
        return Err(refused(Invalid::new("invalid-not-closed")));
    }
    let note = clean(note);
    if note.is_empty() {
        return Err(StoreError::Invalid(FieldErrors::single("discussion", Invalid::new("invalid-required"))));
    }
    let discussion = if e.discussion.is_empty() { note.clone() } else { format!("{}\n{note}", e.discussion) };
    execute(
        tx,
        "UPDATE evaluation SET state = 'scoring', rescored = rescored + 1, discussion = $1, outcome = NULL, \
         version = version + 1 WHERE id = $2",
        [discussion.into(), evaluation_id.into()],
    )
    .await?;
    execute(tx, "UPDATE scorecard SET submitted_at = NULL WHERE evaluation_id = $1", [evaluation_id.into()]).await?;
    // Every member must look again and submit again: each is told, once per re-opening.
    let others: Vec<i64> =
        members(tx, e.council_id).await?.into_iter().map(|m| m.user_id).filter(|u| *u != chair).collect();
    crate::notifications::notify(
        tx,
        &others,
        &crate::notifications::Message {
            subject: format!("rescore:{evaluation_id}:{}", e.rescored + 1),
            key: "notify-rescore",
            args: vec![("product", e.product_name.clone()), ("note", note.clone())],
            link: format!("/evaluation/scorecards/{evaluation_id}"),
        },
    )
    .await?;
    audit::append(
        tx,
        who,
        Change::new("evaluation.reopen", "evaluation", evaluation_id)
            .province(Some(&e.province_code))
            .after(&serde_json::json!({"discussion": note})),
    )
    .await?;
    load(tx, evaluation_id).await
}

/// The chair approves the closed result, unless the members' totals spread too far (then the
/// council discusses and re-scores first). The registration moves on with the result.
pub async fn approve(tx: &Tx, who: &Who, set: &CriteriaSet, evaluation_id: i64, chair: i64) -> Result<Evaluation> {
    approve_with(tx, who, set, evaluation_id, chair, None).await
}

/// Approves with the council's vote, when re-opening after re-opening could not bring the spread
/// under the limit (`domain::evaluation::may_approve`); the vote is kept with the result.
pub async fn approve_by_vote(
    tx: &Tx,
    who: &Who,
    set: &CriteriaSet,
    evaluation_id: i64,
    chair: i64,
    vote: evaluation::Vote,
) -> Result<Evaluation> {
    approve_with(tx, who, set, evaluation_id, chair, Some(vote)).await
}

async fn approve_with(
    tx: &Tx,
    who: &Who,
    set: &CriteriaSet,
    evaluation_id: i64,
    chair: i64,
    vote: Option<evaluation::Vote>,
) -> Result<Evaluation> {
    let e = load(tx, evaluation_id).await?;
    chair_only(tx, &e, chair).await?;
    if e.state != "closed" {
        return Err(refused(Invalid::new("invalid-not-closed")));
    }
    let outcome = compute(tx, set, &e).await?;
    let council = get(tx, e.council_id).await?.ok_or(StoreError::NotFound)?;
    evaluation::may_approve(outcome.spread_exceeded, e.rescored, vote, council.members)
        .map_err(|why| refused(why.with("spread", outcome.spread).with("limit", council.spread_limit)))?;
    let g = super::dossiers::get(tx, e.registration_id).await?.ok_or(StoreError::NotFound)?;
    let stars = outcome.stars.map(i64::from);
    let total_x100 = domain::num::round(outcome.total() * 100.0)
        .ok_or_else(|| StoreError::Corrupt { table: "evaluation", detail: outcome.total().to_string() })?;
    let report = scoring::input::report(&outcome).to_string();
    let kind = g.kind().ok_or_else(|| StoreError::Corrupt { table: "registration", detail: g.kind.clone() })?;
    let held = match g.previous_certificate_id {
        Some(id) => crate::certificates::by_ids(tx, &[id].into_iter().collect())
            .await?
            .remove(&id)
            .and_then(|c| Stars::stored(c.stars)),
        None => None,
    };
    let result = outcome.stars.and_then(|s| Stars::new(s).ok());
    let decided = evaluation::provincial_result(kind, held, result);
    let taken = match outcome.level {
        Level::Province => Step::Approve { recognisable: decided.is_ok() },
        Level::Central => evaluation::central_result(outcome.stars),
    };
    step(tx, g.id, &g.state, taken).await?;
    let unrecognised = match (outcome.level, decided) {
        (Level::Province, Err(why)) => why.as_str(),
        _ => "",
    };
    if !unrecognised.is_empty() {
        super::dossiers::end_extension(tx, &g, super::today()).await?;
    }
    // A central result below 3★ leaves nothing for the province to recognise.
    let stars_for_registration = stars.unwrap_or(0);
    execute(
        tx,
        "UPDATE registration SET stars = $1, total_x100 = $2, unrecognised = $3 WHERE id = $4",
        [stars_for_registration.into(), total_x100.into(), unrecognised.into(), g.id.into()],
    )
    .await?;
    let vote_json = vote.map(|v| serde_json::json!(v).to_string()).unwrap_or_default();
    let occasion = format!("{evaluation_id}-{}", e.rescored);
    let changed = execute(
        tx,
        "UPDATE evaluation SET state = 'approved', outcome = $1, stars = $2, total_x100 = $3, approved_at = $4, \
         approved_by = $5, vote = $6, version = version + 1 WHERE id = $7 AND state = 'closed'",
        [
            report.clone().into(),
            stars.into(),
            total_x100.into(),
            now().into(),
            chair.into(),
            vote_json.clone().into(),
            evaluation_id.into(),
        ],
    )
    .await?;
    if changed == 0 {
        return Err(StoreError::Stale);
    }
    // Told once per approval: a re-evaluation scores the same evaluation again (`rescored`).
    let after = super::dossiers::get(tx, g.id).await?.ok_or(StoreError::NotFound)?;
    let result = vec![("stars", stars.unwrap_or(0).to_string())];
    for to in [super::Audience::Producer, super::Audience::Office] {
        super::tell(tx, &after, to, "notify-result", &occasion, result.clone()).await?;
    }
    audit::append(
        tx,
        who,
        Change::new("evaluation.approve", "evaluation", evaluation_id)
            .province(Some(&e.province_code))
            .after(&serde_json::json!({"outcome": report, "vote": vote})),
    )
    .await?;
    load(tx, evaluation_id).await
}
