//! Registrations (Mẫu 01), self-assessments (Mẫu 02), evidence, submission, and the commune's
//! screening (Mẫu 03).

use super::{Audience, calendar, refused, step};
use crate::audit::{self, Change, Who};
use crate::db::{Conditions, execute, fetch_all, fetch_one, fetch_optional, now};
use crate::{Page, Paged, Result, StoreError, Tx};
use domain::access::{Listing, Place};
use domain::certificate::{CertificateStatus, Stars};
use domain::criteria::CriteriaSet;
use domain::evaluation::{self, Filing, Held, Kind, State, Step};
use domain::place::{CommuneCode, ProvinceCode};
use domain::scoring::{self, Answer, Scorecard};
use domain::text::clean;
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct Registration {
    pub id: i64,
    pub round_id: i64,
    pub round_name: String,
    pub product_id: i64,
    pub product_name: String,
    pub product_code: String,
    pub producer_id: i64,
    pub producer_name: String,
    pub province_code: String,
    pub commune_code: String,
    pub commune_name: String,
    pub kind: String,
    pub number: Option<String>,
    pub sheet_code: String,
    pub criteria_version: String,
    pub samples: i64,
    pub self_answers: String,
    pub self_total: Option<i64>,
    pub previous_certificate_id: Option<i64>,
    pub state: String,
    pub submitted_at: Option<i64>,
    pub screening_due: Option<Date>,
    /// The working-day calendar's version the deadline was counted on.
    pub screening_calendar: String,
    /// The count ran past the years the calendar lists: the deadline may come too early.
    pub screening_due_estimated: bool,
    pub screened_at: Option<i64>,
    pub form03: String,
    pub return_reasons: String,
    pub stars: Option<i64>,
    pub total_x100: Option<i64>,
    pub decision_id: Option<i64>,
    pub certificate_id: Option<i64>,
    /// A re-rating filed after its window (Điều 12.3).
    pub late: bool,
    /// Why the approved result issued nothing (`Unrecognised::as_str`), blank otherwise.
    pub unrecognised: String,
    /// The papers the province's agency asked for after acceptance.
    pub completion_request: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Registration {
    /// A provincial result of 5★, approved (to be forwarded) or before the central council.
    pub fn potential_five(&self) -> bool {
        matches!(self.state(), State::Approved | State::Forwarded)
            && self.rank().is_some_and(|s| domain::certificate::potential_five(s.get(), false))
    }

    /// The last day a late re-rating keeps `previous` (the certificate it re-rates) in force;
    /// `None` when it is not late, or the decision needed no extension.
    pub fn extension(&self, previous: Option<&crate::certificates::Certificate>) -> Option<Date> {
        previous.filter(|_| self.late).and_then(|c| c.extended_until)
    }

    /// A re-rating of a Ministry's 5★: it goes to the central level on the province's letter and
    /// report, without provincial scoring (Điều 6.3).
    pub fn five_star_rerating(&self, previous: Option<&crate::certificates::Certificate>) -> bool {
        self.kind() == Some(Kind::Rerating)
            && previous.is_some_and(|c| c.stars == 5 && c.tier() == domain::scoring::Level::Central)
    }

    /// The stars of the approved result, if any.
    pub fn rank(&self) -> Option<Stars> {
        self.stars.and_then(Stars::stored)
    }

    pub fn kind(&self) -> Option<Kind> {
        Kind::parse(&self.kind).ok()
    }

    pub fn state(&self) -> State {
        State::parse(&self.state).unwrap_or(State::Draft)
    }

    pub fn place(&self) -> Place {
        Place {
            province: ProvinceCode::parse(&self.province_code).ok(),
            commune: CommuneCode::parse(&self.commune_code).ok(),
            producer: Some(self.producer_id),
        }
    }

    /// The self-assessment's answers; a stored value that does not read back is an error.
    pub fn answers(&self) -> Result<BTreeMap<String, Answer>> {
        scoring::input::answers_from_json(&self.self_answers)
            .map_err(|why| StoreError::Corrupt { table: "registration", detail: why.key.to_owned() })
    }

    /// The commune's Mẫu 03; a stored value that does not read back is an error.
    pub fn form03(&self) -> Result<Form03> {
        serde_json::from_str(&self.form03)
            .map_err(|e| StoreError::Corrupt { table: "registration", detail: e.to_string() })
    }

    /// A re-rating is finished within 45 days of a complete dossier (Điều 7.6.đ): the day it is
    /// due, counted from the commune's acceptance (until then nothing is due).
    pub fn rerating_due(&self) -> Option<Date> {
        if self.kind() != Some(Kind::Rerating)
            || matches!(self.state(), State::Draft | State::Submitted | State::Returned)
        {
            return None;
        }
        evaluation::rerating_limit(self.screened_at?)
    }

    /// A re-rating still open past its 45 days.
    pub fn rerating_overdue(&self, today: Date) -> bool {
        !self.state().is_final() && self.rerating_due().is_some_and(|due| today > due)
    }

    /// The commune is late: still unscreened after its 15 working days.
    pub fn screening_overdue(&self, today: Date) -> bool {
        self.state() == State::Submitted && self.screening_due.is_some_and(|due| today > due)
    }
}

const COLUMNS: &str = "g.id, g.round_id, r.name AS round_name, g.product_id, p.name AS product_name, \
    p.code AS product_code, g.producer_id, o.name AS producer_name, g.province_code, g.commune_code, \
    c.name AS commune_name, g.kind, g.number, g.sheet_code, g.criteria_version, g.samples, g.self_answers, \
    g.self_total, g.previous_certificate_id, g.state, g.submitted_at, g.screening_due, g.screening_calendar, \
    g.screening_due_estimated, g.screened_at, g.form03, g.return_reasons, g.stars, g.total_x100, g.decision_id, \
    g.certificate_id, g.late, g.unrecognised, g.completion_request, g.version, g.created_at, g.updated_at";
const FROM: &str = "registration g JOIN round r ON r.id = g.round_id JOIN product p ON p.id = g.product_id \
    JOIN producer o ON o.id = g.producer_id JOIN commune c ON c.code = g.commune_code";

pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<Registration>> {
    fetch_optional(c, &format!("SELECT {COLUMNS} FROM {FROM} WHERE g.id = $1"), [id.into()]).await
}

async fn load(tx: &Tx, id: i64) -> Result<Registration> {
    get(tx, id).await?.ok_or(StoreError::NotFound)
}

/// What a list of registrations may be narrowed to.
#[derive(Debug, Clone, Default)]
pub struct RegistrationFilter {
    pub round_id: Option<i64>,
    pub states: Vec<State>,
    pub product_id: Option<i64>,
    /// Only submitted registrations past their screening deadline on this day.
    pub overdue_on: Option<Date>,
    /// Words of the product's or the producer's name or code (diacritics ignored).
    pub q: Option<String>,
    pub commune: Option<String>,
    pub sheet: Option<String>,
    pub kind: Option<Kind>,
    /// Only those not before a council of this level now (`province` or `central`): never
    /// assigned at that level, or back for a re-evaluation after an approved result.
    pub unassigned_at: Option<String>,
}

pub async fn search(
    c: &impl ConnectionTrait,
    listing: &Listing,
    filter: &RegistrationFilter,
    page: Page,
) -> Result<Paged<Registration>> {
    let mut w = Conditions::default();
    match listing {
        Listing::All => {}
        Listing::Province(p) => {
            w.and("g.province_code = ?", p.as_str());
        }
        Listing::Commune(p, x) => {
            w.and("g.province_code = ?", p.as_str()).and("g.commune_code = ?", x.as_str());
        }
        Listing::Producer(id) => {
            w.and("g.producer_id = ?", *id);
        }
        Listing::AssignedTo(user) => {
            w.and(
                "EXISTS (SELECT 1 FROM evaluation e JOIN council_member m ON m.council_id = e.council_id \
                 WHERE e.registration_id = g.id AND m.user_id = ?)",
                *user,
            );
        }
    }
    if let Some(r) = filter.round_id {
        w.and("g.round_id = ?", r);
    }
    if let Some(p) = filter.product_id {
        w.and("g.product_id = ?", p);
    }
    if !filter.states.is_empty() {
        w.and_in("g.state", filter.states.iter().map(|s| s.as_str()));
    }
    if let Some(day) = filter.overdue_on {
        w.and("g.state = ?", "submitted").and("g.screening_due < ?", day);
    }
    if let Some(x) = filter.commune.as_deref().filter(|x| !x.is_empty()) {
        w.and("g.commune_code = ?", x.to_owned());
    }
    if let Some(sheet) = filter.sheet.as_deref().filter(|x| !x.is_empty()) {
        w.and("g.sheet_code = ?", sheet.to_owned());
    }
    if let Some(kind) = filter.kind {
        w.and("g.kind = ?", kind.as_str());
    }
    if let Some(level) = &filter.unassigned_at {
        w.and(
            "NOT EXISTS (SELECT 1 FROM evaluation e WHERE e.registration_id = g.id AND e.level = ? AND e.state <> 'approved')",
            level.clone(),
        );
    }
    let order = crate::producers::words(
        &mut w,
        "p.search_fold || ' ' || o.search_fold",
        filter.q.as_deref(),
        "g.updated_at DESC, g.id DESC",
    )?;
    w.page(c, COLUMNS, FROM, (&order.0, order.1), page).await
}

/// What a product holds, as far as the filing rules care.
pub fn held(product: &crate::products::Product, today: Date) -> Option<Held> {
    let expires = product.certificate_expires_on?;
    let stars = Stars::stored(product.stars?)?;
    Some(Held {
        stars,
        expires_on: expires,
        in_force: product.certificate_status(today).is_some_and(CertificateStatus::in_force),
    })
}

/// The round must be open and the kind must fit what the product holds, both on the day it is
/// filed (a late re-rating takes the path of Điều 12.3).
fn filing_allowed(
    product: &crate::products::Product,
    round: &super::rounds::Round,
    kind: Kind,
    today: Date,
) -> Result<Filing> {
    if round.province_code != product.province_code {
        return Err(StoreError::Invalid(FieldErrors::single("round_id", Invalid::new("invalid-round-province"))));
    }
    if !round.open_on(today) {
        let why = Invalid::new("invalid-round-closed")
            .with("opens", domain::fmt_date(round.opens_on))
            .with("closes", domain::fmt_date(round.commune_deadline));
        return Err(StoreError::Invalid(FieldErrors::single("round_id", why)));
    }
    evaluation::may_file(kind, held(product, today), today)
        .map_err(|why| StoreError::Invalid(FieldErrors::single("kind", why)))
}

/// Registers a product in a round: the round must be open and of the product's province, and
/// the kind must fit the certificate the product holds (re-rating only in its window).
pub async fn create(
    tx: &Tx,
    who: &Who,
    product_id: i64,
    round_id: i64,
    kind: Kind,
    today: Date,
) -> Result<Registration> {
    let product = crate::products::get(tx, product_id).await?.ok_or(StoreError::NotFound)?;
    if product.deleted_at.is_some() {
        return Err(StoreError::NotFound);
    }
    let round = super::rounds::get(tx, round_id).await?.ok_or(StoreError::NotFound)?;
    filing_allowed(&product, &round, kind, today)?;
    // An association registers tourism services only (group VI).
    let group = crate::criteria::current()
        .map_err(|detail| StoreError::Corrupt { table: "criteria", detail })?
        .group_of(&product.sheet_code)
        .map(|g| g.code.clone())
        .unwrap_or_default();
    if let Ok(legal) = domain::producer::LegalType::parse(&product.producer_legal_type) {
        legal.may_register_group(&group).map_err(|why| StoreError::Invalid(FieldErrors::single("product", why)))?;
    }
    let samples = i64::from(evaluation::samples(&product.sheet_code));
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let t = now();
    let previous = if kind == Kind::First { None } else { product.certificate_id };
    let row: Id = fetch_one(
        tx,
        "INSERT INTO registration (round_id, product_id, producer_id, province_code, commune_code, kind, sheet_code, \
         criteria_version, samples, previous_certificate_id, state, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, $12, $12) RETURNING id",
        [
            round_id.into(),
            product_id.into(),
            product.producer_id.into(),
            product.province_code.clone().into(),
            product.commune_code.clone().into(),
            kind.as_str().into(),
            product.sheet_code.clone().into(),
            round.criteria_version.clone().into(),
            samples.into(),
            previous.into(),
            who.user_id.into(),
            t.into(),
        ],
    )
    .await
    .map_err(|e| match e {
        StoreError::Duplicate(_) => {
            StoreError::Invalid(FieldErrors::single("round_id", Invalid::new("invalid-already-registered")))
        }
        other => other,
    })?;
    let g = load(tx, row.id).await?;
    audit::append(
        tx,
        who,
        Change::new("registration.create", "registration", g.id).province(Some(&g.province_code)).after(&g),
    )
    .await?;
    Ok(g)
}

fn editable(g: &Registration) -> Result<()> {
    if g.state().editable() {
        Ok(())
    } else {
        Err(refused(Invalid::new("invalid-dossier-locked").with("state", &g.state)))
    }
}

/// Saves the self-assessment as the producer clicks: each answer must fit its criterion; the
/// total is kept once every criterion is answered.
pub async fn save_self_assessment(
    tx: &Tx,
    who: &Who,
    set: &CriteriaSet,
    id: i64,
    answers: BTreeMap<String, Answer>,
) -> Result<Registration> {
    let g = load(tx, id).await?;
    editable(&g)?;
    let sheet =
        set.sheet(&g.sheet_code).ok_or(StoreError::Corrupt { table: "registration", detail: g.sheet_code.clone() })?;
    for (code, answer) in &answers {
        let criterion = sheet.criterion(code).ok_or_else(|| {
            StoreError::Invalid(FieldErrors::single(
                code.clone(),
                Invalid::new("score-unknown-criterion").with("criterion", code).with("sheet", &sheet.code),
            ))
        })?;
        scoring::points(criterion, *answer)
            .map_err(|why| StoreError::Invalid(FieldErrors::single(code.clone(), why)))?;
    }
    let card = Scorecard { answers: answers.clone(), ..Scorecard::default() };
    let total = scoring::tally(sheet, &card).ok().map(|t| i64::from(t.total));
    execute(
        tx,
        "UPDATE registration SET self_answers = $1, self_total = $2, updated_at = $3 WHERE id = $4",
        [scoring::input::answers_to_json(&answers).into(), total.into(), now().into(), id.into()],
    )
    .await?;
    let after = load(tx, id).await?;
    audit::append(
        tx,
        who,
        Change::new("registration.self_assess", "registration", id)
            .province(Some(&after.province_code))
            .before(&serde_json::json!({"self_total": g.self_total}))
            .after(&serde_json::json!({"self_answers": after.self_answers, "self_total": after.self_total})),
    )
    .await?;
    Ok(after)
}

/// Evidence on file for a product.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct Evidence {
    pub id: i64,
    pub product_id: i64,
    pub label: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: i64,
    /// Some submitted registration was filed with it: it can no longer be withdrawn.
    pub filed: bool,
}

