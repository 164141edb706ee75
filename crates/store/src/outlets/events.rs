//! Fairs and events (hội chợ, tuần hàng, phiên chợ, lễ hội, hội chợ trực tuyến) of a province's
//! office, the producers taking part and the products they show, and what they report selling.

use crate::audit::{self, Change, Who};
use crate::db::{Conditions, execute, fetch_all, fetch_in, fetch_one, fetch_optional, now};
use crate::{Page, Paged, Result, StoreError, Tx};
use domain::outlets::{EventDraft, EventInput, EventPlace, may_sign_up};
use domain::place::ProvinceCode;
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Event {
    pub id: i64,
    pub province_code: String,
    pub province_name: String,
    /// `fair`, `week`, `market`, `festival`, `online`.
    pub kind: String,
    pub name: String,
    #[schema(value_type = String, format = Date)]
    pub starts_on: Date,
    #[schema(value_type = String, format = Date)]
    pub ends_on: Date,
    pub commune_code: Option<String>,
    pub commune_name: Option<String>,
    /// Where, in words, when not a commune of the province.
    pub place: String,
    pub organiser: String,
    pub budget_vnd: Option<i64>,
    pub capacity: Option<i64>,
    #[schema(value_type = String, format = Date)]
    pub registration_until: Date,
    pub description: String,
    /// Producers approved to take part.
    pub participants: i64,
    /// Sales the participants reported, in đồng.
    pub reported_sales_vnd: i64,
    pub contacts: i64,
    pub demo: bool,
    pub version: i64,
}

impl Event {
    /// The place in words: the commune and province, or what the office wrote.
    pub fn where_(&self) -> String {
        match &self.commune_name {
            Some(c) => format!("{c}, {}", self.province_name),
            None => self.place.clone(),
        }
    }

    pub fn input(&self) -> EventInput {
        let vnd =
            |v: Option<i64>| v.and_then(|v| domain::money::Vnd::new(v).ok()).map(|v| v.to_string()).unwrap_or_default();
        EventInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            starts_on: domain::fmt_date(self.starts_on),
            ends_on: domain::fmt_date(self.ends_on),
            commune: self.commune_code.clone().unwrap_or_default(),
            place: self.place.clone(),
            organiser: self.organiser.clone(),
            budget: vnd(self.budget_vnd).replace(" ₫", ""),
            capacity: self.capacity.map(|c| c.to_string()).unwrap_or_default(),
            registration_until: domain::fmt_date(self.registration_until),
            description: self.description.clone(),
        }
    }
}

const COLUMNS: &str = "e.id, e.province_code, pr.name AS province_name, e.kind, e.name, e.starts_on, e.ends_on, \
    e.commune_code, c.name AS commune_name, e.place, e.organiser, e.budget_vnd, e.capacity, e.registration_until, \
    e.description, \
    (SELECT COUNT(*) FROM event_participant ep WHERE ep.event_id = e.id AND ep.state = 'approved') AS participants, \
    (SELECT CAST(COALESCE(SUM(ep.sales_vnd), 0) AS BIGINT) FROM event_participant ep WHERE ep.event_id = e.id AND ep.state = 'approved') \
      AS reported_sales_vnd, \
    (SELECT CAST(COALESCE(SUM(ep.contacts), 0) AS BIGINT) FROM event_participant ep WHERE ep.event_id = e.id AND ep.state = 'approved') \
      AS contacts, \
    e.demo, e.version";
const FROM: &str =
    "market_event e JOIN province pr ON pr.code = e.province_code LEFT JOIN commune c ON c.code = e.commune_code";

pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<Event>> {
    fetch_optional(c, &format!("SELECT {COLUMNS} FROM {FROM} WHERE e.id = $1"), [id.into()]).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum When {
    /// Not yet over on the day: soonest first.
    #[default]
    Upcoming,
    /// Over before the day: latest first.
    Past,
    All,
}

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub q: Option<String>,
    pub province: Option<ProvinceCode>,
    pub year: Option<i32>,
    pub when: When,
}

