//! What every HTML page shares: the caller, the language, the navigation, a one-shot message.

use crate::auth::{Caller, CurrentUser};
use crate::error::AppError;
use crate::i18n::{Locale, Tr};
use crate::{assets, cookies};
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use domain::access::{self, Action};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use store::users::User;

/// The cookie carrying a message to show once on the next page (after a redirect).
pub const FLASH_COOKIE: &str = "ocop_flash";

#[derive(Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// The context of the page frame (`templates/base.html`).
#[derive(Clone)]
pub struct PageCtx {
    pub t: Tr,
    pub caller: Caller,
    /// Path and query of this request, to come back to after switching language.
    pub here: String,
    pub request_id: String,
    pub flash: Option<String>,
}

impl PageCtx {
    pub fn new(parts: &Parts) -> Self {
        let locale = Locale::from_parts(parts);
        let t = locale.tr();
        let caller = Caller::from_extensions(parts.extensions.get::<CurrentUser>());
        let path = parts.uri.path();
        let here = parts.uri.path_and_query().map_or_else(|| path.to_owned(), |pq| pq.as_str().to_owned());
        let request_id = parts.headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let flash = cookies::get(&parts.headers, FLASH_COOKIE).filter(|f| !f.is_empty());
        Self { t, caller, here, request_id, flash }
    }

    /// The menu, built when a page shows it (a label page served from its skeleton does not).
    pub fn nav(&self) -> Vec<NavItem> {
        navigation(&self.caller, self.t, self.here.split('?').next().unwrap_or_default())
    }

    pub fn user(&self) -> Option<&User> {
        self.caller.user()
    }

    pub fn lang(&self) -> &'static str {
        self.t.locale.code()
    }

    /// The link that switches to the other language and returns here.
    pub fn lang_href(&self) -> String {
        format!("/lang/{}?next={}", self.t.locale.other().code(), utf8_percent_encode(&self.here, NON_ALPHANUMERIC))
    }

    /// The report form of the label this page is about (see `pages::trace::report`).
    pub fn report_href(&self) -> String {
        format!("/report?link={}", utf8_percent_encode(&self.here, NON_ALPHANUMERIC))
    }

    /// The sign-in link, which comes back here afterwards.
    pub fn login_href(&self) -> String {
        if self.here == "/" || self.here.starts_with("/login") {
            "/login".to_owned()
        } else {
            format!("/login?from={}", utf8_percent_encode(&self.here, NON_ALPHANUMERIC))
        }
    }

    pub fn css(&self) -> String {
        assets::url("app.css")
    }

    pub fn js(&self) -> String {
        assets::url("app.js")
    }

    /// A static file's address with its content hash (see `assets`).
    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }

    pub fn version(&self) -> &'static str {
        crate::VERSION
    }

    pub fn role_label(&self, role: &domain::role::Role) -> String {
        self.t.get(&format!("role-{}", role.as_str()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageCtx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PageCtx::new(parts))
    }
}

/// The pages of the supervision entry of the menu.
const SUPERVISION: [&str; 6] =
    ["/inspections", "/inspection-photos", "/findings", "/trainings", "/support", "/finding-evidence"];

fn navigation(caller: &Caller, t: Tr, path: &str) -> Vec<NavItem> {
    let actor = caller.actor();
    let may = |action| access::listing(actor.as_ref(), action).is_ok();
    // The brand leads home; the menu holds the places of work.
    let mut items = Vec::new();
    let figures = may(Action::ViewFigures);
    if figures {
        items.push(("/dashboard", "nav-dashboard"));
    }
    items.push(("/catalogue", "nav-catalogue"));
    if may(Action::ReadRecords) {
        items.push(("/products", "nav-registry-products"));
        items.push(("/producers", "nav-producers"));
    }
    items.push(("/sales-points", "nav-points"));
    items.push(("/events", "nav-events"));
    if may(Action::AnswerInquiries) {
        items.push(("/inquiries", "nav-inquiries"));
    }
    if may(Action::ManageOutlets) {
        items.push(("/market", "nav-market"));
    }
    // Supervision and capacity building, one entry (its pages have tabs): the office and
    // inspectors start at the visits, a producer at its findings, a commune officer at its
    // commune's visits.
    if may(Action::ManageSupervision) || may(Action::RecordInspection) || may(Action::ScreenDossier) {
        items.push(("/inspections", "nav-supervision"));
    } else if may(Action::AnswerFindings) {
        items.push(("/findings", "nav-supervision"));
    }
    let evaluates = [Action::ManageEvaluation, Action::ScreenDossier, Action::ScoreProduct, Action::EvaluateCentral]
        .into_iter()
        .any(&may)
        || actor.as_ref().is_some_and(|a| a.role == domain::role::Role::Producer);
    if evaluates {
        items.push(("/evaluation", "nav-evaluation"));
    }
    // The unit lists are public and linked from the home page; the menu of those who read the
    // figures is long enough without them.
    if !figures {
        items.push(("/units", "nav-units"));
    }
    if may(Action::ManageRegistry) {
        items.push(("/registry/import", "nav-import"));
    }
    if may(Action::ManageRegistry) {
        items.push(("/traceability/alerts", "nav-alerts"));
    }
    if may(Action::ManageUsers) {
        items.push(("/admin/users", "nav-users"));
    }
    if may(Action::ViewAudit) {
        items.push(("/admin/audit", "nav-audit"));
    }
    // Notifications sit with the account's tools, and the API's documentation in the footer:
    // the menu keeps to the work and fits one row on a 1366-pixel screen.
    items
        .into_iter()
        .map(|(href, key)| NavItem {
            href,
            label: t.get(key),
            current: match key {
                "nav-supervision" => SUPERVISION.iter().any(|p| path.starts_with(p)),
                _ => path.starts_with(href.trim_end_matches('/')),
            },
        })
        .collect()
}

