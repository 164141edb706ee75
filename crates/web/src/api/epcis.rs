//! EPCIS 2.0 over the API: capture (`POST /api/v1/epcis/events`, one ObjectEvent or an
//! EPCISDocument, all-or-nothing, idempotent by `eventID`), query (`GET`, an EPCISQueryDocument),
//! export of a product's events as an EPCISDocument, and the national minimum traceability data
//! set of a product (Circular 02/2024/TT-BKHCN) as JSON or CSV.

use crate::AppState;
use crate::api::ApiError;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::page::base_url;
use crate::pages::registry::product_target;
use crate::pages::trace::public::label_path;
use crate::trace::{self, Outcome};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::access::Action;
use domain::digital_link::DigitalLink;
use domain::epcis::{self, ObjectEvent};
use domain::{FieldErrors, Invalid};
use serde::Deserialize;
use serde_json::{Value, json};
use store::products::Product;
use store::trace::epcis::{self as store_epcis, EventFilter, Resolved, StoredEvent};
use store::trace::lots::{self, Lot};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::IntoParams;

/// Events per capture request at most.
pub const MAX_EVENTS: usize = 1_000;

/// The product (and lot) an object URI names: a Digital Link (`…/01/{gtin}[/10/{lot}][/21/{serial}]`)
/// or a product page (`…/p/{code}`), resolved as a scan is (`trace::resolve`): a serial must have
/// been issued for the product (a voided one still names it), a lot must be on record.
async fn resolve_object(state: &AppState, uri: &str) -> AppResult<Option<(Product, Option<Lot>)>> {
    if let Ok(link) = DigitalLink::parse(uri) {
        let Some(data) = trace::product_by_gtin(state, &link.gtin).await? else { return Ok(None) };
        let found = trace::resolve(state, &data.product, link.lot.as_deref(), link.serial.as_deref()).await?;
        return Ok(match found.outcome {
            Outcome::Genuine | Outcome::Voided => Some((data.product.clone(), found.lot.map(|l| l.lot.clone()))),
            Outcome::UnknownLot | Outcome::UnknownSerial => None,
        });
    }
    if let Some((_, rest)) = uri.split_once("/p/") {
        let raw = rest.split(['?', '#', '/']).next().unwrap_or_default();
        let code = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
        return Ok(trace::product_by_code(state, &code).await?.map(|d| (d.product.clone(), None)));
    }
    Ok(None)
}

#[utoipa::path(post, path = "/api/v1/epcis/events", tag = "traceability",
    request_body(content = Object, description = "Một ObjectEvent hoặc một EPCISDocument (EPCIS 2.0 JSON-LD)"),
    responses(
        (status = 201, description = "Đã ghi; `created` sự kiện mới, `unchanged` đã có từ trước"),
        (status = 200, description = "Mọi sự kiện đã có từ trước, không thay đổi gì"),
        (status = 422, body = ApiError, description = "Sự kiện không hợp lệ; không sự kiện nào được ghi")))]
pub async fn capture(State(state): State<AppState>, caller: Caller, body: axum::body::Bytes) -> AppResult<Response> {
    let me = caller.signed_in()?.clone();
    caller.listing(Action::EditRegistry)?;
    let body: Value = crate::api::parse_json(&body)?;
    let items = epcis::events_of(&body).map_err(|why| AppError::Invalid(FieldErrors::single("body", why)))?;
    if items.len() > MAX_EVENTS {
        let why = Invalid::new("epcis-too-many").with("max", MAX_EVENTS);
        return Err(AppError::Invalid(FieldErrors::single("body", why)));
    }
    let mut errors = FieldErrors::new();
    let mut resolved = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("events[{i}]");
        let event = match ObjectEvent::parse(item) {
            Ok(e) => e,
            Err(why) => {
                errors.add(&field, why);
                continue;
            }
        };
        let mut owner: Option<(Product, Option<Lot>)> = None;
        let mut refused = None;
        for object in event.objects() {
            match resolve_object(&state, object).await? {
                None => refused = Some(Invalid::new("epcis-unknown-object").with("object", object)),
                Some((p, lot)) => match &owner {
                    Some((q, _)) if q.id != p.id => refused = Some(Invalid::new("epcis-mixed-objects")),
                    Some(_) => {}
                    None => {
                        if !caller.may(Action::EditRegistry, &product_target(&p)) {
                            refused = Some(Invalid::new("epcis-not-yours").with("object", object));
                        }
                        owner = Some((p, lot));
                    }
                },
            }
            if refused.is_some() {
                break;
            }
        }
        match (refused, owner) {
            (Some(why), _) => errors.add(&field, why),
            (None, Some((p, lot))) => {
                resolved.push(Resolved { event, product_id: p.id, lot_id: lot.map(|l| l.id) });
            }
            (None, None) => errors.add(&field, Invalid::new("epcis-no-objects")),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let tx = state.db().write().await?;
    let done = store_epcis::capture(&tx, &me.who(), &resolved).await?;
    tx.commit().await?;
    let status = if done.created > 0 { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(json!({"created": done.created, "unchanged": done.unchanged}))).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct EventQuery {
    /// OCOP product code, e.g. `01-00577-012-2026`.
    product: Option<String>,
    /// GTIN of the product (any of its 8/12/13/14-digit forms).
    gtin: Option<String>,
    /// Lot code (with `product` or `gtin`).
    lot: Option<String>,
    /// CBV business step, e.g. `shipping`.
    #[serde(rename = "bizStep")]
    #[param(rename = "bizStep")]
    biz_step: Option<String>,
    /// Events at or after this time (RFC 3339).
    #[serde(rename = "GE_eventTime")]
    #[param(rename = "GE_eventTime")]
    from: Option<String>,
    /// Events before this time (RFC 3339).
    #[serde(rename = "LT_eventTime")]
    #[param(rename = "LT_eventTime")]
    until: Option<String>,
    /// At most this many events (default and maximum 1000).
    #[serde(rename = "perPage")]
    #[param(rename = "perPage")]
    per_page: Option<i64>,
}

fn time_param(field: &str, raw: Option<&str>) -> Result<Option<i64>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => OffsetDateTime::parse(s, &Rfc3339)
            .map(|t| Some(t.unix_timestamp()))
            .map_err(|_| AppError::BadRequest(Invalid::new("epcis-bad-field").with("field", field))),
    }
}