pub async fn search(c: &impl ConnectionTrait, f: &EventFilter, today: Date, page: Page) -> Result<Paged<Event>> {
    let mut w = Conditions::default();
    let then = match f.when {
        When::Upcoming => "e.starts_on, e.id",
        When::Past | When::All => "e.starts_on DESC, e.id DESC",
    };
    let order = crate::producers::words(&mut w, "e.search_fold", f.q.as_deref(), then)?;
    if let Some(p) = &f.province {
        w.and("e.province_code = ?", p.as_str());
    }
    match f.when {
        When::Upcoming => {
            w.and("e.ends_on >= ?", today);
        }
        When::Past => {
            w.and("e.ends_on < ?", today);
        }
        When::All => {}
    }
    if let Some(y) = f.year
        && let (Ok(from), Ok(to)) = (
            Date::from_calendar_date(y, time::Month::January, 1),
            Date::from_calendar_date(y, time::Month::December, 31),
        )
    {
        w.and_values("e.starts_on >= ? AND e.starts_on <= ?", vec![from.into(), to.into()]);
    }
    w.page(c, COLUMNS, FROM, (&order.0, order.1), page).await
}

async fn check(c: &impl ConnectionTrait, province: &ProvinceCode, d: &EventDraft) -> Result<()> {
    if let EventPlace::Commune(code) = &d.place {
        match crate::units::commune(c, code.as_str()).await? {
            Some(u) if u.province_code == province.as_str() => {}
            Some(_) => {
                let why = Invalid::new("invalid-commune-elsewhere").with("code", code);
                return Err(StoreError::Invalid(FieldErrors::single("commune", why)));
            }
            None => {
                let why = Invalid::new("invalid-commune-unknown").with("code", code);
                return Err(StoreError::Invalid(FieldErrors::single("commune", why)));
            }
        }
    }
    Ok(())
}

fn values(d: &EventDraft) -> Vec<Value> {
    let (commune, place) = match &d.place {
        EventPlace::Commune(c) => (Some(c.to_string()), String::new()),
        EventPlace::Elsewhere(text) => (None, text.clone()),
    };
    vec![
        d.kind.as_str().into(),
        d.name.clone().into(),
        d.starts_on.into(),
        d.ends_on.into(),
        commune.into(),
        place.clone().into(),
        d.organiser.clone().into(),
        d.budget.map(|b| b.dong()).into(),
        d.capacity.into(),
        d.registration_until.into(),
        d.description.clone().into(),
        domain::text::fold(&format!("{} {} {}", d.name, place, d.organiser)).into(),
    ]
}

pub async fn create(tx: &Tx, who: &Who, province: &ProvinceCode, d: &EventDraft, demo: bool) -> Result<Event> {
    check(tx, province, d).await?;
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let mut v = values(d);
    v.extend([province.as_str().into(), demo.into(), now().into()]);
    let row: Id = fetch_one(
        tx,
        "INSERT INTO market_event (kind, name, starts_on, ends_on, commune_code, place, organiser, budget_vnd, \
         capacity, registration_until, description, search_fold, province_code, demo, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
        v,
    )
    .await?;
    let after = get(tx, row.id).await?.ok_or(StoreError::NotFound)?;
    if !demo {
        let change =
            Change::new("event.create", "market_event", row.id).province(Some(province.as_str())).after(&after);
        audit::append(tx, who, change).await?;
    }
    Ok(after)
}

