//! The producer's and office's side of traceability: a product's lots and their events, label
//! orders (request, approve or reject, void), the printable label sheet, and the office's list
//! of labels that look copied.

use super::public::label_path;
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::fmt;
use crate::page::{PageCtx, base_url, messages, render_form};
use crate::pages::registry::product_target;
use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use documents::labels::{Grid, Label, LabelSheet};
use domain::access::Action;
use domain::epcis::{BIZ_STEPS, DISPOSITIONS, ObjectEvent};
use domain::serial::Serial;
use domain::{FieldErrors, Invalid};
use serde::Deserialize;
use store::StoreError;
use store::products::Product;
use store::trace::epcis::{self as store_epcis, Resolved};
use store::trace::lots::{self, LotInput};
use store::trace::{scans, stamps};

/// A live product the caller may see as staff, and may act on with `action`.
pub(super) async fn product_for(state: &AppState, caller: &Caller, id: i64, action: Action) -> AppResult<Product> {
    let p = store::products::get(state.db().conn(), id)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    caller.require(action, &product_target(&p))?;
    Ok(p)
}

#[derive(Template)]
#[template(path = "trace/labels.html")]
struct LabelsPage {
    ctx: PageCtx,
    p: Product,
    lots: Vec<LotRow>,
    orders: Vec<OrderRow>,
    may_edit: bool,
    may_manage: bool,
    auto_approve: bool,
    errors: Vec<String>,
    lot_form: LotInput,
    quantity: String,
    steps: Vec<(&'static str, String)>,
    dispositions: Vec<(&'static str, String)>,
    public_link: String,
    /// The product's funded label quota this year, in words ("1.500 of 2.000 left"), if any.
    quota: String,
}

struct LotRow {
    id: i64,
    code: String,
    produced: String,
    expires: String,
    quantity: String,
    recalled: bool,
    link: String,
}

struct OrderRow {
    id: i64,
    lot: String,
    quantity: i64,
    voided: String,
    state: String,
    state_key: String,
    state_class: &'static str,
    note: String,
    created: String,
    /// Labels beyond the funded quota, in words; empty when none.
    beyond: String,
}

async fn labels_page(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    p: Product,
    errors: Vec<String>,
    lot_form: LotInput,
    quantity: String,
) -> AppResult<Response> {
    let t = ctx.t;
    let conn = state.db().conn();
    let target = product_target(&p);
    let mut lots_rows = Vec::new();
    for l in lots::of_product(conn, p.id).await? {
        lots_rows.push(LotRow {
            id: l.id,
            link: label_path(&p, Some(&l.code), None),
            recalled: store_epcis::recalled(conn, l.id).await?,
            code: l.code,
            produced: l.produced_on.map(fmt::date).unwrap_or_default(),
            expires: l.expires_on.map(fmt::date).unwrap_or_default(),
            quantity: l.quantity.map(|q| format!("{} {}", fmt::thousands(q), l.unit)).unwrap_or_default(),
        });
    }
    let orders = stamps::orders_of_product(conn, p.id)
        .await?
        .into_iter()
        .map(|o| OrderRow {
            id: o.id,
            lot: o.lot_code.unwrap_or_default(),
            quantity: o.quantity,
            voided: if o.voided > 0 { fmt::thousands(o.voided) } else { String::new() },
            state: t.get(&format!("stamp-state-{}", o.state)),
            state_class: match o.state.as_str() {
                "issued" => "on",
                "rejected" => "bad",
                _ => "warn",
            },
            state_key: o.state,
            note: o.note,
            created: fmt::datetime(o.created_at),
            beyond: beyond_quota(t, o.beyond_quota),
        })
        .collect();
    let year = crate::pages::registry::products::today().year();
    let q = store::supervision::support::quota(conn, p.id, year, 0).await?;
    let quota = if q.granted > 0 {
        t.args(
            "stamps-quota",
            &[
                ("year", &year.to_string()),
                ("remaining", &fmt::thousands(q.remaining)),
                ("granted", &fmt::thousands(q.granted)),
            ],
        )
    } else {
        String::new()
    };
    let page = LabelsPage {
        quota,
        may_edit: caller.may(Action::EditRegistry, &target),
        may_manage: caller.may(Action::ManageRegistry, &target),
        auto_approve: state.settings().stamps_auto_approve,
        public_link: label_path(&p, None, None),
        steps: BIZ_STEPS.iter().map(|s| (*s, t.get(&format!("bizstep-{s}")))).collect(),
        dispositions: DISPOSITIONS.iter().map(|d| (*d, t.get(&format!("disposition-{d}")))).collect(),
        ctx,
        p,
        lots: lots_rows,
        orders,
        errors,
        lot_form,
        quantity,
    };
    Ok(render_form(!page.errors.is_empty(), &page))
}

pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let p = product_for(&state, &caller, id, Action::ReadRecords).await?;
    labels_page(&state, &caller, ctx, p, Vec::new(), LotInput::default(), String::new()).await
}

pub async fn create_lot(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(input): Form<LotInput>,
) -> AppResult<Response> {
    let p = product_for(&state, &caller, id, Action::EditRegistry).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let draft = match input.parse() {
        Ok(d) => d,
        Err(fields) => return labels_page(&state, &caller, ctx, p, messages(t, &fields), input, String::new()).await,
    };
    let tx = state.db().write().await?;
    match lots::create(&tx, &me.who(), p.id, &draft).await {
        Ok(lot) => {
            tx.commit().await?;
            let done = t.arg("lots-created", "lot", &lot.code);
            Ok(redirect_with_flash(&state, &done, &format!("/products/{}/labels", p.id)))
        }
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            labels_page(&state, &caller, ctx, p, messages(t, &fields), input, String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct OrderForm {
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    lot: String,
}

pub async fn request_order(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<OrderForm>,
) -> AppResult<Response> {
    let p = product_for(&state, &caller, id, Action::EditRegistry).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let quantity = form.quantity.trim().replace(['.', ' '], "").parse::<i64>().unwrap_or(0);
    let lot = match form.lot.trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(l) => Some(l),
            Err(_) => return Err(AppError::BadRequest(Invalid::new("invalid-lot-unknown"))),
        },
    };
    let tx = state.db().write().await?;
    match stamps::request(&tx, &me.who(), p.id, lot, quantity, state.settings().stamps_auto_approve).await {
        Ok(order) => {
            tx.commit().await?;
            let done = t.args(
                "stamps-requested",
                &[
                    ("count", &fmt::thousands(order.quantity)),
                    ("state", &t.get(&format!("stamp-state-{}", order.state))),
                ],
            );
            // Beyond the funded quota: said, not hidden; the office decides such an order.
            let done = if order.beyond_quota > 0 {
                format!("{done} {}", t.arg("stamps-beyond-quota-waits", "count", &fmt::thousands(order.beyond_quota)))
            } else {
                done
            };
            Ok(redirect_with_flash(&state, &done, &format!("/products/{}/labels", p.id)))
        }
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            labels_page(&state, &caller, ctx, p, messages(t, &fields), LotInput::default(), form.quantity).await
        }
        Err(e) => Err(e.into()),
    }
}

/// An order and its product, for a caller allowed `action` on the product.
async fn order_for(state: &AppState, caller: &Caller, id: i64, action: Action) -> AppResult<(stamps::Order, Product)> {
    let o = stamps::order(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    let p = product_for(state, caller, o.product_id, action).await?;
    Ok((o, p))
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn decide_order(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<DecideForm>,
) -> AppResult<Response> {
    let (o, p) = order_for(&state, &caller, id, Action::ManageRegistry).await?;
    let me = caller.signed_in()?.clone();
    let approve = match form.decision.as_str() {
        "issue" => true,
        "reject" => false,
        _ => return Err(AppError::BadRequest(Invalid::new("invalid-stamp-decision"))),
    };
    let tx = state.db().write().await?;
    let decided = stamps::decide(&tx, &me.who(), o.id, approve, &form.note).await?;
    tx.commit().await?;
    let done = ctx.t.get(&format!("stamp-state-{}", decided.state));
    Ok(redirect_with_flash(&state, &done, &format!("/products/{}/labels", p.id)))
}

#[derive(Debug, Deserialize)]
pub struct VoidForm {
    #[serde(default)]
    serial: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirmed: String,
}

pub async fn void_labels(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<VoidForm>,
) -> AppResult<Response> {
    let (o, p) = order_for(&state, &caller, id, Action::EditRegistry).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let serial = Some(form.serial.trim()).filter(|s| !s.is_empty());
    // Asked once the request could be carried out: a missing reason is told first.
    if !crate::confirm::given(&form.confirmed) && !form.reason.trim().is_empty() {
        let question = match serial {
            Some(s) => t.arg("stamps-void-one", "serial", s),
            None => {
                t.args("stamps-void-all", &[("count", &fmt::thousands(o.quantity - o.voided)), ("product", &p.name)])
            }
        };
        let c = crate::confirm::Confirmation {
            question,
            consequences: vec![t.get("stamps-void-effect"), t.get("confirm-final")],
            action: format!("/stamp-orders/{id}/void"),
            fields: vec![("serial".into(), form.serial.clone()), ("reason".into(), form.reason.clone())],
            button: t.get("stamps-void"),
            back: format!("/products/{}/labels", p.id),
        };
        return Ok(crate::confirm::ask(ctx, c));
    }
    let tx = state.db().write().await?;
    match stamps::void(&tx, &me.who(), o.id, serial, &form.reason).await {
        Ok(n) => {
            tx.commit().await?;
            let done = t.arg("stamps-voided", "count", &fmt::thousands(n));
            Ok(redirect_with_flash(&state, &done, &format!("/products/{}/labels", p.id)))
        }
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            labels_page(&state, &caller, ctx, p, messages(t, &fields), LotInput::default(), String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct SheetQuery {
    columns: Option<u32>,
    rows: Option<u32>,
}

/// Serials read from the database per page of the sheet at most.
const SHEET_BATCH: i64 = 1_000;

/// The printable sheet of an issued order, streamed page by page as the serials are read.
pub async fn sheet(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<SheetQuery>,
) -> AppResult<Response> {
    let (o, p) = order_for(&state, &caller, id, Action::EditRegistry).await?;
    if o.state != "issued" {
        return Err(AppError::Refused(Invalid::new("invalid-stamp-not-issued")));
    }
    let default = Grid::default();
    let grid = Grid::new(q.columns.unwrap_or(default.columns), q.rows.unwrap_or(default.rows)).ok_or_else(|| {
        AppError::BadRequest(
            Invalid::new("invalid-label-grid").with("columns", Grid::MAX_COLUMNS).with("rows", Grid::MAX_ROWS),
        )
    })?;
    let base = base_url(&state).to_owned();
    let total = u32::try_from(o.quantity).map_err(AppError::internal)?;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let db = state.db().clone();
    let order_id = o.id;
    let lot = o.lot_code.clone();
    let filename = format!("attachment; filename=\"tem-{}-{}.pdf\"", p.code, o.id);
    tokio::spawn(async move {
        let fail = |e: String| std::io::Error::other(e);
        let mut sheet = LabelSheet::new(grid, total);
        if sender.send(Ok(Bytes::from(sheet.start()))).await.is_err() {
            return;
        }
        let per_page = grid.per_page() as usize;
        let mut pending: Vec<Label> = Vec::with_capacity(per_page);
        let mut after = -1;
        loop {
            let batch = match stamps::serials(db.conn(), order_id, after, SHEET_BATCH).await {
                Ok(b) => b,
                Err(e) => {
                    let _ = sender.send(Err(fail(e.to_string()))).await;
                    return;
                }
            };
            let done = domain::num::count(batch.len()) < SHEET_BATCH;
            for (position, serial, voided) in batch {
                after = position;
                let grouped = Serial::parse(&serial).map(|s| s.grouped()).unwrap_or_else(|_| serial.clone());
                let mut lines = vec![format!("OCOP {}", p.code), grouped];
                if let Some(l) = &lot {
                    lines.push(format!("L\u{f4} {l}"));
                }
                if voided {
                    lines.push("(VOID)".to_owned());
                }
                pending.push(Label { uri: format!("{base}{}", label_path(&p, lot.as_deref(), Some(&serial))), lines });
                if pending.len() == per_page {
                    match page_off_runtime(sheet, std::mem::take(&mut pending)).await {
                        Ok((back, chunk)) => {
                            sheet = back;
                            if sender.send(Ok(Bytes::from(chunk))).await.is_err() {
                                return;
                            }
                        }
                        Err(e) => {
                            let _ = sender.send(Err(fail(e))).await;
                            return;
                        }
                    }
                }
            }
            if done {
                break;
            }
        }
        if !pending.is_empty() {
            match page_off_runtime(sheet, pending).await {
                Ok((back, chunk)) => {
                    sheet = back;
                    if sender.send(Ok(Bytes::from(chunk))).await.is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = sender.send(Err(fail(e))).await;
                    return;
                }
            }
        }
        let _ = sender.send(sheet.finish().map(Bytes::from).map_err(fail)).await;
    });
    let stream = tokio_stream::wrappers::ReceiverStream::new(receiver);
    let mut r = Body::from_stream(stream).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(v) = HeaderValue::from_str(&filename) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// Writes one page of the sheet on the blocking pool (QR encoding is CPU work that would hold
/// up other requests on the async workers).
async fn page_off_runtime(mut sheet: LabelSheet, labels: Vec<Label>) -> Result<(LabelSheet, Vec<u8>), String> {
    tokio::task::spawn_blocking(move || {
        let chunk = sheet.page(&labels)?;
        Ok((sheet, chunk))
    })
    .await
    .map_err(|e| e.to_string())?
}

#[derive(Debug, Deserialize)]
pub struct EventForm {
    #[serde(default)]
    biz_step: String,
    #[serde(default)]
    disposition: String,
}

/// Records a supply-chain event of a lot from the page (an EPCIS ObjectEvent on the lot's class).
pub async fn lot_event(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<EventForm>,
) -> AppResult<Response> {
    let lot = lots::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    let p = product_for(&state, &caller, lot.product_id, Action::EditRegistry).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7));
    let mut uuid = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut uuid);
    let base = base_url(&state);
    let mut body = serde_json::json!({
        "type": "ObjectEvent",
        "eventID": format!("urn:uuid:{}", uuid_text(uuid)),
        "eventTime": now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": form.biz_step.trim(),
        "quantityList": [{"epcClass": format!("{base}{}", label_path(&p, Some(&lot.code), None))}],
        "bizLocation": {"id": format!("urn:ocop:producer:{}", p.producer_id)},
    });
    if !form.disposition.trim().is_empty() {
        body["disposition"] = serde_json::json!(form.disposition.trim());
    }
    let event = match ObjectEvent::parse(&body) {
        Ok(e) => e,
        Err(why) => {
            let errors = messages(t, &FieldErrors::single("event", why));
            return labels_page(&state, &caller, ctx, p, errors, LotInput::default(), String::new()).await;
        }
    };
    let tx = state.db().write().await?;
    store_epcis::capture(&tx, &me.who(), &[Resolved { event, product_id: p.id, lot_id: Some(lot.id) }]).await?;
    store::audit::append(
        &tx,
        &me.who(),
        store::audit::Change::new("epcis.capture", "lot", lot.id).province(Some(&p.province_code)).after(&body),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &t.get("events-recorded"), &format!("/products/{}/labels", p.id)))
}

/// A random (version 4) UUID in its usual text form.
fn uuid_text(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

#[derive(Template)]
#[template(path = "trace/alerts.html")]
struct AlertsPage {
    ctx: PageCtx,
    alerts: Vec<AlertRow>,
    pending: Vec<PendingRow>,
    attempts: Vec<AttemptRow>,
    /// Scans of labels never issued in the last week, in all.
    attempts_total: String,
    reports: Vec<ReportRow>,
    /// The caller keeps an office's contact (`/office-contact`).
    keeps_contact: bool,
}

/// A shopper's report, as the office reads it.
struct ReportRow {
    id: i64,
    product: String,
    product_id: i64,
    verdict: String,
    link: String,
    place: String,
    message: String,
    contact: String,
    photo: bool,
    when: String,
    /// "Handled on … by …", empty while it is not.
    handled: String,
    handled_note: String,
}

/// The window of the reports the office sees.
const REPORT_DAYS: i64 = 30;

struct AlertRow {
    id: i64,
    /// Shoppers see the warning (enough independent origins).
    public: bool,
    serial: String,
    link: String,
    product: String,
    product_id: i64,
    rule: String,
    evidence: String,
    scans: i64,
    created: String,
    places: Vec<String>,
}

/// Scans of labels never issued, of one product at one place.
struct AttemptRow {
    product: String,
    product_id: i64,
    code: String,
    place: String,
    attempts: String,
    last: String,
}

/// The window of the attempts the office sees.
const ATTEMPT_DAYS: i64 = 7;

struct PendingRow {
    product: String,
    product_id: i64,
    quantity: String,
    lot: String,
    created: String,
    beyond: String,
}

/// "1.200 beyond the funded quota", or nothing.
fn beyond_quota(t: crate::i18n::Tr, beyond: i64) -> String {
    if beyond > 0 { t.arg("stamps-beyond-quota", "count", &fmt::thousands(beyond)) } else { String::new() }
}

/// The office's list: labels that look copied (with the evidence), and label orders waiting.
pub async fn alerts(State(state): State<AppState>, caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    let listing = caller.require_territory(Action::ManageRegistry)?;
    let t = ctx.t;
    let conn = state.db().conn();
    let province = listing.province().map(|p| p.as_str().to_owned());
    let mut rows = Vec::new();
    for a in scans::alerts(conn, province.as_deref()).await? {
        let places = if rows.len() < 50 {
            scans::places_of(conn, &a.serial)
                .await?
                .into_iter()
                .filter_map(|(at, cell, agent)| {
                    cell.map(|c| format!("{} · {} · {agent}", fmt::datetime(at), place_text(c)))
                })
                .take(10)
                .collect()
        } else {
            Vec::new()
        };
        rows.push(AlertRow {
            id: a.id,
            public: a.public,
            link: domain::digital_link::label_path(a.gtin.as_deref(), &a.product_code, None, Some(&a.serial)),
            serial: Serial::parse(&a.serial).map(|s| s.grouped()).unwrap_or_else(|_| a.serial.clone()),
            product: a.product_name,
            product_id: a.product_id,
            rule: t.get(&format!("alert-rule-{}", a.rule)),
            evidence: evidence_text(t, &a.evidence),
            scans: a.scans,
            created: fmt::datetime(a.created_at),
            places,
        });
    }
    let pending = match &province {
        Some(code) => stamps::pending(conn, code).await?,
        None => Vec::new(),
    }
    .into_iter()
    .map(|o| PendingRow {
        product: o.product_name,
        product_id: o.product_id,
        quantity: fmt::thousands(o.quantity),
        lot: o.lot_code.unwrap_or_default(),
        created: fmt::datetime(o.created_at),
        beyond: beyond_quota(t, o.beyond_quota),
    })
    .collect();
    let since = time::OffsetDateTime::now_utc().unix_timestamp() - ATTEMPT_DAYS * 86_400;
    let groups = scans::attempts(conn, province.as_deref(), since).await?;
    let attempts_total = fmt::thousands(groups.iter().map(|g| g.attempts).sum());
    let attempts = groups
        .into_iter()
        .map(|g| AttemptRow {
            place: g.cell().map_or_else(|| t.get("attempts-place-unknown"), place_text),
            product: g.product_name,
            product_id: g.product_id,
            code: g.product_code,
            attempts: fmt::thousands(g.attempts),
            last: fmt::datetime(g.last_at),
        })
        .collect();
    let since = time::OffsetDateTime::now_utc().unix_timestamp() - REPORT_DAYS * 86_400;
    let reports = store::trace::reports::of_province(conn, province.as_deref(), since, 200)
        .await?
        .into_iter()
        .map(|r| ReportRow {
            id: r.id,
            verdict: t.get(&format!("label-report-kind-{}", r.verdict)),
            product: r.product_name,
            product_id: r.product_id,
            link: r.link,
            place: r.place,
            message: r.message,
            contact: r.contact,
            photo: r.photos > 0,
            when: fmt::datetime(r.created_at),
            handled: r.handled_at.map_or_else(String::new, |at| match r.handled_by.as_deref() {
                Some(by) => t.args("label-reports-handled-by", &[("when", &fmt::datetime(at)), ("who", by)]),
                None => fmt::datetime(at),
            }),
            handled_note: r.handled_note.unwrap_or_default(),
        })
        .collect();
    let keeps_contact = caller.office().is_ok();
    Ok(crate::page::render(&AlertsPage {
        ctx,
        alerts: rows,
        pending,
        attempts,
        attempts_total,
        reports,
        keeps_contact,
    }))
}

/// The office clears an alert it judged false (the label's page stops warning).
pub async fn clear_alert(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let product = scans::alert_product(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    product_for(&state, &caller, product, Action::ManageRegistry).await?;
    let me = caller.signed_in()?.clone();
    let tx = state.db().write().await?;
    scans::clear_alert(&tx, &me.who(), id).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.get("alert-cleared"), "/traceability/alerts"))
}

/// A 0.1° place as the office reads it: "21.0, 105.9".
fn place_text(c: domain::scan_rules::Cell) -> String {
    format!("{:.1}, {:.1}", c.lat(), c.lon())
}

/// The evidence of a finding in words.
fn evidence_text(t: crate::i18n::Tr, raw: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
    let num = |k: &str| v.get(k).and_then(serde_json::Value::as_f64).map(|n| format!("{n:.0}")).unwrap_or_default();
    let rule = v.get("rule").and_then(serde_json::Value::as_str).unwrap_or_default();
    if rule == "too_many_scans" {
        t.args("alert-evidence-scans", &[("scans", &num("scans")), ("limit", &num("limit"))])
    } else if rule == "too_many_places" {
        t.args("alert-evidence-places", &[("places", &num("places")), ("limit", &num("limit"))])
    } else if rule == "impossible_travel" {
        t.args("alert-evidence-travel", &[("km", &num("km")), ("minutes", &num("minutes")), ("kmh", &num("kmh"))])
    } else {
        raw.to_owned()
    }
}