/// The product a query names. A product never certified is not public: only those who may read
/// its records see its traceability data (as its page and the registry API do).
async fn product_of(
    state: &AppState,
    caller: &Caller,
    product: Option<&str>,
    gtin: Option<&str>,
) -> AppResult<Product> {
    let conn = state.db().conn();
    let found = match (product.map(str::trim).filter(|s| !s.is_empty()), gtin.map(str::trim).filter(|s| !s.is_empty()))
    {
        (Some(code), _) => store::products::find_by_code(conn, code).await?.filter(|p| p.deleted_at.is_none()),
        (None, Some(g)) => {
            let g = domain::gtin::Gtin::parse(g).map_err(AppError::BadRequest)?;
            store::products::find_by_gtin(conn, &g).await?
        }
        (None, None) => return Err(AppError::BadRequest(Invalid::new("epcis-missing").with("field", "product"))),
    };
    let found = found.ok_or(AppError::NotFound)?;
    if found.certificate_id.is_none() && !caller.may(Action::ReadRecords, &product_target(&found)) {
        return Err(AppError::NotFound);
    }
    Ok(found)
}

fn bodies(events: &[StoredEvent]) -> Vec<Value> {
    events.iter().filter_map(|e| serde_json::from_str(&e.body).ok()).collect()
}

#[utoipa::path(get, path = "/api/v1/epcis/events", tag = "traceability", params(EventQuery),
    responses((status = 200, description = "EPCISQueryDocument"), (status = 404, body = ApiError)))]
pub async fn query(State(state): State<AppState>, caller: Caller, Query(q): Query<EventQuery>) -> AppResult<Response> {
    let product = product_of(&state, &caller, q.product.as_deref(), q.gtin.as_deref()).await?;
    let conn = state.db().conn();
    let lot_id = match q.lot.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => Some(lots::find(conn, product.id, code).await?.ok_or(AppError::NotFound)?.id),
        None => None,
    };
    let filter = EventFilter {
        products: Some(vec![product.id]),
        lot_id,
        biz_step: q.biz_step.clone().filter(|s| !s.trim().is_empty()),
        from: time_param("GE_eventTime", q.from.as_deref())?,
        until: time_param("LT_eventTime", q.until.as_deref())?,
    };
    let events = store_epcis::query(conn, &filter, q.per_page.unwrap_or(1000).clamp(1, 1000)).await?;
    let now = OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default();
    let doc = json!({
        "@context": [epcis::CONTEXT],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": now,
        "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": bodies(&events)}}},
    });
    Ok(ld_json(doc, None))
}

fn ld_json(doc: Value, attachment: Option<&str>) -> Response {
    let mut r = Json(doc).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/ld+json"));
    if let Some(name) = attachment
        && let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

#[utoipa::path(get, path = "/api/v1/products/{code}/epcis", tag = "traceability",
    responses((status = 200, description = "EPCISDocument với mọi sự kiện của sản phẩm"), (status = 404, body = ApiError)))]
pub async fn export(State(state): State<AppState>, caller: Caller, Path(code): Path<String>) -> AppResult<Response> {
    let product = product_of(&state, &caller, Some(&code), None).await?;
    let filter = EventFilter { products: Some(vec![product.id]), ..EventFilter::default() };
    let events = store_epcis::query(state.db().conn(), &filter, 100_000).await?;
    let doc = epcis::document(bodies(&events), OffsetDateTime::now_utc());
    Ok(ld_json(doc, Some(&format!("{}-epcis.jsonld", product.code))))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DatasetQuery {
    /// A lot of the product, for its dates and events.
    lot: Option<String>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/products/{code}/traceability", tag = "traceability", params(DatasetQuery),
    responses((status = 200, description = "Bộ dữ liệu truy xuất tối thiểu (10 mục, TT 02/2024/TT-BKHCN)"),
        (status = 404, body = ApiError)))]
