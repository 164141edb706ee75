//! Label orders and serials: a producer orders N labels for a product (and perhaps a lot); the
//! office approves (or the platform does, when configured) and the serials are issued; labels
//! can be voided.

use crate::audit::{self, Change, Who};
use crate::db::{count, execute, execute_values, fetch_all, fetch_one, fetch_optional, now};
use crate::{Result, StoreError, Tx};
use domain::serial::Serial;
use domain::text::clean;
use domain::{FieldErrors, Invalid};
use rand::RngCore;
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

/// The most labels one order may ask for.
pub const MAX_ORDER: i64 = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct Order {
    pub id: i64,
    pub product_id: i64,
    pub product_name: String,
    pub province_code: String,
    pub lot_id: Option<i64>,
    pub lot_code: Option<String>,
    pub quantity: i64,
    pub state: String,
    pub note: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    pub voided: i64,
    /// Labels of the order the product's funded quota covers.
    pub funded: i64,
    /// Labels beyond the funded quota: the office decides such an order.
    pub beyond_quota: i64,
}

const ORDER: &str = "SELECT o.id, o.product_id, p.name AS product_name, p.province_code, o.lot_id, l.code AS lot_code, \
    o.quantity, o.state, o.note, o.created_at, o.decided_at, \
    (SELECT COUNT(*) FROM stamp s WHERE s.order_id = o.id AND s.voided_at IS NOT NULL) AS voided, o.funded, o.beyond_quota \
    FROM stamp_order o JOIN product p ON p.id = o.product_id LEFT JOIN lot l ON l.id = o.lot_id";

pub async fn order(c: &impl ConnectionTrait, id: i64) -> Result<Option<Order>> {
    fetch_optional(c, &format!("{ORDER} WHERE o.id = $1"), [id.into()]).await
}

pub async fn orders_of_product(c: &impl ConnectionTrait, product_id: i64) -> Result<Vec<Order>> {
    fetch_all(c, &format!("{ORDER} WHERE o.product_id = $1 ORDER BY o.id DESC"), [product_id.into()]).await
}

/// Orders awaiting the office of a province.
pub async fn pending(c: &impl ConnectionTrait, province: &str) -> Result<Vec<Order>> {
    fetch_all(
        c,
        &format!("{ORDER} WHERE o.state = 'requested' AND p.province_code = $1 ORDER BY o.id"),
        [province.into()],
    )
    .await
}

/// How many label orders wait for the office of a province (only a producer's, when given):
/// what `pending` lists.
pub async fn pending_count(c: &impl ConnectionTrait, province: &str, producer: Option<i64>) -> Result<i64> {
    let sql = "SELECT COUNT(*) AS n FROM stamp_order o JOIN product p ON p.id = o.product_id \
               WHERE o.state = 'requested' AND p.province_code = $1";
    match producer {
        Some(id) => crate::db::count(c, &format!("{sql} AND p.producer_id = $2"), [province.into(), id.into()]).await,
        None => crate::db::count(c, sql, [province.into()]).await,
    }
}

/// Orders labels; with `auto_approve` they are issued at once, unless the order goes beyond the
/// product's funded quota for the year: then it waits for the office, flagged.
pub async fn request(
    tx: &Tx,
    who: &Who,
    product_id: i64,
    lot_id: Option<i64>,
    quantity: i64,
    auto_approve: bool,
) -> Result<Order> {
    let product = crate::products::get(tx, product_id).await?.ok_or(StoreError::NotFound)?;
    if !(1..=MAX_ORDER).contains(&quantity) {
        return Err(StoreError::Invalid(FieldErrors::single(
            "quantity",
            Invalid::new("invalid-stamp-quantity").with("max", MAX_ORDER),
        )));
    }
    if let Some(lot) = lot_id
        && super::lots::get(tx, lot).await?.is_none_or(|l| l.product_id != product_id)
    {
        return Err(StoreError::Invalid(FieldErrors::single("lot", Invalid::new("invalid-lot-unknown"))));
    }
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let quota = crate::supervision::support::quota(tx, product_id, crate::evaluation::today().year(), quantity).await?;
    let row: Id = fetch_one(
        tx,
        "INSERT INTO stamp_order (product_id, lot_id, quantity, state, requested_by, created_at, funded, beyond_quota) \
         VALUES ($1, $2, $3, 'requested', $4, $5, $6, $7) RETURNING id",
        [
            product_id.into(),
            lot_id.into(),
            quantity.into(),
            who.user_id.into(),
            now().into(),
            quota.funded.into(),
            quota.beyond.into(),
        ],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change::new("stamp_order.request", "stamp_order", row.id)
            .province(Some(&product.province_code))
            .after(&serde_json::json!({"product": product_id, "lot": lot_id, "quantity": quantity, "quota": quota})),
    )
    .await?;
    if auto_approve && quota.beyond == 0 {
        return decide(tx, &Who::system(), row.id, true, "").await;
    }
    order(tx, row.id).await?.ok_or(StoreError::NotFound)
}

