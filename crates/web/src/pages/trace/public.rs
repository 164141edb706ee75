//! The consumer's side of a label: the GS1 Digital Link resolver (`/01/{gtin}[/10/{lot}][/21/{serial}]`),
//! the product's public page (`/p/{code}`), linksets (RFC 9264) and the resolver description.
//! A browser gets the verification page at once (no redirect, no JavaScript needed); the scan is
//! handed to the scan log's buffer and never waits for the database.

use crate::AppState;
use crate::error::AppResult;
use crate::fmt;
use crate::i18n::Tr;
use crate::limits::{Kind, Limited, Scans};
use crate::page::{PageCtx, base_url, render_status, seg, template_error};
use crate::pages::evaluation::stars_text;
use crate::pages::registry::products::today;
use crate::trace::skeleton::{Filling, Skeleton, Slot};
use crate::trace::{self, LotData, Outcome, PageKind, ProductData, Scanner};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::Invalid;
use domain::certificate::CertificateStatus;
use domain::digital_link::{DigitalLink, encode};
use domain::gtin::Gtin;
use domain::scan_rules::{Cell, agent_class};
use domain::serial::Serial;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use store::certificates::Certificate;
use store::products::Product;
use store::trace::scans::{Attempt, ScanRecord};
use store::trace::stamps::Stamp;

pub const LINKSET_TYPE: &str = "application/linkset+json";
/// GS1 Web vocabulary link types the resolver serves.
const GS1: &str = "https://gs1.org/voc/";

#[derive(Debug, Default, Deserialize)]
pub struct LinkQuery {
    #[serde(rename = "linkType")]
    link_type: Option<String>,
    /// `lat,lon` when the phone shares its place; kept only to 0.1°.
    geo: Option<String>,
    /// For `/p/{code}`: the lot and label of products without a GTIN.
    lot: Option<String>,
    serial: Option<String>,
}

impl LinkQuery {
    /// The lot and serial a `/p/{code}` link names (blank ones: none).
    pub(super) fn label(&self) -> (Option<String>, Option<String>) {
        let named = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        (named(&self.lot), named(&self.serial))
    }
}

/// What the caller asked the resolver for.
enum Wanted {
    Page,
    Linkset,
    /// A link type, e.g. `gs1:certificationInfo`.
    Link(String),
}

fn wanted(headers: &HeaderMap, link_type: Option<&str>) -> Wanted {
    match link_type.map(str::trim).filter(|l| !l.is_empty()) {
        Some("linkset" | "all") => Wanted::Linkset,
        Some(l) => Wanted::Link(l.to_owned()),
        None => {
            let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
            if accept.contains(LINKSET_TYPE) && !accept.contains("text/html") { Wanted::Linkset } else { Wanted::Page }
        }
    }
}

/// `/01/…`: a Digital Link URI.
pub async fn digital_link(
    State(state): State<AppState>,
    _: Limited<Scans>,
    scanner: Scanner,
    ctx: PageCtx,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<LinkQuery>,
) -> AppResult<Response> {
    resolve(state, ctx, scanner, headers, uri.path(), q, false).await
}

/// `/verify/01/…`: the verification page of a Digital Link URI, whatever the client accepts
/// (the target of `gs1:verificationService`).
pub async fn verification_service(
    State(state): State<AppState>,
    _: Limited<Scans>,
    scanner: Scanner,
    ctx: PageCtx,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<LinkQuery>,
) -> AppResult<Response> {
    let path = uri.path().strip_prefix("/verify").unwrap_or(uri.path()).to_owned();
    resolve(state, ctx, scanner, headers, &path, q, true).await
}

async fn resolve(
    state: AppState,
    ctx: PageCtx,
    scanner: Scanner,
    headers: HeaderMap,
    path: &str,
    q: LinkQuery,
    page_only: bool,
) -> AppResult<Response> {
    let link = match DigitalLink::parse(path) {
        Ok(link) => link,
        Err(why) => return Ok(bad_link(ctx, path, &why)),
    };
    let Some(data) = trace::product_by_gtin(&state, &link.gtin).await? else {
        let what = ctx.t.arg("trace-unknown-gtin", "gtin", link.gtin.as_str());
        return Ok(not_found(ctx, what));
    };
    let base = base_url(&state);
    let wanted = if page_only { Wanted::Page } else { wanted(&headers, q.link_type.as_deref()) };
    match wanted {
        Wanted::Page => {
            let target = Target { data, lot: link.lot.clone(), serial: link.serial.clone(), anchor: link.path() };
            verification_page(&state, ctx, &scanner, &headers, target, q.geo.as_deref()).await
        }
        Wanted::Linkset => {
            let links = Links::of(ctx.t, base, &data, &link);
            let mut r = (StatusCode::OK, Json(links.linkset())).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(LINKSET_TYPE));
            Ok(r)
        }
        Wanted::Link(kind) => {
            let links = Links::of(ctx.t, base, &data, &link);
            // An unknown or absent link type goes to the default link (GS1 resolver standard).
            let href = links.find(&kind).unwrap_or_else(|| links.default_link.clone());
            Ok(Redirect::temporary(&href).into_response())
        }
    }
}

