//! Training classes of a province's office and the people producers send to them.

use crate::audit::{self, Change, Who};
use crate::db::{Conditions, execute, fetch_all, fetch_one, fetch_optional, now};
use crate::{Page, Paged, Result, StoreError, Tx};
use domain::access::Listing;
use domain::place::ProvinceCode;
use domain::supervision::{Attendance, ClassPlace, TrainingDraft, TrainingInput, supervision};
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::Serialize;
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct TrainingClass {
    pub id: i64,
    pub province_code: String,
    pub province_name: String,
    pub commune_code: Option<String>,
    pub commune_name: Option<String>,
    pub name: String,
    /// A topic of the supervision data in force when the class was recorded.
    pub topic: String,
    pub rules_version: String,
    pub organiser: String,
    pub place: String,
    #[schema(value_type = String, format = Date)]
    pub starts_on: Date,
    #[schema(value_type = String, format = Date)]
    pub ends_on: Date,
    pub sessions: i64,
    pub trainers: String,
    pub budget_vnd: Option<i64>,
    pub description: String,
    /// People taking part, and the producers they come from.
    pub participants: i64,
    pub producers: i64,
    /// Mean satisfaction (1–5) in hundredths, of those who gave one.
    pub satisfaction_x100: Option<i64>,
    pub demo: bool,
    pub version: i64,
}

impl TrainingClass {
    pub fn input(&self) -> TrainingInput {
        TrainingInput {
            name: self.name.clone(),
            topic: self.topic.clone(),
            organiser: self.organiser.clone(),
            commune: self.commune_code.clone().unwrap_or_default(),
            place: self.place.clone(),
            starts_on: domain::fmt_date(self.starts_on),
            ends_on: domain::fmt_date(self.ends_on),
            sessions: self.sessions.to_string(),
            trainers: self.trainers.clone(),
            budget: self.budget_vnd.map(|b| b.to_string()).unwrap_or_default(),
            description: self.description.clone(),
        }
    }
}

const COLUMNS: &str = "t.id, t.province_code, pr.name AS province_name, t.commune_code, c.name AS commune_name, t.name, \
    t.topic, t.rules_version, t.organiser, t.place, t.starts_on, t.ends_on, t.sessions, t.trainers, t.budget_vnd, \
    t.description, \
    (SELECT COUNT(*) FROM training_participant tp WHERE tp.class_id = t.id) AS participants, \
    (SELECT COUNT(DISTINCT tp.producer_id) FROM training_participant tp WHERE tp.class_id = t.id) AS producers, \
    (SELECT CAST(AVG(tp.satisfaction) * 100 AS BIGINT) FROM training_participant tp \
      WHERE tp.class_id = t.id AND tp.satisfaction IS NOT NULL) AS satisfaction_x100, \
    t.demo, t.version";
const FROM: &str =
    "training_class t JOIN province pr ON pr.code = t.province_code LEFT JOIN commune c ON c.code = t.commune_code";

pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<TrainingClass>> {
    fetch_optional(c, &format!("SELECT {COLUMNS} FROM {FROM} WHERE t.id = $1"), [id.into()]).await
}

#[derive(Debug, Clone, Default)]
pub struct TrainingFilter {
    pub q: Option<String>,
    pub year: Option<i32>,
    pub topic: Option<String>,
}

/// The year's first and last day.
pub(crate) fn year_bounds(y: i32) -> Option<(Date, Date)> {
    Some((
        Date::from_calendar_date(y, time::Month::January, 1).ok()?,
        Date::from_calendar_date(y, time::Month::December, 31).ok()?,
    ))
}

/// Classes of a listing: a province's, those held in a commune, those a producer sent people to.
fn scope(w: &mut Conditions, listing: &Listing) {
    match listing {
        Listing::All => {}
        Listing::Province(p) => {
            w.and("t.province_code = ?", p.as_str());
        }
        Listing::Commune(_, c) => {
            w.and("t.commune_code = ?", c.as_str());
        }
        Listing::Producer(id) => {
            w.and(
                "EXISTS (SELECT 1 FROM training_participant tp WHERE tp.class_id = t.id AND tp.producer_id = ?)",
                *id,
            );
        }
        Listing::AssignedTo(_) => {
            w.raw("1 = 0");
        }
    }
}