const EVIDENCE: &str = "SELECT e.id, e.product_id, e.label, e.file_name, e.content_type, e.size, e.sha256, e.created_at, \
    EXISTS (SELECT 1 FROM registration_evidence l WHERE l.evidence_id = e.id) AS filed FROM evidence e";

/// The product's evidence not withdrawn: what a new registration (first, upgrade, re-rating) reuses.
pub async fn evidence_of_product(c: &impl ConnectionTrait, product_id: i64) -> Result<Vec<Evidence>> {
    fetch_all(
        c,
        &format!(
            "{EVIDENCE} WHERE e.product_id = $1 AND e.withdrawn_at IS NULL AND e.purpose = 'dossier' ORDER BY e.id"
        ),
        [product_id.into()],
    )
    .await
}

/// The evidence a submitted registration was filed with; a draft shows the product's current files.
pub async fn evidence_of(c: &impl ConnectionTrait, g: &Registration) -> Result<Vec<Evidence>> {
    if g.submitted_at.is_none() {
        return evidence_of_product(c, g.product_id).await;
    }
    fetch_all(
        c,
        &format!(
            "{EVIDENCE} JOIN registration_evidence l2 ON l2.evidence_id = e.id WHERE l2.registration_id = $1 ORDER BY e.id"
        ),
        [g.id.into()],
    )
    .await
}

