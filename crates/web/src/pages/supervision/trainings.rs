//! Training classes: the office's classes of the year with counts per topic, each class with its
//! participants (by producer), attendance per session and satisfaction; a producer sees the
//! classes it sent people to.

use super::{english, header, label, xlsx};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::page::{Choice, PageCtx, Pager, field_error, messages, render, render_form, render_status};
use crate::pages::outlets::vnd;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::FieldErrors;
use domain::access::{Action, Place, Target};
use domain::place::{CommuneCode, ProvinceCode};
use domain::supervision::{Attendance, TrainingInput, TrainingParticipantInput, supervision};
use exchange::report::{Sheet, Value};
use serde::Deserialize;
use store::supervision::trainings::{self, TrainingClass, TrainingFilter, TrainingParticipant};
use store::{Page, StoreError, units};

/// A class belongs to its province and the commune it is held in; to a producer when the
/// producer sent people to it.
fn class_target(c: &TrainingClass, producer: Option<i64>) -> Target {
    Target::at(Place {
        province: ProvinceCode::parse(&c.province_code).ok(),
        commune: c.commune_code.as_deref().and_then(|x| CommuneCode::parse(x).ok()),
        producer,
    })
}

/// The class, its participants, and where it belongs for the caller (with the caller's own
/// producer when that producer sent people to it).
async fn loaded(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> AppResult<(TrainingClass, Vec<TrainingParticipant>, Target)> {
    let c = trainings::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    let people = trainings::participants(state.db().conn(), id).await?;
    let own = caller.user().and_then(|u| u.scope.producer()).filter(|p| people.iter().any(|x| x.producer_id == *p));
    let target = class_target(&c, own);
    Ok((c, people, target))
}

async fn readable(state: &AppState, caller: &Caller, id: i64) -> AppResult<(TrainingClass, Vec<TrainingParticipant>)> {
    let (c, people, target) = loaded(state, caller, id).await?;
    caller.require(Action::ReadRecords, &target)?;
    Ok((c, people))
}

async fn managed(state: &AppState, caller: &Caller, id: i64) -> AppResult<TrainingClass> {
    let (c, _, target) = loaded(state, caller, id).await?;
    caller.require(Action::ManageSupervision, &target)?;
    Ok(c)
}

fn topic_label(t: crate::i18n::Tr, code: &str) -> String {
    label(t, &supervision().training_topics, code)
}

fn topic_choices(t: crate::i18n::Tr, selected: &str) -> Vec<Choice> {
    let english = english(t);
    Choice::list(supervision().training_topics.iter().map(|c| (c.code.as_str(), c.label(english).to_owned())), selected)
}

// ------------------------------------------------------------------ list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    page: Option<u32>,
}

impl ListQuery {
    fn filter(&self) -> TrainingFilter {
        TrainingFilter {
            q: Some(self.q.clone()),
            year: self.year.trim().parse().ok(),
            topic: Some(self.topic.clone()).filter(|t| !t.is_empty()),
        }
    }
}

#[derive(Template)]
#[template(path = "supervision/trainings.html")]
struct ListPage {
    ctx: PageCtx,
    q: ListQuery,
    rows: Vec<TrainingClass>,
    topics: Vec<Choice>,
    by_topic: Vec<(String, String, i64, i64)>,
    count: String,
    pager: Pager,
    may_create: bool,
}

impl ListPage {
    fn topic(&self, code: &str) -> String {
        topic_label(self.ctx.t, code)
    }

    fn dates(&self, c: &TrainingClass) -> String {
        crate::pages::outlets::catalogue::dates(c.starts_on, c.ends_on)
    }
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let listing = caller.listing(Action::ReadRecords)?;
    let conn = state.db().conn();
    let filter = q.filter();
    let found = match trainings::search(conn, &listing, &filter, Page::new(q.page.unwrap_or(1), 50)).await {
        Ok(f) => f,
        Err(StoreError::Invalid(errors)) => return Err(AppError::Invalid(errors)),
        Err(e) => return Err(e.into()),
    };
    let t = ctx.t;
    let by_topic = trainings::by_topic(conn, &listing, &filter)
        .await?
        .into_iter()
        .map(|(code, classes, people)| (topic_label(t, &code), code, classes, people))
        .collect();
    let page = ListPage {
        count: t.arg("trainings-count", "count", &crate::fmt::thousands(found.total)),
        pager: Pager::new(&ctx, found.page, found.total),
        topics: topic_choices(t, &q.topic),
        may_create: caller.may_list(Action::ManageSupervision),
        rows: found.items,
        by_topic,
        q,
        ctx,
    };
    Ok(render(&page))
}

