//! Findings of inspections and their follow-up: the producer's answer (with evidence), the
//! office's follow-up and outcome, and revocation proposals with their time limit.

use super::inspection_scope;
use super::inspections::Inspection;
use crate::audit::{self, Change, Who};
use crate::db::{Conditions, count, execute, fetch_all, fetch_one, fetch_optional, now};
use crate::notifications::{Message, notify, users_of};
use crate::{Page, Paged, Result, StoreError, Tx};
use domain::access::Listing;
use domain::role::Role;
use domain::supervision::{FindingDraft, FindingState, FollowUp, Outcome, Severity, revocation_due};
use domain::text::clean;
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Finding {
    pub id: i64,
    pub inspection_id: i64,
    pub plan_name: String,
    pub province_code: String,
    pub commune_code: String,
    pub producer_id: i64,
    pub producer_name: String,
    pub product_id: Option<i64>,
    pub product_code: Option<String>,
    pub product_name: Option<String>,
    /// The checklist item it is about.
    pub item_code: Option<String>,
    /// `minor`, `major`, `critical`.
    pub severity: String,
    pub description: String,
    #[schema(value_type = String, format = Date)]
    pub remedy_by: Date,
    /// `open`, `answered`, `remedied`, `not_remedied`.
    pub state: String,
    pub response: String,
    pub responded_at: Option<i64>,
    #[schema(value_type = Option<String>, format = Date)]
    pub followed_up_on: Option<Date>,
    pub follow_up_note: String,
    /// `reminder`, `warning`, `rerate_request`, `revocation_proposal`.
    pub outcome: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub proposed_on: Option<Date>,
    pub certificate_number: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub certificate_revoked_on: Option<Date>,
    #[schema(value_type = Option<String>, format = Date)]
    pub visited_on: Option<Date>,
    pub evidence: i64,
    pub demo: bool,
    pub version: i64,
    pub created_at: i64,
}

impl Finding {
    pub fn severity(&self) -> Result<Severity> {
        Severity::parse(&self.severity).map_err(|e| StoreError::Corrupt { table: "finding", detail: e.key.into() })
    }

    pub fn state(&self) -> Result<FindingState> {
        FindingState::parse(&self.state).map_err(|e| StoreError::Corrupt { table: "finding", detail: e.key.into() })
    }

    /// The last day for the revocation decision, while a proposal waits for one.
    pub fn revocation_due(&self) -> Option<Date> {
        match (self.outcome.as_deref(), self.proposed_on, self.certificate_revoked_on) {
            (Some("revocation_proposal"), Some(on), None) => Some(revocation_due(on)),
            _ => None,
        }
    }
}

const COLUMNS: &str = "f.id, f.inspection_id, pl.name AS plan_name, pl.province_code, p.commune_code, f.producer_id, \
    p.name AS producer_name, f.product_id, x.code AS product_code, x.name AS product_name, f.item_code, f.severity, \
    f.description, f.remedy_by, f.state, f.response, f.responded_at, f.followed_up_on, f.follow_up_note, f.outcome, \
    f.proposed_on, ce.number AS certificate_number, ce.revoked_on AS certificate_revoked_on, i.visited_on, \
    (SELECT COUNT(*) FROM finding_evidence fe WHERE fe.finding_id = f.id) AS evidence, f.demo, f.version, f.created_at";
const FROM: &str = "finding f JOIN inspection i ON i.id = f.inspection_id JOIN inspection_plan pl ON pl.id = i.plan_id \
    JOIN producer p ON p.id = f.producer_id LEFT JOIN product x ON x.id = f.product_id \
    LEFT JOIN certificate ce ON ce.id = f.certificate_id";

pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<Finding>> {
    fetch_optional(c, &format!("SELECT {COLUMNS} FROM {FROM} WHERE f.id = $1"), [id.into()]).await
}

