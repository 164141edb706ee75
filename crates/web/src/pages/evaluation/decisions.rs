//! Decisions and certificates: recognition (3★/4★ by the province, 5★ by the Ministry),
//! forwarding potential 5★ products, the certificate page and PDF, revocation, and the public
//! verification page.

use super::{criteria, points, stars_text, state_label};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::fmt;
use crate::page::{Choice, PageCtx, messages, render_form, render_status};
use crate::pages::registry::product_target;
use askama::Template;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Listing, Target};
use domain::certificate::CertificateStatus;
use domain::evaluation::{RevocationGround, State as RegState};
use domain::place::ProvinceCode;
use serde::Deserialize;
use store::certificates::Certificate;
use store::evaluation::decisions::{self as store_decisions, DecisionInput, ForwardingInput, Issuer};
use store::evaluation::dossiers::{self as store_dossiers, Registration, RegistrationFilter};
use store::evaluation::today;
use store::{Page, StoreError};
use time::Date;

fn issuer(caller: &Caller) -> AppResult<Issuer> {
    Ok(match caller.office()? {
        domain::access::Office::Province(p) => Issuer::Province(p.as_str().to_owned()),
        domain::access::Office::Central => Issuer::Central,
    })
}

struct Ready {
    id: i64,
    number: String,
    product: String,
    producer: String,
    result: String,
    state: String,
}

fn ready(t: crate::i18n::Tr, g: Registration) -> Ready {
    Ready {
        id: g.id,
        number: g.number.clone().unwrap_or_default(),
        result: match (g.stars, g.total_x100) {
            (s, Some(x)) => format!("{} · {}", points(x), stars_text(s)),
            (s, None) => stars_text(s),
        },
        state: state_label(t, &g.state),
        product: g.product_name,
        producer: g.producer_name,
    }
}

#[derive(Template)]
#[template(path = "evaluation/decisions.html")]
struct DecisionsPage {
    ctx: PageCtx,
    central: bool,
    ready: Vec<Ready>,
    potential: Vec<Ready>,
    waiting: Vec<Ready>,
    input: DecisionInput,
    errors: Vec<String>,
}

async fn page_with(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    input: DecisionInput,
    errors: Vec<String>,
) -> AppResult<Response> {
    let issuer = issuer(caller)?;
    let conn = state.db().conn();
    let t = ctx.t;
    let all = Page::new(1, Page::MAX_SIZE);
    let search = async |listing: &Listing, states: Vec<RegState>| {
        let filter = RegistrationFilter { states, ..RegistrationFilter::default() };
        store_dossiers::search(conn, listing, &filter, all).await.map(|p| p.items)
    };
    let (ready_list, potential, waiting) = match &issuer {
        Issuer::Province(p) => {
            let listing = Listing::Province(ProvinceCode::parse(p).map_err(|_| AppError::Forbidden)?);
            let approved = search(&listing, vec![RegState::Approved, RegState::CentralReturned]).await?;
            let (five, rest): (Vec<_>, Vec<_>) = approved.into_iter().partition(Registration::potential_five);
            let rest = rest.into_iter().filter(|g| matches!(g.stars, Some(3 | 4))).collect::<Vec<_>>();
            (rest, five, search(&listing, vec![RegState::Forwarded]).await?)
        }
        Issuer::Central => {
            let approved = search(&Listing::All, vec![RegState::CentralApproved]).await?;
            (approved, Vec::new(), search(&Listing::All, vec![RegState::Forwarded]).await?)
        }
    };
    let page = DecisionsPage {
        central: issuer == Issuer::Central,
        ready: ready_list.into_iter().map(|g| ready(t, g)).collect(),
        potential: potential.into_iter().map(|g| ready(t, g)).collect(),
        waiting: waiting.into_iter().map(|g| ready(t, g)).collect(),
        input,
        errors,
        ctx,
    };
    Ok(render_form(!page.errors.is_empty(), &page))
}