/// One file's bytes, with what the web layer needs to serve it safely.
#[derive(Debug, Clone, FromQueryResult)]
pub struct EvidenceFile {
    pub id: i64,
    pub product_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

pub async fn evidence_file(c: &impl ConnectionTrait, id: i64) -> Result<Option<EvidenceFile>> {
    fetch_optional(
        c,
        "SELECT id, product_id, file_name, content_type, sha256, bytes FROM evidence WHERE id = $1",
        [id.into()],
    )
    .await
}

/// A file checked by `media::evidence::check`.
#[derive(Clone)]
pub struct NewEvidence<'a> {
    pub label: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub bytes: Vec<u8>,
}

/// Adds evidence to the dossier of an editable registration (it belongs to the product, so the
/// next registration of the same product finds it on file).
pub async fn add_evidence(tx: &Tx, who: &Who, id: i64, file: NewEvidence<'_>) -> Result<Evidence> {
    let g = load(tx, id).await?;
    editable(&g)?;
    let label = clean(file.label);
    if label.is_empty() {
        return Err(StoreError::Invalid(FieldErrors::single("label", Invalid::new("invalid-required"))));
    }
    let e = insert_evidence(tx, who, g.product_id, &label, file, None).await?;
    audit::append(tx, who, Change::new("evidence.add", "evidence", e.id).province(Some(&g.province_code)).after(&e))
        .await?;
    Ok(e)
}