pub async fn of_inspection(c: &impl ConnectionTrait, inspection_id: i64) -> Result<Vec<Finding>> {
    fetch_all(
        c,
        &format!("SELECT {COLUMNS} FROM {FROM} WHERE f.inspection_id = $1 ORDER BY f.id"),
        [inspection_id.into()],
    )
    .await
}

#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub inspection: Option<i64>,
    /// `pending` (open or answered), or one state.
    pub state: Option<String>,
    pub producer: Option<i64>,
    /// Only pending findings whose remedy was due before this day.
    pub overdue_on: Option<Date>,
}

/// The findings a listing covers, pending first and by deadline.
pub async fn search(
    c: &impl ConnectionTrait,
    listing: &Listing,
    f: &FindingFilter,
    page: Page,
) -> Result<Paged<Finding>> {
    let mut w = Conditions::default();
    inspection_scope(&mut w, listing);
    if let Some(i) = f.inspection {
        w.and("f.inspection_id = ?", i);
    }
    if let Some(p) = f.producer {
        w.and("f.producer_id = ?", p);
    }
    match f.state.as_deref() {
        Some("pending") => {
            w.raw("f.state IN ('open', 'answered')");
        }
        Some(s) if FindingState::parse(s).is_ok() => {
            w.and("f.state = ?", s);
        }
        _ => {}
    }
    if let Some(day) = f.overdue_on {
        w.raw("f.state IN ('open', 'answered')");
        w.and("f.remedy_by < ?", day);
    }
    let order = "CASE WHEN f.state IN ('open', 'answered') THEN 0 ELSE 1 END, f.remedy_by, f.id";
    w.page(c, COLUMNS, FROM, (order, Vec::new()), page).await
}

/// Records a finding on a visit not yet closed. The producer is told what and by when.
pub async fn create(tx: &Tx, who: &Who, i: &Inspection, d: &FindingDraft, demo: bool) -> Result<Finding> {
    if i.is_done() && !demo {
        return Err(StoreError::Refused(Invalid::new("invalid-inspection-done")));
    }
    if let Some(product) = d.product {
        let covered = count(
            tx,
            "SELECT COUNT(*) AS n FROM inspection_product WHERE inspection_id = $1 AND product_id = $2",
            [i.id.into(), product.into()],
        )
        .await?;
        if covered == 0 {
            return Err(StoreError::Invalid(FieldErrors::single("product", Invalid::new("invalid-finding-product"))));
        }
    }
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let t = now();
    let row: Id = fetch_one(
        tx,
        "INSERT INTO finding (inspection_id, producer_id, product_id, item_code, severity, description, remedy_by, state, \
         demo, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10, $10) RETURNING id",
        [
            i.id.into(),
            i.producer_id.into(),
            d.product.into(),
            d.item.clone().into(),
            d.severity.as_str().into(),
            d.description.clone().into(),
            d.remedy_by.into(),
            demo.into(),
            who.user_id.into(),
            t.into(),
        ],
    )
    .await?;
    let after = get(tx, row.id).await?.ok_or(StoreError::NotFound)?;
    if !demo {
        let owners = users_of(tx, Role::Producer, None, None, Some(i.producer_id)).await?;
        notify(
            tx,
            &owners,
            &Message {
                subject: format!("finding:{}", row.id),
                key: "notify-finding",
                args: vec![
                    ("description", after.description.chars().take(80).collect()),
                    ("remedy_by", domain::fmt_date(d.remedy_by)),
                ],
                link: format!("/findings/{}", row.id),
            },
        )
        .await?;
        audit::append(
            tx,
            who,
            Change::new("finding.create", "finding", row.id).province(Some(&i.province_code)).after(&after),
        )
        .await?;
    }
    Ok(after)
}

fn pending(f: &Finding) -> Result<()> {
    if f.state()?.is_pending() { Ok(()) } else { Err(StoreError::Refused(Invalid::new("invalid-finding-closed"))) }
}