/// `/p/{code}`: the public page of any product by its OCOP code (labels of products without a
/// GTIN point here, with `?lot=` and `?serial=`).
pub async fn product_page(
    State(state): State<AppState>,
    _: Limited<Scans>,
    scanner: Scanner,
    ctx: PageCtx,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<LinkQuery>,
) -> AppResult<Response> {
    let Some(data) = trace::product_by_code(&state, code.trim()).await? else {
        let what = ctx.t.arg("trace-unknown-code", "code", code.trim());
        return Ok(not_found(ctx, what));
    };
    let (lot, serial) = q.label();
    let anchor = label_path(&data.product, lot.as_deref(), serial.as_deref());
    verification_page(&state, ctx, &scanner, &headers, Target { data, lot, serial, anchor }, q.geo.as_deref()).await
}

/// The path a label of this product (and lot, and serial) carries in its QR code.
pub fn label_path(product: &Product, lot: Option<&str>, serial: Option<&str>) -> String {
    domain::digital_link::label_path(product.gtin.as_deref(), &product.code, lot, serial)
}

struct Target {
    data: Arc<ProductData>,
    lot: Option<String>,
    serial: Option<String>,
    /// The path this page answers for (canonical form).
    anchor: String,
}

#[derive(Template)]
#[template(path = "trace/bad_link.html")]
struct BadLinkPage {
    ctx: PageCtx,
    path: String,
    reason: String,
}

fn bad_link(ctx: PageCtx, path: &str, why: &Invalid) -> Response {
    let reason = ctx.t.invalid(why);
    render_status(StatusCode::BAD_REQUEST, &BadLinkPage { ctx, path: path.to_owned(), reason })
}

#[derive(Template)]
#[template(path = "trace/not_found.html")]
struct NotFoundPage {
    ctx: PageCtx,
    what: String,
}

fn not_found(ctx: PageCtx, what: String) -> Response {
    render_status(StatusCode::NOT_FOUND, &NotFoundPage { ctx, what })
}

#[derive(Template)]
#[template(path = "trace/product.html")]
struct ProductPage {
    ctx: PageCtx,
    v: View,
    /// The inquiry form (empty: a page opens it blank).
    f: domain::outlets::InquiryInput,
    inquiry_action: String,
}

impl ProductPage {
    fn error(&self, _field: &str) -> Option<String> {
        None
    }
}

/// The page of a label that is not genuine: the verdict alone, with what the genuine product
/// looks like — none of the product page's reassurance (stars, status, where to buy).
#[derive(Template)]
#[template(path = "trace/not_genuine.html")]
struct NotGenuinePage {
    ctx: PageCtx,
    v: View,
}

/// The verdict banner of one scan.
#[derive(Template)]
#[template(path = "trace/verdict.html")]
struct VerdictPart<'a> {
    t: Tr,
    /// `h1` on the not-genuine page, where the verdict is the page's subject.
    heading: &'static str,
    outcome: Outcome,
    label: Option<&'a LabelView>,
    serial_typed: &'a str,
}

/// The label's own card on the product page.
#[derive(Template)]
#[template(path = "trace/label.html")]
struct LabelPart<'a> {
    t: Tr,
    l: &'a LabelView,
}

/// A channel as the page lists it.
struct ChannelView {
    kind: String,
    partner: String,
    url: Option<String>,
}

