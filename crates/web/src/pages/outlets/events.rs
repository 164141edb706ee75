//! Fairs and events: the public calendar (upcoming and past) and its iCalendar feed, each event's
//! page, the office's forms and its list of participants with what they sold, and producers'
//! sign-ups.

use super::catalogue::dates;
use super::vnd;
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::page::{Choice, PageCtx, Pager, base_url, field_error, messages, render, render_form, render_status};
use crate::pages::registry::products::today;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Target};
use domain::outlets::{CalendarEvent, EventInput, EventKind, ParticipantReport};
use domain::place::ProvinceCode;
use domain::{FieldErrors, Invalid};
use serde::Deserialize;
use serde_json::json;
use store::outlets::events::{self, Event, EventFilter, Participant, When};
use store::{Page, StoreError, units};

pub(crate) fn event_target(e: &Event) -> Target {
    Target::in_province(&e.province_code)
}

fn kind_label(t: crate::i18n::Tr, kind: &str) -> String {
    t.get(&format!("event-kind-{kind}"))
}

#[derive(Deserialize, Default)]
pub struct CalendarQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    province: String,
    /// `past` for the past events.
    #[serde(default)]
    when: String,
    #[serde(default)]
    page: Option<u32>,
}

struct Row {
    id: i64,
    name: String,
    kind: String,
    dates: String,
    place: String,
    participants: i64,
    demo: bool,
}

#[derive(Template)]
#[template(path = "outlets/events.html")]
struct CalendarPage {
    ctx: PageCtx,
    q: CalendarQuery,
    past: bool,
    provinces: Vec<Choice>,
    rows: Vec<Row>,
    count: String,
    pager: Pager,
    may_create: bool,
}

pub async fn calendar(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<CalendarQuery>,
) -> AppResult<Response> {
    let past = q.when == "past";
    let filter = EventFilter {
        q: Some(q.q.clone()),
        province: ProvinceCode::parse(&q.province).ok(),
        year: None,
        when: if past { When::Past } else { When::Upcoming },
    };
    let conn = state.db().conn();
    let found = events::search(conn, &filter, today(), Page::new(q.page.unwrap_or(1), 50)).await?;
    let t = ctx.t;
    let rows = found
        .items
        .iter()
        .map(|e| Row {
            id: e.id,
            name: e.name.clone(),
            kind: kind_label(t, &e.kind),
            dates: dates(e.starts_on, e.ends_on),
            place: e.where_(),
            participants: e.participants,
            demo: e.demo,
        })
        .collect();
    let provinces = units::provinces(conn).await?;
    let page = CalendarPage {
        provinces: Choice::list(provinces.iter().map(|p| (p.code.as_str(), p.name.clone())), &q.province),
        count: t.arg("events-count", "total", &crate::fmt::thousands(found.total)),
        pager: Pager::new(&ctx, found.page, found.total),
        may_create: caller.may_list(Action::ManageOutlets),
        rows,
        past,
        q,
        ctx,
    };
    Ok(render(&page))
}

/// `/events.ics`: upcoming events as an iCalendar feed a phone's calendar subscribes to.
pub async fn ical(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let filter = EventFilter { when: When::Upcoming, ..EventFilter::default() };
    let found = events::search(state.db().conn(), &filter, today(), Page::new(1, Page::MAX_SIZE)).await?;
    let base = base_url(&state);
    let host = base.split("://").nth(1).unwrap_or(base);
    let items: Vec<CalendarEvent> = found
        .items
        .iter()
        .map(|e| CalendarEvent {
            uid: format!("event-{}@{host}", e.id),
            name: e.name.clone(),
            starts_on: e.starts_on,
            ends_on: e.ends_on,
            place: e.where_(),
            description: format!("{} · {}", kind_label(ctx.t, &e.kind), e.organiser),
            url: format!("{base}/events/{}", e.id),
        })
        .collect();
    let body = domain::outlets::calendar(&ctx.t.get("events-title"), &items, time::OffsetDateTime::now_utc());
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("inline; filename=\"ocop-events.ics\"")),
        ],
        body,
    )
        .into_response())
}

struct ProductChoice {
    id: i64,
    name: String,
}

#[derive(Template)]
#[template(path = "outlets/event.html")]
struct ShowPage {
    ctx: PageCtx,
    e: Event,
    kind: String,
    dates: String,
    budget: String,
    registration_until: String,
    sales: String,
    participants: Vec<Participant>,
    may_manage: bool,
    /// The signed-in producer's own products, when it may still sign up.
    sign_up: Option<Vec<ProductChoice>>,
    /// The signed-in producer's participation, if any.
    mine: Option<String>,
    open_for_sign_up: bool,
    errors: Vec<String>,
    url: String,
    jsonld: String,
}

impl ShowPage {
    fn money(&self, v: &Option<i64>) -> String {
        vnd(*v)
    }

    fn state_label(&self, state: &str) -> String {
        self.ctx.t.get(&format!("participant-state-{state}"))
    }
}

