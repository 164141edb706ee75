//! Certificates as recorded facts: imported from earlier decisions, generated for the demo, and
//! (with the evaluation cycle) issued by the platform. The product keeps a copy of its current
//! certificate's rank and dates for fast filtering; [`record`] keeps the two in step.

use crate::audit::{self, Change, Who};
use crate::db::{execute, execute_values, fetch_all, fetch_in, fetch_optional, fetch_values, now, placeholders};
use crate::{Result, StoreError, Tx};
use domain::certificate::{CertificateStatus, Evidence, IssuerKind, Stars};
use domain::{FieldErrors, Invalid};
use sea_orm::Value;
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use time::Date;

/// Who recognised the product: the tier (`domain::scoring::Level`, the one type for it).
pub use domain::scoring::Level;

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
    /// Who issued it, as named then; `None` and blank for "the level's authority in the product's
    /// province today".
    pub issuer_kind: Option<IssuerKind>,
    pub issuer_name: String,
    /// What is on file; a recognition known only from news has no decision number (one is made
    /// up from the product and the date, see [`record_many`]).
    pub evidence: Evidence,
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
    /// The province whose People's Committee issued it; `None` for the Ministry's (5★).
    pub issuing_province: Option<String>,
    /// The inspection record a revocation rests on (ground b), when it came from a proposal.
    pub revocation_inspection_id: Option<i64>,
    /// `province`, `former_province`, `district`, `ministry`, or blank (the level says).
    pub issuer_kind: String,
    /// The authority's name when it issued the decision; blank for the level's authority today.
    pub issuer_name: String,
    /// `decision`, `news` or `other`.
    pub evidence: String,
    /// Kept in force after its expiry by a late re-rating, at most to this day (Điều 12.3).
    pub extended_until: Option<Date>,
}

impl Certificate {
    pub fn status(&self, today: Date) -> CertificateStatus {
        CertificateStatus::on(
            today,
            self.expires_on,
            self.extended_until,
            self.revoked_on.is_some(),
            self.superseded_by.is_some(),
        )
    }

    /// The level that recognised it (an unknown stored value reads as the province's, the
    /// level of every imported record without one).
    pub fn tier(&self) -> Level {
        Level::parse(&self.level).unwrap_or(Level::Province)
    }

    pub fn potential_five(&self) -> bool {
        u8::try_from(self.stars).is_ok_and(|s| domain::certificate::potential_five(s, self.tier() == Level::Central))
    }

    /// Whether the decision is on file (not only news of the recognition).
    pub fn decision_on_file(&self) -> bool {
        self.evidence == Evidence::Decision.as_str()
    }

    /// The authority that issued it (`domain::certificate::issuer_name`).
    pub fn issuer(&self, province_name: &str) -> String {
        domain::certificate::issuer_name(
            &self.issuer_name,
            self.tier() == Level::Central,
            province_name,
            self.issued_on,
        )
    }
}

const COLUMNS: &str = "id, product_id, number, stars, level, decision_number, decision_date, signer, issued_on, \
    expires_on, revoked_on, revocation_ground, revocation_decision, superseded_by, criteria_version, source, \
    issuing_province, revocation_inspection_id, issuer_kind, issuer_name, evidence, extended_until";

pub async fn for_product(c: &impl ConnectionTrait, product_id: i64) -> Result<Vec<Certificate>> {
    fetch_all(
        c,
        &format!("SELECT {COLUMNS} FROM certificate WHERE product_id = $1 ORDER BY issued_on DESC, id DESC"),
        [product_id.into()],
    )
    .await
}

/// Certificates by id (a page of products' current ones at once).
pub async fn by_ids(c: &impl ConnectionTrait, ids: &BTreeSet<i64>) -> Result<HashMap<i64, Certificate>> {
    let rows =
        fetch_in::<Certificate, _>(c, &format!("SELECT {COLUMNS} FROM certificate WHERE id IN"), ids.iter().copied())
            .await?;
    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
}