/// Keeps a checked file as evidence of the product: the producer's dossier, or (with a
/// forwarding) what the province sent to the central level.
pub(crate) async fn insert_evidence(
    tx: &Tx,
    who: &Who,
    product_id: i64,
    label: &str,
    file: NewEvidence<'_>,
    forwarding: Option<i64>,
) -> Result<Evidence> {
    let name: String = clean(file.file_name).chars().filter(|c| !matches!(c, '/' | '\\' | '"')).take(120).collect();
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let size = i64::try_from(file.bytes.len()).unwrap_or(i64::MAX);
    let purpose = if forwarding.is_some() { "forwarding" } else { "dossier" };
    let row: Id = fetch_one(
        tx,
        "INSERT INTO evidence (product_id, label, file_name, content_type, size, sha256, bytes, uploaded_by, created_at, \
         purpose, forwarding_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        [
            product_id.into(),
            label.into(),
            name.into(),
            file.content_type.into(),
            size.into(),
            file.sha256.into(),
            file.bytes.into(),
            who.user_id.into(),
            now().into(),
            purpose.into(),
            forwarding.into(),
        ],
    )
    .await?;
    fetch_one(tx, &format!("{EVIDENCE} WHERE e.id = $1"), [row.id.into()]).await
}

/// The files a forwarding carried.
pub async fn evidence_of_forwarding(c: &impl ConnectionTrait, forwarding_id: i64) -> Result<Vec<Evidence>> {
    fetch_all(c, &format!("{EVIDENCE} WHERE e.forwarding_id = $1 ORDER BY e.id"), [forwarding_id.into()]).await
}