async fn readable(state: &AppState, id: i64) -> AppResult<Event> {
    events::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)
}

async fn show_page(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    e: Event,
    errors: Vec<String>,
) -> AppResult<Response> {
    let t = ctx.t;
    let conn = state.db().conn();
    let day = today();
    let may_manage = caller.may(Action::ManageOutlets, &event_target(&e));
    let all = events::participants(conn, e.id).await?;
    let producer = caller.user().and_then(|u| u.scope.producer()).filter(|_| caller.may_list(Action::JoinEvents));
    let mine = producer.and_then(|id| all.iter().find(|p| p.producer_id == id)).map(|p| p.state.clone());
    let open_for_sign_up = day <= e.registration_until;
    let sign_up = match producer {
        Some(id) if mine.is_none() && open_for_sign_up => Some(
            crate::pages::outlets::catalogue::public_products(state, id)
                .await?
                .into_iter()
                .map(|p| ProductChoice { id: p.id, name: p.name })
                .collect(),
        ),
        _ => None,
    };
    // The public sees who takes part; the office also sees sign-ups, refusals and reported sales.
    let participants = all.into_iter().filter(|p| may_manage || p.state == "approved").collect();
    let url = format!("{}/events/{}", base_url(state), e.id);
    let jsonld = crate::page::script_json(&json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": url,
        "name": e.name,
        "startDate": e.starts_on.to_string(),
        "endDate": e.ends_on.to_string(),
        "eventAttendanceMode": if e.kind == "online" { "https://schema.org/OnlineEventAttendanceMode" } else { "https://schema.org/OfflineEventAttendanceMode" },
        "location": {"@type": "Place", "name": e.where_()},
        "organizer": {"@type": "Organization", "name": e.organiser},
        "url": url,
    }));
    let page = ShowPage {
        kind: kind_label(t, &e.kind),
        dates: dates(e.starts_on, e.ends_on),
        budget: if may_manage { vnd(e.budget_vnd) } else { String::new() },
        registration_until: crate::fmt::date(e.registration_until),
        sales: vnd(Some(e.reported_sales_vnd)),
        participants,
        may_manage,
        sign_up,
        mine,
        open_for_sign_up,
        errors,
        url,
        jsonld,
        e,
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
    let e = readable(&state, id).await?;
    show_page(&state, &caller, ctx, e, Vec::new()).await
}

// ------------------------------------------------------------------ the office's form

#[derive(Template)]
#[template(path = "outlets/event_form.html")]
struct FormPage {
    ctx: PageCtx,
    id: Option<i64>,
    version: Option<i64>,
    f: EventInput,
    kinds: Vec<Choice>,
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
        f: EventInput,
    ) -> AppResult<Self> {
        let t = ctx.t;
        let communes = units::communes(state.db().conn(), province).await?;
        Ok(Self {
            kinds: Choice::list(EventKind::ALL.iter().map(|k| (k.as_str(), kind_label(t, k.as_str()))), &f.kind),
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
    let province = caller.territory_province(Action::ManageOutlets)?;
    let f = EventInput { kind: "fair".into(), ..EventInput::default() };
    Ok(render(&FormPage::new(&state, ctx, province.as_str(), None, None, f).await?))
}

#[derive(Deserialize)]
pub struct PostedEvent {
    #[serde(flatten)]
    input: EventInput,
    #[serde(default)]
    version: Option<i64>,
}

#[allow(clippy::too_many_arguments)]
async fn invalid(
    state: &AppState,
    ctx: PageCtx,
    province: &str,
    id: Option<i64>,
    version: Option<i64>,
    f: EventInput,
    errors: FieldErrors,
) -> AppResult<Response> {
    let page = FormPage { errors, ..FormPage::new(state, ctx, province, id, version, f).await? };
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Form(posted): Form<PostedEvent>,
) -> AppResult<Response> {
    let province = caller.territory_province(Action::ManageOutlets)?;
    let me = caller.signed_in()?.clone();
    let input = posted.input;
    let draft = match input.parse() {
        Ok(d) => d,
        Err(errors) => return invalid(&state, ctx, province.as_str(), None, None, input, errors).await,
    };
    let tx = state.db().write().await?;
    let created = match events::create(&tx, &me.who(), &province, &draft, false).await {
        Ok(e) => e,
        Err(StoreError::Invalid(errors)) => {
            return invalid(&state, ctx, province.as_str(), None, None, input, errors).await;
        }
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.get("flash-saved"), &format!("/events/{}", created.id)))
}

async fn managed(state: &AppState, caller: &Caller, id: i64) -> AppResult<Event> {
    let e = readable(state, id).await?;
    caller.require(Action::ManageOutlets, &event_target(&e))?;
    Ok(e)
}

pub async fn edit_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let e = managed(&state, &caller, id).await?;
    Ok(render(&FormPage::new(&state, ctx, &e.province_code, Some(id), Some(e.version), e.input()).await?))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(posted): Form<PostedEvent>,
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
    match events::update(&tx, &me.who(), id, version, &draft).await {
        Ok(_) => tx.commit().await?,
        Err(StoreError::Stale) => {
            drop(tx);
            let latest = readable(&state, id).await?;
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
    Ok(redirect_with_flash(&state, &ctx.t.get("flash-saved"), &format!("/events/{id}")))
}

// ------------------------------------------------------------------ participants

/// The products a form names, as ids.
fn product_ids(fields: &[(String, String)]) -> Vec<i64> {
    fields.iter().filter(|(k, _)| k == "products").filter_map(|(_, v)| v.trim().parse().ok()).collect()
}

async fn joined(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    e: Event,
    producer: i64,
    products: &[i64],
    approved: bool,
) -> AppResult<Response> {
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let tx = state.db().write().await?;
    match events::join(&tx, &me.who(), &e, producer, products, approved, today()).await {
        Ok(_) => tx.commit().await?,
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            return show_page(state, caller, ctx, e, messages(t, &fields)).await;
        }
        Err(StoreError::Refused(why)) => {
            drop(tx);
            let page = show_page(state, caller, ctx, e, vec![t.invalid(&why)]).await?;
            let (mut parts, body) = page.into_parts();
            parts.status = StatusCode::CONFLICT;
            return Ok(Response::from_parts(parts, body));
        }
        Err(err) => return Err(err.into()),
    }
    let done = if approved { "event-participant-added" } else { "event-signed-up" };
    Ok(redirect_with_flash(state, &t.get(done), &format!("/events/{}", e.id)))
}

/// A producer signs up for an event with some of its products; the office approves.
pub async fn join(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    caller.listing(Action::JoinEvents)?;
    let e = readable(&state, id).await?;
    let producer = caller.user().and_then(|u| u.scope.producer()).ok_or(AppError::Forbidden)?;
    let owner = store::producers::get(state.db().conn(), producer).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::JoinEvents, &crate::pages::registry::producer_target(&owner))?;
    joined(&state, &caller, ctx, e, producer, &product_ids(&fields), false).await
}

