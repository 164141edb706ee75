//! A shopper's report of a label the platform says is not genuine: the "Báo cáo" page opened from
//! the label's page, with the province office's contact and a form (where it was bought, what
//! they saw, an optional photo, how to reach them), limited per address and per product; the
//! office reads the reports beside the scan alerts, and keeps the contact shoppers are shown.

use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::limits::{Limited, Reports};
use crate::page::{PageCtx, render, render_status};
use crate::pages::registry::photos::{image_response, read_photos};
use crate::trace::{self, Outcome, ProductData, Scanner};
use askama::Template;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::FieldErrors;
use domain::access::{Action, Office, Target};
use domain::digital_link::DigitalLink;
use domain::place::ProvinceCode;
use domain::reports::{HandledInput, OfficeContact, OfficeInput, ReportInput};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::Deserialize;
use std::sync::Arc;
use store::notifications::{self, Message};
use store::trace::reports::{self, NewReport};

/// Reports one product may receive in an hour, from everyone together.
const PER_PRODUCT_PER_HOUR: i64 = 30;

/// The largest report: one photo and a few fields.
pub const MAX_REPORT: usize = media::MAX_BYTES + 64 * 1024;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    /// The label's path (and query) as the shopper's page had it.
    link: String,
}

/// What a report is about: the product, what the page said and the label's canonical path.
struct Reported {
    data: Arc<ProductData>,
    outcome: Outcome,
    link: String,
}

/// The product and verdict a label's path names (`/01/…` or `/p/{code}?lot=&serial=`), if any.
async fn reported(state: &AppState, link: &str) -> AppResult<Option<Reported>> {
    let path = link.split_once('?').map_or(link, |(path, _)| path);
    let (data, lot, serial, canonical) = if path.starts_with("/01/") {
        let Ok(dl) = DigitalLink::parse(path) else { return Ok(None) };
        let Some(data) = trace::product_by_gtin(state, &dl.gtin).await? else { return Ok(None) };
        let canonical = dl.path();
        (data, dl.lot, dl.serial, canonical)
    } else if let Some(code) = path.strip_prefix("/p/") {
        let code = percent_decode_str(code).decode_utf8_lossy().into_owned();
        let Some(data) = trace::product_by_code(state, code.trim()).await? else { return Ok(None) };
        // The label page's own query type reads the lot and serial.
        let Ok(uri) = link.parse::<axum::http::Uri>() else { return Ok(None) };
        let Ok(Query(q)) = Query::<super::public::LinkQuery>::try_from_uri(&uri) else { return Ok(None) };
        let (lot, serial) = q.label();
        let canonical = super::public::label_path(&data.product, lot.as_deref(), serial.as_deref());
        (data, lot, serial, canonical)
    } else {
        return Ok(None);
    };
    let found = trace::resolve(state, &data.product, lot.as_deref(), serial.as_deref()).await?;
    Ok(Some(Reported { data, outcome: found.outcome, link: canonical }))
}

/// A province office's contact as the pages show it.
pub struct OfficeView {
    pub name: String,
    pub phone: String,
    pub phone_href: String,
    pub email: String,
    pub address: String,
}

impl OfficeView {
    pub fn of(c: &OfficeContact) -> OfficeView {
        let phone = c.phone.as_ref().map(|p| p.as_str().to_owned()).unwrap_or_default();
        OfficeView {
            name: c.name.clone(),
            phone_href: if phone.is_empty() { String::new() } else { format!("tel:{phone}") },
            phone,
            email: c.email.as_ref().map(|m| m.as_str().to_owned()).unwrap_or_default(),
            address: c.address.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "trace/report.html")]
struct ReportPage {
    ctx: PageCtx,
    /// The product the label names and what its page said; `None`: nothing on record.
    product: Option<(String, String)>,
    link: String,
    /// Where the report's link goes back to.
    back: String,
    office: Option<OfficeView>,
    f: ReportInput,
    errors: FieldErrors,
    /// Why the photo was refused.
    problems: Vec<String>,
}

impl ReportPage {
    fn error(&self, field: &str) -> Option<String> {
        crate::page::field_error(self.ctx.t, &self.errors, field)
    }
}

fn verdict_text(t: crate::i18n::Tr, outcome: Outcome) -> String {
    t.get(match outcome {
        Outcome::Genuine => "label-report-verdict-genuine",
        Outcome::UnknownSerial => "trace-serial-unknown",
        Outcome::UnknownLot => "trace-lot-unknown",
        Outcome::Voided => "trace-voided",
    })
}

fn page(ctx: PageCtx, found: Option<&Reported>, link: &str) -> ReportPage {
    let t = ctx.t;
    ReportPage {
        product: found.map(|r| (r.data.product.name.clone(), verdict_text(t, r.outcome))),
        link: found.map_or_else(|| link.to_owned(), |r| r.link.clone()),
        back: found.map(|r| r.link.clone()).unwrap_or_default(),
        office: found.and_then(|r| r.data.office.as_ref()).map(OfficeView::of),
        ctx,
        f: ReportInput::default(),
        errors: FieldErrors::new(),
        problems: Vec::new(),
    }
}

/// `GET /report?link=…`: the report form of a label, with the office's contact.
pub async fn form(State(state): State<AppState>, ctx: PageCtx, Query(q): Query<ReportQuery>) -> AppResult<Response> {
    let found = reported(&state, q.link.trim()).await?;
    let status = if found.is_some() || q.link.trim().is_empty() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    Ok(render_status(status, &page(ctx, found.as_ref(), q.link.trim())))
}

/// `POST /report` (multipart): records the report, tells the province office, and comes back to
/// the form saying it was sent.
pub async fn send(
    State(state): State<AppState>,
    _: Limited<Reports>,
    scanner: Scanner,
    ctx: PageCtx,
    form: Multipart,
) -> AppResult<Response> {
    let t = ctx.t;
    let read = read_photos(&state, t, form, "photo").await?;
    let field = |name: &str| read.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let link = field("link");
    let input = ReportInput {
        place: field("place"),
        message: field("message"),
        contact: field("contact"),
        website: field("website"),
    };
    let found = reported(&state, link.trim()).await?.ok_or(AppError::NotFound)?;
    let draft = match input.parse() {
        Ok(d) if read.problems.is_empty() && read.photos.len() <= 1 => d,
        parsed => {
            let mut p = page(ctx, Some(&found), &link);
            p.errors = parsed.err().unwrap_or_default();
            p.problems = read.problems;
            if read.photos.len() > 1 {
                p.problems.push(t.get("label-report-one-photo"));
            }
            p.f = input;
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &p));
        }
    };
    let product = &found.data.product;
    let hour_ago = store::now() - 3600;
    if reports::recent_for_product(state.db().conn(), product.id, hour_ago).await? >= PER_PRODUCT_PER_HOUR {
        return Err(AppError::TooMany { key: "rate-limited", retry_after_seconds: 3600 });
    }
    let photo = read.photos.into_iter().next().map(|p| p.thumb);
    let tx = state.db().write().await?;
    reports::create(
        &tx,
        NewReport {
            product,
            verdict: found.outcome.as_str(),
            link: found.link.clone(),
            draft,
            photo,
            origin: scanner.client.origin,
        },
    )
    .await?;
    let office =
        notifications::users_of(&tx, domain::role::Role::ProvinceOffice, Some(&product.province_code), None, None)
            .await?;
    let message = Message {
        subject: format!("label-report:{}:{}", product.id, store::now() / 3600),
        key: "notify-label-report",
        args: vec![("product", product.name.clone())],
        link: "/traceability/alerts#reports".to_owned(),
    };
    notifications::notify(&tx, &office, &message).await?;
    tx.commit().await?;
    let back = format!("/report?link={}", utf8_percent_encode(&found.link, NON_ALPHANUMERIC));
    Ok(redirect_with_flash(&state, &t.get("label-report-sent"), &back))
}