/// What a page shows of the product and lot: the same for every label of the lot.
struct View {
    /// Where each scan's verdict and label card go (`trace::skeleton`).
    verdict_slot: &'static str,
    label_slot: &'static str,
    name: String,
    code: String,
    stars: String,
    stars_label: String,
    producer: String,
    place: String,
    old_district: String,
    description: String,
    packaging: String,
    price: String,
    photos: Vec<i64>,
    cert: CertView,
    channels: Vec<ChannelView>,
    /// Sales points carrying it: id, name, place.
    points: Vec<(i64, String, String)>,
    producer_id: i64,
    /// Buyers may ask the producer (the certificate is in force).
    askable: bool,
    jsonld: String,
    lot: Option<LotView>,
    timeline: Vec<(String, String)>,
    url: String,
    image: String,
    summary: String,
    linkset: String,
    /// Whom shoppers reach at the province's office.
    office: Option<super::report::OfficeView>,
}

struct CertView {
    status: String,
    class: &'static str,
    detail: String,
    href: String,
}

struct LotView {
    code: String,
    produced: String,
    expires: String,
    quantity: String,
    recalled: bool,
}

struct LabelView {
    serial: String,
    suspicious: bool,
    scans: String,
    void_reason: String,
}

impl LabelView {
    fn of(t: Tr, s: &Stamp) -> LabelView {
        LabelView {
            serial: Serial::parse(&s.serial).map(|x| x.grouped()).unwrap_or_else(|_| s.serial.clone()),
            suspicious: s.suspicious,
            scans: match s.first_scanned_at {
                Some(first) if s.scans > 0 => {
                    t.args("trace-scans", &[("first", &fmt::datetime(first)), ("count", &(s.scans + 1).to_string())])
                }
                _ => t.get("trace-first-scan"),
            },
            void_reason: s.void_reason.clone().unwrap_or_default(),
        }
    }
}

