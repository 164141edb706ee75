//! Lots (lô hàng): what a batch of a product was, for labels, events and recalls.

use crate::audit::{self, Change, Who};
use crate::db::{fetch_all, fetch_one, fetch_optional, now};
use crate::{Result, StoreError, Tx};
use domain::text::clean;
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct Lot {
    pub id: i64,
    pub product_id: i64,
    pub code: String,
    pub produced_on: Option<Date>,
    pub expires_on: Option<Date>,
    pub quantity: Option<i64>,
    pub unit: String,
    pub created_at: i64,
}

/// A lot as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct LotInput {
    pub code: String,
    pub produced_on: String,
    pub expires_on: String,
    pub quantity: String,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotDraft {
    pub code: String,
    pub produced_on: Option<Date>,
    pub expires_on: Option<Date>,
    pub quantity: Option<i64>,
    pub unit: String,
}

fn optional_date(e: &mut FieldErrors, field: &str, raw: &str) -> Option<Date> {
    if raw.trim().is_empty() { None } else { e.check(field, domain::registry::parse_date(raw)) }
}

impl LotInput {
    pub fn parse(&self) -> Result<LotDraft, FieldErrors> {
        let mut e = FieldErrors::new();
        let code = clean(&self.code);
        // The lot goes into a Digital Link path as AI 10: character set 82, at most 20.
        if code.is_empty() {
            e.add("code", Invalid::new("invalid-required"));
        } else if domain::digital_link::DigitalLink::parse(&format!(
            "/01/08934563138165/10/{}",
            domain::digital_link::encode(&code)
        ))
        .is_err()
        {
            e.add("code", Invalid::new("invalid-lot-code"));
        }
        let produced_on = optional_date(&mut e, "produced_on", &self.produced_on);
        let expires_on = optional_date(&mut e, "expires_on", &self.expires_on);
        if let (Some(p), Some(x)) = (produced_on, expires_on)
            && x < p
        {
            e.add("expires_on", Invalid::new("invalid-date-order"));
        }
        let quantity = match self.quantity.trim().replace(['.', ' '], "") {
            q if q.is_empty() => None,
            q => match q.parse::<i64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    e.add("quantity", Invalid::new("invalid-count"));
                    None
                }
            },
        };
        if e.is_empty() {
            Ok(LotDraft { code, produced_on, expires_on, quantity, unit: clean(&self.unit) })
        } else {
            Err(e)
        }
    }
}

const COLUMNS: &str = "id, product_id, code, produced_on, expires_on, quantity, unit, created_at";

pub async fn create(tx: &Tx, who: &Who, product_id: i64, d: &LotDraft) -> Result<Lot> {
    let product = crate::products::get(tx, product_id).await?.ok_or(StoreError::NotFound)?;
    let lot: Lot = fetch_one(
        tx,
        &format!(
            "INSERT INTO lot (product_id, code, produced_on, expires_on, quantity, unit, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
        ),
        [
            product_id.into(),
            d.code.clone().into(),
            d.produced_on.into(),
            d.expires_on.into(),
            d.quantity.into(),
            d.unit.clone().into(),
            who.user_id.into(),
            now().into(),
        ],
    )
    .await
    .map_err(|e| match e {
        StoreError::Duplicate(_) => StoreError::Invalid(FieldErrors::single("code", Invalid::new("invalid-lot-taken"))),
        other => other,
    })?;
    audit::append(tx, who, Change::new("lot.create", "lot", lot.id).province(Some(&product.province_code)).after(&lot))
        .await?;
    Ok(lot)
}

pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<Lot>> {
    fetch_optional(c, &format!("SELECT {COLUMNS} FROM lot WHERE id = $1"), [id.into()]).await
}

pub async fn find(c: &impl ConnectionTrait, product_id: i64, code: &str) -> Result<Option<Lot>> {
    fetch_optional(
        c,
        &format!("SELECT {COLUMNS} FROM lot WHERE product_id = $1 AND code = $2"),
        [product_id.into(), code.into()],
    )
    .await
}

pub async fn of_product(c: &impl ConnectionTrait, product_id: i64) -> Result<Vec<Lot>> {
    fetch_all(c, &format!("SELECT {COLUMNS} FROM lot WHERE product_id = $1 ORDER BY id DESC"), [product_id.into()])
        .await
}
