//! The producers visited under a plan and the record of each visit (biên bản kiểm tra): who
//! inspects, the products covered, the checklist as answered, photos.

use super::inspection_scope;
use super::plans::Plan;
use crate::audit::{self, Change, Who};
use crate::db::{Conditions, count, execute, fetch_all, fetch_in, fetch_one, fetch_optional, now};
use crate::notifications::{Message, notify, users_of};
use crate::photos::NewPhoto;
use crate::{Page, Paged, Result, StoreError, Tx};
use domain::access::Listing;
use domain::role::Role;
use domain::supervision::{ChecklistAnswers, RecordDraft, supervision};
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use std::collections::BTreeSet;
use time::Date;

/// The most photos one record keeps.
pub const MAX_PHOTOS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Inspection {
    pub id: i64,
    pub plan_id: i64,
    pub plan_name: String,
    pub province_code: String,
    pub producer_id: i64,
    pub producer_name: String,
    pub commune_code: String,
    pub commune_name: String,
    /// `hand`, or the proposal's reasons (`expiring,alerts`).
    pub reasons: String,
    /// `planned`, `started`, `done`.
    pub state: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub visited_on: Option<Date>,
    pub present: String,
    /// The checklist answers: `{"1.1": {"answer": "met", "note": ""}}`.
    pub answers: String,
    pub checklist_version: String,
    pub revision: i64,
    pub completed_at: Option<i64>,
    pub products: i64,
    pub findings: i64,
    pub open_findings: i64,
    pub demo: bool,
}

impl Inspection {
    pub fn checklist(&self) -> ChecklistAnswers {
        ChecklistAnswers::from_json(&self.answers)
    }

    pub fn draft(&self) -> RecordDraft {
        RecordDraft { visited_on: self.visited_on, present: self.present.clone(), answers: self.checklist() }
    }

    pub fn is_done(&self) -> bool {
        self.state == "done"
    }
}

const COLUMNS: &str = "i.id, i.plan_id, pl.name AS plan_name, pl.province_code, i.producer_id, p.name AS producer_name, \
    p.commune_code, c.name AS commune_name, i.reasons, i.state, i.visited_on, i.present, i.answers, i.checklist_version, \
    i.revision, i.completed_at, \
    (SELECT COUNT(*) FROM inspection_product ip WHERE ip.inspection_id = i.id) AS products, \
    (SELECT COUNT(*) FROM finding f WHERE f.inspection_id = i.id) AS findings, \
    (SELECT COUNT(*) FROM finding f WHERE f.inspection_id = i.id AND f.state IN ('open', 'answered')) AS open_findings, \
    i.demo";
const FROM: &str = "inspection i JOIN inspection_plan pl ON pl.id = i.plan_id JOIN producer p ON p.id = i.producer_id \
    JOIN commune c ON c.code = p.commune_code";

pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<Inspection>> {
    fetch_optional(c, &format!("SELECT {COLUMNS} FROM {FROM} WHERE i.id = $1"), [id.into()]).await
}

pub async fn of_plan(c: &impl ConnectionTrait, plan_id: i64) -> Result<Vec<Inspection>> {
    fetch_all(
        c,
        &format!("SELECT {COLUMNS} FROM {FROM} WHERE i.plan_id = $1 ORDER BY c.name, p.sort_key, i.id"),
        [plan_id.into()],
    )
    .await
}

#[derive(Debug, Clone, Default)]
pub struct InspectionFilter {
    pub plan: Option<i64>,
    /// `planned`, `started`, `done`; or `todo` for planned and started.
    pub state: Option<String>,
    pub producer: Option<i64>,
}

/// The visits a listing covers: the office's province, a commune, a producer's own, or the
/// visits an inspector is assigned to. Work to do first, then the latest.
pub async fn search(
    c: &impl ConnectionTrait,
    listing: &Listing,
    f: &InspectionFilter,
    page: Page,
) -> Result<Paged<Inspection>> {
    let mut w = Conditions::default();
    inspection_scope(&mut w, listing);
    if let Some(plan) = f.plan {
        w.and("i.plan_id = ?", plan);
    }
    if let Some(p) = f.producer {
        w.and("i.producer_id = ?", p);
    }
    match f.state.as_deref() {
        Some("todo") => {
            w.raw("i.state <> 'done'");
        }
        Some(s @ ("planned" | "started" | "done")) => {
            w.and("i.state = ?", s);
        }
        _ => {}
    }
    let order = "CASE WHEN i.state = 'done' THEN 1 ELSE 0 END, pl.starts_on DESC, c.name, i.id";
    w.page(c, COLUMNS, FROM, (order, Vec::new()), page).await
}