/// The current certificates (not replaced) of the live products a listing may read, newest first.
pub async fn of_listing(
    c: &impl ConnectionTrait,
    listing: &domain::access::Listing,
    page: crate::Page,
) -> Result<crate::Paged<Certificate>> {
    let mut w = crate::db::Conditions::default();
    w.raw("c.superseded_by IS NULL").raw("x.deleted_at IS NULL");
    crate::producers::scope(&mut w, listing, "x.producer_id");
    let columns: Vec<String> = COLUMNS.split(',').map(|col| format!("c.{}", col.trim())).collect();
    w.page(
        c,
        &columns.join(", "),
        "certificate c JOIN product x ON x.id = c.product_id JOIN producer p ON p.id = x.producer_id",
        ("c.issued_on DESC, c.id DESC", Vec::new()),
        page,
    )
    .await
}

pub async fn find_by_number(c: &impl ConnectionTrait, number: &str) -> Result<Option<Certificate>> {
    fetch_optional(c, &format!("SELECT {COLUMNS} FROM certificate WHERE number = $1"), [number.into()]).await
}

/// A fact as it is stored: a recognition whose decision is not on file gets the number made up
/// for it; a decision without its number is refused.
fn numbered(product_id: i64, fact: &CertificateFact) -> Result<CertificateFact> {
    let mut fact = fact.clone();
    if fact.number.trim().is_empty() {
        if fact.evidence.on_file() {
            return Err(StoreError::Invalid(FieldErrors::single(
                "certificate_number",
                Invalid::new("invalid-required"),
            )));
        }
        fact.number = domain::certificate::placeholder_number(product_id, fact.issued_on);
    }
    Ok(fact)
}

/// Records a certificate of a product. A newer certificate supersedes the one in force.
pub async fn record(tx: &Tx, who: &Who, product_id: i64, fact: &CertificateFact) -> Result<Certificate> {
    crate::products::get(tx, product_id).await?.ok_or(StoreError::NotFound)?;
    let fact = numbered(product_id, fact)?;
    record_many(tx, who, &[(product_id, fact.clone())]).await?;
    find_by_number(tx, &fact.number).await?.ok_or(StoreError::NotFound)
}

/// Records certificates in bulk (facts of products the caller has checked exist), then relinks
/// each affected product's chain: every certificate is superseded by the product's next one, and
/// the product carries its newest.
pub async fn record_many(tx: &Tx, who: &Who, facts: &[(i64, CertificateFact)]) -> Result<()> {
    let facts: Vec<(i64, CertificateFact)> =
        facts.iter().map(|(p, f)| numbered(*p, f).map(|f| (*p, f))).collect::<Result<_>>()?;
    let facts = &facts[..];
    if let Some((_, bad)) = facts.iter().find(|(_, f)| f.expires_on < f.issued_on) {
        let why = Invalid::new("invalid-expiry-before-issue").with("number", &bad.number);
        return Err(StoreError::Invalid(FieldErrors::single("expires_on", why)));
    }
    let mut product_ids: Vec<i64> = facts.iter().map(|(p, _)| *p).collect();
    product_ids.sort_unstable();
    product_ids.dedup();
    // Products that already hold a certificate, or get several here, have a chain to relink;
    // the others (most of a bulk import) simply take their one new certificate.
    #[derive(FromQueryResult)]
    struct Held {
        product_id: i64,
    }
    let mut chained: HashSet<i64> = fetch_in::<Held, _>(
        tx,
        "SELECT DISTINCT product_id FROM certificate WHERE product_id IN",
        product_ids.iter().copied(),
    )
    .await?
    .into_iter()
    .map(|h| h.product_id)
    .collect();
    let mut seen = HashSet::new();
    for (p, _) in facts {
        if !seen.insert(*p) {
            chained.insert(*p);
        }
    }
    // A province-level certificate is issued by the province the product is in today.
    #[derive(FromQueryResult)]
    struct Province {
        id: i64,
        province_code: String,
    }
    let provinces: HashMap<i64, String> =
        fetch_in::<Province, _>(tx, "SELECT id, province_code FROM product WHERE id IN", product_ids.iter().copied())
            .await?
            .into_iter()
            .map(|p| (p.id, p.province_code))
            .collect();
    let t = now();
    let rows = facts
        .iter()
        .map(|(product_id, fact)| {
            vec![
                (*product_id).into(),
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
                t.into(),
                match fact.level {
                    Level::Province => provinces.get(product_id).cloned(),
                    Level::Central => None,
                }
                .into(),
                fact.issuer_kind.map_or("", IssuerKind::as_str).into(),
                fact.issuer_name.clone().into(),
                fact.evidence.as_str().into(),
            ]
        })
        .collect();
    #[derive(FromQueryResult)]
    struct Inserted {
        id: i64,
        number: String,
    }
    let ids: HashMap<String, i64> = fetch_values::<Inserted>(
        tx,
        "INSERT INTO certificate (product_id, number, stars, level, decision_number, decision_date, signer, issued_on, \
         expires_on, revoked_on, revocation_ground, revocation_decision, criteria_version, source, created_at, \
         issuing_province, issuer_kind, issuer_name, evidence)",
        " RETURNING id, number",
        19,
        rows,
    )
    .await
    .map_err(|e| match e {
        StoreError::Duplicate(_) => {
            StoreError::Invalid(FieldErrors::single("certificate_number", Invalid::new("invalid-certificate-taken")))
        }
        other => other,
    })?
    .into_iter()
    .map(|r| (r.number, r.id))
    .collect();

    let direct: Vec<Vec<Value>> = facts
        .iter()
        .filter(|(p, _)| !chained.contains(p))
        .filter_map(|(p, f)| {
            let id = *ids.get(&f.number)?;
            let potential = domain::certificate::potential_five(f.stars.get(), f.level == Level::Central);
            Some(vec![
                (*p).into(),
                id.into(),
                i64::from(f.stars.get()).into(),
                potential.into(),
                f.expires_on.into(),
                f.revoked_on.is_some().into(),
            ])
        })
        .collect();
    execute_values(
        tx,
        "UPDATE product SET certificate_id = v.column2, stars = v.column3, potential_five = v.column4, \
         certificate_expires_on = v.column5, certificate_revoked = v.column6, certificate_extended_until = NULL FROM (",
        ") AS v WHERE product.id = v.column1",
        6,
        direct,
    )
    .await?;
    let chained: Vec<i64> = chained.into_iter().collect();
    relink(tx, &chained).await?;

    let changes = facts
        .iter()
        .filter_map(|(p, fact)| {
            let id = ids.get(&fact.number)?;
            Some(
                Change::new("certificate.record", "certificate", id)
                    .province(provinces.get(p).map(String::as_str))
                    .after(fact),
            )
        })
        .collect();
    audit::append_many(tx, who, changes).await?;
    Ok(())
}