/// Approves (issuing the serials) or rejects a requested order.
pub async fn decide(tx: &Tx, who: &Who, order_id: i64, approve: bool, note: &str) -> Result<Order> {
    let o = order(tx, order_id).await?.ok_or(StoreError::NotFound)?;
    if o.state != "requested" {
        return Err(StoreError::Refused(Invalid::new("invalid-stamp-decided")));
    }
    let state = if approve { "issued" } else { "rejected" };
    let changed = execute(
        tx,
        "UPDATE stamp_order SET state = $1, note = $2, decided_by = $3, decided_at = $4 WHERE id = $5 AND state = 'requested'",
        [state.into(), clean(note).into(), who.user_id.into(), now().into(), order_id.into()],
    )
    .await?;
    if changed == 0 {
        return Err(StoreError::Stale);
    }
    if approve {
        issue(tx, &o).await?;
    }
    audit::append(
        tx,
        who,
        Change::new(if approve { "stamp_order.issue" } else { "stamp_order.reject" }, "stamp_order", order_id)
            .province(Some(&o.province_code))
            .after(&serde_json::json!({"quantity": o.quantity, "note": note})),
    )
    .await?;
    order(tx, order_id).await?.ok_or(StoreError::NotFound)
}

/// Makes the serials of an order from the operating system's random generator.
async fn issue(tx: &Tx, o: &Order) -> Result<()> {
    let t = now();
    // ThreadRng: ChaCha12, seeded and periodically reseeded from the operating system (a CSPRNG).
    // It is not `Send`, so it lives only while the serials are drawn, not across an await.
    let rows: Vec<Vec<sea_orm::Value>> = {
        let mut rng = rand::rng();
        (0..o.quantity)
            .map(|position| {
                let mut bytes = [0u8; 13];
                rng.fill_bytes(&mut bytes);
                vec![
                    Serial::from_random(bytes).as_str().to_owned().into(),
                    o.id.into(),
                    o.product_id.into(),
                    o.lot_id.into(),
                    position.into(),
                    t.into(),
                ]
            })
            .collect()
    };
    execute_values(tx, "INSERT INTO stamp (serial, order_id, product_id, lot_id, position, issued_at)", "", 6, rows)
        .await
}

/// The serials of an order in sheet order, a page at a time (for streaming a label sheet).
pub async fn serials(
    c: &impl ConnectionTrait,
    order_id: i64,
    after_position: i64,
    limit: i64,
) -> Result<Vec<(i64, String, bool)>> {
    #[derive(FromQueryResult)]
    struct Row {
        position: i64,
        serial: String,
        voided: bool,
    }
    Ok(fetch_all::<Row>(
        c,
        "SELECT position, serial, (voided_at IS NOT NULL) AS voided FROM stamp WHERE order_id = $1 AND position > $2 \
         ORDER BY position LIMIT $3",
        [order_id.into(), after_position.into(), limit.into()],
    )
    .await?
    .into_iter()
    .map(|r| (r.position, r.serial, r.voided))
    .collect())
}

/// A label as a scan page needs it.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct Stamp {
    pub serial: String,
    pub order_id: i64,
    pub product_id: i64,
    pub lot_id: Option<i64>,
    pub lot_code: Option<String>,
    pub issued_at: i64,
    pub voided_at: Option<i64>,
    pub void_reason: Option<String>,
    pub scans: i64,
    pub first_scanned_at: Option<i64>,
    pub suspicious: bool,
}

