//! Decisions: recognition (3★/4★ by the province, 5★ by the Ministry) with the certificates they
//! issue, forwarding potential 5★ products to the central council, and revocation.

use super::dossiers::{NewEvidence, Registration};
use super::{refused, step};
use crate::audit::{self, Change, Who};
use crate::certificates::{self, Certificate, CertificateFact, Level};
use crate::db::{execute, fetch_one, fetch_optional, now};
use crate::{Result, StoreError, Tx};
use domain::certificate::{
    Authority, Evidence, IssuerKind, Stars, expiry, may_revoke, ministry_name, province_committee,
};
use domain::evaluation::{RevocationGround, State, Step, certificate_number};
use domain::text::clean;
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use time::Date;

/// Who signs: a province's People's Committee chairman, or the Minister — an authority, which is
/// a tier (`Level`) and, for a province, which one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issuer {
    Province(String),
    Central,
}

impl Issuer {
    pub fn tier(&self) -> Level {
        match self {
            Issuer::Province(_) => Level::Province,
            Issuer::Central => Level::Central,
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Issuer::Province(p) => p,
            Issuer::Central => "central",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct Decision {
    pub id: i64,
    pub issuer: String,
    pub kind: String,
    pub number: String,
    pub signed_on: Date,
    pub signer: String,
    pub created_at: i64,
}

/// A decision as typed: its number (e.g. `1234/QĐ-UBND`), signing date and signer.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct DecisionInput {
    pub number: String,
    pub signed_on: String,
    pub signer: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionDraft {
    pub number: String,
    pub signed_on: Date,
    pub signer: String,
}

impl DecisionInput {
    pub fn parse(&self, today: Date) -> Result<DecisionDraft, FieldErrors> {
        let mut e = FieldErrors::new();
        let number = clean(&self.number);
        if number.is_empty() {
            e.add("number", Invalid::new("invalid-required"));
        } else if number.chars().count() > 60 {
            e.add("number", Invalid::new("invalid-too-long").with("max", 60));
        }
        let signed_on = e.check("signed_on", domain::registry::parse_date(&self.signed_on));
        if signed_on.is_some_and(|d| d > today) {
            e.add("signed_on", Invalid::new("invalid-future-date"));
        }
        let signer = clean(&self.signer);
        if signer.is_empty() {
            e.add("signer", Invalid::new("invalid-required"));
        }
        match signed_on {
            Some(signed_on) if e.is_empty() => Ok(DecisionDraft { number, signed_on, signer }),
            _ => Err(e),
        }
    }
}

pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<Decision>> {
    fetch_optional(
        c,
        "SELECT id, issuer, kind, number, signed_on, signer, created_at FROM decision WHERE id = $1",
        [id.into()],
    )
    .await
}

/// The decisions of one issuer (a province's code, or `central`), newest first.
pub async fn of_issuer(c: &impl ConnectionTrait, issuer: &str, page: crate::Page) -> Result<crate::Paged<Decision>> {
    let mut w = crate::db::Conditions::default();
    w.and("issuer = ?", issuer.to_owned());
    w.page(
        c,
        "id, issuer, kind, number, signed_on, signer, created_at",
        "decision",
        ("signed_on DESC, id DESC", Vec::new()),
        page,
    )
    .await
}

async fn insert(tx: &Tx, who: &Who, issuer: &Issuer, kind: &str, d: &DecisionDraft) -> Result<Decision> {
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let row: Id = fetch_one(
        tx,
        "INSERT INTO decision (issuer, kind, number, signed_on, signer, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        [
            issuer.code().into(),
            kind.into(),
            d.number.clone().into(),
            d.signed_on.into(),
            d.signer.clone().into(),
            who.user_id.into(),
            now().into(),
        ],
    )
    .await
    .map_err(|e| match e {
        StoreError::Duplicate(_) => {
            StoreError::Invalid(FieldErrors::single("number", Invalid::new("invalid-decision-taken")))
        }
        other => other,
    })?;
    get(tx, row.id).await?.ok_or(StoreError::NotFound)
}

/// The issuer's next number in `year` by its scheme, skipping numbers already taken (a record
/// imported, or the demo's, under the same scheme).
async fn next_certificate_number(tx: &Tx, issuer: &Issuer, year: i32) -> Result<String> {
    #[derive(FromQueryResult)]
    struct Seq {
        last_value: i64,
    }
    loop {
        let seq: Seq = fetch_one(
            tx,
            "INSERT INTO certificate_sequence (issuer, year, last_value) VALUES ($1, $2, 1) \
             ON CONFLICT (issuer, year) DO UPDATE SET last_value = certificate_sequence.last_value + 1 RETURNING last_value",
            [issuer.code().into(), i64::from(year).into()],
        )
        .await?;
        let seq = u32::try_from(seq.last_value)
            .map_err(|_| StoreError::Corrupt { table: "certificate_sequence", detail: seq.last_value.to_string() })?;
        let number = certificate_number(issuer.code(), year, seq);
        if certificates::find_by_number(tx, &number).await?.is_none() {
            return Ok(number);
        }
    }
}

/// What the issuer may recognise (`domain::evaluation::may_recognise`), named by the dossier.
fn recognisable(issuer: &Issuer, g: &Registration) -> Result<Stars> {
    let stars = g.rank();
    let own = matches!(issuer, Issuer::Province(p) if p == &g.province_code);
    domain::evaluation::may_recognise(*issuer == Issuer::Central, own, g.state(), stars)
        .map_err(|why| refused(why.with("number", g.number.clone().unwrap_or_default()).with("state", &g.state)))
}

/// Issues a recognition decision for these registrations, a certificate for each (valid 36
/// months from the signing date), superseding the product's previous one.
pub async fn recognise(
    tx: &Tx,
    who: &Who,
    issuer: &Issuer,
    d: &DecisionDraft,
    registration_ids: &[i64],
) -> Result<(Decision, Vec<Certificate>)> {
    if registration_ids.is_empty() {
        return Err(StoreError::Invalid(FieldErrors::single("registrations", Invalid::new("invalid-none-chosen"))));
    }
    let decision = insert(tx, who, issuer, "recognition", d).await?;
    let mut issued = Vec::new();
    for id in registration_ids {
        let g = super::dossiers::get(tx, *id).await?.ok_or(StoreError::NotFound)?;
        let stars = recognisable(issuer, &g)?;
        let number = next_certificate_number(tx, issuer, d.signed_on.year()).await?;
        // The authority as it is named on the day it signs.
        let (issuer_kind, issuer_name) = match issuer {
            Issuer::Central => (IssuerKind::Ministry, ministry_name(d.signed_on).to_owned()),
            Issuer::Province(_) => {
                let province = crate::units::province(tx, &g.province_code).await?.ok_or(StoreError::NotFound)?;
                (IssuerKind::Province, province_committee(&province.name))
            }
        };
        let fact = CertificateFact {
            number,
            stars,
            level: issuer.tier(),
            decision_number: d.number.clone(),
            decision_date: Some(d.signed_on),
            signer: d.signer.clone(),
            issued_on: d.signed_on,
            expires_on: expiry(d.signed_on),
            revoked_on: None,
            revocation_ground: None,
            revocation_decision: None,
            criteria_version: g.criteria_version.clone(),
            source: "evaluation",
            issuer_kind: Some(issuer_kind),
            issuer_name,
            evidence: Evidence::Decision,
        };
        let certificate = certificates::record(tx, who, g.product_id, &fact).await?;
        execute(tx, "UPDATE certificate SET registration_id = $1 WHERE id = $2", [g.id.into(), certificate.id.into()])
            .await?;
        step(tx, g.id, &g.state, Step::Recognise).await?;
        super::dossiers::end_extension(tx, &g, d.signed_on).await?;
        execute(
            tx,
            "UPDATE registration SET decision_id = $1, certificate_id = $2 WHERE id = $3",
            [decision.id.into(), certificate.id.into(), g.id.into()],
        )
        .await?;
        let certificate_args = vec![("certificate", certificate.number.clone()), ("stars", stars.get().to_string())];
        super::tell(tx, &g, super::Audience::Producer, "notify-recognised", "", certificate_args).await?;
        audit::append(
            tx,
            who,
            Change::new("registration.recognise", "registration", g.id).province(Some(&g.province_code)).after(
                &serde_json::json!({"decision": decision, "certificate": certificate.number, "stars": stars.get()}),
            ),
        )
        .await?;
        issued.push(certificate);
    }
    Ok((decision, issued))
}

/// What the province sends with its potential 5★ products (Điều 6.3), as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForwardingInput {
    /// The chairman's decision approving the provincial result.
    pub decision: DecisionInput,
    pub letter_number: String,
    pub letter_date: String,
    pub report_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardingDraft {
    /// `None` only when every registration is a 5★ re-rating (not re-scored by the province).
    pub decision: Option<DecisionDraft>,
    pub letter_number: String,
    pub letter_date: Date,
    pub report_number: String,
}

impl ForwardingInput {
    /// The letter and the report are always needed; the approval decision unless left wholly
    /// blank (a 5★ re-rating has none — [`forward`] refuses a blank one for a provincial result).
    pub fn parse(&self, today: Date) -> Result<ForwardingDraft, FieldErrors> {
        let mut e = FieldErrors::new();
        let blank = self.decision.number.trim().is_empty()
            && self.decision.signed_on.trim().is_empty()
            && self.decision.signer.trim().is_empty();
        let decision = if blank {
            None
        } else {
            match self.decision.parse(today) {
                Ok(d) => Some(d),
                Err(errors) => {
                    for (field, why) in errors.iter() {
                        e.add(field.clone(), why.clone());
                    }
                    None
                }
            }
        };
        let mut text = |name: &str, value: &str| {
            let v = clean(value);
            if v.is_empty() {
                e.add(name, Invalid::new("invalid-required"));
            } else if v.chars().count() > 120 {
                e.add(name, Invalid::new("invalid-too-long").with("max", 120));
            }
            v
        };
        let letter_number = text("letter_number", &self.letter_number);
        let report_number = text("report_number", &self.report_number);
        let letter_date = e.check("letter_date", domain::registry::parse_date(&self.letter_date));
        if letter_date.is_some_and(|d| d > today) {
            e.add("letter_date", Invalid::new("invalid-future-date"));
        }
        match letter_date {
            Some(letter_date) if e.is_empty() => {
                Ok(ForwardingDraft { decision, letter_number, letter_date, report_number })
            }
            _ => Err(e),
        }
    }
}

/// A forwarding as recorded, with its approval decision.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct Forwarding {
    pub id: i64,
    pub registration_id: i64,
    pub decision_id: Option<i64>,
    pub letter_number: String,
    pub letter_date: Date,
    pub report_number: String,
    pub created_at: i64,
}

/// The latest forwarding of a registration.
pub async fn forwarding_of(c: &impl ConnectionTrait, registration_id: i64) -> Result<Option<Forwarding>> {
    fetch_optional(
        c,
        "SELECT id, registration_id, decision_id, letter_number, letter_date, report_number, created_at \
         FROM forwarding WHERE registration_id = $1 ORDER BY id DESC LIMIT 1",
        [registration_id.into()],
    )
    .await
}

/// Sends approved potential-5★ registrations (and accepted 5★ re-ratings) to the central council
/// with the province's approval decision, letter and agency report, and their files.
pub async fn forward(
    tx: &Tx,
    who: &Who,
    province: &str,
    registration_ids: &[i64],
    d: &ForwardingDraft,
    files: &[NewEvidence<'_>],
) -> Result<usize> {
    if registration_ids.is_empty() {
        return Err(StoreError::Invalid(FieldErrors::single("registrations", Invalid::new("invalid-none-chosen"))));
    }
    let decision = match &d.decision {
        Some(draft) => Some(insert(tx, who, &Issuer::Province(province.to_owned()), "approval", draft).await?),
        None => None,
    };
    for id in registration_ids {
        let g = super::dossiers::get(tx, *id).await?.ok_or(StoreError::NotFound)?;
        if g.province_code != province {
            return Err(StoreError::NotFound);
        }
        let taken = if g.potential_five() && g.state() == State::Approved {
            if decision.is_none() {
                return Err(StoreError::Invalid(FieldErrors::single("number", Invalid::new("invalid-required"))));
            }
            Step::Forward
        } else if g.state() == State::Accepted
            && g.five_star_rerating(super::dossiers::previous_certificate(tx, &g).await?.as_ref())
        {
            Step::ForwardFiveRerating
        } else {
            return Err(refused(
                Invalid::new("invalid-not-potential-five").with("number", g.number.clone().unwrap_or_default()),
            ));
        };
        step(tx, g.id, &g.state, taken).await?;
        #[derive(FromQueryResult)]
        struct Id {
            id: i64,
        }
        let row: Id = fetch_one(
            tx,
            "INSERT INTO forwarding (registration_id, decision_id, letter_number, letter_date, report_number, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            [
                g.id.into(),
                decision.as_ref().map(|x| x.id).into(),
                d.letter_number.clone().into(),
                d.letter_date.into(),
                d.report_number.clone().into(),
                who.user_id.into(),
                now().into(),
            ],
        )
        .await?;
        super::tell(tx, &g, super::Audience::Central, "notify-forwarded", &row.id.to_string(), vec![]).await?;
        let mut sent = Vec::new();
        for f in files {
            let label = clean(f.label);
            sent.push(super::dossiers::insert_evidence(tx, who, g.product_id, &label, f.clone(), Some(row.id)).await?);
        }
        audit::append(
            tx,
            who,
            Change::new("registration.forward", "registration", g.id).province(Some(&g.province_code)).after(
                &serde_json::json!({"state": "forwarded", "decision": decision, "letter_number": d.letter_number,
                    "letter_date": d.letter_date, "report_number": d.report_number,
                    "files": sent.iter().map(|f| (&f.label, &f.sha256)).collect::<Vec<_>>()}),
            ),
        )
        .await?;
    }
    Ok(registration_ids.len())
}

/// Sends a forwarded dossier back to the province for a local re-evaluation (the central office),
/// or takes a central result below 5★ back to the provincial council (the province) — Điều 7.4.
pub async fn re_evaluate(tx: &Tx, who: &Who, id: i64, reason: &str) -> Result<Registration> {
    let g = super::dossiers::get(tx, id).await?.ok_or(StoreError::NotFound)?;
    let reason = clean(reason);
    if reason.is_empty() {
        return Err(StoreError::Invalid(FieldErrors::single("reason", Invalid::new("invalid-required"))));
    }
    step(tx, g.id, &g.state, Step::ReEvaluate).await?;
    let after = super::dossiers::get(tx, id).await?.ok_or(StoreError::NotFound)?;
    let why = vec![("reason", reason.clone())];
    super::tell(tx, &after, super::Audience::Office, "notify-re-evaluate", &crate::now().to_string(), why).await?;
    audit::append(
        tx,
        who,
        Change::new("registration.re_evaluate", "registration", id)
            .province(Some(&g.province_code))
            .before(&serde_json::json!({"state": g.state}))
            .after(&serde_json::json!({"state": after.state, "reason": reason})),
    )
    .await?;
    Ok(after)
}

/// Revokes a certificate in force on a legal ground, by a decision of the competent issuer
/// (the province for 3★/4★, the Ministry for 5★). The product shows it at once: its copy of the
/// certificate is updated in the same transaction.
pub async fn revoke(
    tx: &Tx,
    who: &Who,
    issuer: &Issuer,
    certificate_id: i64,
    ground: RevocationGround,
    d: &DecisionDraft,
    today: Date,
) -> Result<Certificate> {
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let cert = fetch_optional::<Id>(tx, "SELECT id FROM certificate WHERE id = $1", [certificate_id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    let cert = certificates::by_ids(tx, &[cert.id].into_iter().collect())
        .await?
        .remove(&certificate_id)
        .ok_or(StoreError::NotFound)?;
    let by = match issuer {
        Issuer::Central => Authority::Central,
        Issuer::Province(p) => Authority::Province(p),
    };
    if !may_revoke(Authority::issuer_of(cert.issuing_province.as_deref()), by) {
        return Err(StoreError::NotAllowed(Invalid::new("invalid-revocation-competence")));
    }
    if !cert.status(today).in_force() {
        return Err(refused(Invalid::new("invalid-not-in-force").with("number", &cert.number)));
    }
    let decision = insert(tx, who, issuer, "revocation", d).await?;
    execute(
        tx,
        "UPDATE certificate SET revoked_on = $1, revocation_ground = $2, revocation_decision = $3 WHERE id = $4",
        [d.signed_on.into(), ground.as_str().into(), decision.number.clone().into(), certificate_id.into()],
    )
    .await?;
    execute(
        tx,
        "UPDATE product SET certificate_revoked = $1 WHERE certificate_id = $2",
        [true.into(), certificate_id.into()],
    )
    .await?;
    let after = certificates::by_ids(tx, &[certificate_id].into_iter().collect())
        .await?
        .remove(&certificate_id)
        .ok_or(StoreError::NotFound)?;
    let product = crate::products::get(tx, after.product_id).await?;
    if let Some(p) = &product {
        let owners =
            crate::notifications::users_of(tx, domain::role::Role::Producer, None, None, Some(p.producer_id)).await?;
        crate::notifications::notify(
            tx,
            &owners,
            &crate::notifications::Message {
                subject: format!("revoked:{certificate_id}"),
                key: "notify-revoked",
                args: vec![
                    ("product", p.name.clone()),
                    ("certificate", after.number.clone()),
                    ("decision", d.number.clone()),
                ],
                link: format!("/certificates/{}", after.number),
            },
        )
        .await?;
    }
    let province = product.map(|p| p.province_code);
    audit::append(
        tx,
        who,
        Change::new("certificate.revoke", "certificate", certificate_id)
            .province(province.as_deref())
            .before(&cert)
            .after(&after),
    )
    .await?;
    Ok(after)
}