pub async fn dataset(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<DatasetQuery>,
) -> AppResult<Response> {
    let p = product_of(&state, &caller, Some(&code), None).await?;
    let conn = state.db().conn();
    let lot = match q.lot.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(c) => Some(lots::find(conn, p.id, c).await?.ok_or(AppError::NotFound)?),
        None => None,
    };
    let base = base_url(&state);
    let producer = store::producers::get(conn, p.producer_id).await?.ok_or(AppError::NotFound)?;
    let photo = store::photos::of_product(conn, p.id).await?.first().map(|ph| format!("{base}/photos/{}", ph.id));
    let events = store_epcis::timeline(conn, p.id, lot.as_ref().map(|l| l.id), 1000).await?;
    let stages: Vec<Value> = events
        .iter()
        .rev()
        .map(|e| {
            let body: Value = serde_json::from_str(&e.body).unwrap_or(Value::Null);
            let object = body
                .pointer("/epcList/0")
                .or_else(|| body.pointer("/quantityList/0/epcClass"))
                .cloned()
                .unwrap_or(Value::Null);
            let location = body.pointer("/bizLocation/id").or_else(|| body.pointer("/readPoint/id")).cloned();
            json!({
                "stage": e.biz_step,
                "product_tracking_code": object,
                "location_tracking_code": location,
                "event_time": body.get("eventTime").cloned().unwrap_or(Value::Null),
            })
        })
        .collect();
    let certificates = store::certificates::for_product(conn, p.id).await?;
    let current = certificates.iter().find(|c| Some(c.id) == p.certificate_id);
    let mut standards = vec![format!("Bộ tiêu chí OCOP {}", p.criteria_version)];
    if let Some(c) = current {
        let issuer = c.issuer(&p.province_name);
        let until = domain::fmt_date(c.expires_on);
        standards.push(if c.decision_on_file() {
            format!("Giấy chứng nhận OCOP {} ({} sao, {issuer} cấp, đến {until})", c.number, c.stars)
        } else {
            format!("Công nhận OCOP {} sao ({issuer}; quyết định chưa có trong hồ sơ), đến {until}", c.stars)
        });
    }
    let address = [producer.street.as_str(), p.commune_name.as_str(), p.province_name.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    let production_time = lot
        .as_ref()
        .and_then(|l| l.produced_on)
        .map(domain::fmt_date)
        .or_else(|| events.last().map(|e| crate::fmt::datetime(e.event_time)));
    let data = json!({
        "circular": "02/2024/TT-BKHCN",
        "01_name": p.name,
        "02_image": photo,
        "03_producer_name": p.producer_name,
        "04_address": address,
        "05_stages": stages,
        "06_production_time": production_time,
        "07_traceability_code": format!("{base}{}", label_path(&p, lot.as_ref().map(|l| l.code.as_str()), None)),
        "08_brand_and_serial": {"brand": p.name, "producer": p.producer_name, "ocop_code": p.code, "gtin": p.gtin, "lot": lot.as_ref().map(|l| l.code.clone())},
        "09_expiry": lot.as_ref().and_then(|l| l.expires_on).map(domain::fmt_date),
        "10_standards": standards,
    });
    if q.format.as_deref() == Some("csv") {
        return Ok(csv_of(&data, &p.code));
    }
    Ok(Json(data).into_response())
}

/// The data set as `item,value` rows (one row per stage), UTF-8 with a BOM so Excel reads it.
fn csv_of(data: &Value, code: &str) -> Response {
    let cell = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let text = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned)).collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    };
    let mut out = String::from("\u{feff}muc,gia_tri\r\n");
    if let Some(map) = data.as_object() {
        for (key, value) in map {
            if key == "05_stages" {
                for stage in value.as_array().into_iter().flatten() {
                    let line = ["event_time", "stage", "product_tracking_code", "location_tracking_code"]
                        .iter()
                        .map(|k| text(stage.get(*k).unwrap_or(&Value::Null)))
                        .collect::<Vec<_>>()
                        .join(" | ");
                    out.push_str(&format!("{},{}\r\n", cell(key), cell(&line)));
                }
            } else if let Value::Object(inner) = value {
                let line = inner
                    .iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| format!("{k}: {}", text(v)))
                    .collect::<Vec<_>>()
                    .join("; ");
                out.push_str(&format!("{},{}\r\n", cell(key), cell(&line)));
            } else {
                out.push_str(&format!("{},{}\r\n", cell(key), cell(&text(value))));
            }
        }
    }
    let mut r = out.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"truy-xuat-{code}.csv\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}