pub async fn update(tx: &Tx, who: &Who, id: i64, version: i64, d: &EventDraft) -> Result<Event> {
    let before = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    if before.version != version {
        return Err(StoreError::Stale);
    }
    let province = ProvinceCode::parse(&before.province_code)
        .map_err(|e| StoreError::Corrupt { table: "market_event", detail: e.to_string() })?;
    check(tx, &province, d).await?;
    let mut v = values(d);
    v.extend([now().into(), id.into(), version.into()]);
    let changed = execute(
        tx,
        "UPDATE market_event SET kind = $1, name = $2, starts_on = $3, ends_on = $4, commune_code = $5, place = $6, \
         organiser = $7, budget_vnd = $8, capacity = $9, registration_until = $10, description = $11, \
         search_fold = $12, updated_at = $13, version = version + 1 WHERE id = $14 AND version = $15",
        v,
    )
    .await?;
    if changed == 0 {
        return Err(StoreError::Stale);
    }
    let after = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    let change = Change::new("event.update", "market_event", id)
        .province(Some(&after.province_code))
        .before(&before)
        .after(&after);
    audit::append(tx, who, change).await?;
    Ok(after)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ShownProduct {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub stars: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Participant {
    pub id: i64,
    pub event_id: i64,
    pub producer_id: i64,
    pub producer_name: String,
    pub commune_name: String,
    /// `registered` (waiting for the office), `approved`, `rejected`.
    pub state: String,
    pub sales_vnd: Option<i64>,
    pub contacts: Option<i64>,
    pub products: Vec<ShownProduct>,
}

#[derive(FromQueryResult)]
struct ParticipantRow {
    id: i64,
    event_id: i64,
    producer_id: i64,
    producer_name: String,
    commune_name: String,
    state: String,
    sales_vnd: Option<i64>,
    contacts: Option<i64>,
}

const PARTICIPANTS: &str = "SELECT ep.id, ep.event_id, ep.producer_id, p.name AS producer_name, c.name AS commune_name, \
    ep.state, ep.sales_vnd, ep.contacts FROM event_participant ep JOIN producer p ON p.id = ep.producer_id \
    JOIN commune c ON c.code = p.commune_code";

async fn with_products(c: &impl ConnectionTrait, rows: Vec<ParticipantRow>) -> Result<Vec<Participant>> {
    #[derive(FromQueryResult)]
    struct Shown {
        participant_id: i64,
        id: i64,
        code: String,
        name: String,
        stars: Option<i64>,
    }
    let shown: Vec<Shown> = fetch_in(
        c,
        "SELECT pp.participant_id, x.id, x.code, x.name, x.stars FROM event_participant_product pp \
         JOIN product x ON x.id = pp.product_id WHERE pp.participant_id IN",
        rows.iter().map(|r| r.id),
    )
    .await?;
    let mut by: BTreeMap<i64, Vec<ShownProduct>> = BTreeMap::new();
    for s in shown {
        by.entry(s.participant_id).or_default().push(ShownProduct {
            id: s.id,
            code: s.code,
            name: s.name,
            stars: s.stars,
        });
    }
    Ok(rows
        .into_iter()
        .map(|r| Participant {
            products: by.remove(&r.id).unwrap_or_default(),
            id: r.id,
            event_id: r.event_id,
            producer_id: r.producer_id,
            producer_name: r.producer_name,
            commune_name: r.commune_name,
            state: r.state,
            sales_vnd: r.sales_vnd,
            contacts: r.contacts,
        })
        .collect())
}

pub async fn participants(c: &impl ConnectionTrait, event_id: i64) -> Result<Vec<Participant>> {
    let rows: Vec<ParticipantRow> =
        fetch_all(c, &format!("{PARTICIPANTS} WHERE ep.event_id = $1 ORDER BY p.sort_key, ep.id"), [event_id.into()])
            .await?;
    with_products(c, rows).await
}

pub async fn participant(c: &impl ConnectionTrait, id: i64) -> Result<Option<Participant>> {
    let rows: Vec<ParticipantRow> = fetch_all(c, &format!("{PARTICIPANTS} WHERE ep.id = $1"), [id.into()]).await?;
    Ok(with_products(c, rows).await?.pop())
}

/// The events a producer takes or took part in (approved), latest first.
pub async fn of_producer(c: &impl ConnectionTrait, producer_id: i64) -> Result<Vec<(Event, String)>> {
    #[derive(FromQueryResult)]
    struct Row {
        event_id: i64,
        state: String,
    }
    let rows: Vec<Row> = fetch_all(
        c,
        "SELECT event_id, state FROM event_participant WHERE producer_id = $1 ORDER BY event_id DESC",
        [producer_id.into()],
    )
    .await?;
    let mut out = Vec::new();
    for r in rows {
        if let Some(e) = get(c, r.event_id).await? {
            out.push((e, r.state));
        }
    }
    out.sort_by_key(|(e, _)| std::cmp::Reverse(e.starts_on));
    Ok(out)
}

/// A producer joins an event with some of its products: signed up by the producer (to be
/// approved), or added by the office (approved at once). The deadline and the capacity hold for
/// both.
pub async fn join(
    tx: &Tx,
    who: &Who,
    event: &Event,
    producer_id: i64,
    products: &[i64],
    approved: bool,
    today: Date,
) -> Result<Participant> {
    let taken = fetch_one::<crate::db::Count>(
        tx,
        "SELECT COUNT(*) AS n FROM event_participant WHERE event_id = $1 AND state <> 'rejected'",
        [event.id.into()],
    )
    .await?
    .n;
    may_sign_up(event.registration_until, event.capacity, taken, today).map_err(StoreError::Refused)?;
    let owned = crate::products::of_producers(tx, &[producer_id].into_iter().collect()).await?;
    if products.is_empty() {
        return Err(StoreError::Invalid(FieldErrors::single("products", Invalid::new("invalid-event-products"))));
    }
    for id in products {
        if !owned.iter().any(|p| p.id == *id && p.deleted_at.is_none()) {
            let why = Invalid::new("invalid-event-product").with("id", id);
            return Err(StoreError::Invalid(FieldErrors::single("products", why)));
        }
    }
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let t = now();
    let state = if approved { "approved" } else { "registered" };
    let row: Id = fetch_one(
        tx,
        "INSERT INTO event_participant (event_id, producer_id, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
        [event.id.into(), producer_id.into(), state.into(), t.into()],
    )
    .await
    .map_err(|e| match e {
        StoreError::Duplicate(_) => StoreError::Refused(Invalid::new("event-already-joined")),
        other => other,
    })?;
    for id in products {
        execute(
            tx,
            "INSERT INTO event_participant_product (participant_id, product_id) VALUES ($1, $2)",
            [row.id.into(), (*id).into()],
        )
        .await?;
    }
    let after = participant(tx, row.id).await?.ok_or(StoreError::NotFound)?;
    let change =
        Change::new("event.join", "event_participant", row.id).province(Some(&event.province_code)).after(&after);
    audit::append(tx, who, change).await?;
    Ok(after)
}

/// The office approves a sign-up (while there is room) or turns it down.
pub async fn decide(tx: &Tx, who: &Who, event: &Event, participant_id: i64, approve: bool) -> Result<Participant> {
    let before =
        participant(tx, participant_id).await?.filter(|p| p.event_id == event.id).ok_or(StoreError::NotFound)?;
    if approve && before.state != "approved" {
        let approved = fetch_one::<crate::db::Count>(
            tx,
            "SELECT COUNT(*) AS n FROM event_participant WHERE event_id = $1 AND state = 'approved'",
            [event.id.into()],
        )
        .await?
        .n;
        if event.capacity.is_some_and(|c| approved >= c) {
            return Err(StoreError::Refused(Invalid::new("event-full").with("capacity", event.capacity.unwrap_or(0))));
        }
    }
    let state = if approve { "approved" } else { "rejected" };
    execute(
        tx,
        "UPDATE event_participant SET state = $1, updated_at = $2 WHERE id = $3",
        [state.into(), now().into(), participant_id.into()],
    )
    .await?;
    let after = participant(tx, participant_id).await?.ok_or(StoreError::NotFound)?;
    let change = Change::new("event.decide", "event_participant", participant_id)
        .province(Some(&event.province_code))
        .before(&before)
        .after(&after);
    audit::append(tx, who, change).await?;
    Ok(after)
}

/// What a participant sold and the buyer contacts it made, as reported after the event.
pub async fn report(
    tx: &Tx,
    who: &Who,
    event: &Event,
    participant_id: i64,
    sales: Option<i64>,
    contacts: Option<i64>,
) -> Result<Participant> {
    let before =
        participant(tx, participant_id).await?.filter(|p| p.event_id == event.id).ok_or(StoreError::NotFound)?;
    execute(
        tx,
        "UPDATE event_participant SET sales_vnd = $1, contacts = $2, updated_at = $3 WHERE id = $4",
        [sales.into(), contacts.into(), now().into(), participant_id.into()],
    )
    .await?;
    let after = participant(tx, participant_id).await?.ok_or(StoreError::NotFound)?;
    let change = Change::new("event.report", "event_participant", participant_id)
        .province(Some(&event.province_code))
        .before(&before)
        .after(&after);
    audit::append(tx, who, change).await?;
    Ok(after)
}

/// The office's figures of a year: events by kind, participants, reported sales.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct YearFigures {
    pub by_kind: BTreeMap<String, i64>,
    pub participants: i64,
    pub sales_vnd: i64,
    pub contacts: i64,
}

pub async fn figures(c: &impl ConnectionTrait, province: Option<&ProvinceCode>, year: i32) -> Result<YearFigures> {
    let f = EventFilter { province: province.cloned(), year: Some(year), when: When::All, q: None };
    let mut out = YearFigures::default();
    let mut page = Page::new(1, Page::MAX_SIZE);
    loop {
        let found = search(c, &f, Date::MIN, page).await?;
        for e in &found.items {
            *out.by_kind.entry(e.kind.clone()).or_default() += 1;
            out.participants += e.participants;
            out.sales_vnd += e.reported_sales_vnd;
            out.contacts += e.contacts;
        }
        if i64::from(page.number) * i64::from(page.size) >= found.total {
            break;
        }
        page = Page::new(page.number + 1, page.size);
    }
    Ok(out)
}