pub async fn find(c: &impl ConnectionTrait, serial: &str) -> Result<Option<Stamp>> {
    fetch_optional(
        c,
        "SELECT s.serial, s.order_id, s.product_id, s.lot_id, l.code AS lot_code, s.issued_at, s.voided_at, s.void_reason, \
         s.scans, s.first_scanned_at, s.suspicious FROM stamp s LEFT JOIN lot l ON l.id = s.lot_id WHERE s.serial = $1",
        [serial.into()],
    )
    .await
}

/// Voids labels: one serial of the order, or every label of it.
pub async fn void(tx: &Tx, who: &Who, order_id: i64, serial: Option<&str>, reason: &str) -> Result<i64> {
    let o = order(tx, order_id).await?.ok_or(StoreError::NotFound)?;
    let reason = clean(reason);
    if reason.is_empty() {
        return Err(StoreError::Invalid(FieldErrors::single("reason", Invalid::new("invalid-required"))));
    }
    let t = now();
    let changed = match serial {
        Some(s) => {
            let s = Serial::parse(s).map_err(|why| StoreError::Invalid(FieldErrors::single("serial", why)))?;
            let n = execute(
                tx,
                "UPDATE stamp SET voided_at = $1, void_reason = $2 WHERE order_id = $3 AND serial = $4 AND voided_at IS NULL",
                [t.into(), reason.clone().into(), order_id.into(), s.as_str().into()],
            )
            .await?;
            if n == 0
                && count(
                    tx,
                    "SELECT COUNT(*) AS n FROM stamp WHERE order_id = $1 AND serial = $2",
                    [order_id.into(), s.as_str().into()],
                )
                .await?
                    == 0
            {
                return Err(StoreError::Invalid(FieldErrors::single(
                    "serial",
                    Invalid::new("invalid-serial-not-in-order"),
                )));
            }
            n
        }
        None => {
            execute(
                tx,
                "UPDATE stamp SET voided_at = $1, void_reason = $2 WHERE order_id = $3 AND voided_at IS NULL",
                [t.into(), reason.clone().into(), order_id.into()],
            )
            .await?
        }
    };
    audit::append(
        tx,
        who,
        Change::new("stamp.void", "stamp_order", order_id)
            .province(Some(&o.province_code))
            .after(&serde_json::json!({"serial": serial, "reason": reason, "voided": changed})),
    )
    .await?;
    Ok(i64::try_from(changed).unwrap_or(i64::MAX))
}

/// The products and lots of products with a GTIN that labels were issued for.
pub async fn labelled_lots_with_gtin(c: &impl ConnectionTrait) -> Result<Vec<(i64, Option<i64>)>> {
    #[derive(FromQueryResult)]
    struct Row {
        product_id: i64,
        lot_id: Option<i64>,
    }
    Ok(fetch_all::<Row>(
        c,
        "SELECT DISTINCT o.product_id, o.lot_id FROM stamp_order o JOIN product p ON p.id = o.product_id \
         WHERE o.state = 'issued' AND p.gtin IS NOT NULL AND p.deleted_at IS NULL ORDER BY o.product_id, o.lot_id",
        [],
    )
    .await?
    .into_iter()
    .map(|r| (r.product_id, r.lot_id))
    .collect())
}

/// Issued, unvoided labels of products with a GTIN: (GTIN, lot, serial), oldest first.
pub async fn issued_with_gtin(c: &impl ConnectionTrait, limit: i64) -> Result<Vec<(String, Option<String>, String)>> {
    #[derive(FromQueryResult)]
    struct Row {
        gtin: String,
        lot: Option<String>,
        serial: String,
    }
    Ok(fetch_all::<Row>(
        c,
        "SELECT p.gtin, l.code AS lot, s.serial FROM stamp s JOIN product p ON p.id = s.product_id \
         LEFT JOIN lot l ON l.id = s.lot_id WHERE s.voided_at IS NULL AND p.gtin IS NOT NULL AND p.deleted_at IS NULL \
         ORDER BY s.order_id, s.position LIMIT $1",
        [limit.into()],
    )
    .await?
    .into_iter()
    .map(|r| (r.gtin, r.lot, r.serial))
    .collect())
}