fn filtered(listing: &Listing, f: &TrainingFilter) -> Result<(Conditions, (String, Vec<Value>))> {
    let mut w = Conditions::default();
    scope(&mut w, listing);
    let order = crate::producers::words(&mut w, "t.search_fold", f.q.as_deref(), "t.starts_on DESC, t.id DESC")?;
    if let Some((from, to)) = f.year.and_then(year_bounds) {
        w.and_values("t.starts_on >= ? AND t.starts_on <= ?", vec![from.into(), to.into()]);
    }
    if let Some(topic) = &f.topic {
        w.and("t.topic = ?", topic.as_str());
    }
    Ok((w, order))
}

pub async fn search(
    c: &impl ConnectionTrait,
    listing: &Listing,
    f: &TrainingFilter,
    page: Page,
) -> Result<Paged<TrainingClass>> {
    let (w, order) = filtered(listing, f)?;
    w.page(c, COLUMNS, FROM, (&order.0, order.1), page).await
}

/// Classes by topic for the filter: `(topic, classes, participants)`.
pub async fn by_topic(
    c: &impl ConnectionTrait,
    listing: &Listing,
    f: &TrainingFilter,
) -> Result<Vec<(String, i64, i64)>> {
    #[derive(FromQueryResult)]
    struct Row {
        topic: String,
        classes: i64,
        people: i64,
    }
    let (w, _) = filtered(listing, &TrainingFilter { topic: None, ..f.clone() })?;
    let sql = format!(
        "SELECT t.topic, COUNT(*) AS classes, \
         CAST(COALESCE(SUM((SELECT COUNT(*) FROM training_participant tp WHERE tp.class_id = t.id)), 0) AS BIGINT) AS people \
         FROM {FROM}{} GROUP BY t.topic ORDER BY classes DESC, t.topic",
        w.sql()
    );
    Ok(fetch_all::<Row>(c, &sql, w.values.clone()).await?.into_iter().map(|r| (r.topic, r.classes, r.people)).collect())
}

async fn check(c: &impl ConnectionTrait, province: &ProvinceCode, d: &TrainingDraft) -> Result<()> {
    if let ClassPlace::Commune(code) = &d.held_in {
        match crate::units::commune(c, code.as_str()).await? {
            Some(u) if u.province_code == province.as_str() => {}
            _ => {
                let why = Invalid::new("invalid-commune-elsewhere").with("code", code);
                return Err(StoreError::Invalid(FieldErrors::single("commune", why)));
            }
        }
    }
    Ok(())
}

fn values(d: &TrainingDraft) -> Vec<Value> {
    let commune = match &d.held_in {
        ClassPlace::Commune(c) => Some(c.to_string()),
        ClassPlace::Online => None,
    };
    vec![
        commune.into(),
        d.name.clone().into(),
        d.topic.clone().into(),
        supervision().version.clone().into(),
        d.organiser.clone().into(),
        d.place.clone().into(),
        d.starts_on.into(),
        d.ends_on.into(),
        d.sessions.into(),
        d.trainers.clone().into(),
        d.budget.map(|b| b.dong()).into(),
        d.description.clone().into(),
        domain::text::fold(&format!("{} {} {} {}", d.name, d.organiser, d.trainers, d.place)).into(),
    ]
}

pub async fn create(
    tx: &Tx,
    who: &Who,
    province: &ProvinceCode,
    d: &TrainingDraft,
    demo: bool,
) -> Result<TrainingClass> {
    check(tx, province, d).await?;
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let mut v = values(d);
    v.extend([province.as_str().into(), demo.into(), now().into()]);
    let row: Id = fetch_one(
        tx,
        "INSERT INTO training_class (commune_code, name, topic, rules_version, organiser, place, starts_on, ends_on, \
         sessions, trainers, budget_vnd, description, search_fold, province_code, demo, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id",
        v,
    )
    .await?;
    let after = get(tx, row.id).await?.ok_or(StoreError::NotFound)?;
    if !demo {
        audit::append(
            tx,
            who,
            Change::new("training.create", "training_class", row.id).province(Some(province.as_str())).after(&after),
        )
        .await?;
    }
    Ok(after)
}