/// The year's classes, participants and topics as a workbook.
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let listing = caller.listing(Action::ManageSupervision)?;
    let conn = state.db().conn();
    let t = ctx.t;
    let filter = q.filter();
    let found =
        trainings::search(conn, &listing, &filter, Page::new(1, Page::MAX_SIZE)).await.map_err(|e| match e {
            StoreError::Invalid(errors) => AppError::Invalid(errors),
            e => e.into(),
        })?;
    let mut classes = Vec::new();
    let mut people = Vec::new();
    for c in &found.items {
        classes.push(vec![
            Value::Int(c.id),
            c.name.clone().into(),
            topic_label(t, &c.topic).into(),
            c.organiser.clone().into(),
            c.commune_name.clone().unwrap_or_else(|| t.get("training-online")).into(),
            crate::fmt::date(c.starts_on).into(),
            crate::fmt::date(c.ends_on).into(),
            Value::Int(c.sessions),
            c.trainers.clone().into(),
            c.budget_vnd.into(),
            Value::Int(c.participants),
            Value::Int(c.producers),
            c.satisfaction_x100.map_or(Value::Empty, |s| Value::Real(s as f64 / 100.0)),
        ]);
        for p in trainings::participants(conn, c.id).await? {
            people.push(vec![
                Value::Int(c.id),
                c.name.clone().into(),
                p.producer_name.clone().into(),
                p.person.clone().into(),
                p.role.clone().into(),
                Value::Int(i64::from(p.attendance().count())),
                p.satisfaction.into(),
            ]);
        }
    }
    let topics = trainings::by_topic(conn, &listing, &filter)
        .await?
        .into_iter()
        .map(|(code, classes, people)| vec![topic_label(t, &code).into(), Value::Int(classes), Value::Int(people)])
        .collect();
    let sheets = vec![
        Sheet {
            name: t.get("trainings-title"),
            header: header(
                t,
                &[
                    "#",
                    "training-name",
                    "training-topic",
                    "event-organiser",
                    "training-place",
                    "event-starts",
                    "event-ends",
                    "training-sessions",
                    "training-trainers",
                    "event-budget",
                    "training-participants",
                    "training-producers",
                    "training-satisfaction",
                ],
            ),
            rows: classes,
        },
        Sheet {
            name: t.get("training-participants"),
            header: header(
                t,
                &[
                    "#",
                    "training-name",
                    "products-col-producer",
                    "training-person",
                    "training-role",
                    "training-attended",
                    "training-satisfaction",
                ],
            ),
            rows: people,
        },
        Sheet {
            name: t.get("trainings-by-topic"),
            header: header(t, &["training-topic", "trainings-title", "training-participants"]),
            rows: topics,
        },
    ];
    let year = filter.year.map_or_else(|| "all".to_owned(), |y| y.to_string());
    xlsx(&format!("tap-huan-{year}.xlsx"), &sheets)
}

// ------------------------------------------------------------------ a class

struct PersonRow {
    p: TrainingParticipant,
    sessions: Vec<(i64, bool)>,
    attended: u32,
}

#[derive(Template)]
#[template(path = "supervision/training.html")]
struct ShowPage {
    ctx: PageCtx,
    c: TrainingClass,
    topic: String,
    dates: String,
    budget: String,
    satisfaction: String,
    people: Vec<PersonRow>,
    may_manage: bool,
    errors: Vec<String>,
}