/// Withdraws a file no submission used yet (a filed one stays: the dossier is a record).
pub async fn withdraw_evidence(tx: &Tx, who: &Who, id: i64, evidence_id: i64) -> Result<()> {
    let g = load(tx, id).await?;
    editable(&g)?;
    let e: Evidence = fetch_optional(
        tx,
        &format!("{EVIDENCE} WHERE e.id = $1 AND e.product_id = $2"),
        [evidence_id.into(), g.product_id.into()],
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    if e.filed {
        return Err(refused(Invalid::new("invalid-evidence-filed")));
    }
    execute(tx, "UPDATE evidence SET withdrawn_at = $1 WHERE id = $2", [now().into(), evidence_id.into()]).await?;
    audit::append(
        tx,
        who,
        Change::new("evidence.withdraw", "evidence", evidence_id).province(Some(&g.province_code)).before(&e),
    )
    .await?;
    Ok(())
}

/// Files the dossier at the commune: the self-assessment must be complete and at least one
/// evidence file on record. It gets its number and a screening deadline, and is locked.
pub async fn submit(tx: &Tx, who: &Who, set: &CriteriaSet, id: i64, today: Date) -> Result<Registration> {
    let g = load(tx, id).await?;
    editable(&g)?;
    if g.state() == State::Completing {
        return send_completed(tx, who, &g).await;
    }
    let sheet =
        set.sheet(&g.sheet_code).ok_or(StoreError::Corrupt { table: "registration", detail: g.sheet_code.clone() })?;
    let card = Scorecard { answers: g.answers()?, ..Scorecard::default() };
    if let Err(why) = scoring::tally(sheet, &card) {
        return Err(StoreError::Invalid(FieldErrors::single("self_answers", why)));
    }
    let files = evidence_of_product(tx, g.product_id).await?;
    if files.is_empty() {
        return Err(StoreError::Invalid(FieldErrors::single("evidence", Invalid::new("invalid-evidence-missing"))));
    }
    // The windows are the filing day's: a draft made in time may be filed too late.
    let product = crate::products::get(tx, g.product_id).await?.ok_or(StoreError::NotFound)?;
    let round = super::rounds::get(tx, g.round_id).await?.ok_or(StoreError::NotFound)?;
    let kind = g.kind().ok_or(StoreError::Corrupt { table: "registration", detail: g.kind.clone() })?;
    let filing = filing_allowed(&product, &round, kind, today)?;
    step(tx, id, &g.state, Step::Submit).await?;
    if let Filing::Late { extended_until } = filing {
        extend(tx, who, &g, extended_until).await?;
    }
    let number = match &g.number {
        Some(n) => n.clone(),
        None => {
            #[derive(FromQueryResult)]
            struct Seq {
                last_value: i64,
            }
            let seq: Seq = fetch_one(
                tx,
                "INSERT INTO registration_sequence (commune_code, year, last_value) VALUES ($1, $2, 1) \
                 ON CONFLICT (commune_code, year) DO UPDATE SET last_value = registration_sequence.last_value + 1 \
                 RETURNING last_value",
                [g.commune_code.clone().into(), i64::from(today.year()).into()],
            )
            .await?;
            evaluation::registration_number(
                u32::try_from(seq.last_value).unwrap_or(u32::MAX),
                &g.province_code,
                &g.commune_code,
                today.year(),
            )
        }
    };
    let due = calendar()?.deadline(today, domain::rules::current().screening_working_days);
    if due.beyond_data {
        tracing::warn!(
            registration = id,
            due = %due.due,
            calendar = %due.version,
            "the screening deadline runs past the years in data/calendar/holidays-vn.json: counted without holidays"
        );
    }
    execute(
        tx,
        "UPDATE registration SET number = $1, submitted_at = $2, screening_due = $3, screening_calendar = $4, \
         screening_due_estimated = $5, late = $6, return_reasons = '' WHERE id = $7",
        [
            number.into(),
            now().into(),
            due.due.into(),
            due.version.into(),
            due.beyond_data.into(),
            matches!(filing, Filing::Late { .. }).into(),
            id.into(),
        ],
    )
    .await?;
    execute(tx, "DELETE FROM registration_evidence WHERE registration_id = $1", [id.into()]).await?;
    for f in &files {
        execute(
            tx,
            "INSERT INTO registration_evidence (registration_id, evidence_id) VALUES ($1, $2)",
            [id.into(), f.id.into()],
        )
        .await?;
    }
    let after = load(tx, id).await?;
    audit::append(
        tx,
        who,
        Change::new("registration.submit", "registration", id)
            .province(Some(&after.province_code))
            .before(&serde_json::json!({"state": g.state}))
            .after(
                &serde_json::json!({"state": after.state, "number": after.number, "screening_due": after.screening_due,
                "screening_calendar": after.screening_calendar, "late": after.late,
                "evidence": files.iter().map(|f| &f.sha256).collect::<Vec<_>>()}),
            ),
    )
    .await?;
    Ok(after)
}

/// A late re-rating keeps the certificate it re-rates in force until the decision, at most to
/// `until` (Điều 12.3); the product's copy follows.
async fn extend(tx: &Tx, who: &Who, g: &Registration, until: Date) -> Result<()> {
    let Some(certificate) = g.previous_certificate_id else {
        return Err(StoreError::Corrupt {
            table: "registration",
            detail: format!("{}: re-rating without a certificate", g.id),
        });
    };
    execute(tx, "UPDATE certificate SET extended_until = $1 WHERE id = $2", [until.into(), certificate.into()]).await?;
    execute(
        tx,
        "UPDATE product SET certificate_extended_until = $1 WHERE certificate_id = $2",
        [until.into(), certificate.into()],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change::new("certificate.extend", "certificate", certificate).province(Some(&g.province_code)).after(
            &serde_json::json!({"extended_until": until, "registration": g.id, "rule": "QĐ 26/2026/QĐ-TTg, Điều 12.3"}),
        ),
    )
    .await?;
    Ok(())
}

/// The certificate an upgrade or a re-rating started from.
pub async fn previous_certificate(
    c: &impl ConnectionTrait,
    g: &Registration,
) -> Result<Option<crate::certificates::Certificate>> {
    let Some(id) = g.previous_certificate_id else {
        return Ok(None);
    };
    Ok(crate::certificates::by_ids(c, &[id].into_iter().collect()).await?.remove(&id))
}

/// The decision on a late re-rating ends the extension of the certificate it re-rated: from the
/// day after `decided_on` it is in force only if the decision issued a new one.
pub(crate) async fn end_extension(tx: &Tx, g: &Registration, decided_on: Date) -> Result<()> {
    let Some(certificate) = g.previous_certificate_id.filter(|_| g.late) else {
        return Ok(());
    };
    // Decided before the expiry: no extension was needed. The extension never ends before the
    // expiry, so "the later of the two" stays the last day in force everywhere.
    for sql in [
        "UPDATE certificate SET extended_until = CASE WHEN $1 <= expires_on THEN NULL ELSE $1 END \
         WHERE id = $2 AND extended_until > $1",
        "UPDATE product SET certificate_extended_until = CASE WHEN $1 <= certificate_expires_on THEN NULL ELSE $1 END \
         WHERE certificate_id = $2 AND certificate_extended_until > $1",
    ] {
        execute(tx, sql, [decided_on.into(), certificate.into()]).await?;
    }
    Ok(())
}

/// The province's OCOP agency asks the producer for missing papers after acceptance (Điều
/// 7.3.a), without returning the dossier to the commune: the producer may add files until it
/// sends the dossier back.
pub async fn request_completion(tx: &Tx, who: &Who, id: i64, papers: &str) -> Result<Registration> {
    let g = load(tx, id).await?;
    let papers = clean(papers);
    if papers.is_empty() {
        return Err(StoreError::Invalid(FieldErrors::single("papers", Invalid::new("invalid-required"))));
    }
    step(tx, id, &g.state, Step::RequestCompletion).await?;
    execute(tx, "UPDATE registration SET completion_request = $1 WHERE id = $2", [papers.clone().into(), id.into()])
        .await?;
    let after = load(tx, id).await?;
    let papers_arg = vec![("papers", papers.clone())];
    super::tell(tx, &after, Audience::Producer, "notify-completion", &now().to_string(), papers_arg).await?;
    audit::append(
        tx,
        who,
        Change::new("registration.request_completion", "registration", id)
            .province(Some(&after.province_code))
            .before(&serde_json::json!({"state": g.state}))
            .after(&serde_json::json!({"state": after.state, "papers": papers})),
    )
    .await?;
    Ok(after)
}

/// The producer sends the completed dossier back to the province: the files on record now are
/// the dossier's.
async fn send_completed(tx: &Tx, who: &Who, g: &Registration) -> Result<Registration> {
    let files = evidence_of_product(tx, g.product_id).await?;
    step(tx, g.id, &g.state, Step::Complete).await?;
    for f in &files {
        execute(
            tx,
            "INSERT INTO registration_evidence (registration_id, evidence_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            [g.id.into(), f.id.into()],
        )
        .await?;
    }
    let after = load(tx, g.id).await?;
    audit::append(
        tx,
        who,
        Change::new("registration.complete", "registration", g.id).province(Some(&after.province_code)).after(
            &serde_json::json!({"state": after.state, "evidence": files.iter().map(|f| &f.sha256).collect::<Vec<_>>()}),
        ),
    )
    .await?;
    Ok(after)
}

/// Mẫu 03: the commune's findings on the four topics of Điều 7.2.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Form03 {
    /// Sử dụng nguyên liệu địa phương.
    pub materials: String,
    /// Sử dụng lao động địa phương.
    pub labour: String,
    /// Nguồn gốc ý tưởng sản phẩm.
    pub idea: String,
    /// Bản sắc / trí tuệ địa phương.
    pub identity: String,
}