/// The producer answers (what it did, with evidence sent separately); the office is told.
pub async fn respond(tx: &Tx, who: &Who, f: &Finding, response: &str) -> Result<Finding> {
    pending(f)?;
    let t = now();
    let changed = execute(
        tx,
        "UPDATE finding SET response = $1, responded_at = $2, responded_by = $3, state = 'answered', updated_at = $2, \
         version = version + 1 WHERE id = $4 AND version = $5",
        [response.into(), t.into(), who.user_id.into(), f.id.into(), f.version.into()],
    )
    .await?;
    if changed == 0 {
        return Err(StoreError::Stale);
    }
    let office = users_of(tx, Role::ProvinceOffice, Some(&f.province_code), None, None).await?;
    notify(
        tx,
        &office,
        &Message {
            subject: format!("finding-answered:{}:{t}", f.id),
            key: "notify-finding-answered",
            args: vec![("producer", f.producer_name.clone())],
            link: format!("/findings/{}", f.id),
        },
    )
    .await?;
    let after = get(tx, f.id).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        tx,
        who,
        Change::new("finding.respond", "finding", f.id).province(Some(&f.province_code)).before(f).after(&after),
    )
    .await?;
    Ok(after)
}

/// A file the producer sends with its answer, checked by `media::evidence::check`.
pub struct NewFile<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub bytes: Vec<u8>,
}

/// The most evidence files one finding keeps.
pub const MAX_EVIDENCE: i64 = 10;

pub async fn add_evidence(tx: &Tx, who: &Who, f: &Finding, file: NewFile<'_>) -> Result<i64> {
    pending(f)?;
    if count(tx, "SELECT COUNT(*) AS n FROM finding_evidence WHERE finding_id = $1", [f.id.into()]).await?
        >= MAX_EVIDENCE
    {
        let why = Invalid::new("invalid-evidence-count").with("max", MAX_EVIDENCE);
        return Err(StoreError::Invalid(FieldErrors::single("file", why)));
    }
    let name: String = clean(file.file_name).chars().filter(|c| !matches!(c, '/' | '\\' | '"')).take(120).collect();
    let size = i64::try_from(file.bytes.len()).unwrap_or(i64::MAX);
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let row: Id = fetch_one(
        tx,
        "INSERT INTO finding_evidence (finding_id, file_name, content_type, size, sha256, bytes, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        [
            f.id.into(),
            name.clone().into(),
            file.content_type.into(),
            size.into(),
            file.sha256.into(),
            file.bytes.into(),
            who.user_id.into(),
            now().into(),
        ],
    )
    .await?;
    let after = serde_json::json!({"finding": f.id, "file_name": name, "sha256": file.sha256, "size": size});
    audit::append(
        tx,
        who,
        Change::new("finding.evidence", "finding", f.id).province(Some(&f.province_code)).after(&after),
    )
    .await?;
    Ok(row.id)
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct EvidenceInfo {
    pub id: i64,
    pub finding_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

pub async fn evidence(c: &impl ConnectionTrait, finding_id: i64) -> Result<Vec<EvidenceInfo>> {
    fetch_all(
        c,
        "SELECT id, finding_id, file_name, content_type, size, sha256 FROM finding_evidence WHERE finding_id = $1 ORDER BY id",
        [finding_id.into()],
    )
    .await
}

/// One evidence file with its bytes.
pub async fn evidence_file(c: &impl ConnectionTrait, id: i64) -> Result<Option<(EvidenceInfo, Vec<u8>)>> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        finding_id: i64,
        file_name: String,
        content_type: String,
        size: i64,
        sha256: String,
        bytes: Vec<u8>,
    }
    Ok(fetch_optional::<Row>(
        c,
        "SELECT id, finding_id, file_name, content_type, size, sha256, bytes FROM finding_evidence WHERE id = $1",
        [id.into()],
    )
    .await?
    .map(|r| {
        (
            EvidenceInfo {
                id: r.id,
                finding_id: r.finding_id,
                file_name: r.file_name,
                content_type: r.content_type,
                size: r.size,
                sha256: r.sha256,
            },
            r.bytes,
        )
    }))
}