pub async fn page(State(state): State<AppState>, caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    let input = DecisionInput { signed_on: fmt::date(today()), ..DecisionInput::default() };
    page_with(&state, &caller, ctx, input, Vec::new()).await
}

fn chosen(fields: &[(String, String)]) -> Vec<i64> {
    fields.iter().filter(|(k, _)| k == "registrations").filter_map(|(_, v)| v.parse().ok()).collect()
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

pub async fn recognise(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let issuer = issuer(&caller)?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let input = DecisionInput {
        number: field(&fields, "number"),
        signed_on: field(&fields, "signed_on"),
        signer: field(&fields, "signer"),
    };
    let draft = match input.parse(today()) {
        Ok(d) => d,
        Err(errors) => {
            let errors = errors
                .iter()
                .map(|(f, why)| format!("{}: {}", t.get(&format!("decision-{f}")), t.invalid(why)))
                .collect();
            return page_with(&state, &caller, ctx, input, errors).await;
        }
    };
    let tx = state.db().write().await?;
    match store_decisions::recognise(&tx, &me.who(), &issuer, &draft, &chosen(&fields)).await {
        Ok((decision, certificates)) => {
            tx.commit().await?;
            let numbers: Vec<&str> = certificates.iter().map(|c| c.number.as_str()).collect();
            let message =
                t.args("decision-issued", &[("number", &decision.number), ("certificates", &numbers.join(", "))]);
            Ok(redirect_with_flash(&state, &message, "/evaluation/decisions"))
        }
        Err(StoreError::Invalid(errors)) => {
            drop(tx);
            let errors = messages(t, &errors);
            page_with(&state, &caller, ctx, input, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The labels of the three papers a forwarding carries, by their form field.
pub(super) const FORWARDING_FILES: [(&str, &str); 3] = [
    ("decision_file", "forwarding-decision-file"),
    ("letter_file", "forwarding-letter-file"),
    ("report_file", "forwarding-report-file"),
];

/// `POST /evaluation/registrations/{id}/forward` (multipart): the province sends a potential 5★
/// (or a 5★ re-rating) to the central level with the chairman's approval decision, its letter,
/// its agency's report and their files.
pub async fn forward(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> AppResult<Response> {
    let (g, target) = super::readable(&state, &caller, id).await?;
    caller.require(Action::ManageEvaluation, &target)?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let mut input = ForwardingInput::default();
    let mut files: Vec<(&'static str, String, Vec<u8>)> = Vec::new();
    let mut errors = Vec::new();
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        if let Some((_, label)) = FORWARDING_FILES.iter().find(|(f, _)| *f == name) {
            let file_name = field.file_name().unwrap_or("tep.pdf").to_owned();
            match field.bytes().await {
                Ok(bytes) if !bytes.is_empty() => files.push((label, file_name, bytes.to_vec())),
                Ok(_) => {}
                Err(_) => errors.push(t.invalid(&domain::Invalid::new("import-upload-failed"))),
            }
            continue;
        }
        let value = field.text().await.unwrap_or_default();
        match name.as_str() {
            "number" => input.decision.number = value,
            "signed_on" => input.decision.signed_on = value,
            "signer" => input.decision.signer = value,
            "letter_number" => input.letter_number = value,
            "letter_date" => input.letter_date = value,
            "report_number" => input.report_number = value,
            _ => {}
        }
    }
    let mut checked = Vec::new();
    for (label, file_name, bytes) in &files {
        match media::evidence::check(bytes) {
            Ok(c) => checked.push((t.get(label), file_name, c)),
            Err(why) => errors.push(format!("{file_name}: {}", t.invalid(&why))),
        }
    }
    let parsed = input.parse(today());
    if let Err(fields) = &parsed {
        errors.extend(forwarding_errors(t, fields));
    }
    let draft = match parsed {
        Ok(d) if errors.is_empty() => d,
        _ => return refill(&state, &caller, ctx, id, errors, input).await,
    };
    let evidence: Vec<store_dossiers::NewEvidence<'_>> = checked
        .iter()
        .zip(&files)
        .map(|((label, file_name, c), (_, _, bytes))| store_dossiers::NewEvidence {
            label,
            file_name,
            content_type: c.content_type,
            sha256: &c.sha256,
            bytes: bytes.clone(),
        })
        .collect();
    let tx = state.db().write().await?;
    match store_decisions::forward(&tx, &me.who(), &g.province_code, &[id], &draft, &evidence).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(redirect_with_flash(
                &state,
                &t.arg("decision-forwarded", "n", "1"),
                &format!("/evaluation/registrations/{id}"),
            ))
        }
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            refill(&state, &caller, ctx, id, forwarding_errors(t, &fields), input).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Each refused field of a forwarding, named as on its form.
fn forwarding_errors(t: crate::i18n::Tr, fields: &domain::FieldErrors) -> Vec<String> {
    fields.iter().map(|(f, why)| format!("{}: {}", t.get(&format!("forwarding-{f}")), t.invalid(why))).collect()
}

/// The dossier's page again with the forwarding form as it was sent, and why it was refused.
async fn refill(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    id: i64,
    errors: Vec<String>,
    input: ForwardingInput,
) -> AppResult<Response> {
    let sticky = super::dossiers::Sticky { forwarding: Some(input), ..Default::default() };
    super::dossiers::detail(state, caller, ctx, id, errors, sticky).await
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// `POST …/return-to-province` (the central office, a forwarded dossier) and `POST …/re-evaluate`
/// (the province, after a central result below 5★): back to the provincial council (Điều 7.4).
async fn back_to_province(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    id: i64,
    action: Action,
    reason: &str,
) -> AppResult<Response> {
    let (_, target) = super::readable(state, caller, id).await?;
    caller.require(action, &target)?;
    let me = caller.signed_in()?.clone();
    let tx = state.db().write().await?;
    match store_decisions::re_evaluate(&tx, &me.who(), id, reason).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(redirect_with_flash(
                state,
                &ctx.t.get("reg-re-evaluate-done"),
                &format!("/evaluation/registrations/{id}"),
            ))
        }
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            let errors = messages(ctx.t, &fields);
            super::dossiers::detail(state, caller, ctx, id, errors, super::dossiers::Sticky::default()).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn return_to_province(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    back_to_province(&state, &caller, ctx, id, Action::EvaluateCentral, &form.reason).await
}

pub async fn re_evaluate(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    back_to_province(&state, &caller, ctx, id, Action::ManageEvaluation, &form.reason).await
}

/// A certificate and the product it belongs to, if the caller may read the product's records.
async fn certificate_for(
    state: &AppState,
    caller: &Caller,
    number: &str,
) -> AppResult<(Certificate, store::products::Product)> {
    let cert = store::certificates::find_by_number(state.db().conn(), number).await?.ok_or(AppError::NotFound)?;
    let product = store::products::get(state.db().conn(), cert.product_id).await?.ok_or(AppError::NotFound)?;
    // The holder's records, and the issuing province's office, see it.
    if !caller.may(Action::ReadRecords, &issuer_target(&cert, &product)) {
        caller.require(Action::ReadRecords, &product_target(&product))?;
    }
    Ok((cert, product))
}

/// Where acts on a certificate are decided: the province that issued it, whatever the product's
/// address is now (the Ministry's certificates belong to no province), held by the product's
/// producer.
fn issuer_target(c: &Certificate, product: &store::products::Product) -> Target {
    let mut place = product_target(product).place;
    place.province = c.issuing_province.as_deref().and_then(|p| ProvinceCode::parse(p).ok());
    Target::at(place)
}

#[derive(Template)]
#[template(path = "evaluation/certificate.html")]
struct CertificatePage {
    ctx: PageCtx,
    c: Certificate,
    product: store::products::Product,
    status: String,
    status_class: &'static str,
    issued: String,
    expires: String,
    decision_date: String,
    revoked: String,
    ground: String,
    may_revoke: bool,
    grounds: Vec<Choice>,
    today: String,
    errors: Vec<String>,
    /// A revocation proposal from an inspection, waiting for this decision.
    proposal: Option<crate::pages::supervision::ProposalBanner>,
    /// The authority that issued it, as named then.
    issuer: String,
    /// What is on file when the decision is not ("recognised, known from official news").
    evidence: Option<String>,
    extended: String,
    replaced_by: Option<String>,
}

impl CertificatePage {
    /// What revoking asks.
    fn revoke_question(&self) -> String {
        revoke_question(self.ctx.t, &self.c, &self.product)
    }
}

/// "Thu hồi giấy chứng nhận HN-2026-00012 của sản phẩm «…»?"
fn revoke_question(t: crate::i18n::Tr, c: &Certificate, product: &store::products::Product) -> String {
    t.args("certificate-revoke-question", &[("number", &c.number), ("product", &product.name)])
}

/// What the platform holds of a recognition whose decision is not on file, in words (`None` when
/// the decision is on file).
pub(crate) fn evidence_text(t: crate::i18n::Tr, evidence: &str) -> Option<String> {
    match evidence {
        "news" => Some(t.get("certificate-evidence-news")),
        "other" => Some(t.get("certificate-evidence-other")),
        _ => None,
    }
}

/// "Extended until the decision, at the latest …" while a late re-rating keeps it in force.
pub(crate) fn extension_text(t: crate::i18n::Tr, status: CertificateStatus, until: Option<Date>) -> String {
    match (status, until) {
        (CertificateStatus::Extended, Some(d)) => t.arg("certificate-extended-until", "date", &fmt::date(d)),
        _ => String::new(),
    }
}

/// The number of the certificate that replaced `c` (a re-rating or an upgrade), if any.
async fn replacement(state: &AppState, c: &Certificate) -> AppResult<Option<String>> {
    let Some(id) = c.superseded_by else {
        return Ok(None);
    };
    Ok(store::certificates::by_ids(state.db().conn(), &[id].into_iter().collect()).await?.remove(&id).map(|n| n.number))
}

/// A revocation ground: one of Điều 8's, in the reader's language, or the text an imported or
/// earlier record carries, as written.
fn ground_label(t: crate::i18n::Tr, g: &str) -> String {
    match RevocationGround::parse(g) {
        Ok(ground) => t.get(&format!("ground-{}", ground.as_str())),
        Err(_) => g.to_owned(),
    }
}

async fn certificate_page(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    number: &str,
    errors: Vec<String>,
) -> AppResult<Response> {
    let (c, product) = certificate_for(state, caller, number).await?;
    let t = ctx.t;
    let status = c.status(today());
    let may_revoke = status.in_force()
        && match c.issuing_province {
            None => caller.may_list(Action::EvaluateCentral),
            Some(_) => caller.may(Action::ManageEvaluation, &issuer_target(&c, &product)),
        };
    let proposal = if may_revoke { crate::pages::supervision::proposal_banner(state, &c.number).await? } else { None };
    let proposed_ground = proposal.as_ref().map(|_| RevocationGround::NoLongerMeets);
    let page = CertificatePage {
        extended: extension_text(t, status, c.extended_until),
        replaced_by: replacement(state, &c).await?,
        issuer: c.issuer(&product.province_name),
        evidence: evidence_text(t, &c.evidence),
        status: t.get(&format!("status-{}", status.as_str())),
        status_class: crate::page::status_class(Some(status)),
        issued: fmt::date(c.issued_on),
        expires: fmt::date(c.expires_on),
        decision_date: c.decision_date.map(fmt::date).unwrap_or_default(),
        revoked: c.revoked_on.map(fmt::date).unwrap_or_default(),
        ground: c.revocation_ground.as_deref().map(|g| ground_label(t, g)).unwrap_or_default(),
        may_revoke,
        grounds: RevocationGround::ALL
            .iter()
            .map(|g| Choice {
                value: g.as_str().to_owned(),
                label: ground_label(t, g.as_str()),
                selected: proposed_ground == Some(*g),
            })
            .collect(),
        today: fmt::date(today()),
        errors,
        proposal,
        c,
        product,
        ctx,
    };
    Ok(render_form(!page.errors.is_empty(), &page))
}

pub async fn certificate(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(number): Path<String>,
) -> AppResult<Response> {
    certificate_page(&state, &caller, ctx, &number, Vec::new()).await
}

/// Where a decision was signed, from its authority's name: "Ủy ban nhân dân huyện Gia Lâm" →
/// "Gia Lâm", "Ủy ban nhân dân Thành phố Hà Nội" → "Hà Nội".
fn short_place(issuer: &str) -> String {
    let mut name = issuer.trim();
    for prefix in ["Ủy ban nhân dân ", "UBND ", "Uỷ ban nhân dân "] {
        name = name.strip_prefix(prefix).unwrap_or(name);
    }
    for prefix in
        ["Thành phố ", "thành phố ", "Tỉnh ", "tỉnh ", "Huyện ", "huyện ", "Quận ", "quận ", "Thị xã ", "thị xã "]
    {
        if let Some(rest) = name.strip_prefix(prefix) {
            return rest.split(',').next().unwrap_or(rest).trim().to_owned();
        }
    }
    name.to_owned()
}

/// The producer's address as a certificate issued on `issued_on` gave it: before the 2025
/// reorganisation, its old commune and district (and their province) when they are on record.
async fn address_when(
    state: &AppState,
    product: &store::products::Product,
    issued_on: time::Date,
) -> AppResult<String> {
    let today = format!("{}, {}", product.commune_name, product.province_name);
    if issued_on >= time::macros::date!(2025 - 07 - 01) {
        return Ok(today);
    }
    let conn = state.db().conn();
    let Some(producer) = store::producers::get(conn, product.producer_id).await? else { return Ok(today) };
    let old = match &producer.old_commune_code {
        Some(code) => store::units::lookup_old_commune(conn, code).await?.and_then(|l| l.old.into_iter().next()),
        None => None,
    };
    Ok(match (old, producer.old_district_name) {
        (Some(o), _) => format!("{}, {}, {}", o.commune_name, o.district_name, o.province_name),
        (None, Some(district)) => format!("{district}, {}", product.province_name),
        (None, None) => today,
    })
}

pub async fn pdf(State(state): State<AppState>, caller: Caller, Path(number): Path<String>) -> AppResult<Response> {
    let (c, product) = certificate_for(&state, &caller, &number).await?;
    // Without its decision there is no certificate to print, only a recognition on record.
    if !c.decision_on_file() {
        return Err(AppError::BadRequest(domain::Invalid::new("certificate-no-decision-pdf")));
    }
    let set = criteria()?;
    let conn = state.db().conn();
    let province = store::units::province(conn, &product.province_code).await?;
    let province_name = province.map(|p| p.name).unwrap_or_else(|| product.province_name.clone());
    let central = c.tier() == domain::scoring::Level::Central;
    let issuer = c.issuer(&province_name);
    let doc = documents::Certificate {
        number: c.number.clone(),
        place: if central { "Hà Nội".into() } else { short_place(&issuer) },
        issuer,
        stars: u8::try_from(c.stars).unwrap_or(3),
        product_name: product.name.clone(),
        product_code: product.code.clone(),
        sheet: set.sheet(&product.sheet_code).map(|s| format!("{} · {}", s.code, s.name_vi)).unwrap_or_default(),
        producer_name: product.producer_name.clone(),
        producer_address: address_when(&state, &product, c.issued_on).await?,
        decision_number: c.decision_number.clone(),
        decision_date: c.decision_date.map(fmt::date).unwrap_or_else(|| fmt::date(c.issued_on)),
        issued_on: fmt::date(c.issued_on),
        expires_on: fmt::date(c.expires_on),
        criteria_version: c.criteria_version.clone(),
        signer_title: if central { "BỘ TRƯỞNG".into() } else { "CHỦ TỊCH".into() },
        signer: c.signer.clone(),
        verify_url: format!("{}/verify/certificate/{}", crate::page::base_url(&state), crate::page::seg(&c.number)),
        central,
        revoked: c.revoked_on.map(|d| format!("ĐÃ THU HỒI · {}", fmt::date(d))).unwrap_or_default(),
    };
    let bytes = state
        .heavy()
        .run(crate::heavy::DOCUMENT_BYTES, move || documents::certificate_pdf(&doc))
        .await?
        .map_err(AppError::internal)?;
    Ok(crate::page::download(&format!("{}.pdf", c.number), "application/pdf", bytes))
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    pub ground: String,
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub signed_on: String,
    #[serde(default)]
    pub signer: String,
    #[serde(default)]
    pub confirmed: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(number): Path<String>,
    Form(form): Form<RevokeForm>,
) -> AppResult<Response> {
    let (c, product) = certificate_for(&state, &caller, &number).await?;
    let me = caller.signed_in()?.clone();
    let issuer = match &c.issuing_province {
        None => {
            caller.listing(Action::EvaluateCentral)?;
            Issuer::Central
        }
        Some(province) => {
            caller.require(Action::ManageEvaluation, &issuer_target(&c, &product))?;
            Issuer::Province(province.clone())
        }
    };
    let t = ctx.t;
    let mut errors = Vec::new();
    let ground = RevocationGround::parse(&form.ground).map_err(|why| errors.push(t.invalid(&why))).ok();
    let input =
        DecisionInput { number: form.number.clone(), signed_on: form.signed_on.clone(), signer: form.signer.clone() };
    let draft = input
        .parse(today())
        .map_err(|e| {
            errors.extend(e.iter().map(|(f, why)| format!("{}: {}", t.get(&format!("decision-{f}")), t.invalid(why))))
        })
        .ok();
    let (Some(ground), Some(draft)) = (ground, draft) else {
        return certificate_page(&state, &caller, ctx, &number, errors).await;
    };
    if !crate::confirm::given(&form.confirmed) {
        let c = crate::confirm::Confirmation {
            question: revoke_question(t, &c, &product),
            consequences: vec![
                t.get("certificate-revoke-effect"),
                t.args("certificate-revoke-decision", &[("number", &draft.number), ("signer", &draft.signer)]),
                t.get("confirm-final"),
            ],
            action: format!("/certificates/{}/revoke", crate::page::seg(&number)),
            fields: vec![
                ("ground".into(), form.ground.clone()),
                ("number".into(), form.number.clone()),
                ("signed_on".into(), form.signed_on.clone()),
                ("signer".into(), form.signer.clone()),
            ],
            button: t.get("certificate-revoke"),
            back: format!("/certificates/{}", crate::page::seg(&number)),
        };
        return Ok(crate::confirm::ask(ctx, c));
    }
    let tx = state.db().write().await?;
    match store_decisions::revoke(&tx, &me.who(), &issuer, c.id, ground, &draft, today()).await {
        Ok(_) => {
            // Ground (b) on an inspection's proposal: the record is the revocation's basis.
            if ground == RevocationGround::NoLongerMeets
                && let Some(f) = store::supervision::findings::proposal_for(&tx, &c.number).await?
            {
                store::supervision::findings::rest_revocation_on(&tx, &c.number, f.inspection_id).await?;
            }
            tx.commit().await?;
            Ok(redirect_with_flash(
                &state,
                &t.get("certificate-revoked"),
                &format!("/certificates/{}", crate::page::seg(&number)),
            ))
        }
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            let errors = messages(t, &fields);
            certificate_page(&state, &caller, ctx, &number, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "evaluation/verify.html")]
struct VerifyPage {
    ctx: PageCtx,
    number: String,
    found: Option<VerifyView>,
    /// The lookup form alone (no number asked yet).
    form_only: bool,
}

struct VerifyView {
    product: String,
    product_id: i64,
    code: String,
    producer: String,
    place: String,
    stars: String,
    level: String,
    decision: String,
    issued: String,
    expires: String,
    status: String,
    status_class: &'static str,
    revoked: String,
    ground: String,
    issuer: String,
    evidence: Option<String>,
    /// A late re-rating's extension, in words.
    extended: String,
    /// The number of the certificate that replaced this one (re-rating, upgrade).
    replaced_by: Option<String>,
}

#[derive(Deserialize)]
pub struct LookupQuery {
    number: Option<String>,
}

/// `/verify/certificate`: a form that takes a certificate's number to its verification page.
pub async fn lookup(ctx: PageCtx, Query(q): Query<LookupQuery>) -> AppResult<Response> {
    let number = q.number.as_deref().map(str::trim).unwrap_or_default();
    if number.is_empty() {
        return Ok(crate::page::render(&VerifyPage { ctx, number: String::new(), found: None, form_only: true }));
    }
    Ok(axum::response::Redirect::to(&format!("/verify/certificate/{}", crate::page::seg(number))).into_response())
}

/// The public verification page a certificate's QR code leads to: its live status.
pub async fn verify(State(state): State<AppState>, ctx: PageCtx, Path(number): Path<String>) -> AppResult<Response> {
    let t = ctx.t;
    let number = number.trim().to_owned();
    let cert = store::certificates::find_by_number(state.db().conn(), &number).await?;
    let found = match cert {
        Some(c) => {
            let p = store::products::get(state.db().conn(), c.product_id).await?.ok_or(AppError::NotFound)?;
            let status = c.status(today());
            Some(VerifyView {
                product: p.name.clone(),
                product_id: p.id,
                code: p.code.clone(),
                producer: p.producer_name.clone(),
                place: format!("{}, {}", p.commune_name, p.province_name),
                stars: stars_text(Some(c.stars)),
                level: if c.potential_five() {
                    t.get("rank-potential-five")
                } else {
                    t.get(&format!("council-level-{}", c.level))
                },
                decision: format!("{} · {}", c.decision_number, c.decision_date.map(fmt::date).unwrap_or_default()),
                issuer: c.issuer(&p.province_name),
                evidence: evidence_text(t, &c.evidence),
                issued: fmt::date(c.issued_on),
                expires: fmt::date(c.expires_on),
                status: t.get(&format!("status-{}", status.as_str())),
                status_class: crate::page::status_class(Some(status)),
                revoked: c.revoked_on.map(fmt::date).unwrap_or_default(),
                ground: c.revocation_ground.as_deref().map(|g| ground_label(t, g)).unwrap_or_default(),
                extended: extension_text(t, status, c.extended_until),
                replaced_by: replacement(&state, &c).await?,
            })
        }
        None => None,
    };
    let code = if found.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    Ok(render_status(code, &VerifyPage { ctx, number, found, form_only: false }))
}

struct AwaitingRow {
    product_id: i64,
    product_name: String,
    product_code: String,
    producer_name: String,
    stars: String,
    issued: String,
    issuer: String,
    source: String,
}

#[derive(Template)]
#[template(path = "evaluation/awaiting.html")]
struct AwaitingPage {
    ctx: PageCtx,
    rows: Vec<AwaitingRow>,
}

/// `/certificates/awaiting`: recognitions recorded from news or another source whose decision
/// the office still has to find.
pub async fn awaiting(State(state): State<AppState>, caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    let listing = caller.listing(Action::ManageRegistry)?;
    let t = ctx.t;
    let rows = store::certificates::awaiting_decision(state.db().conn(), &listing)
        .await?
        .into_iter()
        .map(|a| AwaitingRow {
            stars: super::stars_text(Some(a.stars)),
            issued: crate::fmt::date(a.issued_on),
            issuer: if a.issuer_name.is_empty() { "—".to_owned() } else { a.issuer_name.clone() },
            source: evidence_text(t, &a.evidence).unwrap_or_default(),
            product_id: a.product_id,
            product_name: a.product_name,
            product_code: a.product_code,
            producer_name: a.producer_name,
        })
        .collect();
    Ok(crate::page::render(&AwaitingPage { ctx, rows }))
}