impl Form03 {
    pub const FIELDS: [&'static str; 4] = ["materials", "labour", "idea", "identity"];

    fn cleaned(&self) -> Result<Form03, FieldErrors> {
        let f = Form03 {
            materials: clean(&self.materials),
            labour: clean(&self.labour),
            idea: clean(&self.idea),
            identity: clean(&self.identity),
        };
        let mut e = FieldErrors::new();
        for (name, value) in Self::FIELDS.iter().zip([&f.materials, &f.labour, &f.idea, &f.identity]) {
            if value.is_empty() {
                e.add(*name, Invalid::new("invalid-required"));
            } else if value.chars().count() > 4000 {
                e.add(*name, Invalid::new("invalid-too-long").with("max", 4000));
            }
        }
        if e.is_empty() { Ok(f) } else { Err(e) }
    }
}

/// The commune's answer to a submitted dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screening {
    Accept(Form03),
    Return { reasons: String },
}

/// Accepts (with Mẫu 03) or returns (with reasons) a submitted dossier.
pub async fn screen(tx: &Tx, who: &Who, id: i64, screening: Screening) -> Result<Registration> {
    let g = load(tx, id).await?;
    let (action, set_sql, values): (&str, &str, Vec<sea_orm::Value>) = match &screening {
        Screening::Accept(form) => {
            let form = form.cleaned().map_err(StoreError::Invalid)?;
            let json = serde_json::to_string(&form)
                .map_err(|e| StoreError::Corrupt { table: "registration", detail: e.to_string() })?;
            ("registration.accept", "form03 = $1", vec![json.into()])
        }
        Screening::Return { reasons } => {
            let reasons = clean(reasons);
            if reasons.is_empty() {
                return Err(StoreError::Invalid(FieldErrors::single("reasons", Invalid::new("invalid-required"))));
            }
            ("registration.return", "return_reasons = $1", vec![reasons.into()])
        }
    };
    let step_taken = if matches!(screening, Screening::Accept(_)) { Step::Accept } else { Step::Return };
    step(tx, id, &g.state, step_taken).await?;
    if step_taken == Step::Accept {
        // The commune lists the product for this year's evaluation: its code takes that year.
        let round = super::rounds::get(tx, g.round_id).await?.ok_or(StoreError::NotFound)?;
        let year =
            u16::try_from(round.year).map_err(|e| StoreError::Corrupt { table: "round", detail: e.to_string() })?;
        crate::products::recode_for_evaluation(tx, who, g.product_id, year).await?;
    }
    let mut values = values;
    values.extend([now().into(), who.user_id.into(), id.into()]);
    execute(
        tx,
        &format!("UPDATE registration SET {set_sql}, screened_at = $2, screened_by = $3 WHERE id = $4"),
        values,
    )
    .await?;
    let after = load(tx, id).await?;
    match &screening {
        Screening::Accept(_) => super::tell(tx, &after, Audience::Producer, "notify-accepted", "", vec![]).await?,
        Screening::Return { .. } => {
            let occasion = now().to_string();
            let reasons = vec![("reasons", after.return_reasons.clone())];
            super::tell(tx, &after, Audience::Producer, "notify-returned", &occasion, reasons).await?
        }
    };
    audit::append(
        tx,
        who,
        Change::new(action, "registration", id)
            .province(Some(&after.province_code))
            .before(&serde_json::json!({"state": g.state}))
            .after(&serde_json::json!({"state": after.state, "form03": after.form03, "return_reasons": after.return_reasons})),
    )
    .await?;
    Ok(after)
}