/// The page of one scan: the page around the label (kept per product, lot, language and kind
/// for callers not signed in, see `trace::cache`) filled with this scan's verdict and label.
async fn verification_page(
    state: &AppState,
    ctx: PageCtx,
    scanner: &Scanner,
    headers: &HeaderMap,
    target: Target,
    geo: Option<&str>,
) -> AppResult<Response> {
    let data = &target.data;
    let p = &data.product;
    let found = trace::resolve(state, p, target.lot.as_deref(), target.serial.as_deref()).await?;

    // Hand the scan to the buffer (never waits); a label never issued is counted on the product
    // and, a few per address and hour, logged for the office.
    let agent = agent_class(headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or(""));
    let typed = match found.outcome {
        Outcome::Genuine => None,
        Outcome::UnknownSerial | Outcome::Voided => target.serial.as_deref(),
        Outcome::UnknownLot => {
            target.lot.as_deref().or_else(|| found.stamp.as_ref().and_then(|s| s.lot_code.as_deref()))
        }
    };
    let attempt = typed
        .filter(|_| state.limiter().check(Kind::Attempt, &scanner.ip).is_ok())
        .map(|typed| Attempt { kind: found.outcome.as_str(), typed: typed.to_owned() });
    state.scan_log().record(ScanRecord {
        at: time::OffsetDateTime::now_utc().unix_timestamp(),
        product_id: p.id,
        lot_id: found.lot.as_ref().map(|l| l.lot.id),
        serial: found.stamp.as_ref().map(|s| s.serial.clone()),
        cell: geo.and_then(parse_geo),
        agent,
        client: Some(scanner.client),
        attempt,
    });

    let t = ctx.t;
    let here = utf8_percent_encode(&ctx.here, NON_ALPHANUMERIC).to_string();
    let kind = found.outcome.page();
    let lot = found.lot.as_deref();
    let page = if ctx.user().is_none() && ctx.flash.is_none() {
        let key = (p.id, lot.map(|l| l.lot.id), ctx.lang(), kind);
        let build = async { skeleton(state, ctx, data, lot, kind).map(Arc::new) };
        state.public_cache().pages.get_or_load(key, build).await?
    } else {
        Arc::new(skeleton(state, ctx, data, lot, kind)?)
    };

    let label = found.stamp.as_deref().map(|s| LabelView::of(t, s));
    let serial_typed = target.serial.as_deref().unwrap_or_default();
    let heading = if kind == PageKind::NotGenuine { "h1" } else { "h2" };
    let verdict = VerdictPart { t, heading, outcome: found.outcome, label: label.as_ref(), serial_typed }
        .render()
        .map_err(template_error)?;
    let label_card = match (&label, kind) {
        (Some(l), PageKind::Product) => LabelPart { t, l }.render().map_err(template_error)?,
        _ => String::new(),
    };
    let anchor =
        askama::filters::escape(&target.anchor, askama::filters::Html).map(|a| a.to_string()).unwrap_or_default();
    let filling = Filling { here: &here, anchor: &anchor, verdict: &verdict, label: &label_card };
    let html = HeaderValue::from_static("text/html; charset=utf-8");
    let body = axum::body::Body::new(page.fill(&filling));
    let mut response = (found.outcome.status(), [(header::CONTENT_TYPE, html)], body).into_response();
    if target.anchor.starts_with("/01/")
        && let Ok(link) = HeaderValue::from_str(&format!(
            "<{}?linkType=linkset>; rel=\"linkset\"; type=\"{LINKSET_TYPE}\"",
            target.anchor
        ))
    {
        response.headers_mut().insert(header::LINK, link);
    }
    // The page is live (certificate status, scans): never cached by a shared cache.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The page of a product (and lot) with marks where a scan's own parts go.
fn skeleton(
    state: &AppState,
    mut ctx: PageCtx,
    data: &ProductData,
    lot: Option<&LotData>,
    kind: PageKind,
) -> AppResult<Skeleton> {
    ctx.here = Slot::Here.mark().to_owned();
    let v = view(state, ctx.t, data, lot);
    let html = match kind {
        PageKind::Product => {
            let inquiry_action = format!("/p/{}/inquiries", seg(&v.code));
            ProductPage { ctx, v, f: domain::outlets::InquiryInput::default(), inquiry_action }.render()
        }
        PageKind::NotGenuine => NotGenuinePage { ctx, v }.render(),
    };
    Ok(Skeleton::cut(&html.map_err(template_error)?))
}

fn view(state: &AppState, t: Tr, data: &ProductData, lot: Option<&LotData>) -> View {
    let p = &data.product;
    let today = today();
    let status = match &data.certificate {
        Some(c) => Some(c.status(today)),
        None => p.certificate_status(today),
    };
    let cert = cert_view(t, status, data.certificate.as_ref(), p);
    let in_force = status.is_some_and(CertificateStatus::in_force);
    let photos = if in_force { data.photos.clone() } else { Vec::new() };
    let channels: Vec<ChannelView> = data
        .channels
        .iter()
        .map(|c| ChannelView {
            kind: crate::pages::outlets::channel_label(t, &c.kind),
            partner: c.partner.clone(),
            url: c.url.clone(),
        })
        .collect();
    let events = lot.map_or(&data.timeline, |l| &l.timeline);
    let timeline = events
        .iter()
        .map(|e| {
            let mut what = t.get(&format!("bizstep-{}", e.biz_step));
            if let Some(d) = &e.disposition {
                what.push_str(" · ");
                what.push_str(&t.get(&format!("disposition-{d}")));
            }
            (fmt::datetime(e.event_time), what)
        })
        .collect();

    let base = base_url(state);
    let stars = stars_text(p.stars.filter(|_| in_force));
    let stars_label = match p.stars.filter(|_| in_force) {
        Some(n) => t.arg("trace-stars", "stars", &n.to_string()),
        None => String::new(),
    };
    // Who makes a product and where is public once it has been certified (a revoked or expired
    // certificate still names its holder); of a product never certified the public learns only
    // that it is not, as in the API.
    let disclosed = status.is_some();
    let place = if disclosed { format!("{}, {}", p.commune_name, p.province_name) } else { String::new() };
    let producer = if disclosed { p.producer_name.clone() } else { String::new() };
    let summary = [producer.as_str(), place.as_str(), cert.status.as_str(), cert.detail.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" · ");
    let jsonld = product_jsonld(base, p, data.certificate.as_ref(), status, &photos, disclosed);
    let anchor = Slot::Anchor.mark();
    View {
        verdict_slot: Slot::Verdict.mark(),
        label_slot: Slot::Label.mark(),
        name: p.name.clone(),
        code: p.code.clone(),
        stars,
        stars_label,
        producer,
        place,
        old_district: p.old_district_name.clone().filter(|_| disclosed).unwrap_or_default(),
        description: if disclosed { p.description.clone() } else { String::new() },
        packaging: [p.packaging.as_str(), p.capacity.as_str()]
            .iter()
            .filter(|s| disclosed && !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" · "),
        price: p.price_vnd.filter(|_| disclosed).map(|v| format!("{} đ", fmt::thousands(v))).unwrap_or_default(),
        image: photos_first_url(base, &photos),
        photos,
        jsonld,
        cert,
        channels: if disclosed { channels } else { Vec::new() },
        points: if in_force { data.points.clone() } else { Vec::new() },
        producer_id: p.producer_id,
        askable: in_force,
        office: data.office.as_ref().map(super::report::OfficeView::of),
        lot: lot.map(|l| LotView {
            code: l.lot.code.clone(),
            produced: l.lot.produced_on.map(fmt::date).unwrap_or_default(),
            expires: l.lot.expires_on.map(fmt::date).unwrap_or_default(),
            quantity: l
                .lot
                .quantity
                .map(|q| format!("{} {}", fmt::thousands(q), l.lot.unit).trim().to_owned())
                .unwrap_or_default(),
            recalled: l.recalled,
        }),
        timeline,
        url: format!("{base}{anchor}"),
        summary,
        linkset: format!("{anchor}?linkType=linkset"),
    }
}

/// schema.org `Product` with its certificate (`hasCertification` → `Certification`: the stars as
/// the rating, the validity dates, the issuing authority, the live status).
fn product_jsonld(
    base: &str,
    p: &Product,
    certificate: Option<&Certificate>,
    status: Option<CertificateStatus>,
    photos: &[i64],
    disclosed: bool,
) -> String {
    let url = format!("{base}/p/{}", seg(&p.code));
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "@id": url,
        "name": p.name,
        "url": url,
        "productID": p.code,
        "category": p.sheet_code,
    });
    if let Some(g) = p.gtin.as_deref().and_then(|g| Gtin::parse(g).ok()) {
        doc["gtin14"] = json!(g.gtin14());
    }
    if disclosed {
        doc["description"] = json!(p.description);
        doc["manufacturer"] = json!({"@type": "Organization", "name": p.producer_name, "url": format!("{base}/producers/{}", p.producer_id)});
        doc["image"] = json!(photos.iter().map(|id| format!("{base}/photos/{id}")).collect::<Vec<_>>());
        if let Some(price) = p.price_vnd {
            doc["offers"] = json!({"@type": "Offer", "price": price, "priceCurrency": "VND"});
        }
    }
    // A recognition whose decision is not on file has no certificate to name.
    if let (Some(c), Some(s)) = (certificate.filter(|c| c.decision_on_file()), status) {
        doc["hasCertification"] = json!({
            "@type": "Certification",
            "name": "OCOP",
            "identifier": c.number,
            "url": format!("{base}/verify/certificate/{}", seg(&c.number)),
            "certificationStatus": s.as_str(),
            "certificationRating": {"@type": "Rating", "ratingValue": c.stars, "bestRating": 5, "worstRating": 3},
            "validFrom": c.issued_on.to_string(),
            "expires": c.expires_on.to_string(),
            "issuedBy": {"@type": "Organization", "name": c.issuer(&p.province_name)},
        });
    }
    crate::page::script_json(&doc)
}