/// The office follows a finding up and closes it, with an outcome. A revocation proposal names
/// the product's certificate in force and starts the decision's time limit; the office is
/// reminded of it (see the reminder job) and the certificate page shows it.
pub async fn follow_up(tx: &Tx, who: &Who, f: &Finding, up: &FollowUp) -> Result<Finding> {
    pending(f)?;
    let certificate = match up.outcome {
        Some(Outcome::RevocationProposal) => {
            #[derive(FromQueryResult)]
            struct Cert {
                id: i64,
                number: String,
            }
            let found: Option<Cert> = fetch_optional(
                tx,
                "SELECT ce.id, ce.number FROM product x JOIN certificate ce ON ce.id = x.certificate_id \
                 WHERE x.id = $1 AND ce.revoked_on IS NULL AND ce.superseded_by IS NULL AND COALESCE(ce.extended_until, ce.expires_on) >= $2",
                [f.product_id.into(), up.on.into()],
            )
            .await?;
            Some(found.ok_or_else(|| StoreError::Refused(Invalid::new("invalid-finding-no-certificate")))?)
        }
        _ => None,
    };
    let changed = execute(
        tx,
        "UPDATE finding SET state = $1, outcome = $2, followed_up_on = $3, follow_up_note = $4, proposed_on = $5, \
         certificate_id = $6, updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9",
        [
            up.state.as_str().into(),
            up.outcome.map(|o| o.as_str().to_owned()).into(),
            up.on.into(),
            up.note.clone().into(),
            certificate.as_ref().map(|_| up.on).into(),
            certificate.as_ref().map(|c| c.id).into(),
            now().into(),
            f.id.into(),
            f.version.into(),
        ],
    )
    .await?;
    if changed == 0 {
        return Err(StoreError::Stale);
    }
    let owners = users_of(tx, Role::Producer, None, None, Some(f.producer_id)).await?;
    notify(
        tx,
        &owners,
        &Message {
            subject: format!("finding-followed:{}", f.id),
            key: "notify-finding-followed",
            args: vec![
                ("state", up.state.as_str().to_owned()),
                ("outcome", up.outcome.map_or("none", Outcome::as_str).to_owned()),
            ],
            link: format!("/findings/{}", f.id),
        },
    )
    .await?;
    if let Some(cert) = &certificate {
        let office = users_of(tx, Role::ProvinceOffice, Some(&f.province_code), None, None).await?;
        notify(
            tx,
            &office,
            &Message {
                subject: format!("revocation-proposed:{}", f.id),
                key: "notify-revocation-proposed",
                args: vec![("number", cert.number.clone()), ("due", domain::fmt_date(revocation_due(up.on)))],
                link: format!("/certificates/{}", domain::text::url_segment(&cert.number)),
            },
        )
        .await?;
    }
    let after = get(tx, f.id).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        tx,
        who,
        Change::new("finding.follow_up", "finding", f.id).province(Some(&f.province_code)).before(f).after(&after),
    )
    .await?;
    Ok(after)
}

/// The revocation proposal waiting for a decision on a certificate, if any.
pub async fn proposal_for(c: &impl ConnectionTrait, certificate_number: &str) -> Result<Option<Finding>> {
    fetch_optional(
        c,
        &format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE ce.number = $1 AND f.outcome = 'revocation_proposal' \
             ORDER BY f.proposed_on DESC, f.id DESC LIMIT 1"
        ),
        [certificate_number.into()],
    )
    .await
}

/// Records that a revocation rests on an inspection record (ground b).
pub async fn rest_revocation_on(tx: &Tx, certificate_number: &str, inspection_id: i64) -> Result<()> {
    execute(
        tx,
        "UPDATE certificate SET revocation_inspection_id = $1 WHERE number = $2",
        [inspection_id.into(), certificate_number.into()],
    )
    .await?;
    Ok(())
}