/// A recognition recorded without its decision, with its product, for the office's worklist.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct Awaiting {
    pub id: i64,
    pub number: String,
    pub stars: i64,
    pub level: String,
    pub issued_on: Date,
    pub evidence: String,
    pub issuer_name: String,
    pub product_id: i64,
    pub product_code: String,
    pub product_name: String,
    pub producer_name: String,
}

/// Recognitions recorded from news or another source, whose decision is still to be found, in
/// the listing's reach, oldest first.
pub async fn awaiting_decision(c: &impl ConnectionTrait, listing: &domain::access::Listing) -> Result<Vec<Awaiting>> {
    let mut w = crate::db::Conditions::default();
    crate::producers::scope(&mut w, listing, "p.producer_id");
    w.raw("c.evidence <> 'decision'");
    w.raw("p.deleted_at IS NULL");
    fetch_all(
        c,
        &format!(
            "SELECT c.id, c.number, c.stars, c.level, c.issued_on, c.evidence, c.issuer_name, p.id AS product_id, \
             p.code AS product_code, p.name AS product_name, r.name AS producer_name \
             FROM certificate c JOIN product p ON p.id = c.product_id JOIN producer r ON r.id = p.producer_id{} \
             ORDER BY c.issued_on, c.id",
            w.sql()
        ),
        w.values.clone(),
    )
    .await
}

