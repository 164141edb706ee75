//! Certificates as recorded facts: imported from earlier decisions, generated for the demo, and
//! (with the evaluation cycle) issued by the platform. The product keeps a copy of its current
//! certificate's rank and dates for fast filtering; [`record`] keeps the two in step.

use crate::audit::{self, Change, Who};
use crate::db::{execute, fetch_all, fetch_optional, now};
use crate::{Result, StoreError, Tx};
use domain::certificate::{CertificateStatus, Stars};
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use time::Date;

/// Who recognised the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The provincial People's Committee: 3★, 4★, and "potential 5★" (stars 5) sent on.
    Province,
    /// The Ministry, on the central council's advice: 5★.
    Central,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::Central => "central",
        }
    }
}

/// A certificate to record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertificateFact {
    pub number: String,
    pub stars: Stars,
    pub level: Level,
    pub decision_number: String,
    pub decision_date: Option<Date>,
    pub signer: String,
    pub issued_on: Date,
    pub expires_on: Date,
    pub revoked_on: Option<Date>,
    pub revocation_ground: Option<String>,
    pub revocation_decision: Option<String>,
    /// The decision whose criteria it was rated under, e.g. `148/QĐ-TTg` or `26/2026/QĐ-TTg`.
    pub criteria_version: String,
    /// `import`, `demo` or `evaluation`.
    pub source: &'static str,
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct Certificate {
    pub id: i64,
    pub product_id: i64,
    pub number: String,
    pub stars: i64,
    pub level: String,
    pub decision_number: String,
    pub decision_date: Option<Date>,
    pub signer: String,
    pub issued_on: Date,
    pub expires_on: Date,
    pub revoked_on: Option<Date>,
    pub revocation_ground: Option<String>,
    pub revocation_decision: Option<String>,
    pub superseded_by: Option<i64>,
    pub criteria_version: String,
    pub source: String,
}

impl Certificate {
    pub fn status(&self, today: Date) -> CertificateStatus {
        CertificateStatus::on(today, self.expires_on, self.revoked_on.is_some(), self.superseded_by.is_some())
    }

    pub fn potential_five(&self) -> bool {
        self.stars == 5 && self.level == Level::Province.as_str()
    }
}

const COLUMNS: &str = "id, product_id, number, stars, level, decision_number, decision_date, signer, issued_on, \
    expires_on, revoked_on, revocation_ground, revocation_decision, superseded_by, criteria_version, source";

pub async fn for_product(c: &impl ConnectionTrait, product_id: i64) -> Result<Vec<Certificate>> {
    fetch_all(
        c,
        &format!("SELECT {COLUMNS} FROM certificate WHERE product_id = $1 ORDER BY issued_on DESC, id DESC"),
        [product_id.into()],
    )
    .await
}

pub async fn find_by_number(c: &impl ConnectionTrait, number: &str) -> Result<Option<Certificate>> {
    fetch_optional(c, &format!("SELECT {COLUMNS} FROM certificate WHERE number = $1"), [number.into()]).await
}

/// Records a certificate of a product. A newer certificate supersedes the one in force.
pub async fn record(tx: &Tx, who: &Who, product_id: i64, fact: &CertificateFact) -> Result<Certificate> {
    if fact.expires_on < fact.issued_on {
        return Err(StoreError::Invalid(FieldErrors::single(
            "expires_on",
            Invalid::new("invalid-expiry-before-issue"),
        )));
    }
    let product = crate::products::get(tx, product_id).await?.ok_or(StoreError::NotFound)?;
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let id = fetch_optional::<Id>(
        tx,
        "INSERT INTO certificate (product_id, number, stars, level, decision_number, decision_date, signer, issued_on, \
         expires_on, revoked_on, revocation_ground, revocation_decision, criteria_version, source, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
        [
            product_id.into(),
            fact.number.clone().into(),
            i64::from(fact.stars.get()).into(),
            fact.level.as_str().into(),
            fact.decision_number.clone().into(),
            fact.decision_date.into(),
            fact.signer.clone().into(),
            fact.issued_on.into(),
            fact.expires_on.into(),
            fact.revoked_on.into(),
            fact.revocation_ground.clone().into(),
            fact.revocation_decision.clone().into(),
            fact.criteria_version.clone().into(),
            fact.source.into(),
            now().into(),
        ],
    )
    .await
    .map_err(|e| match e {
        StoreError::Duplicate(_) => {
            StoreError::Invalid(FieldErrors::single("certificate_number", Invalid::new("invalid-certificate-taken")))
        }
        other => other,
    })?
    .ok_or(StoreError::NotFound)?
    .id;
    // Older certificates still in force give way to this one.
    execute(
        tx,
        "UPDATE certificate SET superseded_by = $1 WHERE product_id = $2 AND id <> $1 AND superseded_by IS NULL \
         AND issued_on <= $3",
        [id.into(), product_id.into(), fact.issued_on.into()],
    )
    .await?;
    refresh_current(tx, product_id).await?;
    audit::append(
        tx,
        who,
        Change::new("certificate.record", "certificate", id).province(Some(&product.province_code)).after(fact),
    )
    .await?;
    fetch_optional(tx, &format!("SELECT {COLUMNS} FROM certificate WHERE id = $1"), [id.into()])
        .await?
        .ok_or(StoreError::NotFound)
}

/// Copies the current certificate (the newest not superseded) onto the product.
async fn refresh_current(tx: &Tx, product_id: i64) -> Result<()> {
    let current = fetch_optional::<Certificate>(
        tx,
        &format!(
            "SELECT {COLUMNS} FROM certificate WHERE product_id = $1 AND superseded_by IS NULL \
             ORDER BY issued_on DESC, id DESC LIMIT 1"
        ),
        [product_id.into()],
    )
    .await?;
    let (cid, stars, potential, expires, revoked) = match &current {
        Some(c) => (Some(c.id), Some(c.stars), c.potential_five(), Some(c.expires_on), c.revoked_on.is_some()),
        None => (None, None, false, None, false),
    };
    execute(
        tx,
        "UPDATE product SET certificate_id = $1, stars = $2, potential_five = $3, certificate_expires_on = $4, \
         certificate_revoked = $5 WHERE id = $6",
        [cid.into(), stars.into(), potential.into(), expires.into(), revoked.into(), product_id.into()],
    )
    .await?;
    Ok(())
}