fn photos_first_url(base: &str, photos: &[i64]) -> String {
    photos.first().map(|id| format!("{base}/photos/{id}")).unwrap_or_default()
}

fn cert_view(
    t: Tr,
    status: Option<CertificateStatus>,
    certificate: Option<&store::certificates::Certificate>,
    p: &Product,
) -> CertView {
    let Some(status) = status else {
        return CertView {
            status: t.get("trace-not-certified"),
            class: "off",
            detail: String::new(),
            href: String::new(),
        };
    };
    // On the shopper's page a superseded certificate is as bad as an expired one.
    let class = match status {
        CertificateStatus::Superseded => "bad",
        s => crate::page::status_class(Some(s)),
    };
    let expires = certificate.map(|c| c.expires_on).or(p.certificate_expires_on);
    let extended = certificate.map_or(p.certificate_extended_until, |c| c.extended_until);
    let detail = match (status, expires) {
        (CertificateStatus::Valid | CertificateStatus::Expiring, Some(d)) => {
            t.arg("trace-valid-until", "date", &fmt::date(d))
        }
        (CertificateStatus::Extended, _) => match extended {
            Some(d) => t.arg("certificate-extended-until", "date", &fmt::date(d)),
            None => String::new(),
        },
        (CertificateStatus::Expired, Some(d)) => t.arg("trace-expired-on", "date", &fmt::date(d)),
        (CertificateStatus::Revoked, _) => match certificate.and_then(|c| c.revoked_on) {
            Some(d) => t.arg("trace-revoked-on", "date", &fmt::date(d)),
            None => String::new(),
        },
        _ => String::new(),
    };
    // A recognition known only from news says so beside its status.
    let detail = match certificate.and_then(|c| crate::pages::evaluation::evidence_text(t, &c.evidence)) {
        Some(on_file) => format!("{detail} · {on_file}"),
        None => detail,
    };
    CertView {
        status: t.get(&format!("status-{}", status.as_str())),
        class,
        detail,
        href: certificate.map(|c| format!("/verify/certificate/{}", seg(&c.number))).unwrap_or_default(),
    }
}