/// Renders a page with 200.
pub fn render(template: &impl Template) -> Response {
    render_status(StatusCode::OK, template)
}

pub fn render_status(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => template_error(e).into_response(),
    }
}

/// A template that failed to render: a fault of ours.
pub fn template_error(e: askama::Error) -> AppError {
    AppError::internal(format!("template: {e}"))
}

/// A page that shows a form: 422 when it carries errors, 200 otherwise.
pub fn render_form(has_errors: bool, template: &impl Template) -> Response {
    render_status(if has_errors { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK }, template)
}

/// Every refused field's message, in the caller's language.
pub fn messages(t: Tr, errors: &domain::FieldErrors) -> Vec<String> {
    errors.iter().map(|(_, why)| t.invalid(why)).collect()
}

/// A form field's error message, if it has one, for templates.
pub fn field_error(t: Tr, errors: &domain::FieldErrors, field: &str) -> Option<String> {
    errors.get(field).map(|why| t.invalid(why))
}

/// Links to the previous and next page of a list, keeping the other query parameters.
pub struct Pager {
    pub label: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub fn new(ctx: &PageCtx, page: store::Page, total: i64) -> Self {
        let pages = ((total + i64::from(page.size) - 1) / i64::from(page.size)).max(1);
        let current = i64::from(page.number);
        let (path, query) = ctx.here.split_once('?').unwrap_or((&ctx.here, ""));
        let link = |n: i64| {
            let mut params: Vec<String> =
                query.split('&').filter(|p| !p.is_empty() && !p.starts_with("page=")).map(str::to_owned).collect();
            params.push(format!("page={n}"));
            format!("{path}?{}", params.join("&"))
        };
        Self {
            label: ctx.t.args("pager-page", &[("page", &current.to_string()), ("pages", &pages.to_string())]),
            prev: (current > 1).then(|| link(current - 1)),
            next: (current < pages).then(|| link(current + 1)),
        }
    }
}

/// One option of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn list<'a>(items: impl IntoIterator<Item = (&'a str, String)>, selected: &str) -> Vec<Choice> {
        items
            .into_iter()
            .map(|(value, label)| Choice { selected: value == selected, value: value.to_owned(), label })
            .collect()
    }
}

/// One URL path segment built from a record's number, code, lot or serial (percent-encoded, so
/// `/` and Vietnamese letters travel); templates call it as `crate::page::seg(x.as_str())`.
pub fn seg(value: &str) -> String {
    domain::text::url_segment(value)
}

/// The address the public reaches this server at (for links printed on certificates and labels,
/// and linksets): always the configured public URL, never a request's `Host` header, which a
/// client may set to anything.
pub fn base_url(state: &crate::AppState) -> &str {
    state.settings().public_url.trim_end_matches('/')
}

/// JSON for a `<script type="application/…json">` block: with `<`, `>` and `&` written as JSON
/// escapes, text from the records can neither close the element nor open a comment in it.
pub fn script_json(v: &serde_json::Value) -> String {
    v.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// The `Content-Disposition` of a download named `file_name`: an ASCII fallback and the UTF-8
/// name (a certificate number holds `/` and Vietnamese letters).
fn disposition(file_name: &str) -> axum::http::HeaderValue {
    let ascii: String =
        file_name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let encoded = domain::text::url_segment(file_name);
    axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"))
        .unwrap_or(axum::http::HeaderValue::from_static("attachment"))
}

/// A document made for this request (a PDF, a workbook) sent as a private download.
pub fn download(file_name: &str, content_type: &'static str, bytes: Vec<u8>) -> Response {
    use axum::http::{HeaderValue, header};
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition(file_name)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
        ],
        bytes,
    )
        .into_response()
}

/// A stored file sent as a download under its own name (ASCII fallback and UTF-8), with headers
/// that keep a browser from running or sniffing it.
pub fn attachment(file_name: &str, content_type: &str, sha256: &str, bytes: Vec<u8>) -> Response {
    use axum::http::{HeaderValue, header};
    let value = |s: &str| HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (
        [
            (header::CONTENT_TYPE, value(content_type)),
            (header::CONTENT_DISPOSITION, disposition(file_name)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox")),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
            (header::ETAG, value(&format!("\"{sha256}\""))),
        ],
        bytes,
    )
        .into_response()
}

/// The badge class of a certificate's status (`None`: never certified).
pub fn status_class(status: Option<domain::certificate::CertificateStatus>) -> &'static str {
    use domain::certificate::CertificateStatus as S;
    match status {
        Some(S::Valid) => "on",
        Some(S::Expiring | S::Extended) => "warn",
        Some(S::Expired | S::Revoked) => "bad",
        Some(S::Superseded) | None => "off",
    }
}
