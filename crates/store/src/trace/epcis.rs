//! EPCIS events in storage: captured idempotently by event ID, queried by product, lot, step and
//! time, and read back for timelines and recall banners.

use crate::audit::{self, Change, Who};
use crate::db::{Conditions, fetch_all, fetch_in, fetch_optional, now};
use crate::{Result, StoreError, Tx};
use domain::epcis::ObjectEvent;
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// An event with the product and lot its objects resolved to.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub event: ObjectEvent,
    pub product_id: i64,
    pub lot_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Captured {
    pub created: usize,
    pub unchanged: usize,
}

/// Records events: a new ID is stored; the same ID with the same content changes nothing; the
/// same ID with other content is refused (and nothing of the batch is stored). Two identical
/// submissions at once both succeed: the insert skips an ID another transaction has just taken,
/// then compares with what that one stored. Each product's captured events are audited.
pub async fn capture(tx: &Tx, who: &Who, events: &[Resolved]) -> Result<Captured> {
    let (out, created) = store(tx, who, events).await?;
    if !created.is_empty() {
        #[derive(FromQueryResult)]
        struct Place {
            id: i64,
            province_code: String,
        }
        let places: BTreeMap<i64, String> =
            fetch_in::<Place, _>(tx, "SELECT id, province_code FROM product WHERE id IN", created.keys().copied())
                .await?
                .into_iter()
                .map(|p| (p.id, p.province_code))
                .collect();
        for (product, ids) in created {
            let change = Change::new("epcis.capture", "product", product)
                .province(places.get(&product).map(String::as_str))
                .after(&serde_json::json!({ "events": ids }));
            audit::append(tx, who, change).await?;
        }
    }
    Ok(out)
}

/// Stores events as [`capture`] does, without an audit entry per product (the demo load audits
/// itself once); returns the IDs stored per product.
pub(crate) async fn store<'a>(
    tx: &Tx,
    who: &Who,
    events: &'a [Resolved],
) -> Result<(Captured, BTreeMap<i64, Vec<&'a str>>)> {
    #[derive(FromQueryResult)]
    struct Existing {
        body_hash: String,
    }
    let mut out = Captured::default();
    let mut created: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    for r in events {
        let body = r.event.to_json().to_string();
        let hash = hex::encode(Sha256::digest(body.as_bytes()));
        let inserted = crate::db::execute(
            tx,
            "INSERT INTO epcis_event (event_id, product_id, lot_id, event_time, biz_step, disposition, body, \
             body_hash, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (event_id) DO NOTHING",
            [
                r.event.event_id.clone().into(),
                r.product_id.into(),
                r.lot_id.into(),
                r.event.event_time.unix_timestamp().into(),
                r.event.biz_step.into(),
                r.event.disposition.into(),
                body.into(),
                hash.clone().into(),
                who.user_id.into(),
                now().into(),
            ],
        )
        .await?;
        if inserted == 1 {
            out.created += 1;
            created.entry(r.product_id).or_default().push(&r.event.event_id);
            continue;
        }
        let existing: Option<Existing> = fetch_optional(
            tx,
            "SELECT body_hash FROM epcis_event WHERE event_id = $1",
            [r.event.event_id.clone().into()],
        )
        .await?;
        match existing {
            Some(e) if e.body_hash == hash => out.unchanged += 1,
            _ => {
                let why = Invalid::new("epcis-id-conflict").with("id", &r.event.event_id);
                return Err(StoreError::Invalid(FieldErrors::single("eventID", why)));
            }
        }
    }
    Ok((out, created))
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct StoredEvent {
    pub event_id: String,
    pub product_id: i64,
    pub lot_id: Option<i64>,
    pub event_time: i64,
    pub biz_step: String,
    pub disposition: Option<String>,
    pub body: String,
}

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub products: Option<Vec<i64>>,
    pub lot_id: Option<i64>,
    pub biz_step: Option<String>,
    pub from: Option<i64>,
    pub until: Option<i64>,
}

/// Events matching the filter, oldest first.
pub async fn query(c: &impl ConnectionTrait, f: &EventFilter, limit: i64) -> Result<Vec<StoredEvent>> {
    let mut w = Conditions::default();
    if let Some(products) = &f.products {
        if products.is_empty() {
            return Ok(Vec::new());
        }
        w.and_in("product_id", products.iter().copied());
    }
    if let Some(l) = f.lot_id {
        w.and("lot_id = ?", l);
    }
    if let Some(s) = &f.biz_step {
        w.and("biz_step = ?", s.clone());
    }
    if let Some(t) = f.from {
        w.and("event_time >= ?", t);
    }
    if let Some(t) = f.until {
        w.and("event_time < ?", t);
    }
    let mut values = w.values.clone();
    values.push(limit.into());
    let sql = format!(
        "SELECT event_id, product_id, lot_id, event_time, biz_step, disposition, body FROM epcis_event{} \
         ORDER BY event_time, event_id LIMIT ${}",
        w.sql(),
        values.len()
    );
    fetch_all(c, &sql, values).await
}

/// The newest events of a product (or of one of its lots, with the product's own), newest first.
pub async fn timeline(
    c: &impl ConnectionTrait,
    product_id: i64,
    lot_id: Option<i64>,
    limit: i64,
) -> Result<Vec<StoredEvent>> {
    fetch_all(
        c,
        "SELECT event_id, product_id, lot_id, event_time, biz_step, disposition, body FROM epcis_event \
         WHERE product_id = $1 AND (lot_id IS NULL OR lot_id = $2) ORDER BY event_time DESC, event_id DESC LIMIT $3",
        [product_id.into(), lot_id.unwrap_or(-1).into(), limit.into()],
    )
    .await
}

/// A lot is recalled when its newest event with a disposition says `recalled`.
pub async fn recalled(c: &impl ConnectionTrait, lot_id: i64) -> Result<bool> {
    #[derive(FromQueryResult)]
    struct D {
        disposition: String,
    }
    let newest: Option<D> = fetch_optional(
        c,
        "SELECT disposition FROM epcis_event WHERE lot_id = $1 AND disposition IS NOT NULL \
         ORDER BY event_time DESC, recorded_at DESC LIMIT 1",
        [lot_id.into()],
    )
    .await?;
    Ok(newest.is_some_and(|d| d.disposition == "recalled"))
}