/// Records the decision of a recognition known until now only from news: its number, decision,
/// dates and (when given) issuer replace what was recorded, and the decision is on file.
pub async fn complete(tx: &Tx, who: &Who, id: i64, fact: &CertificateFact) -> Result<Certificate> {
    let before: Certificate =
        fetch_optional(tx, &format!("SELECT {COLUMNS} FROM certificate WHERE id = $1"), [id.into()])
            .await?
            .ok_or(StoreError::NotFound)?;
    let refuse = |field: &str, why: Invalid| Err(StoreError::Invalid(FieldErrors::single(field, why)));
    if before.decision_on_file() {
        return refuse("certificate_number", Invalid::new("invalid-certificate-complete"));
    }
    if fact.number.trim().is_empty() || !fact.evidence.on_file() {
        return refuse("certificate_number", Invalid::new("invalid-required"));
    }
    if fact.expires_on < fact.issued_on {
        return refuse("expires_on", Invalid::new("invalid-expiry-before-issue").with("number", &fact.number));
    }
    execute(
        tx,
        "UPDATE certificate SET number = $1, decision_number = $2, decision_date = $3, signer = $4, issued_on = $5, \
         expires_on = $6, evidence = 'decision', \
         issuer_kind = CASE WHEN $7 = '' THEN issuer_kind ELSE $7 END, \
         issuer_name = CASE WHEN $8 = '' THEN issuer_name ELSE $8 END WHERE id = $9",
        [
            fact.number.clone().into(),
            fact.decision_number.clone().into(),
            fact.decision_date.into(),
            fact.signer.clone().into(),
            fact.issued_on.into(),
            fact.expires_on.into(),
            fact.issuer_kind.map_or("", IssuerKind::as_str).into(),
            fact.issuer_name.clone().into(),
            id.into(),
        ],
    )
    .await
    .map_err(|e| match e {
        StoreError::Duplicate(_) => {
            StoreError::Invalid(FieldErrors::single("certificate_number", Invalid::new("invalid-certificate-taken")))
        }
        other => other,
    })?;
    relink(tx, &[before.product_id]).await?;
    let after = find_by_number(tx, &fact.number).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        tx,
        who,
        Change::new("certificate.complete", "certificate", after.id)
            .province(after.issuing_province.as_deref())
            .before(&before)
            .after(&after),
    )
    .await?;
    Ok(after)
}

/// The recognitions of these products whose decision is not on file.
pub async fn awaiting_of(c: &impl ConnectionTrait, products: &BTreeSet<i64>) -> Result<Vec<Certificate>> {
    fetch_in(
        c,
        &format!("SELECT {COLUMNS} FROM certificate WHERE evidence <> 'decision' AND product_id IN"),
        products.iter().copied(),
    )
    .await
}

/// Recomputes the certificate chains of these products and the copy each product keeps of its
/// current certificate.
pub(crate) async fn relink(tx: &Tx, products: &[i64]) -> Result<()> {
    for chunk in products.chunks(1000) {
        let ids = placeholders(tx.get_database_backend(), 1, chunk.len());
        let values = || chunk.iter().map(|id| Value::from(*id)).collect::<Vec<_>>();
        // Only products holding several certificates have a chain to relink.
        execute(
            tx,
            &format!(
                "UPDATE certificate SET superseded_by = (SELECT c2.id FROM certificate c2 \
                 WHERE c2.product_id = certificate.product_id AND (c2.issued_on > certificate.issued_on \
                 OR (c2.issued_on = certificate.issued_on AND c2.id > certificate.id)) ORDER BY c2.issued_on, c2.id LIMIT 1) \
                 WHERE product_id IN (SELECT product_id FROM certificate WHERE product_id IN ({ids}) \
                 GROUP BY product_id HAVING COUNT(*) > 1)"
            ),
            values(),
        )
        .await?;
        execute(
            tx,
            &format!(
                "UPDATE product SET certificate_id = c.id, stars = c.stars, \
                 potential_five = (c.stars = 5 AND c.level = 'province'), certificate_expires_on = c.expires_on, \
                 certificate_revoked = (c.revoked_on IS NOT NULL), certificate_extended_until = c.extended_until \
                 FROM certificate c WHERE c.product_id = product.id AND c.superseded_by IS NULL AND product.id IN ({ids})"
            ),
            values(),
        )
        .await?;
    }
    Ok(())
}

/// The product holding each of these certificate numbers.
pub async fn holders(c: &impl ConnectionTrait, numbers: &BTreeSet<String>) -> Result<HashMap<String, i64>> {
    #[derive(FromQueryResult)]
    struct Holder {
        number: String,
        product_id: i64,
    }
    let rows =
        fetch_in::<Holder, _>(c, "SELECT number, product_id FROM certificate WHERE number IN", numbers.iter().cloned())
            .await?;
    Ok(rows.into_iter().map(|h| (h.number, h.product_id)).collect())
}