pub async fn is_assigned(c: &impl ConnectionTrait, id: i64, user_id: i64) -> Result<bool> {
    Ok(count(
        c,
        "SELECT COUNT(*) AS n FROM inspection_inspector WHERE inspection_id = $1 AND user_id = $2",
        [id.into(), user_id.into()],
    )
    .await?
        > 0)
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Inspector {
    pub id: i64,
    pub display_name: String,
}

pub async fn inspectors(c: &impl ConnectionTrait, id: i64) -> Result<Vec<Inspector>> {
    fetch_all(
        c,
        "SELECT u.id, u.display_name FROM inspection_inspector ii JOIN app_user u ON u.id = ii.user_id \
         WHERE ii.inspection_id = $1 ORDER BY u.display_name, u.id",
        [id.into()],
    )
    .await
}

/// The accounts that may be assigned to a province's visits: its inspectors.
pub async fn assignable(c: &impl ConnectionTrait, province: &str) -> Result<Vec<Inspector>> {
    fetch_all(
        c,
        "SELECT id, display_name FROM app_user WHERE role = $1 AND province_code = $2 AND disabled = $3 \
         ORDER BY display_name, id",
        [Role::Inspector.as_str().into(), province.into(), false.into()],
    )
    .await
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct InspectedProduct {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub stars: Option<i64>,
    pub certificate_number: Option<String>,
}

pub async fn products(c: &impl ConnectionTrait, id: i64) -> Result<Vec<InspectedProduct>> {
    fetch_all(
        c,
        "SELECT x.id, x.code, x.name, x.stars, ce.number AS certificate_number FROM inspection_product ip \
         JOIN product x ON x.id = ip.product_id LEFT JOIN certificate ce ON ce.id = x.certificate_id \
         WHERE ip.inspection_id = $1 ORDER BY x.name, x.id",
        [id.into()],
    )
    .await
}

/// Puts a producer (and the products to inspect) in a plan; a producer already there gets the
/// further products. Every product must be the producer's, the producer of the plan's province.
pub async fn add(
    tx: &Tx,
    who: &Who,
    plan: &Plan,
    producer_id: i64,
    products: &[i64],
    reasons: &str,
    demo: bool,
) -> Result<Inspection> {
    let producer = crate::producers::get(tx, producer_id)
        .await?
        .filter(|p| p.deleted_at.is_none() && p.province_code == plan.province_code)
        .ok_or_else(|| {
            StoreError::Invalid(FieldErrors::single(
                "producer",
                Invalid::new("invalid-inspection-producer").with("id", producer_id),
            ))
        })?;
    let wanted: BTreeSet<i64> = products.iter().copied().collect();
    if wanted.is_empty() {
        return Err(StoreError::Invalid(FieldErrors::single("products", Invalid::new("invalid-inspection-products"))));
    }
    #[derive(FromQueryResult)]
    struct Owner {
        id: i64,
        producer_id: i64,
        deleted_at: Option<i64>,
    }
    let owners: Vec<Owner> =
        fetch_in(tx, "SELECT id, producer_id, deleted_at FROM product WHERE id IN", wanted.iter().copied()).await?;
    for id in &wanted {
        if !owners.iter().any(|o| o.id == *id && o.producer_id == producer.id && o.deleted_at.is_none()) {
            return Err(StoreError::Invalid(FieldErrors::single(
                "products",
                Invalid::new("invalid-inspection-product").with("id", id),
            )));
        }
    }
    #[derive(FromQueryResult)]
    struct Existing {
        id: i64,
        state: String,
    }
    let existing: Option<Existing> = fetch_optional(
        tx,
        "SELECT id, state FROM inspection WHERE plan_id = $1 AND producer_id = $2",
        [plan.id.into(), producer.id.into()],
    )
    .await?;
    let id = match existing {
        Some(e) if e.state == "done" => return Err(StoreError::Refused(Invalid::new("invalid-inspection-done"))),
        Some(e) => e.id,
        None => {
            #[derive(FromQueryResult)]
            struct Id {
                id: i64,
            }
            fetch_one::<Id>(
                tx,
                "INSERT INTO inspection (plan_id, producer_id, reasons, state, checklist_version, demo, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'planned', $4, $5, $6, $6) RETURNING id",
                [
                    plan.id.into(),
                    producer.id.into(),
                    reasons.into(),
                    supervision().version.clone().into(),
                    demo.into(),
                    now().into(),
                ],
            )
            .await?
            .id
        }
    };
    for product in &wanted {
        execute(
            tx,
            "INSERT INTO inspection_product (inspection_id, product_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            [id.into(), (*product).into()],
        )
        .await?;
    }
    if !demo {
        let after =
            serde_json::json!({"plan": plan.id, "producer": producer.id, "products": wanted, "reasons": reasons});
        audit::append(
            tx,
            who,
            Change::new("inspection.plan", "inspection", id).province(Some(&plan.province_code)).after(&after),
        )
        .await?;
    }
    get(tx, id).await?.ok_or(StoreError::NotFound)
}

/// Takes a visit not yet started out of its plan.
pub async fn remove(tx: &Tx, who: &Who, i: &Inspection) -> Result<()> {
    if i.state != "planned" {
        return Err(StoreError::Refused(Invalid::new("invalid-inspection-started")));
    }
    for sql in [
        "DELETE FROM inspection_product WHERE inspection_id = $1",
        "DELETE FROM inspection_inspector WHERE inspection_id = $1",
        "DELETE FROM inspection WHERE id = $1 AND state = 'planned'",
    ] {
        execute(tx, sql, [i.id.into()]).await?;
    }
    audit::append(
        tx,
        who,
        Change::new("inspection.remove", "inspection", i.id).province(Some(&i.province_code)).before(i),
    )
    .await
    .map(|_| ())
}

/// Sets the inspectors of a visit: inspectors of the plan's province only. The newly assigned
/// are notified.
pub async fn assign(tx: &Tx, who: &Who, i: &Inspection, users: &[i64]) -> Result<Vec<Inspector>> {
    let allowed: BTreeSet<i64> = assignable(tx, &i.province_code).await?.into_iter().map(|u| u.id).collect();
    let wanted: BTreeSet<i64> = users.iter().copied().collect();
    if let Some(bad) = wanted.iter().find(|u| !allowed.contains(u)) {
        return Err(StoreError::Invalid(FieldErrors::single(
            "inspectors",
            Invalid::new("invalid-inspector").with("id", bad),
        )));
    }
    let before: BTreeSet<i64> = inspectors(tx, i.id).await?.into_iter().map(|u| u.id).collect();
    execute(tx, "DELETE FROM inspection_inspector WHERE inspection_id = $1", [i.id.into()]).await?;
    for u in &wanted {
        execute(
            tx,
            "INSERT INTO inspection_inspector (inspection_id, user_id) VALUES ($1, $2)",
            [i.id.into(), (*u).into()],
        )
        .await?;
    }
    let new: Vec<i64> = wanted.difference(&before).copied().collect();
    notify(
        tx,
        &new,
        &Message {
            subject: format!("inspection-assigned:{}", i.id),
            key: "notify-inspection-assigned",
            args: vec![("producer", i.producer_name.clone()), ("plan", i.plan_name.clone())],
            link: format!("/inspections/{}", i.id),
        },
    )
    .await?;
    let change = Change::new("inspection.assign", "inspection", i.id)
        .province(Some(&i.province_code))
        .before(&before)
        .after(&wanted);
    audit::append(tx, who, change).await?;
    inspectors(tx, i.id).await
}

/// Saves the record as the device has it. An older revision arriving after a newer one is
/// ignored (the stored record is returned); a closed record is not changed.
pub async fn save(tx: &Tx, who: &Who, id: i64, d: &RecordDraft, revision: i64) -> Result<Inspection> {
    let stored = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    if stored.is_done() {
        return Err(StoreError::Refused(Invalid::new("invalid-inspection-done")));
    }
    if revision <= stored.revision {
        return Ok(stored);
    }
    let answers = d.answers.to_json();
    execute(
        tx,
        "UPDATE inspection SET visited_on = $1, present = $2, answers = $3, revision = $4, state = 'started', \
         updated_at = $5 WHERE id = $6 AND revision < $4 AND state <> 'done'",
        [
            d.visited_on.into(),
            d.present.clone().into(),
            answers.clone().into(),
            revision.into(),
            now().into(),
            id.into(),
        ],
    )
    .await?;
    let change = Change::new("inspection.save", "inspection", id).province(Some(&stored.province_code)).after(
        &serde_json::json!({"revision": revision, "visited_on": d.visited_on, "present": d.present, "answers": answers}),
    );
    audit::append(tx, who, change).await?;
    get(tx, id).await?.ok_or(StoreError::NotFound)
}

/// Closes the record: dated, people present, every checklist item answered. The producer is
/// told, with the number of findings to remedy.
pub async fn complete(tx: &Tx, who: &Who, id: i64) -> Result<Inspection> {
    let stored = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    if stored.is_done() {
        return Err(StoreError::Refused(Invalid::new("invalid-inspection-done")));
    }
    stored.draft().incomplete().into_result()?;
    let t = now();
    execute(
        tx,
        "UPDATE inspection SET state = 'done', completed_at = $1, completed_by = $2, updated_at = $1 \
         WHERE id = $3 AND state <> 'done'",
        [t.into(), who.user_id.into(), id.into()],
    )
    .await?;
    let owners = users_of(tx, Role::Producer, None, None, Some(stored.producer_id)).await?;
    notify(
        tx,
        &owners,
        &Message {
            subject: format!("inspection-done:{id}"),
            key: "notify-inspection-done",
            args: vec![("plan", stored.plan_name.clone()), ("findings", stored.findings.to_string())],
            link: format!("/findings?inspection={id}"),
        },
    )
    .await?;
    audit::append(
        tx,
        who,
        Change::new("inspection.complete", "inspection", id)
            .province(Some(&stored.province_code))
            .after(&stored.draft().answers),
    )
    .await?;
    get(tx, id).await?.ok_or(StoreError::NotFound)
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct Photo {
    pub id: i64,
    pub inspection_id: i64,
    pub item_code: Option<String>,
    pub content_type: String,
    pub sha256: String,
    pub width: i64,
    pub height: i64,
}

const PHOTO: &str = "SELECT id, inspection_id, item_code, content_type, sha256, width, height FROM inspection_photo";

pub async fn add_photos(
    tx: &Tx,
    who: &Who,
    i: &Inspection,
    item: Option<&str>,
    photos: Vec<NewPhoto>,
) -> Result<Vec<i64>> {
    if i.is_done() {
        return Err(StoreError::Refused(Invalid::new("invalid-inspection-done")));
    }
    if let Some(code) = item
        && supervision().item(code).is_none()
    {
        return Err(StoreError::Invalid(FieldErrors::single(
            "item",
            Invalid::new("invalid-checklist-item").with("value", code),
        )));
    }
    let held = count(tx, "SELECT COUNT(*) AS n FROM inspection_photo WHERE inspection_id = $1", [i.id.into()]).await?;
    if held + domain::num::count(photos.len()) > MAX_PHOTOS {
        let why = Invalid::new("invalid-photo-count").with("max", MAX_PHOTOS);
        return Err(StoreError::Invalid(FieldErrors::single("photos", why)));
    }
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let mut ids = Vec::new();
    for p in photos {
        let size = domain::num::count(p.bytes.len());
        let id = fetch_one::<Id>(
            tx,
            "INSERT INTO inspection_photo (inspection_id, item_code, content_type, bytes, thumb, sha256, width, height, size, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            [
                i.id.into(),
                item.map(str::to_owned).into(),
                p.content_type.into(),
                p.bytes.into(),
                p.thumb.into(),
                p.sha256.clone().into(),
                i64::from(p.width).into(),
                i64::from(p.height).into(),
                size.into(),
                who.user_id.into(),
                now().into(),
            ],
        )
        .await?
        .id;
        let after = serde_json::json!({"inspection": i.id, "item": item, "sha256": p.sha256, "size": size});
        audit::append(
            tx,
            who,
            Change::new("inspection.photo", "inspection", i.id).province(Some(&i.province_code)).after(&after),
        )
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

pub async fn photos(c: &impl ConnectionTrait, inspection_id: i64) -> Result<Vec<Photo>> {
    fetch_all(c, &format!("{PHOTO} WHERE inspection_id = $1 ORDER BY id"), [inspection_id.into()]).await
}

pub async fn photo(c: &impl ConnectionTrait, id: i64) -> Result<Option<Photo>> {
    fetch_optional(c, &format!("{PHOTO} WHERE id = $1"), [id.into()]).await
}

pub async fn photo_content(c: &impl ConnectionTrait, id: i64, thumb: bool) -> Result<Option<Vec<u8>>> {
    #[derive(FromQueryResult)]
    struct Content {
        data: Vec<u8>,
    }
    let column = if thumb { "thumb" } else { "bytes" };
    Ok(fetch_optional::<Content>(
        c,
        &format!("SELECT {column} AS data FROM inspection_photo WHERE id = $1"),
        [id.into()],
    )
    .await?
    .map(|c| c.data))
}