/// `lat,lon` in degrees → a 0.1° cell; anything else is ignored (the place is optional).
fn parse_geo(raw: &str) -> Option<Cell> {
    let (lat, lon) = raw.split_once(',')?;
    Cell::from_degrees(lat.trim().parse().ok()?, lon.trim().parse().ok()?)
}

/// The links a Digital Link URI resolves to.
struct Links {
    anchor: String,
    /// (link type without prefix, href, media type, title)
    items: Vec<(&'static str, String, &'static str, String)>,
    default_link: String,
}

impl Links {
    fn of(t: Tr, base: &str, data: &ProductData, link: &DigitalLink) -> Links {
        let p = &data.product;
        let path = link.path();
        let mut pip = format!("{base}/p/{}", seg(&p.code));
        if let Some(l) = &link.lot {
            pip.push_str(&format!("?lot={}", encode(l)));
        }
        let verification = format!("{base}/verify{path}");
        let mut items = vec![
            ("pip", pip, "text/html", t.arg("linkset-pip", "name", &p.name)),
            ("verificationService", verification.clone(), "text/html", t.get("linkset-verification")),
        ];
        if let Some(c) = &data.certificate {
            let href = format!("{base}/verify/certificate/{}", seg(&c.number));
            items.push(("certificationInfo", href, "text/html", t.arg("linkset-certificate", "number", &c.number)));
        }
        items.push((
            "traceability",
            format!("{base}/api/v1/epcis/events?product={}", encode(&p.code)),
            "application/ld+json",
            t.get("linkset-traceability"),
        ));
        items.push(("defaultLink", verification.clone(), "text/html", t.get("linkset-verification")));
        Links { anchor: format!("{base}{path}"), items, default_link: verification }
    }

    /// `gs1:certificationInfo`, `certificationInfo` or the full URI.
    fn find(&self, kind: &str) -> Option<String> {
        let bare = kind.strip_prefix("gs1:").or_else(|| kind.strip_prefix(GS1)).unwrap_or(kind);
        self.items.iter().find(|(k, ..)| *k == bare).map(|(_, href, ..)| href.clone())
    }

    /// RFC 9264 JSON: one context object whose members are relation types → target objects.
    fn linkset(&self) -> Value {
        let mut context = serde_json::Map::new();
        context.insert("anchor".into(), json!(self.anchor));
        for (kind, href, media, title) in &self.items {
            let target = json!({"href": href, "type": media, "title": title, "hreflang": ["vi", "en"]});
            match context.get_mut(&format!("{GS1}{kind}")) {
                Some(Value::Array(list)) => list.push(target),
                _ => {
                    context.insert(format!("{GS1}{kind}"), json!([target]));
                }
            }
        }
        json!({"linkset": [Value::Object(context)]})
    }
}

/// `/.well-known/gs1resolver`: what this resolver serves (GS1-Conformant Resolver standard).
pub async fn resolver_description(State(state): State<AppState>) -> Response {
    let base = base_url(&state);
    Json(json!({
        "name": "OCOP — Chương trình mỗi xã một sản phẩm",
        "resolverRoot": base,
        "supportedPrimaryKeys": ["01"],
        "supportedQualifiers": {"01": ["22", "10", "21"]},
        "supportedLinkType": ["gs1:pip", "gs1:verificationService", "gs1:certificationInfo", "gs1:traceability", "gs1:defaultLink"],
        "linkTypeDefaultCanBeLinkset": false,
        "supportedContextValuesEnumerated": {"accept-language": ["vi", "en"]},
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geo_is_optional_and_coarse() {
        assert_eq!(parse_geo("21.0285,105.8542"), Some(Cell { lat10: 210, lon10: 1059 }));
        assert_eq!(parse_geo("nowhere"), None);
        assert_eq!(parse_geo("91,0"), None);
    }
}