/// The office adds a producer (of its province) with the products it shows, approved at once.
pub async fn add_participant(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let e = managed(&state, &caller, id).await?;
    let t = ctx.t;
    let conn = state.db().conn();
    let named = fields.iter().find(|(k, _)| k == "producer").map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let producer = match named.parse::<i64>() {
        Ok(n) => store::producers::get(conn, n).await?,
        Err(_) => None,
    }
    .filter(|p| {
        p.deleted_at.is_none() && caller.may(Action::ManageOutlets, &crate::pages::registry::producer_target(p))
    });
    let Some(producer) = producer else {
        let why = Invalid::new("invalid-event-producer");
        return show_page(&state, &caller, ctx, e, vec![t.invalid(&why)]).await;
    };
    // Products by code or id, as the office types them.
    let mut products = product_ids(&fields);
    if let Some((_, codes)) = fields.iter().find(|(k, _)| k == "product_codes") {
        for code in codes.split([',', ' ', '\n']).map(str::trim).filter(|c| !c.is_empty()) {
            if let Some(p) = store::products::find_by_code(conn, code).await? {
                products.push(p.id);
            } else {
                let why = Invalid::new("invalid-event-product").with("id", code);
                return show_page(&state, &caller, ctx, e, vec![t.invalid(&why)]).await;
            }
        }
    }
    joined(&state, &caller, ctx, e, producer.id, &products, true).await
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
}

pub async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path((id, participant)): Path<(i64, i64)>,
    Form(form): Form<DecideForm>,
) -> AppResult<Response> {
    let e = managed(&state, &caller, id).await?;
    let me = caller.signed_in()?.clone();
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::BadRequest(Invalid::new("invalid-decision"))),
    };
    let t = ctx.t;
    let tx = state.db().write().await?;
    match events::decide(&tx, &me.who(), &e, participant, approve).await {
        Ok(_) => tx.commit().await?,
        Err(StoreError::Refused(why)) => {
            drop(tx);
            return show_page(&state, &caller, ctx, e, vec![t.invalid(&why)]).await;
        }
        Err(err) => return Err(err.into()),
    }
    Ok(redirect_with_flash(&state, &t.get("flash-saved"), &format!("/events/{id}")))
}

pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path((id, participant)): Path<(i64, i64)>,
    Form(form): Form<ParticipantReport>,
) -> AppResult<Response> {
    let e = managed(&state, &caller, id).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let (sales, contacts) = match form.parse() {
        Ok(v) => v,
        Err(fields) => return show_page(&state, &caller, ctx, e, messages(t, &fields)).await,
    };
    let tx = state.db().write().await?;
    events::report(&tx, &me.who(), &e, participant, sales.map(|s| s.dong()), contacts).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &t.get("flash-saved"), &format!("/events/{id}")))
}