/// `GET /traceability/reports/{id}/photo`: a report's photo, for the office of the province it
/// was sent to. A report belongs to that province whatever its product does later (a producer
/// that moves takes its products along): its office lists it, sees its photo and marks it
/// handled.
pub async fn photo(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> AppResult<Response> {
    let (province, bytes) = reports::photo(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ManageRegistry, &Target::in_province(&province))?;
    Ok(image_response(&format!("\"label-report-{id}\""), "image/jpeg", bytes))
}

/// The office marks a report handled, with a note of what it did; the list then shows it so.
pub async fn handled(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(input): Form<HandledInput>,
) -> AppResult<Response> {
    let province = reports::province_of(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ManageRegistry, &Target::in_province(&province))?;
    let note = input.parse().map_err(AppError::Invalid)?;
    let me = caller.signed_in()?.clone();
    let tx = state.db().write().await?;
    let done = reports::handle(&tx, &me.who(), id, &note).await?;
    tx.commit().await?;
    let said = if done { "label-report-handled" } else { "label-report-handled-already" };
    Ok(redirect_with_flash(&state, &ctx.t.get(said), "/traceability/alerts#reports"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OfficeQuery {
    /// The province, for the central office (a province office keeps its own).
    province: String,
}

#[derive(Template)]
#[template(path = "trace/office_contact.html")]
struct OfficePage {
    ctx: PageCtx,
    /// `None`: the central office has not said which province.
    province: Option<String>,
    f: OfficeInput,
    errors: FieldErrors,
}

impl OfficePage {
    fn error(&self, field: &str) -> Option<String> {
        crate::page::field_error(self.ctx.t, &self.errors, field)
    }
}

/// The province whose contact the caller keeps: its own, or the one the central office names.
fn office_province(caller: &Caller, named: &str) -> AppResult<Option<ProvinceCode>> {
    Ok(match caller.office()? {
        Office::Province(p) => Some(p),
        Office::Central => ProvinceCode::parse(named.trim()).ok(),
    })
}

/// `GET /office-contact`: the contact the province's label pages show shoppers.
pub async fn office_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<OfficeQuery>,
) -> AppResult<Response> {
    let province = office_province(&caller, &q.province)?;
    let f = match &province {
        Some(p) => store::offices::contact(state.db().conn(), p.as_str())
            .await?
            .map(|c| OfficeInput::from_contact(&c))
            .unwrap_or_default(),
        None => OfficeInput::default(),
    };
    Ok(render(&OfficePage { ctx, province: province.map(|p| p.as_str().to_owned()), f, errors: FieldErrors::new() }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OfficeForm {
    province: String,
    #[serde(flatten)]
    contact: OfficeInput,
}

/// `POST /office-contact`.
pub async fn office_save(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Form(form): Form<OfficeForm>,
) -> AppResult<Response> {
    let province = office_province(&caller, &form.province)?;
    let parsed = form.contact.parse();
    let (Some(province), Ok(contact)) = (&province, &parsed) else {
        let mut errors = parsed.err().unwrap_or_default();
        if province.is_none() {
            errors.add("province", domain::Invalid::new("invalid-office-province"));
        }
        let page = OfficePage { ctx, province: province.map(|p| p.as_str().to_owned()), f: form.contact, errors };
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let me = caller.signed_in()?.clone();
    let tx = state.db().write().await?;
    store::offices::save(&tx, &me.who(), province.as_str(), contact).await?;
    tx.commit().await?;
    let back = format!("/office-contact?province={}", province.as_str());
    Ok(redirect_with_flash(&state, &ctx.t.get("office-contact-saved"), &back))
}