async fn show_page(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    id: i64,
    errors: Vec<String>,
) -> AppResult<Response> {
    let (c, people) = readable(state, caller, id).await?;
    let t = ctx.t;
    let may_manage = caller.may(Action::ManageSupervision, &class_target(&c, None));
    // A producer sees its own people; the office and the commune see everyone.
    let own = caller.user().and_then(|u| u.scope.producer());
    let people = people
        .into_iter()
        .filter(|p| own.is_none_or(|o| p.producer_id == o))
        .map(|p| {
            let a = p.attendance();
            PersonRow { sessions: (1..=c.sessions).map(|s| (s, a.attended(s))).collect(), attended: a.count(), p }
        })
        .collect();
    let page = ShowPage {
        topic: topic_label(t, &c.topic),
        dates: crate::pages::outlets::catalogue::dates(c.starts_on, c.ends_on),
        budget: if may_manage { vnd(c.budget_vnd) } else { String::new() },
        satisfaction: c.satisfaction_x100.map(|s| format!("{:.1}/5", s as f64 / 100.0)).unwrap_or_default(),
        people,
        may_manage,
        errors,
        c,
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

// ------------------------------------------------------------------ the office's form

#[derive(Template)]
#[template(path = "supervision/training_form.html")]
struct FormPage {
    ctx: PageCtx,
    id: Option<i64>,
    version: Option<i64>,
    f: TrainingInput,
    topics: Vec<Choice>,
    communes: Vec<Choice>,
    errors: FieldErrors,
    notice: Option<String>,
}

impl FormPage {
    async fn new(
        state: &AppState,
        ctx: PageCtx,
        province: &str,
        id: Option<i64>,
        version: Option<i64>,
        f: TrainingInput,
    ) -> AppResult<Self> {
        let communes = units::communes(state.db().conn(), province).await?;
        Ok(Self {
            topics: topic_choices(ctx.t, &f.topic),
            communes: Choice::list(communes.iter().map(|c| (c.code.as_str(), c.name.clone())), &f.commune),
            ctx,
            id,
            version,
            f,
            errors: FieldErrors::new(),
            notice: None,
        })
    }

    fn error(&self, field: &str) -> Option<String> {
        field_error(self.ctx.t, &self.errors, field)
    }
}

pub async fn new_form(State(state): State<AppState>, caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    let province = caller.territory_province(Action::ManageSupervision)?;
    let f = TrainingInput { sessions: "2".into(), ..TrainingInput::default() };
    Ok(render(&FormPage::new(&state, ctx, province.as_str(), None, None, f).await?))
}

#[derive(Deserialize)]
pub struct PostedClass {
    #[serde(flatten)]
    input: TrainingInput,
    #[serde(default)]
    version: Option<i64>,
}

async fn invalid(
    state: &AppState,
    ctx: PageCtx,
    province: &str,
    id: Option<i64>,
    version: Option<i64>,
    f: TrainingInput,
    errors: FieldErrors,
) -> AppResult<Response> {
    let page = FormPage { errors, ..FormPage::new(state, ctx, province, id, version, f).await? };
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Form(posted): Form<PostedClass>,
) -> AppResult<Response> {
    let province = caller.territory_province(Action::ManageSupervision)?;
    let me = caller.signed_in()?.clone();
    let input = posted.input;
    let draft = match input.parse() {
        Ok(d) => d,
        Err(errors) => return invalid(&state, ctx, province.as_str(), None, None, input, errors).await,
    };
    let tx = state.db().write().await?;
    let created = match trainings::create(&tx, &me.who(), &province, &draft, false).await {
        Ok(c) => c,
        Err(StoreError::Invalid(errors)) => {
            return invalid(&state, ctx, province.as_str(), None, None, input, errors).await;
        }
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.get("flash-saved"), &format!("/trainings/{}", created.id)))
}

pub async fn edit_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let c = managed(&state, &caller, id).await?;
    Ok(render(&FormPage::new(&state, ctx, &c.province_code, Some(id), Some(c.version), c.input()).await?))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(posted): Form<PostedClass>,
) -> AppResult<Response> {
    let before = managed(&state, &caller, id).await?;
    let me = caller.signed_in()?.clone();
    let version = posted.version.unwrap_or_default();
    let input = posted.input;
    let province = before.province_code.clone();
    let draft = match input.parse() {
        Ok(d) => d,
        Err(errors) => return invalid(&state, ctx, &province, Some(id), Some(version), input, errors).await,
    };
    let tx = state.db().write().await?;
    match trainings::update(&tx, &me.who(), id, version, &draft).await {
        Ok(_) => tx.commit().await?,
        Err(StoreError::Stale) => {
            drop(tx);
            let latest = managed(&state, &caller, id).await?;
            let page = FormPage {
                notice: Some(ctx.t.get("registry-stale")),
                ..FormPage::new(&state, ctx, &province, Some(id), Some(latest.version), latest.input()).await?
            };
            return Ok(render_status(StatusCode::CONFLICT, &page));
        }
        Err(StoreError::Invalid(errors)) => {
            return invalid(&state, ctx, &province, Some(id), Some(version), input, errors).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(redirect_with_flash(&state, &ctx.t.get("flash-saved"), &format!("/trainings/{id}")))
}

// ------------------------------------------------------------------ participants

pub async fn add_participant(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(input): Form<TrainingParticipantInput>,
) -> AppResult<Response> {
    let c = managed(&state, &caller, id).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let (producer, person, role) = match input.parse() {
        Ok(x) => x,
        Err(errors) => return show_page(&state, &caller, ctx, id, messages(t, &errors)).await,
    };
    let tx = state.db().write().await?;
    match trainings::add_participant(&tx, &me.who(), &c, producer, &person, &role, false).await {
        Ok(_) => tx.commit().await?,
        Err(StoreError::Invalid(errors)) => {
            drop(tx);
            return show_page(&state, &caller, ctx, id, messages(t, &errors)).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(redirect_with_flash(&state, &t.get("training-participant-added"), &format!("/trainings/{id}#participants")))
}

/// Attendance (the sessions ticked) and satisfaction of one participant.
pub async fn attend(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path((id, participant)): Path<(i64, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let c = managed(&state, &caller, id).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let ticked: Vec<String> = fields.iter().filter(|(k, _)| k == "sessions").map(|(_, v)| v.clone()).collect();
    let score = fields.iter().find(|(k, _)| k == "satisfaction").map(|(_, v)| v.as_str()).unwrap_or_default();
    let a: Attendance = match Attendance::parse(&ticked, score, c.sessions) {
        Ok(a) => a,
        Err(errors) => return show_page(&state, &caller, ctx, id, messages(t, &errors)).await,
    };
    let tx = state.db().write().await?;
    trainings::attend(&tx, &me.who(), &c, participant, a).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &t.get("flash-saved"), &format!("/trainings/{id}#participants")))
}