pub async fn update(tx: &Tx, who: &Who, id: i64, version: i64, d: &TrainingDraft) -> Result<TrainingClass> {
    let before = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    let province = ProvinceCode::parse(&before.province_code)
        .map_err(|e| StoreError::Corrupt { table: "training_class", detail: e.to_string() })?;
    check(tx, &province, d).await?;
    let mut v = values(d);
    v.extend([now().into(), id.into(), version.into()]);
    let changed = execute(
        tx,
        "UPDATE training_class SET commune_code = $1, name = $2, topic = $3, rules_version = $4, organiser = $5, \
         place = $6, starts_on = $7, ends_on = $8, sessions = $9, trainers = $10, budget_vnd = $11, description = $12, \
         search_fold = $13, updated_at = $14, version = version + 1 WHERE id = $15 AND version = $16",
        v,
    )
    .await?;
    if changed == 0 {
        return Err(StoreError::Stale);
    }
    let after = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    let change = Change::new("training.update", "training_class", id)
        .province(Some(&after.province_code))
        .before(&before)
        .after(&after);
    audit::append(tx, who, change).await?;
    Ok(after)
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct TrainingParticipant {
    pub id: i64,
    pub class_id: i64,
    pub producer_id: i64,
    pub producer_name: String,
    pub person: String,
    pub role: String,
    /// Attended sessions: bit n-1 for session n.
    pub attended: i64,
    pub satisfaction: Option<i64>,
}

impl TrainingParticipant {
    pub fn attendance(&self) -> Attendance {
        Attendance { sessions: self.attended.cast_unsigned(), satisfaction: self.satisfaction }
    }
}

const PARTICIPANT: &str = "SELECT tp.id, tp.class_id, tp.producer_id, p.name AS producer_name, tp.person, tp.role, \
    tp.attended, tp.satisfaction FROM training_participant tp JOIN producer p ON p.id = tp.producer_id";

pub async fn participants(c: &impl ConnectionTrait, class_id: i64) -> Result<Vec<TrainingParticipant>> {
    fetch_all(c, &format!("{PARTICIPANT} WHERE tp.class_id = $1 ORDER BY p.sort_key, tp.id"), [class_id.into()]).await
}

pub async fn participant(c: &impl ConnectionTrait, id: i64) -> Result<Option<TrainingParticipant>> {
    fetch_optional(c, &format!("{PARTICIPANT} WHERE tp.id = $1"), [id.into()]).await
}

/// Adds a person a producer of the class's province sends.
pub async fn add_participant(
    tx: &Tx,
    who: &Who,
    class: &TrainingClass,
    producer_id: i64,
    person: &str,
    role: &str,
    demo: bool,
) -> Result<TrainingParticipant> {
    let producer = crate::producers::get(tx, producer_id)
        .await?
        .filter(|p| p.deleted_at.is_none() && p.province_code == class.province_code)
        .ok_or_else(|| {
            StoreError::Invalid(FieldErrors::single("producer", Invalid::new("invalid-training-producer")))
        })?;
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let row: Id = fetch_one(
        tx,
        "INSERT INTO training_participant (class_id, producer_id, person, role, created_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id",
        [class.id.into(), producer.id.into(), person.into(), role.into(), now().into()],
    )
    .await?;
    let after = participant(tx, row.id).await?.ok_or(StoreError::NotFound)?;
    if !demo {
        audit::append(
            tx,
            who,
            Change::new("training.participant", "training_class", class.id)
                .province(Some(&class.province_code))
                .after(&after),
        )
        .await?;
    }
    Ok(after)
}

/// Records a participant's attendance and satisfaction.
pub async fn attend(tx: &Tx, who: &Who, class: &TrainingClass, participant_id: i64, a: Attendance) -> Result<()> {
    let before =
        participant(tx, participant_id).await?.filter(|p| p.class_id == class.id).ok_or(StoreError::NotFound)?;
    execute(
        tx,
        "UPDATE training_participant SET attended = $1, satisfaction = $2 WHERE id = $3",
        [a.sessions.cast_signed().into(), a.satisfaction.into(), participant_id.into()],
    )
    .await?;
    let after = participant(tx, participant_id).await?.ok_or(StoreError::NotFound)?;
    let change = Change::new("training.attendance", "training_class", class.id)
        .province(Some(&class.province_code))
        .before(&before)
        .after(&after);
    audit::append(tx, who, change).await?;
    Ok(())
}

/// A producer's training history: each class and the people it sent.
pub async fn of_producer(
    c: &impl ConnectionTrait,
    producer_id: i64,
) -> Result<Vec<(TrainingClass, TrainingParticipant)>> {
    let people: Vec<TrainingParticipant> =
        fetch_all(c, &format!("{PARTICIPANT} WHERE tp.producer_id = $1 ORDER BY tp.id DESC"), [producer_id.into()])
            .await?;
    let mut out = Vec::with_capacity(people.len());
    for p in people {
        if let Some(class) = get(c, p.class_id).await? {
            out.push((class, p));
        }
    }
    out.sort_by(|a, b| b.0.starts_on.cmp(&a.0.starts_on).then(b.0.id.cmp(&a.0.id)));
    Ok(out)
}
